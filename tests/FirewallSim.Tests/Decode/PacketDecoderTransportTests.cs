using FirewallSim.Capture;
using FirewallSim.Decode;
using FirewallSim.Net;
using FirewallSim.Tests.Support;
using static FirewallSim.Tests.Decode.Decoding;
using static FirewallSim.Tests.Support.FrameBuilder;

namespace FirewallSim.Tests.Decode;

/// <summary>TCP, UDP, ICMP and ICMPv6, including the headers quoted inside ICMP errors.</summary>
public class PacketDecoderTransportTests
{
    [Theory]
    [InlineData(TcpFlags.Syn)]
    [InlineData(TcpFlags.Syn | TcpFlags.Ack)]
    [InlineData(TcpFlags.Fin | TcpFlags.Ack)]
    [InlineData(TcpFlags.Rst)]
    [InlineData(TcpFlags.Psh | TcpFlags.Ack | TcpFlags.Urg)]
    [InlineData(TcpFlags.Ece | TcpFlags.Cwr | TcpFlags.Syn)]
    [InlineData((byte)0xFF)]
    [InlineData((byte)0)]
    public void TcpFlagsAreTheFlagsByte(byte flags)
    {
        var p = DecodeFrame(Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Tcp, Tcp(1, 2, flags)), LinkTypes.Raw);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.Equal(flags, p.TcpFlags);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(15)]
    public void TcpHeaderLengthComesFromTheDataOffset(int words)
    {
        var p = DecodeFrame(Ipv6("2001:db8::1", "2001:db8::2", IpProtocol.Tcp, Tcp(65535, 1, TcpFlags.Syn, dataOffsetWords: words)), LinkTypes.Raw);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.Equal(words * 4, p.TcpHeaderLength);
        Assert.Equal(65535, p.SrcPort);
        Assert.Equal(1, p.DstPort);
    }

    [Fact]
    public void UdpLengthZeroIsAllowed()
    {
        // RFC 2675: a jumbogram's UDP length is 0.
        var p = DecodeFrame(Ipv6("2001:db8::1", "2001:db8::2", IpProtocol.Udp, Udp(53, 5353, lengthField: 0)), LinkTypes.Raw);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.Equal(5353, p.DstPort);
    }

    // ---- ICMP ---------------------------------------------------------------------------------

    [Theory]
    [InlineData(false, (ushort)0x1234)]
    [InlineData(true, (ushort)0)]
    [InlineData(true, (ushort)65535)]
    public void IcmpEchoCarriesItsIdentifier(bool reply, ushort id)
    {
        var p = DecodeFrame(Ethernet(Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Icmp, IcmpEcho(id, 7, reply, payloadLength: 56))), LinkTypes.Ethernet);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.Equal(IpProtocol.Icmp, p.Protocol);
        Assert.Equal(reply ? 0 : 8, p.IcmpType);
        Assert.Equal(0, p.IcmpCode);
        Assert.True(p.HasIcmpId);
        Assert.Equal(id, p.IcmpId);
        Assert.False(p.IsIcmpError);
        Assert.False(p.HasInner);
        Assert.Equal(0, p.SrcPort);
    }

    [Theory]
    [InlineData((byte)13)] // timestamp request
    [InlineData((byte)14)] // timestamp reply
    [InlineData((byte)17)] // address mask request
    public void IcmpQueriesCarryTheirIdentifier(byte type)
    {
        var p = DecodeFrame(Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Icmp, Icmp(type, 0, [0xAB, 0xCD, 0, 1, 0, 0, 0, 0])), LinkTypes.Raw);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.Equal(type, p.IcmpType);
        Assert.True(p.HasIcmpId);
        Assert.Equal(0xABCD, p.IcmpId);
    }

    [Fact]
    public void IcmpRouterAdvertisementHasNoIdentifierAndIsNoError()
    {
        var p = DecodeFrame(Ipv4("10.0.0.1", "224.0.0.1", IpProtocol.Icmp, Icmp(9, 0, new byte[12])), LinkTypes.Raw);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.Equal(9, p.IcmpType);
        Assert.False(p.HasIcmpId);
        Assert.False(p.IsIcmpError);
    }

    public static TheoryData<byte, byte, byte> IcmpErrors => new()
    {
        { 3, 3, IpProtocol.Udp },   // port unreachable
        { 3, 4, IpProtocol.Tcp },   // fragmentation needed
        { 11, 0, IpProtocol.Udp },  // TTL exceeded (traceroute)
        { 12, 0, IpProtocol.Tcp },  // parameter problem
        { 5, 1, IpProtocol.Tcp },   // redirect
        { 4, 0, IpProtocol.Udp },   // source quench
    };

    [Theory]
    [MemberData(nameof(IcmpErrors))]
    public void IcmpErrorsExposeTheQuotedPacket(byte type, byte code, byte innerProtocol)
    {
        byte[] inner = Ipv4("10.0.0.2", "203.0.113.9", innerProtocol,
            innerProtocol == IpProtocol.Tcp ? Tcp(41000, 443, TcpFlags.Syn) : Udp(41000, 33434, payloadLength: 20));
        byte[] icmp = IcmpError(type, code, Quote(inner, 28));

        var p = DecodeFrame(Ethernet(Ipv4("192.0.2.1", "10.0.0.2", IpProtocol.Icmp, icmp)), LinkTypes.Ethernet);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.Equal(type, p.IcmpType);
        Assert.Equal(code, p.IcmpCode);
        Assert.True(p.IsIcmpError);
        Assert.False(p.HasIcmpId);
        Assert.True(p.HasInner);
        Assert.Equal(innerProtocol, p.InnerProtocol);
        Assert.Equal(Ip("10.0.0.2"), p.InnerSrc);
        Assert.Equal(Ip("203.0.113.9"), p.InnerDst);
        Assert.Equal(41000, p.InnerSrcPort);
        Assert.Equal(innerProtocol == IpProtocol.Tcp ? 443 : 33434, p.InnerDstPort);
        Assert.Equal(Ip("192.0.2.1"), p.Src);
        Assert.Equal(0, p.SrcPort);
    }

    [Fact]
    public void QuotedIpv4HeaderWithOptionsStillFindsThePorts()
    {
        byte[] inner = Ipv4("10.0.0.2", "10.0.0.3", IpProtocol.Udp, Udp(1024, 161), options: new byte[8]);

        var p = DecodeFrame(Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Icmp, IcmpError(3, 1, Quote(inner, 36))), LinkTypes.Raw);

        Assert.True(p.HasInner);
        Assert.Equal(1024, p.InnerSrcPort);
        Assert.Equal(161, p.InnerDstPort);
    }

    [Theory]
    [InlineData(0, false, false)]   // no quote at all
    [InlineData(1, false, false)]
    [InlineData(19, false, false)]  // shorter than an IPv4 header
    [InlineData(20, true, false)]   // header only: addresses, no ports
    [InlineData(23, true, false)]   // three transport bytes: still no ports
    [InlineData(24, true, true)]    // the ports are the first four bytes
    public void ShortQuotesGiveWhatTheyHoldAndStayOk(int quoteLength, bool hasInner, bool hasPorts)
    {
        byte[] inner = Ipv4("10.0.0.2", "10.0.0.3", IpProtocol.Tcp, Tcp(5555, 80));

        var p = DecodeFrame(Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Icmp, IcmpError(11, 0, Quote(inner, quoteLength))), LinkTypes.Raw);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.True(p.IsIcmpError);
        Assert.Equal(hasInner, p.HasInner);
        Assert.Equal(hasInner ? Ip("10.0.0.3") : default, p.InnerDst);
        Assert.Equal(hasPorts ? (ushort)80 : (ushort)0, p.InnerDstPort);
    }

    [Fact]
    public void QuotedLaterFragmentHasNoPorts()
    {
        byte[] inner = Ipv4("10.0.0.2", "10.0.0.3", IpProtocol.Udp, Pattern(8, seed: 0x5A), fragmentOffset: 1480);

        var p = DecodeFrame(Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Icmp, IcmpError(11, 1, Quote(inner, 28))), LinkTypes.Raw);

        Assert.True(p.HasInner);
        Assert.Equal(IpProtocol.Udp, p.InnerProtocol);
        Assert.Equal(0, p.InnerSrcPort);
        Assert.Equal(0, p.InnerDstPort);
    }

    [Fact]
    public void QuoteThatIsNotIpv4IsIgnored()
    {
        byte[] inner = Ipv6("2001:db8::1", "2001:db8::2", IpProtocol.Udp, Udp(1, 2));

        var p = DecodeFrame(Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Icmp, IcmpError(3, 3, Quote(inner, 48))), LinkTypes.Raw);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.False(p.HasInner);
    }

    // ---- ICMPv6 -------------------------------------------------------------------------------

    [Theory]
    [InlineData(false, (ushort)0x0BAD)]
    [InlineData(true, (ushort)1)]
    public void Icmpv6EchoCarriesItsIdentifier(bool reply, ushort id)
    {
        var p = DecodeFrame(Ipv6("2001:db8::1", "2001:db8::2", IpProtocol.Icmpv6, Icmpv6Echo(id, 3, reply)), LinkTypes.Ipv6);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.Equal(IpProtocol.Icmpv6, p.Protocol);
        Assert.Equal(reply ? 129 : 128, p.IcmpType);
        Assert.True(p.HasIcmpId);
        Assert.Equal(id, p.IcmpId);
        Assert.False(p.IsIcmpError);
    }

    [Fact]
    public void Icmpv6AfterExtensionHeadersIsFound()
    {
        byte[] ip = Ipv6("2001:db8::1", "2001:db8::2", IpProtocol.Icmpv6, Icmpv6Echo(99), [Ipv6Extension.HopByHop(), Ipv6Extension.DestinationOptions()]);

        var p = DecodeFrame(ip, LinkTypes.Raw);

        Assert.Equal(IpProtocol.Icmpv6, p.Protocol);
        Assert.Equal(99, p.IcmpId);
    }

    [Theory]
    [InlineData((byte)133)] // router solicitation
    [InlineData((byte)135)] // neighbour solicitation
    [InlineData((byte)136)] // neighbour advertisement
    public void NeighbourDiscoveryIsNeitherQueryNorError(byte type)
    {
        var p = DecodeFrame(Ipv6("fe80::1", "ff02::1:ff00:2", IpProtocol.Icmpv6, Icmp(type, 0, new byte[20]), hopLimit: 255), LinkTypes.Raw);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.Equal(type, p.IcmpType);
        Assert.False(p.HasIcmpId);
        Assert.False(p.IsIcmpError);
        Assert.False(p.HasInner);
    }

    public static TheoryData<string> Icmpv6ErrorCases => new(Icmpv6ErrorQuotes.Keys);

    private static readonly Dictionary<string, (byte Type, byte Code, Ipv6Extension[] Chain, bool Ports)> Icmpv6ErrorQuotes = new()
    {
        ["unreachable-udp"] = (1, 4, [], true),
        ["too-big-hbh-udp"] = (2, 0, [Ipv6Extension.HopByHop()], true),
        ["time-exceeded-routing-fragment-udp"] = (3, 0, [Ipv6Extension.Routing(), Ipv6Extension.Fragment(0, more: true, id: 9)], true),
        ["parameter-problem-dstopts-udp"] = (4, 1, [Ipv6Extension.DestinationOptions()], true),
        ["unreachable-later-fragment"] = (1, 3, [Ipv6Extension.Fragment(1448, more: true, id: 9)], false),
    };

    [Theory]
    [MemberData(nameof(Icmpv6ErrorCases))]
    public void Icmpv6ErrorsExposeTheQuotedPacketBehindItsExtensionHeaders(string name)
    {
        var (type, code, chain, ports) = Icmpv6ErrorQuotes[name];
        byte[] inner = Ipv6("2001:db8:aaaa::5", "2001:db8:bbbb::6", IpProtocol.Udp, Udp(40000, 53, payloadLength: 30), chain);
        byte[] outer = Ipv6("2001:db8:ffff::1", "2001:db8:aaaa::5", IpProtocol.Icmpv6, Icmpv6Error(type, code, inner));

        var p = DecodeFrame(Ethernet(outer), LinkTypes.Ethernet);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.Equal(type, p.IcmpType);
        Assert.Equal(code, p.IcmpCode);
        Assert.True(p.IsIcmpError);
        Assert.True(p.HasInner);
        Assert.Equal(IpProtocol.Udp, p.InnerProtocol);
        Assert.Equal(Ip("2001:db8:aaaa::5"), p.InnerSrc);
        Assert.Equal(Ip("2001:db8:bbbb::6"), p.InnerDst);
        Assert.Equal(ports ? (ushort)40000 : (ushort)0, p.InnerSrcPort);
        Assert.Equal(ports ? (ushort)53 : (ushort)0, p.InnerDstPort);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(39, false)]
    [InlineData(40, true)]
    [InlineData(44, true)] // the hop-by-hop header is cut: addresses, but no ports
    public void ShortIcmpv6QuotesStayOk(int quoteLength, bool hasInner)
    {
        byte[] inner = Ipv6("2001:db8::5", "2001:db8::6", IpProtocol.Udp, Udp(40000, 53), [Ipv6Extension.HopByHop()]);

        var p = DecodeFrame(Ipv6("2001:db8::1", "2001:db8::5", IpProtocol.Icmpv6, Icmpv6Error(1, 0, Quote(inner, quoteLength))), LinkTypes.Raw);

        Assert.Equal(DecodeStatus.Ok, p.Status);
        Assert.True(p.IsIcmpError);
        Assert.Equal(hasInner, p.HasInner);
        Assert.Equal(hasInner ? Ip("2001:db8::6") : default, p.InnerDst);
        Assert.Equal(0, p.InnerDstPort);
    }
}
