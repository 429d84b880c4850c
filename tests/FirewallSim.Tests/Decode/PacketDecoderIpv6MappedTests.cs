using FirewallSim.Capture;
using FirewallSim.Decode;
using FirewallSim.Net;
using FirewallSim.Tests.Support;

namespace FirewallSim.Tests.Decode;

public class PacketDecoderIpv6MappedTests
{
    // ::ffff:192.0.2.1 as it sits in an IPv6 header.
    private static readonly byte[] Mapped = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 192, 0, 2, 1 };

    [Theory]
    [InlineData(8)]
    [InlineData(24)]
    public void Ipv6HeaderWithAnIpv4MappedAddressIsMalformedNotIpv4(int addressOffset)
    {
        var ip = FrameBuilder.Ipv6("2001:db8::1", "2001:db8::2", IpProtocol.Udp, FrameBuilder.Udp(1000, 53));
        Mapped.CopyTo(ip, addressOffset);
        var frame = FrameBuilder.Ethernet(ip);
        var p = default(PacketInfo);
        var status = PacketDecoder.Decode(frame, LinkTypes.Ethernet, frame.Length, 1, 0, 0, ref p);
        Assert.Equal(DecodeStatus.Malformed, status);
        Assert.Equal(MalformedReason.Ipv4MappedAddress, p.Reason);
        Assert.Equal("malformed:ipv4-mapped-address", DecodeNames.Status(p));
    }
}
