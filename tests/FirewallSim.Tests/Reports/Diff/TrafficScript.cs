using FirewallSim.Net;
using FirewallSim.Tests.Support;
using static FirewallSim.Decode.TcpFlags;

namespace FirewallSim.Tests.Reports;

/// <summary>
/// Builds small captures for the diff and suggest tests: Ethernet frames (IPv4 or IPv6 by the address)
/// with times in seconds from <see cref="T0"/>, written as a nanosecond pcap into a temporary directory.
/// </summary>
public sealed class TrafficScript : IDisposable
{
    /// <summary>2024-05-01T12:00:00Z.</summary>
    public const uint T0 = 1_714_564_800;

    private readonly List<(double Time, int Seq, byte[] Frame)> _frames = new();
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fwsim-traffic-" + Guid.NewGuid().ToString("N"));

    public int Count => _frames.Count;

    public TrafficScript Tcp(double t, string src, ushort sport, string dst, ushort dport, byte flags, int payload = 0) =>
        Add(t, src, dst, IpProtocol.Tcp, FrameBuilder.Tcp(sport, dport, flags, payloadLength: payload));

    public TrafficScript Udp(double t, string src, ushort sport, string dst, ushort dport, int payload = 20) =>
        Add(t, src, dst, IpProtocol.Udp, FrameBuilder.Udp(sport, dport, payload));

    public TrafficScript Echo(double t, string src, string dst, ushort id, bool reply = false) =>
        IsV6(src)
            ? Add(t, src, dst, IpProtocol.Icmpv6, FrameBuilder.Icmpv6Echo(id, reply: reply))
            : Add(t, src, dst, IpProtocol.Icmp, FrameBuilder.IcmpEcho(id, reply: reply));

    /// <summary>An ICMP error (e.g. 3/4 fragmentation needed) quoting a made-up packet.</summary>
    public TrafficScript IcmpError(double t, string src, string dst, byte type, byte code) =>
        Add(t, src, dst, IpProtocol.Icmp, FrameBuilder.IcmpError(type, code, FrameBuilder.Ipv4(dst, "192.0.2.200", IpProtocol.Tcp, FrameBuilder.Tcp(1, 2))[..28]));

    public TrafficScript Other(double t, string src, string dst, byte protocol, int payload = 24) =>
        Add(t, src, dst, protocol, new byte[payload]);

    /// <summary>SYN, SYN-ACK, ACK, request, response, FIN/ACK both ways, last ACK — 10 ms apart.</summary>
    public TrafficScript Session(double t, string client, ushort cport, string server, ushort sport, int request = 200, int response = 900, bool close = true)
    {
        const double step = 0.01;
        Tcp(t, client, cport, server, sport, Syn);
        Tcp(t += step, server, sport, client, cport, (byte)(Syn | Ack));
        Tcp(t += step, client, cport, server, sport, Ack);
        Tcp(t += step, client, cport, server, sport, (byte)(Psh | Ack), request);
        Tcp(t += step, server, sport, client, cport, (byte)(Psh | Ack), response);
        if (close)
        {
            Tcp(t += step, client, cport, server, sport, (byte)(Fin | Ack));
            Tcp(t += step, server, sport, client, cport, (byte)(Fin | Ack));
            Tcp(t + step, client, cport, server, sport, Ack);
        }

        return this;
    }

    /// <summary>Writes the frames in time order (stable for equal times) and returns the file's path.</summary>
    public string Write(string name = "traffic.pcap")
    {
        Directory.CreateDirectory(_dir);
        var b = TestCaptureBuilder.Pcap(nanosecond: true);
        foreach (var (time, _, frame) in _frames.OrderBy(f => f.Time).ThenBy(f => f.Seq))
        {
            long ns = (long)Math.Round(time * 1e9);
            b.Record(frame, T0 + (uint)(ns / 1_000_000_000), (uint)(ns % 1_000_000_000));
        }

        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, b.ToArray());
        return path;
    }

    public string Dir => _dir;

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private TrafficScript Add(double t, string src, string dst, byte protocol, byte[] l4)
    {
        byte[] ip = IsV6(src) ? FrameBuilder.Ipv6(src, dst, protocol, l4) : FrameBuilder.Ipv4(src, dst, protocol, l4);
        _frames.Add((t, _frames.Count, FrameBuilder.Ethernet(ip)));
        return this;
    }

    private static bool IsV6(string address) => address.Contains(':', StringComparison.Ordinal);
}
