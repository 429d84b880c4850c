using System.Buffers.Binary;
using FirewallSim.Capture;
using FirewallSim.Net;
using FirewallSim.Tests.Support;
using static FirewallSim.Decode.TcpFlags;

namespace FirewallSim.Tests.Samples;

/// <summary>
/// The script of the bundled sample capture, samples/pcaps/three-tier.pcap: a small three-tier VPC
/// (bastion, web, app, database in a public and a private subnet, samples/config/three-tier) seen for
/// four minutes. It holds accepted, rejected, untracked, expiring and exempt traffic, a NACL deny,
/// IPv6 and a fragmented datagram. Regenerate with FWSIM_UPDATE_SAMPLES=1 (see ThreeTierSampleTests).
/// </summary>
public static class ThreeTierScenario
{
    /// <summary>2024-05-01T12:00:00Z.</summary>
    public const long StartSeconds = 1_714_564_800;

    private static readonly MacAddr PublicRouter = Mac("0e:00:00:01:00:01");
    private static readonly MacAddr PrivateRouter = Mac("0e:00:00:02:00:01");

    public static readonly Host Bastion = new("10.0.1.5", Mac("0e:00:00:01:00:05"), PublicRouter, "public");
    public static readonly Host Web = new("10.0.1.10", Mac("0e:00:00:01:00:10"), PublicRouter, "public");
    public static readonly Host Web6 = new("2600:1f18:1234:5601::10", Mac("0e:00:00:01:00:10"), PublicRouter, "public");
    public static readonly Host App = new("10.0.2.20", Mac("0e:00:00:02:00:20"), PrivateRouter, "private");
    public static readonly Host Db = new("10.0.2.30", Mac("0e:00:00:02:00:30"), PrivateRouter, "private");
    public static readonly Host VpcDns = new("10.0.0.2", default, default, null);
    public static readonly Host Admin = Internet("203.0.113.10");
    public static readonly Host Client = Internet("198.51.100.77");
    public static readonly Host Client2 = Internet("198.51.100.78");
    public static readonly Host Client6 = Internet("2a00:1450:4001:81c::77");
    public static readonly Host Resolver = Internet("8.8.8.8");
    public static readonly Host BlockedScanner = Internet("192.0.2.66");
    public static readonly Host Scanner = Internet("45.33.32.156");
    public static readonly Host Origin = Internet("93.184.216.34");

    public sealed record Host(string Ip, MacAddr Mac, MacAddr Gateway, string? Subnet)
    {
        public bool IsInternet => Subnet is null;

        public bool IsV6 => Ip.Contains(':', StringComparison.Ordinal);
    }

