using FirewallSim.Capture;
using FirewallSim.Decode;
using FirewallSim.Net;
using FirewallSim.Tests.Support;
using static FirewallSim.Tests.Decode.Decoding;
using static FirewallSim.Tests.Support.FrameBuilder;

namespace FirewallSim.Tests.Decode;

/// <summary>Truncated and malformed frames: a status with the layer or reason, never an exception.</summary>
public class PacketDecoderProblemTests
{
    private static readonly byte[] V4Tcp = Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Tcp, Tcp(1000, 80));
    private static readonly byte[] V4Udp = Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Udp, Udp(1000, 53));
    private static readonly byte[] V6Tcp = Ipv6("2001:db8::1", "2001:db8::2", IpProtocol.Tcp, Tcp(1000, 80));
    private static readonly byte[] V6HbhUdp = Ipv6("2001:db8::1", "2001:db8::2", IpProtocol.Udp, Udp(1000, 53), [Ipv6Extension.HopByHop(extraUnits: 2)]);
    private static readonly byte[] V6FragUdp = Ipv6("2001:db8::1", "2001:db8::2", IpProtocol.Udp, Udp(1000, 53), [Ipv6Extension.Fragment(0, true, 3)]);
    private static readonly byte[] V4Options = Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Tcp, Tcp(1000, 80), options: new byte[40]);

    /// <summary>
    /// A frame cut short by the capture (wire length = the whole frame, captured = a prefix) and the layer
    /// that must be reported.
    /// </summary>
    private static readonly Dictionary<string, (ushort LinkType, byte[] Frame, int Captured, DecodeLayer Layer)> Cuts = new()
    {
        ["ethernet-13"] = (LinkTypes.Ethernet, Ethernet(V4Tcp), 13, DecodeLayer.Link),
        ["ethernet-0"] = (LinkTypes.Ethernet, Ethernet(V4Tcp), 0, DecodeLayer.Link),
        ["sll-15"] = (LinkTypes.LinuxSll, LinuxSll(V4Tcp), 15, DecodeLayer.Link),
        ["sll2-19"] = (LinkTypes.LinuxSll2, LinuxSll2(V4Tcp), 19, DecodeLayer.Link),
        ["null-3"] = (LinkTypes.Null, Null(V4Tcp), 3, DecodeLayer.Link),
        ["loop-2"] = (LinkTypes.Loop, Loop(V4Tcp), 2, DecodeLayer.Link),
        ["llc-2"] = (LinkTypes.Ethernet, Ieee8023Snap(V4Tcp), 16, DecodeLayer.Llc),
        ["snap-5"] = (LinkTypes.Ethernet, Ieee8023Snap(V4Tcp), 19, DecodeLayer.Llc),
        ["vlan-2"] = (LinkTypes.Ethernet, Ethernet(V4Tcp, vlans: [(EtherTypeVlan, 1)]), 16, DecodeLayer.Vlan),
        ["qinq-inner-tag-3"] = (LinkTypes.Ethernet, Ethernet(V4Tcp, vlans: [(EtherTypeQinQ, 1), (EtherTypeVlan, 2)]), 21, DecodeLayer.Vlan),
        ["raw-empty"] = (LinkTypes.Raw, V4Tcp, 0, DecodeLayer.IPv4),
        ["ipv4-19"] = (LinkTypes.Ethernet, Ethernet(V4Tcp), 14 + 19, DecodeLayer.IPv4),
        ["ipv4-0"] = (LinkTypes.Ethernet, Ethernet(V4Tcp), 14, DecodeLayer.IPv4),
        ["ipv4-options-cut"] = (LinkTypes.Ipv4, V4Options, 40, DecodeLayer.IPv4),
        ["ipv6-39"] = (LinkTypes.Ethernet, Ethernet(V6Tcp), 14 + 39, DecodeLayer.IPv6),
        ["ipv6-empty-229"] = (LinkTypes.Ipv6, V6Tcp, 0, DecodeLayer.IPv6),
        ["ipv6-hbh-1"] = (LinkTypes.Raw, V6HbhUdp, 41, DecodeLayer.IPv6Extension),
        ["ipv6-hbh-20"] = (LinkTypes.Raw, V6HbhUdp, 60, DecodeLayer.IPv6Extension),
        ["ipv6-fragment-7"] = (LinkTypes.Raw, V6FragUdp, 47, DecodeLayer.IPv6Extension),
        ["tcp-19"] = (LinkTypes.Raw, V4Tcp, 20 + 19, DecodeLayer.Tcp),
        ["tcp-0"] = (LinkTypes.Raw, V4Tcp, 20, DecodeLayer.Tcp),
        ["tcp-v6-10"] = (LinkTypes.Raw, V6Tcp, 50, DecodeLayer.Tcp),
        ["udp-7"] = (LinkTypes.Raw, V4Udp, 27, DecodeLayer.Udp),
        ["udp-after-hbh-4"] = (LinkTypes.Raw, V6HbhUdp, 40 + 24 + 4, DecodeLayer.Udp),
        ["icmp-3"] = (LinkTypes.Raw, Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Icmp, IcmpEcho(1)), 23, DecodeLayer.Icmp),
        ["icmp-echo-7"] = (LinkTypes.Raw, Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Icmp, IcmpEcho(1)), 27, DecodeLayer.Icmp),
        ["icmpv6-3"] = (LinkTypes.Raw, Ipv6("2001:db8::1", "2001:db8::2", IpProtocol.Icmpv6, Icmpv6Echo(1)), 43, DecodeLayer.Icmpv6),
        ["icmpv6-echo-6"] = (LinkTypes.Raw, Ipv6("2001:db8::1", "2001:db8::2", IpProtocol.Icmpv6, Icmpv6Echo(1)), 46, DecodeLayer.Icmpv6),
    };

    public static TheoryData<string> CutNames => new(Cuts.Keys);

    [Theory]
    [MemberData(nameof(CutNames))]
    public void FramesCutShortReportTheLayerWhereTheyEnd(string name)
    {
        var (linkType, frame, captured, layer) = Cuts[name];

        var p = DecodeFrame(frame[..captured], linkType, wireLength: frame.Length);

        Assert.True(p.Status == DecodeStatus.Truncated, $"{name}: {DecodeNames.Status(p)}");
        Assert.Equal(layer, p.Layer);
        Assert.Equal(MalformedReason.None, p.Reason);
        Assert.Equal("truncated:" + DecodeNames.Layer(layer), DecodeNames.Status(p));
    }

    [Fact]
    public void TruncatedTransportKeepsTheIpLayer()
    {
        var p = DecodeFrame(V6Tcp[..50], LinkTypes.Raw, wireLength: V6Tcp.Length);

        Assert.Equal(DecodeStatus.Truncated, p.Status);
        Assert.Equal(IpFamily.V6, p.Family);
        Assert.Equal(Ip("2001:db8::2"), p.Dst);
        Assert.Equal(IpProtocol.Tcp, p.Protocol);
        Assert.Equal(V6Tcp.Length, p.IpLength);
    }

    /// <summary>Self-contradicting headers and the reason that must be reported.</summary>
    private static readonly Dictionary<string, (ushort LinkType, byte[] Frame, DecodeLayer Layer, MalformedReason Reason)> Malformed = new()
    {
        ["ethertype-ipv4-holding-v6"] = (LinkTypes.Ethernet, Ethernet(V6Tcp, etherType: EtherTypeIpv4), DecodeLayer.IPv4, MalformedReason.BadIpVersion),
        ["ethertype-ipv6-holding-v4"] = (LinkTypes.Ethernet, Ethernet(V4Tcp, etherType: EtherTypeIpv6), DecodeLayer.IPv6, MalformedReason.BadIpVersion),
        ["raw-version-5"] = (LinkTypes.Raw, Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Tcp, Tcp(1, 2), version: 5), DecodeLayer.IPv4, MalformedReason.BadIpVersion),
        ["raw-version-0"] = (LinkTypes.Raw, new byte[40], DecodeLayer.IPv4, MalformedReason.BadIpVersion),
        ["228-holding-v6"] = (LinkTypes.Ipv4, V6Tcp, DecodeLayer.IPv4, MalformedReason.BadIpVersion),
        ["229-holding-v4"] = (LinkTypes.Ipv6, V4Tcp, DecodeLayer.IPv6, MalformedReason.BadIpVersion),
        ["ihl-4"] = (LinkTypes.Raw, Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Tcp, Tcp(1, 2), ihlWords: 4), DecodeLayer.IPv4, MalformedReason.Ipv4HeaderLength),
        ["ihl-0"] = (LinkTypes.Raw, Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Tcp, Tcp(1, 2), ihlWords: 0), DecodeLayer.IPv4, MalformedReason.Ipv4HeaderLength),
        ["total-length-below-ihl"] = (LinkTypes.Raw, Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Tcp, Tcp(1, 2), totalLength: 19), DecodeLayer.IPv4, MalformedReason.Ipv4TotalLength),
        ["total-length-below-ihl-with-options"] = (LinkTypes.Raw, Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Tcp, Tcp(1, 2), options: new byte[8], totalLength: 24), DecodeLayer.IPv4, MalformedReason.Ipv4TotalLength),
        ["total-length-beyond-frame"] = (LinkTypes.Ethernet, Ethernet(Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Tcp, Tcp(1, 2), totalLength: 1500)), DecodeLayer.IPv4, MalformedReason.Ipv4TotalLength),
        ["ipv6-payload-length-beyond-frame"] = (LinkTypes.Raw, Ipv6("2001:db8::1", "2001:db8::2", IpProtocol.Tcp, Tcp(1, 2), payloadLength: 21), DecodeLayer.IPv6, MalformedReason.Ipv6PayloadLength),
        ["ipv6-extension-beyond-payload-length"] = (LinkTypes.Raw, Ipv6("2001:db8::1", "2001:db8::2", IpProtocol.Udp, [], [Ipv6Extension.HopByHop(extraUnits: 2)], payloadLength: 8), DecodeLayer.IPv6Extension, MalformedReason.Ipv6ExtensionChain),
        ["ipv6-fragment-header-beyond-payload-length"] = (LinkTypes.Raw, Ipv6("2001:db8::1", "2001:db8::2", IpProtocol.Udp, [], [Ipv6Extension.HopByHop(), Ipv6Extension.Fragment(0, true, 1)], payloadLength: 12), DecodeLayer.IPv6Extension, MalformedReason.Ipv6ExtensionChain),
        ["tcp-data-offset-4"] = (LinkTypes.Raw, Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Tcp, Tcp(1, 2, dataOffsetWords: 4)), DecodeLayer.Tcp, MalformedReason.TcpHeaderLength),
        ["tcp-data-offset-0-v6"] = (LinkTypes.Raw, Ipv6("2001:db8::1", "2001:db8::2", IpProtocol.Tcp, Tcp(1, 2, dataOffsetWords: 0)), DecodeLayer.Tcp, MalformedReason.TcpHeaderLength),
        ["udp-length-7"] = (LinkTypes.Raw, Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Udp, Udp(1, 2, lengthField: 7)), DecodeLayer.Udp, MalformedReason.UdpLength),
        ["udp-length-1-v6"] = (LinkTypes.Raw, Ipv6("2001:db8::1", "2001:db8::2", IpProtocol.Udp, Udp(1, 2, lengthField: 1)), DecodeLayer.Udp, MalformedReason.UdpLength),
        ["nine-vlan-tags"] = (LinkTypes.Ethernet, Ethernet(V4Tcp, vlans: Enumerable.Range(1, 9).Select(i => (EtherTypeVlan, (ushort)i)).ToArray()), DecodeLayer.Vlan, MalformedReason.TooManyVlanTags),
    };

    public static TheoryData<string> MalformedNames => new(Malformed.Keys);

    [Theory]
    [MemberData(nameof(MalformedNames))]
    public void ContradictoryHeadersAreMalformedWithAReason(string name)
    {
        var (linkType, frame, layer, reason) = Malformed[name];

        var p = DecodeFrame(frame, linkType);

        Assert.True(p.Status == DecodeStatus.Malformed, $"{name}: {DecodeNames.Status(p)}");
        Assert.Equal(layer, p.Layer);
        Assert.Equal(reason, p.Reason);
        Assert.Equal("malformed:" + DecodeNames.Reason(reason), DecodeNames.Status(p));
    }

    [Fact]
    public void EightVlanTagsAreStillDecoded()
    {
        var tags = Enumerable.Range(1, 8).Select(i => (i % 2 == 0 ? EtherTypeVlan : EtherTypeQinQ, (ushort)(i * 10))).ToArray();

        var p = DecodeFrame(Ethernet(V4Tcp, vlans: tags), LinkTypes.Ethernet);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.Equal(8, p.VlanCount);
        Assert.Equal(10, p.OuterVlan);
        Assert.Equal(80, p.DstPort);
    }

    [Fact]
    public void MalformedTotalLengthReportsTheClaimedLength()
    {
        var p = DecodeFrame(Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Udp, Udp(1, 2), totalLength: 9000), LinkTypes.Raw);

        Assert.Equal(MalformedReason.Ipv4TotalLength, p.Reason);
        Assert.Equal(9000, p.IpLength);
        Assert.Equal(Ip("10.0.0.1"), p.Src);
    }

    [Fact]
    public void MalformedTcpKeepsItsPorts()
    {
        var p = DecodeFrame(Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Tcp, Tcp(1234, 4321, dataOffsetWords: 2)), LinkTypes.Raw);

        Assert.Equal(DecodeStatus.Malformed, p.Status);
        Assert.Equal(1234, p.SrcPort);
        Assert.Equal(4321, p.DstPort);
        Assert.Equal(8, p.TcpHeaderLength);
    }

    // ---- never throws -------------------------------------------------------------------------

    private static readonly (ushort LinkType, byte[] Frame)[] Seeds =
    [
        (LinkTypes.Ethernet, Ethernet(V4Tcp, vlans: [(EtherTypeQinQ, 5), (EtherTypeVlan, 6)])),
        (LinkTypes.Ethernet, Ethernet(V6HbhUdp)),
        (LinkTypes.Ethernet, Ieee8023Snap(V6FragUdp)),
        (LinkTypes.LinuxSll, LinuxSll(V4Options)),
        (LinkTypes.LinuxSll2, LinuxSll2(Ipv6("2001:db8::1", "2001:db8::2", IpProtocol.Icmpv6,
            Icmpv6Error(1, 0, Ipv6("2001:db8::2", "2001:db8::3", IpProtocol.Udp, Udp(1, 2), [Ipv6Extension.Ah(), Ipv6Extension.Fragment(0, true, 1)]))))),
        (LinkTypes.Null, Null(Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Icmp, IcmpError(3, 3, Ipv4("10.0.0.2", "10.0.0.3", IpProtocol.Udp, Udp(1, 2)))))),
        (LinkTypes.Loop, Loop(Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Icmp, IcmpEcho(5)))),
        (LinkTypes.Raw, Ipv6("2001:db8::1", "2001:db8::2", IpProtocol.Tcp, Tcp(1, 2),
            [Ipv6Extension.HopByHop(), Ipv6Extension.Routing(), Ipv6Extension.DestinationOptions(), Ipv6Extension.Ah()])),
    ];

    [Fact]
    public void EveryPrefixOfEveryFrameDecodesWithoutThrowing()
    {
        int decoded = 0;
        foreach (var (linkType, frame) in Seeds)
        {
            Assert.Equal(DecodeStatus.Ok, DecodeFrame(frame, linkType).Status);
            for (int cut = 0; cut < frame.Length; cut++)
            {
                // Cut by the capture (the wire had it all) and a packet that really is that short.
                var cutBySnap = DecodeFrame(frame[..cut], linkType, wireLength: frame.Length);
                var shortOnWire = DecodeFrame(frame[..cut], linkType);
                Assert.True(cutBySnap.Status is DecodeStatus.Truncated or DecodeStatus.Ok, $"{linkType} cut at {cut}: {DecodeNames.Status(cutBySnap)}");
                Assert.NotEqual(DecodeStatus.UnsupportedLinkType, shortOnWire.Status);
                decoded += 2;
            }
        }

        Assert.True(decoded > 1000);
    }

    [Fact]
    public void RandomlyCorruptedFramesDecodeWithoutThrowing()
    {
        var random = new Random(20240607);
        var statuses = new HashSet<DecodeStatus>();
        for (int i = 0; i < 50_000; i++)
        {
            var (linkType, seed) = Seeds[i % Seeds.Length];
            byte[] frame = (byte[])seed.Clone();
            int flips = 1 + random.Next(6);
            for (int f = 0; f < flips; f++)
            {
                frame[random.Next(frame.Length)] = (byte)random.Next(256);
            }

            int length = random.Next(2) == 0 ? frame.Length : random.Next(frame.Length + 1);
            int wire = random.Next(3) switch
            {
                0 => length,
                1 => frame.Length,
                _ => random.Next(70_000),
            };
            var p = DecodeFrame(frame[..length], linkType, wire);
            statuses.Add(p.Status);
        }

        // The corruption must actually have reached every outcome, or the test proves little.
        Assert.Contains(DecodeStatus.Ok, statuses);
        Assert.Contains(DecodeStatus.Truncated, statuses);
        Assert.Contains(DecodeStatus.Malformed, statuses);
        Assert.Contains(DecodeStatus.NotIp, statuses);
    }
}
