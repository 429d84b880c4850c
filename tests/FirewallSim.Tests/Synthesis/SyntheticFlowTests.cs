using System.Buffers.Binary;
using FirewallSim.Decode;
using FirewallSim.Net;
using FirewallSim.Synthesis;

namespace FirewallSim.Tests.Synthesis;

/// <summary>What the flows of a generated capture look like on the wire.</summary>
public class SyntheticFlowTests
{
    private static readonly HashSet<IpAddr> ScannerSet = SyntheticNetworkPlan.Scanners.ToHashSet();

    private static bool IsScanner(IpAddr a) => ScannerSet.Contains(a);

    [Fact]
    public void FlowMixFollowsTheWeights()
    {
        var summary = GeneratedCapture.Summary;
        double[] expected = GeneratedCapture.Options.Mix.Fractions();
        foreach (var kind in Enum.GetValues<SyntheticFlowKind>())
        {
            double share = (double)summary.FlowsOf(kind) / summary.Flows;
            Assert.True(Math.Abs(share - expected[(int)kind]) < 0.03, $"{kind}: {share:0.000} of the flows, configured {expected[(int)kind]:0.000}");
        }

        double v6 = (double)summary.Ipv6Flows / (summary.Flows - summary.FlowsOf(SyntheticFlowKind.Scan));
        Assert.InRange(v6, 0.15, 0.25);
    }

    [Fact]
    public void ACustomMixIsFollowed()
    {
        var options = new SyntheticCaptureOptions
        {
            Packets = 20_000,
            Flows = 4_000,
            Concurrent = 200,
            Seed = 9,
            Ipv6Share = 0,
            Mix = new SyntheticFlowMix
            {
                InternetHttps = 0, InternetHttpsPathMtu = 0, InternetHttp = 0, WebToApp = 1, AppToDb = 0, DnsVpcResolver = 1,
                DnsPublic = 0, EchoInbound = 0, EchoOutbound = 0, Traceroute = 0, Scan = 0,
            },
        };
        var s = SyntheticCaptureGenerator.Write(options, Stream.Null);
        Assert.Equal(0, s.Ipv6Flows);
        Assert.Equal(s.Flows, s.FlowsOf(SyntheticFlowKind.WebToApp) + s.FlowsOf(SyntheticFlowKind.DnsVpcResolver));
        Assert.InRange((double)s.FlowsOf(SyntheticFlowKind.WebToApp) / s.Flows, 0.45, 0.55);
    }

    /// <summary>With no small kind in the mix to fill the last packets, the last flow is cut instead; still only the mix's kinds appear.</summary>
    [Theory]
    [InlineData(1_003L)]
    [InlineData(1_004L)]
    [InlineData(2L)]
    public void ATcpOnlyMixStillGivesTheExactCount(long packets)
    {
        var options = new SyntheticCaptureOptions
        {
            Packets = packets,
            Flows = Math.Max(1, packets / 25),
            Concurrent = 7,
            Seed = 4,
            Mix = new SyntheticFlowMix
            {
                InternetHttps = 0, InternetHttpsPathMtu = 0, InternetHttp = 0, WebToApp = 0, AppToDb = 1, DnsVpcResolver = 0,
                DnsPublic = 0, EchoInbound = 0, EchoOutbound = 0, Traceroute = 0, Scan = 0,
            },
        };
        using var memory = new MemoryStream();
        var s = SyntheticCaptureGenerator.Write(options, memory);
        Assert.Equal(packets, s.Packets);
        Assert.Equal(s.Flows, s.FlowsOf(SyntheticFlowKind.AppToDb));
        var wire = RawPacket.ReadAll(memory.ToArray());
        Assert.Equal(packets, wire.Count);
        Assert.All(wire, p => Assert.True(p.IsTcp && (p.SrcPort == 5432 || p.DstPort == 5432)));
    }

