using FirewallSim.Capture;
using FirewallSim.Decode;
using FirewallSim.Net;
using FirewallSim.Tests.Support;
using static FirewallSim.Tests.Decode.Decoding;
using static FirewallSim.Tests.Support.FrameBuilder;

namespace FirewallSim.Tests.Decode;

/// <summary>IPv4 options, lengths and fragments; IPv6 extension chains.</summary>
public class PacketDecoderIpTests
{
    // ---- IPv4 ---------------------------------------------------------------------------------

    [Theory]
    [InlineData(4)]    // router alert
    [InlineData(12)]
    [InlineData(40)]   // the largest: IHL 15
    public void Ipv4OptionsAreSkippedToFindTheTransportHeader(int optionBytes)
    {
        byte[] options = new byte[optionBytes];
        options[0] = 0x94;
        options[1] = 4;
        byte[] ip = Ipv4("172.16.0.5", "172.16.9.9", IpProtocol.Tcp, Tcp(1234, 8080, TcpFlags.Psh | TcpFlags.Ack), options, ttl: 3);

        var p = DecodeFrame(Ethernet(ip), LinkTypes.Ethernet);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.Equal(Ip("172.16.0.5"), p.Src);
        Assert.Equal(Ip("172.16.9.9"), p.Dst);
        Assert.Equal(1234, p.SrcPort);
        Assert.Equal(8080, p.DstPort);
        Assert.Equal(TcpFlags.Psh | TcpFlags.Ack, p.TcpFlags);
        Assert.Equal(20 + optionBytes + 20, p.IpLength);
        Assert.Equal(3, p.Ttl);
    }

    [Fact]
    public void TsoTotalLengthZeroTakesTheIpLengthFromTheFrame()
    {
        byte[] ip = Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Tcp, Tcp(443, 50000, TcpFlags.Ack, payloadLength: 9000), totalLength: 0);