    /// <summary>Builds the capture: classic pcap, nanosecond timestamps, Ethernet.</summary>
    public static byte[] Build()
    {
        var s = new Script();

        // 0:01 An administrator in the office opens SSH to the bastion: tracked (the rule is a /24).
        s.TcpSession(1.0, Admin, 51000, Bastion, 22, requests: new[] { 40, 120, 60 }, responses: new[] { 500, 300, 900 });

        // 0:02 An internet client fetches a page over HTTPS: untracked (443 from 0.0.0.0/0, egress all to 0.0.0.0/0).
        s.TcpSession(2.0, Client, 40001, Web, 443, requests: new[] { 517, 90 }, responses: new[] { 1400, 1400, 1400, 600 });

        // 0:03 The same over IPv6 (::/0 rules both ways): untracked as well.
        s.TcpSession(3.0, Client6, 40002, Web6, 443, requests: new[] { 517 }, responses: new[] { 1400, 800 });

        // 0:03.5 web calls app on 8080: a security-group reference (sg-web members), tracked on both ENIs.
        s.TcpSession(3.5, Web, 45000, App, 8080, requests: new[] { 300 }, responses: new[] { 1200 });

        // 0:04 app queries the database; the connection stays open and goes idle.
        s.TcpSession(4.0, App, 46000, Db, 5432, requests: new[] { 200, 150 }, responses: new[] { 800, 64 }, close: false);

        // 0:05 DNS to the VPC resolver (10.0.0.2): exempt, never filtered, never logged.
        s.Udp(5.0, App, 46500, VpcDns, 53, 40);
        s.Udp(5.002, VpcDns, 53, App, 46500, 120);

        // 0:05.5 DNS to a public resolver: allowed out by udp 53, the reply by tracking.
        s.Udp(5.5, App, 46001, Resolver, 53, 45);
        s.Udp(5.52, Resolver, 53, App, 46001, 140);

        // 0:06 A large DNS answer arrives in two IPv4 fragments: the second copies the first's verdict (D12).
        s.Udp(6.0, App, 46002, Resolver, 53, 45);
        s.FragmentedUdp(6.03, Resolver, 53, App, 46002, payload: 2400, id: 0x4242);

        // 0:10 A scanner from a blocked range tries SSH on the bastion: denied by NACL entry 90.
        s.Tcp(10.0, BlockedScanner, 61000, Bastion, 22, Syn);

        // 0:11 The same scanner probes RDP on web: the NACL allows 1024-65535, the security group has no rule.
        s.Tcp(11.0, BlockedScanner, 61001, Web, 3389, Syn);

        // 0:12 Another scanner tries SSH on web: the NACL allows 22, but sg-web takes SSH only from sg-bastion.
        s.Tcp(12.0, Scanner, 62000, Web, 22, Syn);
        s.Tcp(13.0, Scanner, 62000, Web, 22, Syn);

        // 0:14 The office pings the bastion: the public NACL only allows ICMP 3/4, so the catch-all denies it.
        s.IcmpEcho(14.0, Admin, Bastion, id: 0x2201, seq: 1, reply: false);

        // 0:20 The bastion hops to web over SSH (same subnet: no NACL; sg-web admits sg-bastion).
        s.TcpSession(20.0, Bastion, 52000, Web, 22, requests: new[] { 40, 80 }, responses: new[] { 400, 120 });

        // 0:30 The database tries to reach the internet: sg-db has no outbound rules.
        s.Tcp(30.0, Db, 47000, Origin, 443, Syn);

        // 1:05 A second client over HTTPS (window 2).
        s.TcpSession(65.0, Client2, 40100, Web, 443, requests: new[] { 517 }, responses: new[] { 1400, 1400 });

        // 1:15 The database pushes on its idle connection: its entry expired after 60 s (TcpEstablishedTimeout),
        // and with no outbound rules the packet is rejected.
        s.Tcp(75.0, Db, 5432, App, 46000, (byte)(Psh | Ack), payload: 64, seq: 900_000, ack: 600_000);

        // 1:20 web opens a new connection to app (tracked).
        s.TcpSession(80.0, Web, 45001, App, 8080, requests: new[] { 250 }, responses: new[] { 900 });

        // 2:05 web pings app: sg-app has no inbound ICMP rule.
        s.IcmpEcho(125.0, Web, App, id: 0x3301, seq: 1, reply: false);

        // 2:10 An IPv6 ping from the internet to web: the public NACL has no ICMPv6 entry, so 32768 denies it.
        s.Icmpv6Echo(130.0, Client6, Web6, id: 0x4401, seq: 1);

        // 3:10 The bastion opens SSH to app (window 4; cross-subnet: both NACLs apply and allow).
        s.TcpSession(190.0, Bastion, 52001, App, 22, requests: new[] { 40 }, responses: new[] { 400 });

        // 3:15 An ARP request on the public subnet: not IP, counted and left alone.
        s.Arp(195.0, Web);

        return s.ToPcap();
    }

    private static Host Internet(string ip) => new(ip, default, default, null);

    private static MacAddr Mac(string text) => MacAddr.TryParse(text, out var m) ? m : throw new FormatException(text);