    /// <summary>Counting flow starts on the wire gives exactly the generator's own count per kind.</summary>
    [Fact]
    public void FlowsSeenOnTheWireMatchTheSummary()
    {
        var seen = new long[Enum.GetValues<SyntheticFlowKind>().Length];
        long pathMtu = 0, syn443 = 0;
        foreach (var p in GeneratedCapture.Packets)
        {
            if (p.IsTcp && p.TcpFlags == TcpFlags.Syn)
            {
                if (IsScanner(p.Src))
                {
                    seen[(int)SyntheticFlowKind.Scan]++;
                    continue;
                }

                switch (p.DstPort)
                {
                    case 443: syn443++; break;
                    case 80: seen[(int)SyntheticFlowKind.InternetHttp]++; break;
                    case 8080: seen[(int)SyntheticFlowKind.WebToApp]++; break;
                    case 5432: seen[(int)SyntheticFlowKind.AppToDb]++; break;
                    default: Assert.Fail($"frame {p.Frame}: SYN to port {p.DstPort}"); break;
                }
            }
            else if (p.IsUdp && p.DstPort == 53)
            {
                bool resolver = p.Dst == SyntheticNetworkPlan.VpcResolverIpv4 || p.Dst == SyntheticNetworkPlan.VpcResolverIpv6;
                bool publicDns = p.Dst == SyntheticNetworkPlan.PublicDnsIpv4 || p.Dst == SyntheticNetworkPlan.PublicDnsIpv6;
                Assert.True(resolver || publicDns, $"frame {p.Frame}: DNS query to {p.Dst}");
                seen[(int)(resolver ? SyntheticFlowKind.DnsVpcResolver : SyntheticFlowKind.DnsPublic)]++;
            }
            else if (p.IsUdp && p.SrcPort != 53 && p.DstPort is >= 33434 and <= 33534)
            {
                seen[(int)SyntheticFlowKind.Traceroute]++;
            }
            else if (p.IsEchoRequest && p.IcmpSeq == 1)
            {
                seen[(int)(SyntheticNetworkPlan.FindEni(p.Src) is null ? SyntheticFlowKind.EchoInbound : SyntheticFlowKind.EchoOutbound)]++;
            }
            else if (p.IsIcmp && (p.V6 ? p.IcmpType == 2 : p.IcmpType == 3 && p.IcmpCode == 4))
            {
                pathMtu++;
            }
        }

        seen[(int)SyntheticFlowKind.InternetHttpsPathMtu] = pathMtu;
        seen[(int)SyntheticFlowKind.InternetHttps] = syn443 - pathMtu;
        Assert.Equal(GeneratedCapture.Summary.FlowsByKind, seen);
    }

    /// <summary>
    /// Every TCP connection: SYN, SYN-ACK acknowledging it, ACK; then data with sequence and
    /// acknowledgement numbers that never run ahead of what the other side sent; then either a
    /// RST or FINs from both sides and a last ACK of the second FIN. Nothing after that.
    /// </summary>
    [Fact]
    public void TcpConnectionsOpenExchangeAndCloseInOrder()
    {
        var open = new Dictionary<(IpAddr, ushort, IpAddr, ushort), Connection>();
        int connections = 0, resets = 0, fins = 0, withData = 0;
        foreach (var p in GeneratedCapture.Packets.Where(p => p.IsTcp && !IsScanner(p.Src) && !IsScanner(p.Dst)))
        {
            var forward = (p.Src, p.SrcPort, p.Dst, p.DstPort);
            var backward = (p.Dst, p.DstPort, p.Src, p.SrcPort);
            if (p.TcpFlags == TcpFlags.Syn)
            {
                Assert.False(open.ContainsKey(forward) || open.ContainsKey(backward), $"frame {p.Frame}: SYN on an open connection");
                open[forward] = new Connection(p.Seq);
                connections++;
                continue;
            }

            bool fromClient = open.TryGetValue(forward, out var c);
            if (!fromClient)
            {
                Assert.True(open.TryGetValue(backward, out c), $"frame {p.Frame}: TCP packet of no open connection");
            }

            c!.Step(p, fromClient);
            if (c.Finished)
            {
                open.Remove(fromClient ? forward : backward);
                if (c.Reset)
                {
                    resets++;
                }
                else
                {
                    fins++;
                }

                if (c.ClientBytes > 0)
                {
                    withData++;
                }
            }
        }

        Assert.Empty(open); // no connection is cut off at the end of the capture
        Assert.Equal(connections, resets + fins);
        Assert.Equal(connections, withData);
        Assert.InRange((double)resets / connections, 0.08, 0.25);
        long expected = new[] { SyntheticFlowKind.InternetHttps, SyntheticFlowKind.InternetHttpsPathMtu, SyntheticFlowKind.InternetHttp, SyntheticFlowKind.WebToApp, SyntheticFlowKind.AppToDb }
            .Sum(k => GeneratedCapture.Summary.FlowsOf(k));
        Assert.Equal(expected, connections);
    }