        var p = DecodeFrame(Ethernet(ip), LinkTypes.Ethernet);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.Equal(20 + 20 + 9000, p.IpLength);
        Assert.Equal(443, p.SrcPort);
    }

    [Fact]
    public void TsoTotalLengthZeroCountsBytesCutBySnapLength()
    {
        byte[] frame = Ethernet(Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Tcp, Tcp(443, 50000, TcpFlags.Ack, payloadLength: 9000), totalLength: 0));

        var p = DecodeFrame(frame[..96], LinkTypes.Ethernet, wireLength: frame.Length);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.Equal(frame.Length - 14, p.IpLength);
    }

    [Fact]
    public void EthernetPaddingIsNotPartOfTheIpLength()
    {
        byte[] ip = Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Udp, Udp(1000, 2000));

        var p = DecodeFrame(Ethernet(ip, minLength: 60), LinkTypes.Ethernet);

        Assert.Equal(28, p.IpLength);
        Assert.Equal(60, p.CapturedLength);
    }

    [Fact]
    public void SnapLengthCutDoesNotMakeALongTotalLengthMalformed()
    {
        byte[] frame = Ethernet(Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Udp, Udp(1000, 2000, payloadLength: 1400)));

        var p = DecodeFrame(frame[..64], LinkTypes.Ethernet, wireLength: frame.Length);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.Equal(1428, p.IpLength);
        Assert.Equal(2000, p.DstPort);
    }

    public static TheoryData<string, int, bool, bool, ushort, ushort> Ipv4Fragments => new()
    {
        // name, offset, MF, expect fragment, expected ports (src, dst)
        { "first", 0, true, true, 5000, 53 },
        { "middle", 1480, true, true, 0, 0 },
        { "last", 2960, false, true, 0, 0 },
        { "not-fragmented", 0, false, false, 5000, 53 },
    };

    [Theory]
    [MemberData(nameof(Ipv4Fragments))]
    public void Ipv4FragmentsCarryPortsOnlyInTheFirst(string name, int offset, bool more, bool isFragment, ushort srcPort, ushort dstPort)
    {
        byte[] payload = offset == 0 ? Udp(5000, 53, payloadLength: 1472) : Pattern(1480, seed: 0x5A); // data that would read as ports
        byte[] ip = Ipv4("10.9.8.7", "10.6.5.4", IpProtocol.Udp, payload, id: 0xBEEF, fragmentOffset: offset, moreFragments: more);

        var p = DecodeFrame(ip, LinkTypes.Raw);

        Assert.True(p.Status == DecodeStatus.Ok, name);
        Assert.Equal(isFragment, p.IsFragment);
        Assert.Equal(isFragment && more, p.MoreFragments);
        Assert.Equal(offset, p.FragmentOffset);
        Assert.Equal(offset != 0, p.IsLaterFragment);
        Assert.Equal(isFragment ? 0xBEEFu : 0u, p.FragmentId);
        Assert.Equal(IpProtocol.Udp, p.Protocol);
        Assert.Equal(srcPort, p.SrcPort);
        Assert.Equal(dstPort, p.DstPort);
        Assert.Equal(ip.Length, p.IpLength);
    }

    [Fact]
    public void LaterFragmentTooShortForATransportHeaderIsStillOk()
    {
        byte[] ip = Ipv4("10.9.8.7", "10.6.5.4", IpProtocol.Tcp, Pattern(8, seed: 0x5A), fragmentOffset: 64);

        var p = DecodeFrame(ip, LinkTypes.Ipv4);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.True(p.IsLaterFragment);
        Assert.False(p.MoreFragments);
        Assert.Equal(0, p.TcpFlags);
    }

    [Fact]
    public void DontFragmentAloneIsNoFragment()
    {
        byte[] ip = Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Tcp, Tcp(1, 2), dontFragment: true);

        var p = DecodeFrame(ip, LinkTypes.Raw);

        Assert.False(p.IsFragment);
        Assert.Equal(0u, p.FragmentId);
    }

    [Theory]
    [InlineData(IpProtocol.Gre)]
    [InlineData(IpProtocol.Esp)]
    [InlineData(IpProtocol.Ah)]
    [InlineData(IpProtocol.Sctp)]
    [InlineData((byte)253)]
    public void OtherProtocolsDecodeWithoutPorts(byte protocol)
    {
        byte[] ip = Ipv4("10.0.0.1", "10.0.0.2", protocol, new byte[24]);

        var p = DecodeFrame(ip, LinkTypes.Raw);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.Equal(protocol, p.Protocol);
        Assert.Equal(0, p.SrcPort);
        Assert.Equal(0, p.DstPort);
    }

    // ---- IPv6 ---------------------------------------------------------------------------------

    [Fact]
    public void Ipv6WithoutExtensionHeaders()
    {
        byte[] ip = Ipv6("2001:db8:1::10", "2001:db8:2::20", IpProtocol.Tcp, Tcp(33000, 443, TcpFlags.Syn, payloadLength: 100), hopLimit: 255);

        var p = DecodeFrame(ip, LinkTypes.Ipv6);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.Equal(IpFamily.V6, p.Family);
        Assert.Equal(Ip("2001:db8:1::10"), p.Src);
        Assert.Equal(Ip("2001:db8:2::20"), p.Dst);
        Assert.Equal(IpProtocol.Tcp, p.Protocol);
        Assert.Equal(33000, p.SrcPort);
        Assert.Equal(443, p.DstPort);
        Assert.Equal(255, p.Ttl);
        Assert.Equal(40 + 120, p.IpLength);
        Assert.False(p.IsFragment);
    }

    public static TheoryData<string> ExtensionChains => new(ExtensionCases.Keys);

    private static readonly Dictionary<string, (Ipv6Extension[] Chain, byte Upper, bool Ports)> ExtensionCases = new()
    {
        ["hop-by-hop"] = ([Ipv6Extension.HopByHop()], IpProtocol.Udp, true),
        ["hop-by-hop-long"] = ([Ipv6Extension.HopByHop(extraUnits: 3)], IpProtocol.Tcp, true),
        ["routing"] = ([Ipv6Extension.Routing()], IpProtocol.Tcp, true),
        ["destination-options"] = ([Ipv6Extension.DestinationOptions(1)], IpProtocol.Udp, true),
        ["ah"] = ([Ipv6Extension.Ah()], IpProtocol.Tcp, true),
        ["ah-long"] = ([Ipv6Extension.Ah(payloadLenField: 7)], IpProtocol.Udp, true),
        ["hbh-routing-dstopts"] = ([Ipv6Extension.HopByHop(), Ipv6Extension.Routing(), Ipv6Extension.DestinationOptions()], IpProtocol.Tcp, true),
        ["hbh-ah-dstopts"] = ([Ipv6Extension.HopByHop(), Ipv6Extension.Ah(), Ipv6Extension.DestinationOptions()], IpProtocol.Udp, true),
        ["all-five-then-udp"] = ([Ipv6Extension.HopByHop(), Ipv6Extension.DestinationOptions(), Ipv6Extension.Routing(), Ipv6Extension.Fragment(0, more: true, id: 1), Ipv6Extension.Ah()], IpProtocol.Udp, true),
        ["no-next-header"] = ([Ipv6Extension.HopByHop()], IpProtocol.Ipv6NoNext, false),
    };

    [Theory]
    [MemberData(nameof(ExtensionChains))]
    public void Ipv6ExtensionChainsLeadToTheUpperLayer(string name)
    {
        var (chain, upper, ports) = ExtensionCases[name];
        byte[] l4 = upper == IpProtocol.Tcp ? Tcp(1111, 2222, TcpFlags.Fin) : upper == IpProtocol.Udp ? Udp(1111, 2222) : [];
        byte[] ip = Ipv6("2001:db8::a", "2001:db8::b", upper, l4, chain);

        var p = DecodeFrame(Ethernet(ip), LinkTypes.Ethernet);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.Equal(upper, p.Protocol);
        Assert.Equal(ports ? (ushort)1111 : (ushort)0, p.SrcPort);
        Assert.Equal(ports ? (ushort)2222 : (ushort)0, p.DstPort);
        Assert.Equal(upper == IpProtocol.Tcp ? TcpFlags.Fin : 0, p.TcpFlags);
        Assert.Equal(ip.Length, p.IpLength);
    }

    [Fact]
    public void LongIpv6ExtensionChainsAreFollowed()
    {
        // libpcap's own test captures chain over a hundred headers; the decoder's cap is for hostile input only.
        var chain = Enumerable.Range(0, 200).Select(i => i % 2 == 0 ? Ipv6Extension.DestinationOptions() : Ipv6Extension.HopByHop()).ToArray();
        byte[] ip = Ipv6("2001:db8::1", "2001:db8::2", IpProtocol.Udp, Udp(6000, 7000), chain);

        var p = DecodeFrame(ip, LinkTypes.Raw);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.Equal(IpProtocol.Udp, p.Protocol);
        Assert.Equal(7000, p.DstPort);
        Assert.Equal(40 + (200 * 8) + 8, p.IpLength);
    }

    [Fact]
    public void Ipv6FirstFragmentHasPorts()
    {
        byte[] ip = Ipv6("2001:db8::1", "2001:db8::2", IpProtocol.Udp, Udp(4000, 4001, payloadLength: 1000),
            [Ipv6Extension.DestinationOptions(), Ipv6Extension.Fragment(0, more: true, id: 0xCAFEF00D)]);

        var p = DecodeFrame(ip, LinkTypes.Raw);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.True(p.IsFragment);
        Assert.True(p.MoreFragments);
        Assert.Equal(0, p.FragmentOffset);
        Assert.False(p.IsLaterFragment);
        Assert.Equal(0xCAFEF00Du, p.FragmentId);
        Assert.Equal(IpProtocol.Udp, p.Protocol);
        Assert.Equal(4000, p.SrcPort);
        Assert.Equal(4001, p.DstPort);
    }

    [Theory]
    [InlineData(1232, true)]
    [InlineData(2464, false)]
    [InlineData(65528, false)] // the largest offset a fragment header can hold
    public void Ipv6LaterFragmentsHaveNoPorts(int offset, bool more)
    {
        byte[] ip = Ipv6("2001:db8::1", "2001:db8::2", IpProtocol.Udp, Pattern(16, seed: 0x5A),
            [Ipv6Extension.HopByHop(), Ipv6Extension.Fragment(offset, more, id: 77)]);

        var p = DecodeFrame(ip, LinkTypes.Ipv6);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.True(p.IsFragment);
        Assert.True(p.IsLaterFragment);
        Assert.Equal(more, p.MoreFragments);
        Assert.Equal(offset, p.FragmentOffset);
        Assert.Equal(77u, p.FragmentId);
        Assert.Equal(IpProtocol.Udp, p.Protocol);
        Assert.Equal(0, p.SrcPort);
        Assert.Equal(0, p.DstPort);
    }

    [Fact]
    public void Ipv6AtomicFragmentIsNoFragmentAndHasPorts()
    {
        byte[] ip = Ipv6("2001:db8::1", "2001:db8::2", IpProtocol.Tcp, Tcp(7, 9, TcpFlags.Rst), [Ipv6Extension.Fragment(0, more: false, id: 5)]);

        var p = DecodeFrame(ip, LinkTypes.Raw);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.False(p.IsFragment);
        Assert.Equal(0u, p.FragmentId);
        Assert.Equal(IpProtocol.Tcp, p.Protocol);
        Assert.Equal(9, p.DstPort);
        Assert.Equal(TcpFlags.Rst, p.TcpFlags);
    }

    [Fact]
    public void Ipv6PayloadLengthZeroTakesTheLengthFromTheFrame()
    {
        byte[] ip = Ipv6("2001:db8::1", "2001:db8::2", IpProtocol.Tcp, Tcp(7, 9, TcpFlags.Ack, payloadLength: 3000), payloadLength: 0);

        var p = DecodeFrame(Ethernet(ip), LinkTypes.Ethernet);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.Equal(40 + 3020, p.IpLength);
        Assert.Equal(7, p.SrcPort);
    }

    [Fact]
    public void Ipv6EthernetPaddingIsNotPartOfTheIpLength()
    {
        byte[] ip = Ipv6("2001:db8::1", "2001:db8::2", IpProtocol.Udp, Udp(1, 2));

        var p = DecodeFrame(Ethernet(ip, minLength: 80), LinkTypes.Ethernet);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.Equal(48, p.IpLength);
        Assert.Equal(2, p.DstPort);
    }
}
