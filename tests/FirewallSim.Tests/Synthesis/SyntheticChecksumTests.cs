using System.Buffers.Binary;
using FirewallSim.Net;

namespace FirewallSim.Tests.Synthesis;

/// <summary>Recomputes every checksum of a generated capture with <see cref="ReferenceChecksum"/>.</summary>
public class SyntheticChecksumTests
{
    [Fact]
    public void EveryIpv4HeaderChecksumVerifies()
    {
        foreach (var p in GeneratedCapture.Packets.Where(p => !p.V6))
        {
            Assert.True(ReferenceChecksum.Verifies(ReferenceChecksum.Sum(p.Data.AsSpan(p.L3Offset, 20))), $"frame {p.Frame}: IPv4 header checksum");
        }
    }

    [Fact]
    public void EveryTransportChecksumVerifies()
    {
        int tcp = 0, udp = 0, icmp = 0, icmpv6 = 0;
        foreach (var p in GeneratedCapture.Packets)
        {
            var ip = p.Data.AsSpan(p.L3Offset, p.L4Offset - p.L3Offset);
            uint sum = p.Protocol == IpProtocol.Icmp ? 0 : ReferenceChecksum.PseudoHeader(p.V6, ip, p.Protocol, p.L4Length);
            sum = ReferenceChecksum.Sum(p.L4, sum);
            Assert.True(ReferenceChecksum.Verifies(sum), $"frame {p.Frame}: protocol {p.Protocol} checksum");
            switch (p.Protocol)
            {
                case IpProtocol.Tcp: tcp++; break;
                case IpProtocol.Udp:
                    udp++;
                    Assert.NotEqual(0, BinaryPrimitives.ReadUInt16BigEndian(p.L4.Slice(6))); // always computed
                    break;
                case IpProtocol.Icmp: icmp++; break;
                case IpProtocol.Icmpv6: icmpv6++; break;
                default: Assert.Fail($"frame {p.Frame}: unexpected protocol {p.Protocol}"); break;
            }
        }

        Assert.True(tcp > 0 && udp > 0 && icmp > 0 && icmpv6 > 0);
    }

    /// <summary>ICMP errors quote the offending packet: its IPv4 header checksum, and a complete quoted UDP datagram's checksum, must verify too.</summary>
    [Fact]
    public void QuotedHeadersInIcmpErrorsVerify()
    {
        int quotedV4 = 0, quotedUdp = 0;
        foreach (var p in GeneratedCapture.Packets.Where(p => p.IsIcmpError))
        {
            var quote = p.L4.Slice(8);
            bool v6 = (quote[0] >> 4) == 6;
            Assert.Equal(p.V6, v6);
            int headerLength = v6 ? 40 : 20;
            if (!v6)
            {
                Assert.Equal(0x45, quote[0]);
                Assert.True(ReferenceChecksum.Verifies(ReferenceChecksum.Sum(quote.Slice(0, 20))), $"frame {p.Frame}: quoted IPv4 header checksum");
                quotedV4++;
            }

            byte protocol = v6 ? quote[6] : quote[9];
            int innerLength = v6 ? BinaryPrimitives.ReadUInt16BigEndian(quote.Slice(4)) : BinaryPrimitives.ReadUInt16BigEndian(quote.Slice(2)) - 20;
            if (protocol == IpProtocol.Udp && quote.Length == headerLength + innerLength)
            {
                uint sum = ReferenceChecksum.PseudoHeader(v6, quote, protocol, innerLength);
                Assert.True(ReferenceChecksum.Verifies(ReferenceChecksum.Sum(quote.Slice(headerLength), sum)), $"frame {p.Frame}: quoted UDP checksum");
                quotedUdp++;
            }
        }

        Assert.True(quotedV4 > 0 && quotedUdp > 0);
    }
}