    private sealed class Script
    {
        private readonly List<(long Ns, int Seq, byte[] Frame)> _frames = new();

        public void TcpSession(double t, Host client, ushort cport, Host server, ushort sport, int[] requests, int[] responses, bool close = true)
        {
            uint cseq = (uint)(cport * 1000), sseq = (uint)(sport * 7000 + 1);
            double step = 0.010;
            Tcp(t, client, cport, server, sport, Syn, 0, cseq, 0);
            Tcp(t += step, server, sport, client, cport, (byte)(Syn | Ack), 0, sseq, cseq + 1);
            cseq++;
            sseq++;
            Tcp(t += step, client, cport, server, sport, Ack, 0, cseq, sseq);
            int n = Math.Max(requests.Length, responses.Length);
            for (int i = 0; i < n; i++)
            {
                if (i < requests.Length)
                {
                    Tcp(t += step, client, cport, server, sport, (byte)(Psh | Ack), requests[i], cseq, sseq);
                    cseq += (uint)requests[i];
                }

                if (i < responses.Length)
                {
                    Tcp(t += step, server, sport, client, cport, (byte)(Psh | Ack), responses[i], sseq, cseq);
                    sseq += (uint)responses[i];
                }
            }

            Tcp(t += step, client, cport, server, sport, Ack, 0, cseq, sseq);
            if (close)
            {
                Tcp(t += step, client, cport, server, sport, (byte)(Fin | Ack), 0, cseq, sseq);
                cseq++;
                Tcp(t += step, server, sport, client, cport, (byte)(Fin | Ack), 0, sseq, cseq);
                sseq++;
                Tcp(t += step, client, cport, server, sport, Ack, 0, cseq, sseq);
            }
        }

        public void Tcp(double t, Host from, ushort sport, Host to, ushort dport, byte flags, int payload = 0, uint seq = 1000, uint ack = 0)
        {
            var seg = FrameBuilder.Tcp(sport, dport, flags, payloadLength: payload, sequence: seq, acknowledgment: ack);
            Pattern(seg.AsSpan(20), sport ^ dport);
            Emit(t, from, to, IpProtocol.Tcp, seg, checksumOffset: 16);
        }

        public void Udp(double t, Host from, ushort sport, Host to, ushort dport, int payload)
        {
            var seg = FrameBuilder.Udp(sport, dport, payload);
            Pattern(seg.AsSpan(8), sport + dport);
            Emit(t, from, to, IpProtocol.Udp, seg, checksumOffset: 6);
        }

        public void FragmentedUdp(double t, Host from, ushort sport, Host to, ushort dport, int payload, ushort id)
        {
            var seg = FrameBuilder.Udp(sport, dport, payload);
            Pattern(seg.AsSpan(8), id);
            SetL4Checksum(from.Ip, to.Ip, IpProtocol.Udp, seg, 6);
            const int firstLength = 1480; // a multiple of 8
            var first = FrameBuilder.Ipv4(from.Ip, to.Ip, IpProtocol.Udp, seg.AsSpan(0, firstLength), id: id, moreFragments: true);
            var rest = FrameBuilder.Ipv4(from.Ip, to.Ip, IpProtocol.Udp, seg.AsSpan(firstLength), id: id, fragmentOffset: firstLength);
            Add(t, Ethernet(from, to, first));
            Add(t + 0.0001, Ethernet(from, to, rest));
        }

        public void IcmpEcho(double t, Host from, Host to, ushort id, ushort seq, bool reply)
        {
            var m = FrameBuilder.IcmpEcho(id, seq, reply, payloadLength: 56);
            Pattern(m.AsSpan(8), id);
            BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(2), FrameBuilder.Checksum(m));
            Add(t, Ethernet(from, to, FrameBuilder.Ipv4(from.Ip, to.Ip, IpProtocol.Icmp, m)));
        }