    [Fact]
    public void ScansAreUnansweredResetOrHalfOpen()
    {
        var probes = new Dictionary<(IpAddr, ushort, IpAddr, ushort), (uint Seq, int Stage)>();
        int reset = 0, halfOpen = 0;
        foreach (var p in GeneratedCapture.Packets.Where(p => p.IsTcp && (IsScanner(p.Src) || IsScanner(p.Dst))))
        {
            Assert.False(p.V6);
            if (IsScanner(p.Src) && p.TcpFlags == TcpFlags.Syn)
            {
                var key = (p.Src, p.SrcPort, p.Dst, p.DstPort);
                Assert.False(probes.ContainsKey(key), $"frame {p.Frame}: a scanner repeats a probe");
                Assert.Equal(SyntheticTier.Web, SyntheticNetworkPlan.FindEni(p.Dst)?.Tier);
                Assert.Equal(1024, BinaryPrimitives.ReadUInt16BigEndian(p.L4.Slice(14)));
                probes[key] = (p.Seq, 0);
                continue;
            }

            if (IsScanner(p.Dst))
            {
                var key = (p.Dst, p.DstPort, p.Src, p.SrcPort);
                var (seq, stage) = probes[key];
                Assert.Equal(0, stage);
                Assert.Equal(seq + 1, p.Ack);
                if (p.TcpFlags == (TcpFlags.Rst | TcpFlags.Ack))
                {
                    reset++;
                    probes[key] = (seq, 2);
                }
                else
                {
                    Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, p.TcpFlags);
                    Assert.True(p.SrcPort is 80 or 443);
                    probes[key] = (seq, 1);
                }
            }
            else
            {
                var key = (p.Src, p.SrcPort, p.Dst, p.DstPort);
                var (seq, stage) = probes[key];
                Assert.Equal(1, stage);
                Assert.Equal(TcpFlags.Rst, p.TcpFlags);
                Assert.Equal(seq + 1, p.Seq);
                halfOpen++;
                probes[key] = (seq, 2);
            }
        }

