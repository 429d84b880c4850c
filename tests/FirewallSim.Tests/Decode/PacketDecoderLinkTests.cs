using FirewallSim.Capture;
using FirewallSim.Decode;
using FirewallSim.Net;
using FirewallSim.Tests.Support;
using static FirewallSim.Tests.Decode.Decoding;
using static FirewallSim.Tests.Support.FrameBuilder;

namespace FirewallSim.Tests.Decode;

public class PacketDecoderLinkTests
{
    private static readonly MacAddr MacA = new(0x0A1B_2C3D_4E5FUL);
    private static readonly MacAddr MacB = new(0x0011_2233_4455UL);

    private static readonly byte[] V4Tcp = Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Tcp, Tcp(40000, 443, TcpFlags.Syn));
    private static readonly byte[] V4Udp = Ipv4("192.168.1.10", "8.8.8.8", IpProtocol.Udp, Udp(5353, 53, payloadLength: 12));
    private static readonly byte[] V6Tcp = Ipv6("2001:db8::1", "2001:db8::2", IpProtocol.Tcp, Tcp(50000, 22, TcpFlags.Syn | TcpFlags.Ack));
    private static readonly byte[] V6Udp = Ipv6("fe80::1", "ff02::fb", IpProtocol.Udp, Udp(5353, 5353));
    private static readonly byte[] V4UdpSmall = Ipv4("10.1.1.1", "10.2.2.2", IpProtocol.Udp, Udp(1, 2));

    /// <summary>The addresses written into each test packet, spelled out rather than read back.</summary>
    private static readonly Dictionary<byte[], (string Src, string Dst)> Addresses = new()
    {
        [V4Tcp] = ("10.0.0.1", "10.0.0.2"),
        [V4Udp] = ("192.168.1.10", "8.8.8.8"),
        [V6Tcp] = ("2001:db8::1", "2001:db8::2"),
        [V6Udp] = ("fe80::1", "ff02::fb"),
        [V4UdpSmall] = ("10.1.1.1", "10.2.2.2"),
    };

    /// <summary>One frame per link layer variant and what the decoder must find in it.</summary>
    public sealed record LinkCase(
        ushort LinkType,
        byte[] Frame,
        byte[] Ip,
        ushort SrcPort,
        ushort DstPort,
        byte VlanCount = 0,
        ushort OuterVlan = 0,
        MacAddr SrcMac = default,
        MacAddr DstMac = default);

    private static readonly Dictionary<string, LinkCase> Cases = new()
    {
        ["ethernet-ipv4-tcp"] = new(LinkTypes.Ethernet, Ethernet(V4Tcp, src: MacA, dst: MacB), V4Tcp, 40000, 443, SrcMac: MacA, DstMac: MacB),
        ["ethernet-ipv6-tcp"] = new(LinkTypes.Ethernet, Ethernet(V6Tcp), V6Tcp, 50000, 22, SrcMac: DefaultSrcMac, DstMac: DefaultDstMac),
        ["ethernet-8100-ipv4"] = new(LinkTypes.Ethernet, Ethernet(V4Udp, vlans: [(EtherTypeVlan, 100)]), V4Udp, 5353, 53, 1, 100, DefaultSrcMac, DefaultDstMac),
        ["ethernet-88a8-8100-ipv4"] = new(LinkTypes.Ethernet, Ethernet(V4Tcp, vlans: [(EtherTypeQinQ, 300), (EtherTypeVlan, 20)]), V4Tcp, 40000, 443, 2, 300, DefaultSrcMac, DefaultDstMac),
        ["ethernet-9100-88a8-8100-ipv6"] = new(LinkTypes.Ethernet, Ethernet(V6Udp, vlans: [(EtherTypeQinQOld, 4095), (EtherTypeQinQ, 8), (EtherTypeVlan, 9)]), V6Udp, 5353, 5353, 3, 4095, DefaultSrcMac, DefaultDstMac),
        ["ethernet-padded-ipv4"] = new(LinkTypes.Ethernet, Ethernet(V4UdpSmall, minLength: 60), V4UdpSmall, 1, 2, SrcMac: DefaultSrcMac, DstMac: DefaultDstMac),
        ["ieee8023-snap-ipv4"] = new(LinkTypes.Ethernet, Ieee8023Snap(V4Udp, src: MacA, dst: MacB), V4Udp, 5353, 53, SrcMac: MacA, DstMac: MacB),
        ["ieee8023-snap-ipv6"] = new(LinkTypes.Ethernet, Ieee8023Snap(V6Tcp), V6Tcp, 50000, 22, SrcMac: DefaultSrcMac, DstMac: DefaultDstMac),
        ["sll-ipv4"] = new(LinkTypes.LinuxSll, LinuxSll(V4Tcp, src: MacA, packetType: 4), V4Tcp, 40000, 443, SrcMac: MacA),
        ["sll-ipv6"] = new(LinkTypes.LinuxSll, LinuxSll(V6Udp), V6Udp, 5353, 5353, SrcMac: DefaultSrcMac),
        ["sll-vlan-ipv4"] = new(LinkTypes.LinuxSll, LinuxSll([0x00, 0x2A, 0x08, 0x00, .. V4Udp], protocol: EtherTypeVlan), V4Udp, 5353, 53, 1, 42, DefaultSrcMac),
        ["sll-loopback-hatype"] = new(LinkTypes.LinuxSll, LinuxSll(V4Tcp, hatype: 772), V4Tcp, 40000, 443),
        ["sll-llc-snap"] = new(LinkTypes.LinuxSll, LinuxSll([0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x00, .. V4Udp], protocol: 0x0004), V4Udp, 5353, 53, SrcMac: DefaultSrcMac),
        ["sll2-ipv4"] = new(LinkTypes.LinuxSll2, LinuxSll2(V4Udp, src: MacB), V4Udp, 5353, 53, SrcMac: MacB),
        ["sll2-ipv6"] = new(LinkTypes.LinuxSll2, LinuxSll2(V6Tcp, src: MacA, packetType: 4), V6Tcp, 50000, 22, SrcMac: MacA),
        ["raw-101-ipv4"] = new(LinkTypes.Raw, V4Tcp, V4Tcp, 40000, 443),
        ["raw-101-ipv6"] = new(LinkTypes.Raw, V6Udp, V6Udp, 5353, 5353),
        ["ipv4-228"] = new(LinkTypes.Ipv4, V4Udp, V4Udp, 5353, 53),
        ["ipv6-229"] = new(LinkTypes.Ipv6, V6Tcp, V6Tcp, 50000, 22),
        ["null-le-inet"] = new(LinkTypes.Null, Null(V4Tcp, AfInet, bigEndian: false), V4Tcp, 40000, 443),
        ["null-be-inet"] = new(LinkTypes.Null, Null(V4Udp, AfInet, bigEndian: true), V4Udp, 5353, 53),
        ["null-le-inet6-linux"] = new(LinkTypes.Null, Null(V6Tcp, AfInet6Linux), V6Tcp, 50000, 22),
        ["null-le-inet6-netbsd"] = new(LinkTypes.Null, Null(V6Tcp, 24), V6Tcp, 50000, 22),
        ["null-be-inet6-freebsd"] = new(LinkTypes.Null, Null(V6Udp, 28, bigEndian: true), V6Udp, 5353, 5353),
        ["null-le-inet6-darwin"] = new(LinkTypes.Null, Null(V6Udp, 30), V6Udp, 5353, 5353),
        ["loop-inet"] = new(LinkTypes.Loop, Loop(V4Tcp), V4Tcp, 40000, 443),
        ["loop-inet6"] = new(LinkTypes.Loop, Loop(V6Tcp, 24), V6Tcp, 50000, 22),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void EveryLinkTypeDecodesToTheInnerPacket(string name)
    {
        var c = Cases[name];

        var p = DecodeFrame(c.Frame, c.LinkType);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.Equal(c.LinkType, p.LinkType);
        bool v6 = c.Ip[0] >> 4 == 6;
        Assert.Equal(v6 ? IpFamily.V6 : IpFamily.V4, p.Family);
        Assert.Equal(Ip(Addresses[c.Ip].Src), p.Src);
        Assert.Equal(Ip(Addresses[c.Ip].Dst), p.Dst);
        Assert.Equal(v6 ? c.Ip[6] : c.Ip[9], p.Protocol);
        Assert.Equal(c.SrcPort, p.SrcPort);
        Assert.Equal(c.DstPort, p.DstPort);
        Assert.Equal(c.VlanCount, p.VlanCount);
        Assert.Equal(c.OuterVlan, p.OuterVlan);
        Assert.Equal(c.SrcMac, p.SrcMac);
        Assert.Equal(c.DstMac, p.DstMac);
        Assert.Equal(c.Ip.Length, p.IpLength);
        Assert.Equal(c.Frame.Length, p.CapturedLength);
        Assert.Equal(c.Frame.Length, p.WireLength);
        Assert.Equal(64, p.Ttl);
    }

    [Fact]
    public void TcpFlagsSurviveEveryLinkLayer()
    {
        var p = DecodeFrame(Cases["sll2-ipv6"].Frame, LinkTypes.LinuxSll2);

        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, p.TcpFlags);
    }

    [Fact]
    public void RecordMetadataIsCopiedFromTheCaptureRecord()
    {
        byte[] frame = Ethernet(V4Tcp);
        var b = TestCaptureBuilder.PcapNg()
            .Section().Interface(LinkTypes.Raw).Interface(LinkTypes.Ethernet, tsresol: 9)
            .EnhancedPacket(0, 7, V6Udp)
            .EnhancedPacket(1, 1_700_000_000_000_000_042UL, frame.AsSpan(0, 50).ToArray(), wireLength: frame.Length);
        using var reader = new CaptureReader(b.ToStream(), "meta.pcapng");
        var p = default(PacketInfo);

        Assert.True(reader.TryRead(out var first));
        Assert.Equal(DecodeStatus.Ok, PacketDecoder.Decode(first, ref p));
        Assert.Equal(IpFamily.V6, p.Family);
        Assert.True(reader.TryRead(out var second));
        PacketDecoder.Decode(second, ref p);

        Assert.Equal(2, p.FrameNumber);
        Assert.Equal(1_700_000_000_000_000_042L, p.TimestampNs);
        Assert.Equal(1, p.Interface);
        Assert.Equal(LinkTypes.Ethernet, p.LinkType);
        Assert.Equal(50, p.CapturedLength);
        Assert.Equal(frame.Length, p.WireLength);
        Assert.Equal(DecodeStatus.Truncated, p.Status); // 50 bytes: Ethernet + IPv4 + 16 of 20 TCP bytes
        Assert.Equal(DecodeLayer.Tcp, p.Layer);
        Assert.Equal(IpFamily.V4, p.Family);
        Assert.Equal(0, p.SrcPort);
    }

    [Fact]
    public void DecodingResetsEveryFieldOfAReusedPacketInfo()
    {
        var p = DecodeFrame(Cases["ethernet-9100-88a8-8100-ipv6"].Frame, LinkTypes.Ethernet);
        Assert.Equal(3, p.VlanCount);

        PacketDecoder.Decode(V4Udp, LinkTypes.Raw, V4Udp.Length, 9, 9, 0, ref p);

        Assert.Equal(0, p.VlanCount);
        Assert.Equal(0, p.OuterVlan);
        Assert.True(p.SrcMac.IsNone);
        Assert.Equal(IpFamily.V4, p.Family);
        Assert.Equal(53, p.DstPort);
    }

    [Fact]
    public void OuterVlanIsTheVlanIdWithoutPriorityAndDropEligibleBits()
    {
        byte[] frame = Ethernet(V4Tcp, vlans: [(EtherTypeVlan, 100), (EtherTypeVlan, 200)]);
        frame[14] |= 0xB0; // PCP 5, DEI 1 on the outer tag
        frame[18] |= 0xE0; // PCP 7 on the inner tag

        var p = DecodeFrame(frame, LinkTypes.Ethernet);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.Equal(100, p.OuterVlan);
        Assert.Equal(2, p.VlanCount);
    }

    [Fact]
    public void ArpIsNotIp()
    {
        var p = DecodeFrame(Arp(), LinkTypes.Ethernet);

        Assert.Equal(DecodeStatus.NotIp, p.Status);
        Assert.Equal(IpFamily.None, p.Family);
        Assert.False(p.IsIp);
        Assert.Equal(new MacAddr(0xFFFF_FFFF_FFFFUL), p.DstMac);
    }

    public static TheoryData<string, ushort, byte[]> NonIpFrames => new()
    {
        { "lldp", LinkTypes.Ethernet, Ethernet(new byte[40], etherType: 0x88CC) },
        { "vlan-arp", LinkTypes.Ethernet, Ethernet(new byte[28], etherType: EtherTypeArp, vlans: [(EtherTypeVlan, 5)]) },
        { "802.3-stp", LinkTypes.Ethernet, Stp() },
        { "snap-arp", LinkTypes.Ethernet, Ieee8023Snap(new byte[28], etherType: EtherTypeArp) },
        { "sll-arp", LinkTypes.LinuxSll, LinuxSll(new byte[28], protocol: EtherTypeArp) },
        { "sll-can-pseudo", LinkTypes.LinuxSll, LinuxSll(new byte[16], protocol: 0x000C) },
        { "sll2-arp", LinkTypes.LinuxSll2, LinuxSll2(new byte[28], protocol: EtherTypeArp) },
        { "null-family-7", LinkTypes.Null, Null(V4Tcp, 7) },
        { "loop-little-endian-family", LinkTypes.Loop, Null(V4Tcp, AfInet, bigEndian: false) },
    };

    [Theory]
    [MemberData(nameof(NonIpFrames))]
    public void FramesWithoutIpAreNotIp(string name, ushort linkType, byte[] frame)
    {
        var p = DecodeFrame(frame, linkType);

        Assert.True(p.Status == DecodeStatus.NotIp, $"{name}: {DecodeNames.Status(p)}");
        Assert.Equal(IpFamily.None, p.Family);
    }

    [Theory]
    [InlineData((ushort)9)]     // PPP
    [InlineData((ushort)105)]   // 802.11
    [InlineData((ushort)147)]   // user 0
    [InlineData(LinkTypes.Nflog)]
    [InlineData((ushort)65535)]
    public void UnknownLinkTypesAreUnsupported(ushort linkType)
    {
        var p = DecodeFrame(Ethernet(V4Tcp), linkType);

        Assert.Equal(DecodeStatus.UnsupportedLinkType, p.Status);
        Assert.Equal(IpFamily.None, p.Family);
        Assert.Equal(linkType, p.LinkType);
        Assert.Equal("unsupported-link", DecodeNames.Status(p));
    }

    /// <summary>An 802.3 frame with an LLC header for spanning tree (DSAP 0x42, SSAP 0x42): no SNAP, no IP.</summary>
    private static byte[] Stp()
    {
        byte[] f = Ieee8023Snap(new byte[35]);
        f[14] = 0x42;
        f[15] = 0x42;
        return f;
    }
}