        public void Icmpv6Echo(double t, Host from, Host to, ushort id, ushort seq)
        {
            var m = FrameBuilder.Icmpv6Echo(id, seq);
            Emit(t, from, to, IpProtocol.Icmpv6, m, checksumOffset: 2);
        }

        public void Arp(double t, Host who)
        {
            var arp = FrameBuilder.Arp();
            Add(t, FrameBuilder.Ethernet(arp, FrameBuilder.EtherTypeArp, who.Mac, new MacAddr(0xFFFF_FFFF_FFFFUL), minLength: 60));
        }

        public byte[] ToPcap()
        {
            var ordered = _frames.OrderBy(f => f.Ns).ThenBy(f => f.Seq).ToList();
            using var ms = new MemoryStream();
            using (var w = new PcapWriter(ms, LinkTypes.Ethernet, nanosecond: true, ownsStream: false))
            {
                foreach (var (ns, _, frame) in ordered)
                {
                    w.Write(frame, ns);
                }
            }

            return ms.ToArray();
        }

        private void Emit(double t, Host from, Host to, byte protocol, byte[] l4, int checksumOffset)
        {
            SetL4Checksum(from.Ip, to.Ip, protocol, l4, checksumOffset);
            byte[] ip = from.IsV6
                ? FrameBuilder.Ipv6(from.Ip, to.Ip, protocol, l4)
                : FrameBuilder.Ipv4(from.Ip, to.Ip, protocol, l4, id: (ushort)(_frames.Count * 7 + 1), dontFragment: protocol == IpProtocol.Tcp);
            Add(t, Ethernet(from, to, ip));
        }

        // Times are scripted in seconds with microsecond resolution.
        private void Add(double t, byte[] frame) =>
            _frames.Add(((StartSeconds * 1_000_000_000L) + ((long)Math.Round(t * 1_000_000) * 1000), _frames.Count, frame));

        /// <summary>MACs as a capture at the VPC's edge of each ENI would show them.</summary>
        private static byte[] Ethernet(Host from, Host to, byte[] ip)
        {
            MacAddr src = from.IsInternet || from.Mac.IsNone ? to.Gateway : from.Mac;
            MacAddr dst = to.IsInternet || to.Mac.IsNone
                ? from.Gateway
                : from.Subnet == to.Subnet ? to.Mac : from.Gateway;
            return FrameBuilder.Ethernet(ip, src: src, dst: dst, minLength: 60);
        }

        private static void Pattern(Span<byte> data, int seed)
        {
            for (int i = 0; i < data.Length; i++)
            {
                data[i] = (byte)(seed + (i * 31));
            }
        }

        /// <summary>TCP/UDP/ICMPv6 checksum over the pseudo-header and the segment.</summary>
        private static void SetL4Checksum(string src, string dst, byte protocol, byte[] l4, int offset)
        {
            var s = IpAddr.Parse(src);
            var d = IpAddr.Parse(dst);
            bool v4 = s.IsV4;
            int pseudo = v4 ? 12 : 40;
            var buf = new byte[pseudo + l4.Length];
            if (v4)
            {
                s.WriteBytes(buf);
                d.WriteBytes(buf.AsSpan(4));
                buf[9] = protocol;
                BinaryPrimitives.WriteUInt16BigEndian(buf.AsSpan(10), (ushort)l4.Length);
            }
            else
            {
                s.WriteBytes(buf);
                d.WriteBytes(buf.AsSpan(16));
                BinaryPrimitives.WriteUInt32BigEndian(buf.AsSpan(32), (uint)l4.Length);
                buf[39] = protocol;
            }

            l4[offset] = 0;
            l4[offset + 1] = 0;
            l4.CopyTo(buf, pseudo);
            ushort sum = FrameBuilder.Checksum(buf);
            if (sum == 0 && protocol == IpProtocol.Udp)
            {
                sum = 0xFFFF;
            }

            BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(offset), sum);
        }
    }
}