        int unanswered = probes.Values.Count(v => v.Stage == 0);
        Assert.Equal(GeneratedCapture.Summary.FlowsOf(SyntheticFlowKind.Scan), probes.Count);
        Assert.True(unanswered > reset && reset > 0);
        Assert.DoesNotContain(probes.Values, v => v.Stage == 1);
        Assert.True(probes.Select(kv => kv.Key.Item4).Distinct().Count() > probes.Count / 2, "scans should hit many ports");
        Assert.Equal(probes.Count(kv => kv.Key.Item4 is 80 or 443), halfOpen);
    }

    [Fact]
    public void EchoRequestsGetMatchingReplies()
    {
        var pending = new Dictionary<(IpAddr, IpAddr, ushort, ushort), byte[]>();
        int replies = 0;
        foreach (var p in GeneratedCapture.Packets.Where(p => p.IsEchoRequest || p.IsEchoReply))
        {
            byte[] payload = p.L4.Slice(8).ToArray();
            Assert.Equal(56, payload.Length);
            if (p.IsEchoRequest)
            {
                Assert.True(pending.TryAdd((p.Src, p.Dst, p.IcmpId, p.IcmpSeq), payload), $"frame {p.Frame}: repeated echo request");
            }
            else
            {
                Assert.True(pending.Remove((p.Dst, p.Src, p.IcmpId, p.IcmpSeq), out var request), $"frame {p.Frame}: reply to no request");
                Assert.Equal(request, payload);
                replies++;
            }
        }

        Assert.Empty(pending);
        Assert.True(replies > 0);
    }

    [Fact]
    public void DnsQueriesGetOneAnswerEach()
    {
        var pending = new Dictionary<(IpAddr, ushort, IpAddr, ushort), ushort>();
        foreach (var p in GeneratedCapture.Packets.Where(p => p.IsUdp && (p.DstPort == 53 || p.SrcPort == 53)))
        {
            var dns = p.L4.Slice(8);
            ushort id = BinaryPrimitives.ReadUInt16BigEndian(dns);
            bool response = (dns[2] & 0x80) != 0;
            Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(dns.Slice(4)));
            if (!response)
            {
                Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(dns.Slice(6)));
                Assert.True(pending.TryAdd((p.Src, p.SrcPort, p.Dst, p.DstPort), id), $"frame {p.Frame}: second query on an open flow");
                Assert.NotNull(SyntheticNetworkPlan.FindEni(p.Src));
            }
            else
            {
                Assert.True(pending.Remove((p.Dst, p.DstPort, p.Src, p.SrcPort), out ushort queryId), $"frame {p.Frame}: answer to no query");
                Assert.Equal(queryId, id);
                Assert.InRange(BinaryPrimitives.ReadUInt16BigEndian(dns.Slice(6)), 1, 2);
            }
        }

        Assert.Empty(pending);
    }

    [Fact]
    public void IcmpErrorsQuoteTheirFlows()
    {
        var probes = new HashSet<(IpAddr, ushort, IpAddr, ushort)>();
        var httpsServers = new HashSet<(IpAddr, ushort, IpAddr, ushort)>();
        int unreachable = 0, tooBig = 0;
        var decoded = default(PacketInfo);
        foreach (var p in GeneratedCapture.Packets)
        {
            if (p.IsUdp && p.SrcPort != 53 && p.DstPort >= 33434)
            {
                probes.Add((p.Src, p.SrcPort, p.Dst, p.DstPort));
            }
            else if (p.IsTcp && p.TcpFlags == (TcpFlags.Syn | TcpFlags.Ack) && p.SrcPort == 443)
            {
                httpsServers.Add((p.Src, p.SrcPort, p.Dst, p.DstPort));
            }
            else if (p.IsIcmpError)
            {
                PacketDecoder.Decode(p.Data, 1, p.Data.Length, p.Frame, p.TimestampNs, 0, ref decoded);
                Assert.True(decoded.HasInner, $"frame {p.Frame}: error without a quoted header");
                var quoted = (decoded.InnerSrc, decoded.InnerSrcPort, decoded.InnerDst, decoded.InnerDstPort);
                bool portUnreachable = p.V6 ? p.IcmpType == 1 && p.IcmpCode == 4 : p.IcmpType == 3 && p.IcmpCode == 3;
                if (portUnreachable)
                {
                    Assert.Equal(IpProtocol.Udp, decoded.InnerProtocol);
                    Assert.Contains(quoted, probes);
                    Assert.Equal(p.Src, decoded.InnerDst); // sent by the server the probe reached
                    unreachable++;
                }
                else
                {
                    Assert.True(p.V6 ? p.IcmpType == 2 : p.IcmpType == 3 && p.IcmpCode == 4, $"frame {p.Frame}: ICMP type {p.IcmpType} code {p.IcmpCode}");
                    Assert.Equal(IpProtocol.Tcp, decoded.InnerProtocol);
                    Assert.Contains(quoted, httpsServers);
                    Assert.Equal(p.Dst, decoded.InnerSrc); // sent back to the server whose segment was too big
                    Assert.Equal(p.V6 ? 1280 : 1400, p.V6 ? (int)BinaryPrimitives.ReadUInt32BigEndian(p.L4.Slice(4)) : BinaryPrimitives.ReadUInt16BigEndian(p.L4.Slice(6)));
                    Assert.Equal(p.V6 ? 1280 - 40 : 8 + 20 + 8, p.L4Length); // IPv6: fills the minimum MTU; IPv4: IP header + 64 bits
                    tooBig++;
                }
            }
        }

        Assert.Equal(GeneratedCapture.Summary.FlowsOf(SyntheticFlowKind.Traceroute), unreachable);
        Assert.Equal(GeneratedCapture.Summary.FlowsOf(SyntheticFlowKind.InternetHttpsPathMtu), tooBig);
    }

    /// <summary>After a "fragmentation needed", the server resends from the same sequence number with segments that fit the new MTU.</summary>
    [Fact]
    public void ServersResendWithTheSmallerMssAfterPathMtuErrors()
    {
        var packets = GeneratedCapture.Packets;
        int checkedFlows = 0;
        for (int i = 0; i < packets.Count && checkedFlows < 50; i++)
        {
            var e = packets[i];
            if (!(e.IsIcmpError && (e.V6 ? e.IcmpType == 2 : e.IcmpCode == 4)))
            {
                continue;
            }

            var quote = e.L4.Slice(8);
            int ipHeader = e.V6 ? 40 : 20;
            ushort serverPort = BinaryPrimitives.ReadUInt16BigEndian(quote.Slice(ipHeader));
            ushort clientPort = BinaryPrimitives.ReadUInt16BigEndian(quote.Slice(ipHeader + 2));
            uint tooBigSeq = BinaryPrimitives.ReadUInt32BigEndian(quote.Slice(ipHeader + 4));
            var next = packets.Skip(i + 1).First(p => p.IsTcp && p.Src == e.Dst && p.SrcPort == serverPort && p.DstPort == clientPort);
            Assert.Equal(tooBigSeq, next.Seq);
            Assert.Equal(e.V6 ? 1220 : 1360, next.TcpPayload);
            Assert.Equal(e.V6 ? 1280 : 1400, next.Data.Length - 14);
            checkedFlows++;
        }

        Assert.True(checkedFlows > 0);
    }

    [Fact]
    public void AddressesAndMacsFollowThePlan()
    {
        var gateway = SyntheticNetworkPlan.GatewayMac.Value;
        var known = new HashSet<IpAddr>
        {
            SyntheticNetworkPlan.VpcResolverIpv4, SyntheticNetworkPlan.VpcResolverIpv6,
            SyntheticNetworkPlan.PublicDnsIpv4, SyntheticNetworkPlan.PublicDnsIpv6,
        };
        foreach (var p in GeneratedCapture.Packets)
        {
            CheckEnd(p, p.Src, p.SrcMac);
            CheckEnd(p, p.Dst, p.DstMac);
            Assert.True(SyntheticNetworkPlan.FindEni(p.Src) is not null || SyntheticNetworkPlan.FindEni(p.Dst) is not null,
                $"frame {p.Frame}: neither end is a server");
        }

        void CheckEnd(RawPacket p, IpAddr address, ulong mac)
        {
            var eni = SyntheticNetworkPlan.FindEni(address);
            if (eni is not null)
            {
                Assert.Equal(eni.Mac.Value, mac);
                Assert.True(p.V6 ? eni.Subnet.Ipv6.Contains(address) : eni.Subnet.Ipv4.Contains(address));
                return;
            }

            Assert.Equal(gateway, mac);
            Assert.True(known.Contains(address) || IsScanner(address) || SyntheticNetworkPlan.IsInternetClient(address),
                $"frame {p.Frame}: {address} is neither a server, a resolver, a scanner nor a valid internet address");
        }
    }

    [Fact]
    public void PlanMatchesItsDocumentation()
    {
        var enis = SyntheticNetworkPlan.Enis;
        Assert.Equal(14, enis.Count);
        Assert.Equal(["web-1", "web-2", "web-3", "web-4", "web-5", "web-6", "web-7", "web-8", "app-1", "app-2", "app-3", "app-4", "db-1", "db-2"], enis.Select(e => e.Name));
        Assert.Equal(IpAddr.Parse("10.0.1.10"), enis[0].Ipv4);
        Assert.Equal(IpAddr.Parse("10.0.1.17"), enis[7].Ipv4);
        Assert.Equal(IpAddr.Parse("10.0.2.13"), enis[11].Ipv4);
        Assert.Equal(IpAddr.Parse("10.0.3.11"), enis[13].Ipv4);
        Assert.Equal(IpAddr.Parse("2600:1f18:1234:5601::10"), enis[0].Ipv6);
        Assert.Equal(IpAddr.Parse("2600:1f18:1234:5603::11"), enis[13].Ipv6);
        Assert.Equal("0e:00:00:01:00:0a", enis[0].Mac.ToString());
        Assert.Equal("0e:00:00:03:00:0b", enis[13].Mac.ToString());
        Assert.Equal("0e:00:00:00:00:01", SyntheticNetworkPlan.GatewayMac.ToString());
        foreach (var eni in enis)
        {
            Assert.True(SyntheticNetworkPlan.VpcIpv4.Contains(eni.Subnet.Ipv4));
            Assert.True(SyntheticNetworkPlan.VpcIpv6.Contains(eni.Subnet.Ipv6));
            Assert.True(eni.Subnet.Ipv4.Contains(eni.Ipv4) && eni.Subnet.Ipv6.Contains(eni.Ipv6));
        }

        Assert.False(SyntheticNetworkPlan.IsInternetClient(IpAddr.Parse("172.20.1.1")));
        Assert.False(SyntheticNetworkPlan.IsInternetClient(IpAddr.Parse("100.100.1.1")));
        Assert.False(SyntheticNetworkPlan.IsInternetClient(IpAddr.Parse("240.0.0.1")));
        Assert.False(SyntheticNetworkPlan.IsInternetClient(SyntheticNetworkPlan.Scanners[0]));
        Assert.True(SyntheticNetworkPlan.IsInternetClient(IpAddr.Parse("100.63.255.255")));
        Assert.True(SyntheticNetworkPlan.IsInternetClient(IpAddr.Parse("2a0f::1")));
        Assert.False(SyntheticNetworkPlan.IsInternetClient(IpAddr.Parse("2b00::1")));
    }

    /// <summary>Follows one TCP connection through its handshake, data and teardown.</summary>
    private sealed class Connection
    {
        private readonly uint _clientIsn;
        private uint _serverIsn;
        private int _stage; // 0: SYN seen; 1: SYN-ACK seen; 2: established
        private readonly uint[] _next = new uint[2];
        private readonly uint[] _lastAck = new uint[2];
        private readonly bool[] _fin = new bool[2];

        public Connection(uint isn)
        {
            _clientIsn = isn;
            _next[0] = isn + 1;
        }

        public bool Finished { get; private set; }

        public bool Reset { get; private set; }

        public long ClientBytes { get; private set; }

        public void Step(RawPacket p, bool fromClient)
        {
            Assert.False(Finished, $"frame {p.Frame}: packet after the connection ended");
            byte flags = p.TcpFlags;
            switch (_stage)
            {
                case 0:
                    Assert.False(fromClient, $"frame {p.Frame}: client speaks before the SYN-ACK");
                    Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, flags);
                    Assert.Equal(_clientIsn + 1, p.Ack);
                    _serverIsn = p.Seq;
                    _next[1] = p.Seq + 1;
                    _stage = 1;
                    return;
                case 1:
                    Assert.True(fromClient, $"frame {p.Frame}: server speaks before the handshake's ACK");
                    Assert.Equal(TcpFlags.Ack, flags);
                    Assert.Equal(_clientIsn + 1, p.Seq);
                    Assert.Equal(_serverIsn + 1, p.Ack);
                    Assert.Equal(0, p.TcpPayload);
                    _stage = 2;
                    return;
            }

            Assert.Equal(0, flags & TcpFlags.Syn);
            Assert.NotEqual(0, flags & TcpFlags.Ack);
            int side = fromClient ? 0 : 1, other = 1 - side;
            Assert.True(p.Seq - _next[side] is 0 || (int)(p.Seq - _next[side]) < 0, $"frame {p.Frame}: sequence number beyond the data sent");
            Assert.True((int)(p.Ack - _next[other]) <= 0, $"frame {p.Frame}: acknowledges data never sent");
            Assert.True((int)(p.Ack - _lastAck[side]) >= 0 || _lastAck[side] == 0, $"frame {p.Frame}: acknowledgement goes back");
            _lastAck[side] = p.Ack;
            uint end = p.Seq + (uint)p.TcpPayload + ((flags & TcpFlags.Fin) != 0 ? 1u : 0u);
            if ((int)(end - _next[side]) > 0)
            {
                _next[side] = end;
            }

            if (fromClient)
            {
                ClientBytes += p.TcpPayload;
            }

            if ((flags & TcpFlags.Rst) != 0)
            {
                Finished = Reset = true;
                return;
            }

            if ((flags & TcpFlags.Fin) != 0)
            {
                Assert.False(_fin[side], $"frame {p.Frame}: second FIN from the same side");
                _fin[side] = true;
            }
            else if (_fin[0] && _fin[1] && p.TcpPayload == 0 && p.Ack == _next[other])
            {
                Finished = true; // the last ACK, of the second FIN
            }
            else
            {
                Assert.False(_fin[side] && p.TcpPayload > 0, $"frame {p.Frame}: data after FIN");
            }
        }
    }
}
