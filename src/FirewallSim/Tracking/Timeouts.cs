using FirewallSim.Verdicts;

namespace FirewallSim.Tracking;

/// <summary>
/// Idle timeouts in seconds (D5). TCP established, UDP and UDP stream can be overridden per ENI by its
/// ConnectionTrackingConfiguration; the rest are fixed simulator defaults copied from Linux netfilter.
/// </summary>
public sealed record TrackingTimeouts
{
    public int TcpSynSent { get; init; } = 120;

    public int TcpSynRecv { get; init; } = 60;

    public int TcpEstablished { get; init; } = 432_000;

    public int TcpFinWait { get; init; } = 120;

    public int TcpCloseWait { get; init; } = 60;

    public int TcpLastAck { get; init; } = 30;

    public int TcpTimeWait { get; init; } = 120;

    public int TcpClose { get; init; } = 10;

    public int Udp { get; init; } = 30;

    public int UdpStream { get; init; } = 180;

    public int IcmpQuery { get; init; } = 30;

    public int OtherProtocol { get; init; } = 600;

    /// <summary>D5: network-load-balancer ENIs default to 350 s TCP and 120 s UDP.</summary>
    public int NlbTcp { get; init; } = 350;

    public int NlbUdp { get; init; } = 120;

    public static TrackingTimeouts Default { get; } = new();
}

/// <summary>The timeouts of one ENI in nanoseconds, indexed by state, so a refresh is one array read.</summary>
internal sealed class EniTimeouts
{
    private readonly long[] _byState;

    public EniTimeouts(TrackingTimeouts t, int? tcpEstablished, int? udp, int? udpStream, bool networkLoadBalancer)
    {
        _byState = new long[Enum.GetValues<TrackState>().Length];
        int established = tcpEstablished ?? (networkLoadBalancer ? t.NlbTcp : t.TcpEstablished);
        int udpSingle = udp ?? (networkLoadBalancer ? t.NlbUdp : t.Udp);
        int udpStreaming = udpStream ?? (networkLoadBalancer ? t.NlbUdp : t.UdpStream);
        Set(TrackState.SynSent, t.TcpSynSent);
        Set(TrackState.SynRecv, t.TcpSynRecv);
        Set(TrackState.Established, established);
        Set(TrackState.FinWait, t.TcpFinWait);
        Set(TrackState.CloseWait, t.TcpCloseWait);
        Set(TrackState.LastAck, t.TcpLastAck);
        Set(TrackState.TimeWait, t.TcpTimeWait);
        Set(TrackState.Close, t.TcpClose);
        Set(TrackState.UdpSingle, udpSingle);
        Set(TrackState.UdpStream, udpStreaming);
        Set(TrackState.IcmpQuery, t.IcmpQuery);
        Set(TrackState.Other, t.OtherProtocol);
        TcpEstablishedSeconds = established;
        UdpSeconds = udpSingle;
        UdpStreamSeconds = udpStreaming;
    }

    public int TcpEstablishedSeconds { get; }

    public int UdpSeconds { get; }

    public int UdpStreamSeconds { get; }

    public long For(TrackState state) => _byState[(int)state];

    private void Set(TrackState s, int seconds) => _byState[(int)s] = seconds * 1_000_000_000L;
}
