using System.Runtime.CompilerServices;
using FirewallSim.Decode;
using FirewallSim.Net;
using FirewallSim.Verdicts;

namespace FirewallSim.Reports.Diff;

/// <summary>
/// TCP connections whose opening SYN side A delivered and side B refused. The capture was recorded in
/// A's world: its later packets (the SYN-ACK, the data, the FIN) would never have been sent in B's, so
/// they are not given to B's engine — otherwise a recorded reply could open a tracked entry in B and
/// make the rest of a refused session look accepted. They count for B as "not sent". A later pure SYN
/// of the same connection (a retry or a new connection on the same ports) is evaluated afresh.
/// Key: protocol-independent unordered address and port pair (TCP only).
/// </summary>
internal sealed class RefusedConnections
{
    private readonly Dictionary<Key, long> _refused = new();

    public int Count => _refused.Count;

    /// <summary>True when the packet belongs to a refused connection and is not a new SYN; <paramref name="frame"/> is the refused SYN's frame.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsRefused(in PacketInfo p, out long frame)
    {
        frame = 0;
        if (_refused.Count == 0 || p.Protocol != IpProtocol.Tcp || p.Status != DecodeStatus.Ok)
        {
            return false;
        }

        var key = Key.Of(p);
        if (!_refused.TryGetValue(key, out frame))
        {
            return false;
        }

        if (IsPureSyn(p))
        {
            _refused.Remove(key);
            return false;
        }

        return true;
    }

    /// <summary>After both sides evaluated a packet: remembers a pure SYN that A delivered and B did not.</summary>
    public void Observe(in PacketInfo p, in PacketResult a, in PacketResult b)
    {
        if (p.Protocol != IpProtocol.Tcp || !IsPureSyn(p) || p.IsLaterFragment)
        {
            return;
        }

        if (Delivered(a) && !Delivered(b) && b.Disposition == PacketDisposition.Evaluated)
        {
            _refused[Key.Of(p)] = p.FrameNumber;
        }
    }

    private static bool IsPureSyn(in PacketInfo p) => (p.TcpFlags & (TcpFlags.Syn | TcpFlags.Ack)) == TcpFlags.Syn;

    private static bool Delivered(in PacketResult r)
    {
        if (r.Disposition != PacketDisposition.Evaluated || r.Count == 0)
        {
            return false;
        }

        for (int i = 0; i < r.Count; i++)
        {
            if (r.Verdicts[i].Action != VerdictAction.Accept)
            {
                return false;
            }
        }

        return true;
    }

    private readonly record struct Key(IpAddr Low, IpAddr High, ushort LowPort, ushort HighPort)
    {
        public static Key Of(in PacketInfo p)
        {
            int c = p.Src.CompareTo(p.Dst);
            return c < 0 || (c == 0 && p.SrcPort <= p.DstPort)
                ? new Key(p.Src, p.Dst, p.SrcPort, p.DstPort)
                : new Key(p.Dst, p.Src, p.DstPort, p.SrcPort);
        }
    }
}
