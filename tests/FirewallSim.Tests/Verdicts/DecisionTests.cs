using FirewallSim.Capture;
using FirewallSim.Config;
using FirewallSim.Decode;
using FirewallSim.Net;
using FirewallSim.Rules;
using FirewallSim.Tests.Support;
using FirewallSim.Verdicts;
using static FirewallSim.Decode.TcpFlags;
using static FirewallSim.Tests.Verdicts.EdgeCaseTests;
using static FirewallSim.Verdicts.VerdictReason;

namespace FirewallSim.Tests.Verdicts;

/// <summary>
/// decisions.md D1–D4 and D10–D20, each pinned with replayed captures (the tracking decisions D5–D9 are in
/// Tracking/TrackingDecisionTests). Where a decision names a switch, both settings are tested.
/// </summary>
public class DecisionTests
{
    // ---- D1–D4: tracked or untracked ---------------------------------------------------------------

    [Theory]
    [InlineData("in tcp 80 0.0.0.0/0", "out all 0.0.0.0/0", false, true)]
    [InlineData("in tcp 80 0.0.0.0/0", "out tcp 0-65535 0.0.0.0/0", false, true)]
    [InlineData("in tcp 80 0.0.0.0/0", "out 6 0-65535 0.0.0.0/0", false, true)]
    [InlineData("in tcp 80 0.0.0.0/0", "out tcp 1024-65535 0.0.0.0/0", false, false)]
    [InlineData("in tcp 80 0.0.0.0/0", "out tcp 1-65535 0.0.0.0/0", false, false)]
    [InlineData("in tcp 80 0.0.0.0/0", "out udp 0-65535 0.0.0.0/0", false, false)]
    [InlineData("in tcp 80 0.0.0.0/0", "out all 0.0.0.0/1", false, false)]
    [InlineData("in tcp 80 0.0.0.0/0", "out all ::/0", false, false)]
    [InlineData("in tcp 80 0.0.0.0/0", "out tcp 0-65535 0.0.0.0/0", true, false)]
    [InlineData("in tcp 80 0.0.0.0/0", "out all 0.0.0.0/0", true, true)]
    [InlineData("in udp 53 0.0.0.0/0", "out udp 0-65535 0.0.0.0/0", false, true)]
    [InlineData("in udp 53 0.0.0.0/0", "out tcp 0-65535 0.0.0.0/0", false, false)]
    [InlineData("in udp 53 0.0.0.0/0", "out udp 0-65535 0.0.0.0/0", true, false)]
    public void D1_UntrackedNeedsOppositeRuleOpenOnEveryPort_AllProtocolsOrSameProtocol_OptionRequiresAll(
        string inbound, string outbound, bool requireAllProtocols, bool untracked)
    {
        var options = EngineOptions.Default with { Rules = new RuleCompileOptions { UntrackedRequiresAllProtocols = requireAllProtocols } };
        var s = new Scenario(Std(inbound, outbound), options);
        int first = inbound.Contains("tcp", StringComparison.Ordinal)
            ? s.Tcp(1, "198.51.100.7:50000", E + ":80", Syn)
            : s.Udp(1, "198.51.100.7:50000", E + ":53");
        var v = s.Run().Frame(first).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0);
        if (untracked)
        {
            v.Untracked(inbound.Contains("tcp", StringComparison.Ordinal) ? TrackState.SynSent : TrackState.UdpSingle);
        }
        else
        {
            v.Tracked(inbound.Contains("tcp", StringComparison.Ordinal) ? TrackState.SynSent : TrackState.UdpSingle);
        }
    }

    [Fact]
    public void D1_EgressInitiatedFlow_UntrackedWhenInboundOpenOnEveryPort()
    {
        var s = new Scenario(Std("out tcp 443 0.0.0.0/0", "in all 0.0.0.0/0"));
        int syn = s.Tcp(1, E + ":49152", "198.51.100.20:443", Syn);
        int synAck = s.Tcp(1.01, "198.51.100.20:443", E + ":49152", SynAck);
        var r = s.Run();
        r.Frame(syn).Count(1).Egress("eni-e").Accept(AllowedByRule).Rule("sg-e", "out", 0).Untracked(TrackState.SynSent);
        r.Frame(synAck).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Untracked(TrackState.SynRecv);
    }

    [Fact]
    public void D2_OnlyLiteralOpenCidrsCount_PrefixListsHalvesAndReferencesNever()
    {
        AwsConfig Build(params string[] rules) => TestVpc.Standard(rules)
            .Eni("eni-f", "subnet-1", new[] { "10.0.1.20" }, new[] { "sg-e" })
            .PrefixList("pl-any", "everything", "0.0.0.0/0")
            .Build();

        (string[] Rules, string From, int Rule, bool Untracked)[] cases =
        {
            (new[] { "in tcp 80 pl-any", "out all 0.0.0.0/0" }, "198.51.100.7", 0, false),
            (new[] { "in tcp 80 0.0.0.0/0", "out all pl-any" }, "198.51.100.7", 0, false),
            (new[] { "in tcp 80 0.0.0.0/1", "in tcp 80 128.0.0.0/1", "out all 0.0.0.0/0" }, "198.51.100.7", 1, false),
            (new[] { "in tcp 80 sg-e", "out all 0.0.0.0/0" }, "10.0.1.20", 0, false),
            (new[] { "in tcp 80 0.0.0.0/0", "out all 0.0.0.0/0" }, "198.51.100.7", 0, true),
        };
        foreach (var c in cases)
        {
            var s = new Scenario(Build(c.Rules));
            int syn = s.Tcp(1, c.From + ":50000", E + ":80", Syn);
            var v = s.Run().Frame(syn).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", c.Rule);
            if (c.Untracked)
            {
                v.Untracked(TrackState.SynSent);
            }
            else
            {
                v.Tracked(TrackState.SynSent);
            }
        }

        // IPv6: ::/0 both ways is open too.
        var s6 = new Scenario(Build("in tcp 80 ::/0", "out all ::/0"));
        int syn6 = s6.Tcp(1, "[2001:db8::5]:50000", $"[{E6}]:80", Syn);
        s6.Run().Frame(syn6).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Untracked(TrackState.SynSent);
    }

    [Fact]
    public void D3_NarrowAndOpenRuleBothMatch_UntrackedWhenTheOpenRuleAloneSatisfiesTheTest()
    {
        var s = new Scenario(Std("in tcp 22 203.0.113.1/32", "in tcp 22 0.0.0.0/0", "in tcp 8443 203.0.113.1/32", "in tcp 80 0.0.0.0/0", "out all 0.0.0.0/0"));
        int both = s.Tcp(1, "203.0.113.1:50000", E + ":22", Syn);
        int narrowOnly = s.Tcp(2, "203.0.113.1:50001", E + ":8443", Syn);
        var r = s.Run();

        r.Frame(both).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Untracked(TrackState.SynSent);

        // An open rule for another port does not make a narrow-only flow untracked.
        r.Frame(narrowOnly).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 2).Tracked(TrackState.SynSent);
    }

    [Fact]
    public void D4_DecidedOnFirstPacket_MarkerNeverGrants_MarkerIdlesOutThenANewTrackedFlowStarts()
    {
        var s = new Scenario(Std("in udp 5000 0.0.0.0/0", "out all 0.0.0.0/0")).ChangeAt(10, Std("in udp 5000 0.0.0.0/0"), "outbound removed");
        int q1 = s.Udp(0, "198.51.100.7:40000", E + ":5000");
        int a1 = s.Udp(1, E + ":5000", "198.51.100.7:40000");
        int q2 = s.Udp(11, "198.51.100.7:40000", E + ":5000");          // marker alive: still untracked
        int a2 = s.Udp(12, E + ":5000", "198.51.100.7:40000");          // no outbound rule, marker grants nothing
        int q3 = s.Udp(41, "198.51.100.7:40000", E + ":5000");          // idle exactly 30 s since q2: marker alive
        int q4 = s.Udp(71.000000001, "198.51.100.7:40000", E + ":5000"); // idle 30 s + 1 ns: marker gone, new flow
        int a4 = s.Udp(72, E + ":5000", "198.51.100.7:40000");
        var r = s.Run();

        r.Frame(q1).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Untracked(TrackState.UdpSingle);
        r.Frame(a1).Count(1).Egress("eni-e").Accept(AllowedByRule).Rule("sg-e", "out", 0).Untracked(TrackState.UdpSingle);
        r.Frame(q2).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Untracked(TrackState.UdpSingle);
        r.Frame(a2).Count(1).Egress("eni-e").Reject(RejectedNoMatchingRule).NoRule().Untracked(TrackState.UdpSingle);
        r.Frame(q3).Count(1).Ingress("eni-e").Accept(AllowedByRule).Untracked(TrackState.UdpSingle);
        r.Frame(q4).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Tracked(TrackState.UdpSingle);
        r.Frame(a4).Count(1).Egress("eni-e").Accept(AllowedByTrackedConnection).Rule("sg-e", "in", 0).Tracked(TrackState.UdpSingle);
        Assert.Equal(1, r.Engine.TrackedConnections);
    }

    // ---- D10, D11: allowance and automatically tracked peers ----------------------------------------

    [Fact]
    public void D10_UnlimitedByDefault()
    {
        var s = new Scenario(Std("in tcp 22 203.0.113.0/24"));
        for (int i = 0; i < 300; i++)
        {
            s.Tcp(i * 0.01, $"203.0.113.{1 + (i % 200)}:{50000 + i}", E + ":22", Syn);
        }

        var r = s.Run();
        Assert.All(r.Frames, f => Assert.Equal(VerdictAction.Accept, f.Verdicts.Single().Action));
        Assert.Equal(0, r.Counters.ConntrackAllowanceExceeded);
        Assert.Equal(300, r.Counters.PeakTrackedConnections);
    }

    [Fact]
    public void D10_MaximumPerInstance_PerEniWhenNotAttached()
    {
        var config = new TestVpc()
            .Subnet("subnet-1", "10.0.1.0/24")
            .Eni("eni-a", "subnet-1", new[] { "10.0.1.10" }, new[] { "sg-1" }, instance: "i-shared")
            .Eni("eni-b", "subnet-1", new[] { "10.0.1.20" }, new[] { "sg-1" }, instance: "i-shared")
            .Eni("eni-c", "subnet-1", new[] { "10.0.1.30" }, new[] { "sg-1" }, instance: "")
            .Eni("eni-d", "subnet-1", new[] { "10.0.1.40" }, new[] { "sg-1" }, instance: "")
            .Group("sg-1", "in tcp 22 203.0.113.0/24")
            .Build();
        var s = new Scenario(config, EngineOptions.Default with { ConntrackMax = 1 });
        int a = s.Tcp(1, "203.0.113.1:50000", "10.0.1.10:22", Syn);
        int b = s.Tcp(2, "203.0.113.1:50001", "10.0.1.20:22", Syn);
        int c = s.Tcp(3, "203.0.113.1:50002", "10.0.1.30:22", Syn);
        int d = s.Tcp(4, "203.0.113.1:50003", "10.0.1.40:22", Syn);
        int c2 = s.Tcp(5, "203.0.113.1:50004", "10.0.1.30:22", Syn);
        var r = s.Run();

        r.Frame(a).Count(1).Ingress("eni-a").Accept(AllowedByRule).Tracked(TrackState.SynSent);
        r.Frame(b).Count(1).Ingress("eni-b").Drop(DroppedConntrackAllowance).Rule("sg-1", "in", 0).NotTracked();
        r.Frame(c).Count(1).Ingress("eni-c").Accept(AllowedByRule).Tracked(TrackState.SynSent);
        r.Frame(d).Count(1).Ingress("eni-d").Accept(AllowedByRule).Tracked(TrackState.SynSent);
        r.Frame(c2).Count(1).Ingress("eni-c").Drop(DroppedConntrackAllowance);
        Assert.Equal(2, r.Counters.ConntrackAllowanceExceeded);
        Assert.DoesNotContain(r.FlowLog(Fmt, includeNoData: false), l => l.Contains(" 50001 ", StringComparison.Ordinal) || l.Contains(" 50004 ", StringComparison.Ordinal));
    }

    [Fact]
    public void D10_UntrackedFlowsUseNoEntries_DynamoDbFlowsUseTwo()
    {
        // Open both ways: TCP is untracked; ICMP is always tracked; DynamoDB is automatically tracked (D11).
        var config = TestVpc.Standard("in all 0.0.0.0/0", "out all 0.0.0.0/0")
            .PrefixList("pl-ddb", "com.amazonaws.eu-west-1.dynamodb", "52.94.0.0/22")
            .Build();
        var s = new Scenario(config, EngineOptions.Default with { ConntrackMax = 3 });
        int u1 = s.Tcp(1, "198.51.100.7:40001", E + ":80", Syn);
        int u2 = s.Tcp(1.1, "198.51.100.7:40002", E + ":80", Syn);
        int u3 = s.Tcp(1.2, "198.51.100.7:40003", E + ":80", Syn);
        int ddb = s.Tcp(2, E + ":41000", "52.94.1.1:443", Syn);            // two entries
        int ping1 = s.Icmp(3, E, "198.51.100.9", 8, 0, id: 1);            // the third: fits
        int ping2 = s.Icmp(4, E, "198.51.100.9", 8, 0, id: 2);            // a fourth: over the maximum
        int u4 = s.Tcp(5, "198.51.100.7:40004", E + ":80", Syn);
        var r = s.Run();

        foreach (int f in new[] { u1, u2, u3, u4 })
        {
            r.Frame(f).Count(1).Ingress("eni-e").Accept(AllowedByRule).Untracked(TrackState.SynSent);
        }

        r.Frame(ddb).Count(1).Egress("eni-e").Accept(AllowedByRule).Rule("sg-e", "out", 0).Tracked(TrackState.SynSent);
        r.Frame(ping1).Count(1).Egress("eni-e").Accept(AllowedByRule).Tracked(TrackState.IcmpQuery);
        r.Frame(ping2).Count(1).Egress("eni-e").Drop(DroppedConntrackAllowance).Rule("sg-e", "out", 0);
        Assert.Equal(3, r.Engine.TrackedConnections);
    }

    [Fact]
    public void D10_ExpiredEntriesNoLongerCountAgainstTheAllowance()
    {
        var s = new Scenario(Std("in tcp 22 203.0.113.0/24"), EngineOptions.Default with { ConntrackMax = 1 });
        int first = s.Tcp(0, "203.0.113.1:50000", E + ":22", Syn);        // SYN_SENT, 120 s
        int blocked = s.Tcp(120, "203.0.113.2:50000", E + ":22", Syn);    // the first entry is still alive
        int next = s.Tcp(120.000000001, "203.0.113.3:50000", E + ":22", Syn); // … and expired one nanosecond later
        var r = s.Run();

        r.Frame(first).Count(1).Ingress("eni-e").Accept(AllowedByRule).Tracked(TrackState.SynSent);
        r.Frame(blocked).Count(1).Ingress("eni-e").Drop(DroppedConntrackAllowance);
        r.Frame(next).Count(1).Ingress("eni-e").Accept(AllowedByRule).Tracked(TrackState.SynSent);
    }

    [Theory]
    [InlineData("natGateway", true)]
    [InlineData("network_load_balancer", true)]
    [InlineData("vpc_endpoint", true)]
    [InlineData("lambda", true)]
    [InlineData("global_accelerator_managed", true)]
    [InlineData("gateway_load_balancer_endpoint", true)]
    [InlineData("gateway_load_balancer", false)]
    [InlineData("transit_gateway", false)]
    [InlineData("interface", false)]
    public void D11_PeerEniTypeDecidesAutomaticTracking_ByAddressAndByMac(string type, bool autoTracked)
    {
        var peerMac = new MacAddr(0x0A00_0000_0250UL);
        var config = TestVpc.Standard("in tcp 80 0.0.0.0/0", "out all 0.0.0.0/0")
            .Subnet("subnet-2", "10.0.2.0/24")
            .Eni("eni-peer", "subnet-2", new[] { "10.0.2.50" }, new[] { "sg-peer" }, mac: peerMac.ToString(), type: type, requesterManaged: type != "interface")
            .Group("sg-peer", "out all 0.0.0.0/0")
            .Build();
        var s = new Scenario(config);
        int byAddress = s.Tcp(1, "10.0.2.50:30000", E + ":80", Syn);
        int byMac = s.Tcp(2, "198.51.100.7:40000", E + ":80", Syn, srcMac: peerMac);
        var r = s.Run();

        foreach (int f in new[] { byAddress, byMac })
        {
            var v = r.Frame(f).Count(2).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0);
            if (autoTracked)
            {
                v.Tracked(TrackState.SynSent);
            }
            else
            {
                v.Untracked(TrackState.SynSent);
            }
        }
    }

    [Fact]
    public void D11_PeerInDynamoDbPrefixList_AutomaticallyTracked()
    {
        var config = TestVpc.Standard("in all 0.0.0.0/0", "out all 0.0.0.0/0")
            .PrefixList("pl-ddb", "com.amazonaws.eu-west-1.dynamodb", "52.94.0.0/22")
            .PrefixList("pl-s3", "com.amazonaws.eu-west-1.s3", "52.218.0.0/17")
            .Build();
        var s = new Scenario(config);
        int ddb = s.Tcp(1, E + ":41000", "52.94.1.1:443", Syn);
        int s3 = s.Tcp(2, E + ":41001", "52.218.1.1:443", Syn);
        var r = s.Run();
        r.Frame(ddb).Count(1).Egress("eni-e").Accept(AllowedByRule).Tracked(TrackState.SynSent);
        r.Frame(s3).Count(1).Egress("eni-e").Accept(AllowedByRule).Untracked(TrackState.SynSent);
    }

    // ---- D12: fragments ---------------------------------------------------------------------------

    [Fact]
    public void D12_Ipv4Fragments_FirstDecides_LaterCopyWithin30s_OrphansDropped_ConntrackLeftAlone()
    {
        const string R = "198.51.100.7";
        byte[] Frag(string src, ushort sport, ushort dport, ushort id, int offset, bool more, byte protocol = IpProtocol.Udp)
        {
            byte[] datagram = FrameBuilder.Udp(sport, dport, payloadLength: 56); // 64 bytes: fragments at 0, 24, 48
            int length = offset == 48 ? 16 : 24;
            return FrameBuilder.Ipv4(src, E, protocol, datagram.AsSpan(offset, length), id: id, fragmentOffset: offset, moreFragments: more);
        }

        var s = new Scenario(Std("in udp 5000 0.0.0.0/0"));
        int a1 = s.Raw(0, Frag(R, 40000, 5000, 77, 0, more: true));
        int a2 = s.Raw(10, Frag(R, 40000, 5000, 77, 24, more: true));
        int otherProto = s.Raw(11, Frag(R, 40000, 5000, 77, 24, more: true, protocol: IpProtocol.Tcp));
        int a3 = s.Raw(30, Frag(R, 40000, 5000, 77, 48, more: false));             // exactly 30 s after the first
        int a4 = s.Raw(30.000000001, Frag(R, 40000, 5000, 77, 48, more: false));   // 30 s + 1 ns
        int reply = s.Udp(31, E + ":5000", R + ":40000");                           // the entry was not refreshed by a2/a3
        int b2 = s.Raw(40, Frag(R, 40001, 5000, 88, 24, more: true));              // before its first fragment
        int b1 = s.Raw(40.5, Frag(R, 40001, 5000, 88, 0, more: true));
        int c1 = s.Raw(41, Frag("198.51.100.8", 40002, 6000, 99, 0, more: true));   // no rule for 6000
        int c2 = s.Raw(41.5, Frag("198.51.100.8", 40002, 6000, 99, 24, more: false));
        var r = s.Run();

        r.Frame(a1).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Tracked(TrackState.UdpSingle).FragmentCopy(false);
        var f2 = r.Frame(a2).Count(1);
        f2.Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Nacl(100).FragmentCopy();
        Assert.Equal((40000, 5000, 0), (f2.SrcPort, f2.DstPort, (int)f2.FlowFlags));
        Assert.Equal((0, 0), (f2.Packet.SrcPort, f2.Packet.DstPort)); // the later fragment itself has no ports
        r.Frame(otherProto).Count(1).Ingress("eni-e").Drop(OrphanFragment).NoRule().NoNacl();
        r.Frame(a3).Count(1).Ingress("eni-e").Accept(AllowedByRule).FragmentCopy();
        r.Frame(a4).Count(1).Ingress("eni-e").Drop(OrphanFragment);
        r.Frame(reply).Count(1).Egress("eni-e").Reject(RejectedNoMatchingRule).NotTracked();
        r.Frame(b2).Count(1).Ingress("eni-e").Drop(OrphanFragment);
        r.Frame(b1).Count(1).Ingress("eni-e").Accept(AllowedByRule).Tracked(TrackState.UdpSingle).FragmentCopy(false);
        r.Frame(c1).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule);
        r.Frame(c2).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).FragmentCopy();
        Assert.Equal(3, r.Counters.OrphanFragments);

        // Copies join their first fragment's record; orphans write none.
        Lines.Equal(
            new[]
            {
                "eni-e 10.0.1.10 198.51.100.7 10.0.1.10 198.51.100.7 5000 40000 17 1 0 i-eni-e egress REJECT OK",
                "eni-e 198.51.100.7 10.0.1.10 198.51.100.7 10.0.1.10 40000 5000 17 3 0 i-eni-e ingress ACCEPT OK",
                "eni-e 198.51.100.7 10.0.1.10 198.51.100.7 10.0.1.10 40001 5000 17 1 0 i-eni-e ingress ACCEPT OK",
                "eni-e 198.51.100.8 10.0.1.10 198.51.100.8 10.0.1.10 40002 6000 17 2 0 i-eni-e ingress REJECT OK",
            },
            r.FlowLog(Fmt, includeNoData: false));
    }

    [Fact]
    public void D12_Ipv6Fragments_KeyedBySourceDestinationAndFragmentId()
    {
        const string R = "2001:db8::7";
        byte[] Frag(uint id, int offset, bool more, byte next = IpProtocol.Udp)
        {
            byte[] datagram = FrameBuilder.Udp(40000, 5000, payloadLength: 40); // 48 bytes: fragments at 0 and 24
            return FrameBuilder.Ipv6(R, E6, next, datagram.AsSpan(offset, 24), extensions: new[] { Ipv6Extension.Fragment(offset, more, id) });
        }

        var s = new Scenario(Std("in udp 5000 ::/0"));
        int first = s.Raw(0, Frag(0x1234, 0, more: true));
        int later = s.Raw(1, Frag(0x1234, 24, more: false));
        int otherNext = s.Raw(1.5, Frag(0x1234, 24, more: false, next: IpProtocol.Tcp)); // IPv6 key has no protocol
        int orphan = s.Raw(2, Frag(0x9999, 24, more: false));
        int expired = s.Raw(30.000000001, Frag(0x1234, 24, more: false));
        var r = s.Run();

        r.Frame(first).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Nacl(101).Tracked(TrackState.UdpSingle);
        r.Frame(later).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).FragmentCopy();
        Assert.Equal((40000, 5000), (r.Frame(later).SrcPort, r.Frame(later).DstPort));
        r.Frame(otherNext).Count(1).Ingress("eni-e").Accept(AllowedByRule).FragmentCopy();
        r.Frame(orphan).Count(1).Ingress("eni-e").Drop(OrphanFragment);
        r.Frame(expired).Count(1).Ingress("eni-e").Drop(OrphanFragment);
    }

    // ---- D13: attribution --------------------------------------------------------------------------

    [Fact]
    public void D13_AttributionByAddressAndMac_SenderFirst_RejectedNeverDelivered_SameEniIgnored_UnattributedCounted()
    {
        var gMac = new MacAddr(0x0A00_0000_0130UL);
        var config = new TestVpc()
            .Subnet("subnet-1", "10.0.1.0/24")
            .Eni("eni-e", "subnet-1", new[] { E, "10.0.1.11" }, new[] { "sg-e" })
            .Eni("eni-f", "subnet-1", new[] { "10.0.1.20" }, new[] { "sg-f" })
            .Eni("eni-g", "subnet-1", new[] { "10.0.1.30" }, new[] { "sg-g" }, mac: gMac.ToString())
            .Group("sg-e", "out tcp 5432 10.0.1.0/24")
            .Group("sg-f", "in tcp 5432 10.0.1.0/24", "in tcp 6000 10.0.1.0/24")
            .Group("sg-g", "in all 0.0.0.0/0", "out all 0.0.0.0/0")
            .Build();
        var s = new Scenario(config);
        int eToF = s.Tcp(1, E + ":40000", "10.0.1.20:5432", Syn);
        int eToFRejected = s.Tcp(2, E + ":40001", "10.0.1.20:6000", Syn);
        int toForeignViaG = s.Tcp(3, "198.51.100.7:40000", "10.0.9.9:443", Syn, dstMac: gMac);
        int fromForeignViaG = s.Tcp(4, "10.0.9.9:443", "198.51.100.7:40000", SynAck, srcMac: gMac);
        int ipAndMac = s.Tcp(5, "10.0.1.20:40002", "10.0.1.11:6000", Syn, dstMac: gMac);
        int sameEni = s.Tcp(6, E + ":40003", "10.0.1.11:22", Syn);
        int unattributed = s.Tcp(7, "198.51.100.1:40004", "198.51.100.2:22", Syn);
        var r = s.Run();

        var f = r.Frame(eToF).Count(2);
        Assert.Equal(0, f.IndexOf("eni-e", Direction.Egress));
        f.Egress("eni-e").Accept(AllowedByRule).Rule("sg-e", "out", 0).Tracked(TrackState.SynSent);
        f.Ingress("eni-f").Accept(AllowedByRule).Rule("sg-f", "in", 0).Tracked(TrackState.SynSent);

        var g = r.Frame(eToFRejected).Count(2);
        g.Egress("eni-e").Reject(RejectedNoMatchingRule);
        g.Ingress("eni-f").Drop(NotDelivered).NoRule().NoNacl().NotTracked();

        r.Frame(toForeignViaG).Count(1).Ingress("eni-g").Accept(AllowedByRule).Rule("sg-g", "in", 0);
        r.Frame(fromForeignViaG).Count(1).Egress("eni-g").Accept(AllowedByRule).Rule("sg-g", "out", 0);

        // Ingress on the address owner and on the MAC owner, in that order.
        var h = r.Frame(ipAndMac).Count(3);
        Assert.Equal(0, h.IndexOf("eni-f", Direction.Egress));
        Assert.Equal(1, h.IndexOf("eni-e", Direction.Ingress));
        Assert.Equal(2, h.IndexOf("eni-g", Direction.Ingress));
        h.Egress("eni-f").Reject(RejectedNoMatchingRule);
        h.Ingress("eni-e").Drop(NotDelivered);
        h.Ingress("eni-g").Drop(NotDelivered);

        r.Frame(sameEni).Is(PacketDisposition.SameEni);
        r.Frame(unattributed).Is(PacketDisposition.Unattributed);
        Assert.Equal(1, r.Counters.SameEni);
        Assert.Equal(1, r.Counters.Unattributed);

        // The receiver of a packet its sender rejected has no record.
        Assert.DoesNotContain(r.FlowLog(Fmt, includeNoData: false), l => l.StartsWith("eni-f", StringComparison.Ordinal) && l.Contains(" 6000 ", StringComparison.Ordinal) && l.Contains("ingress", StringComparison.Ordinal));
        Assert.Contains("eni-e 10.0.1.10 10.0.1.20 10.0.1.10 10.0.1.20 40001 6000 6 1 2 i-eni-e egress REJECT OK", r.FlowLog(Fmt, includeNoData: false));
    }

    // ---- D14: NACL placement ------------------------------------------------------------------------

    [Fact]
    public void D14_EgressSgRunsBeforeNacl_TrackedReplyDeniedByNaclStillAdvancesTheEntry()
    {
        var config = TestVpc.Standard("in tcp 22 203.0.113.0/24")
            .Acl("acl-in-only", new[] { "subnet-1" }, "in 100 allow all 0.0.0.0/0")
            .Build();
        var s = new Scenario(config);
        int syn = s.Tcp(1, "203.0.113.1:50000", E + ":22", Syn);
        int synAck = s.Tcp(1.01, E + ":22", "203.0.113.1:50000", SynAck);
        int ack = s.Tcp(1.02, "203.0.113.1:50000", E + ":22", Ack);
        var r = s.Run();

        r.Frame(syn).Count(1).Ingress("eni-e").Accept(AllowedByRule).Nacl(100).Tracked(TrackState.SynSent);
        r.Frame(synAck).Count(1).Egress("eni-e").Reject(RejectedByNacl).Nacl(32767).Rule("sg-e", "in", 0).Tracked(TrackState.SynRecv);

        // SYN_SENT would not move on the initiator's ACK; ESTABLISHED proves the rejected SYN-ACK advanced the entry.
        r.Frame(ack).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.Established);
    }

    [Fact]
    public void D14_IngressNaclDenyMeansTheSgNeverSeesThePacket()
    {
        AwsConfig Build(bool denyInbound) => TestVpc.Standard("out tcp 443 0.0.0.0/0")
            .Acl("acl-1", new[] { "subnet-1" }, denyInbound ? new[] { "out 100 allow all 0.0.0.0/0" } : new[] { "in 100 allow all 0.0.0.0/0", "out 100 allow all 0.0.0.0/0" })
            .Build();
        var s = new Scenario(Build(false)).ChangeAt(50, Build(true), "inbound denied").ChangeAt(60, Build(false), "inbound allowed again");
        s.Tcp(0, E + ":49152", "198.51.100.20:443", Syn);
        s.Tcp(0.1, "198.51.100.20:443", E + ":49152", SynAck);
        s.Tcp(0.2, E + ":49152", "198.51.100.20:443", Ack);
        int rst = s.Tcp(51, "198.51.100.20:443", E + ":49152", Rst);
        int later = s.Tcp(80, "198.51.100.20:443", E + ":49152", PshAck, payload: 10);
        var r = s.Run();

        r.Frame(rst).Count(1).Ingress("eni-e").Reject(RejectedByNacl).Nacl(32767).NotTracked();

        // Had the SG seen the RST the entry would be CLOSE (10 s) and gone by t=80.
        r.Frame(later).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Nacl(100).Tracked(TrackState.Established);
    }

    [Fact]
    public void D14_NaclOnlyAcrossTheSubnetBoundary_NoNaclKnownMeansNoNaclLayer()
    {
        var withAcl = TestVpc.Standard("in tcp 22 0.0.0.0/0").Acl("acl-deny", new[] { "subnet-1" }).Build();
        var s = new Scenario(withAcl);
        int inside = s.Tcp(1, "10.0.1.200:50000", E + ":22", Syn);
        int outsideVpcSubnet = s.Tcp(2, "10.0.2.200:50000", E + ":22", Syn);
        int inside6 = s.Tcp(3, "[2600:1f18:1234:5601::99]:50000", $"[{E6}]:22", Syn);
        var r = s.Run();
        r.Frame(inside).Count(1).Ingress("eni-e").Accept(AllowedByRule).NoNacl();
        r.Frame(outsideVpcSubnet).Count(1).Ingress("eni-e").Reject(RejectedByNacl).Nacl(32767);
        r.Frame(inside6).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).NoNacl();

        var s2 = new Scenario(TestVpc.Standard("in tcp 22 0.0.0.0/0").Build());
        int outside = s2.Tcp(1, "198.51.100.7:50000", E + ":22", Syn);
        s2.Run().Frame(outside).Count(1).Ingress("eni-e").Accept(AllowedByRule).NoNacl();
    }

    [Fact]
    public void D14_BetweenTwoSubnets_FourEvaluations_SenderSgThenNaclOut_ReceiverNaclInThenSg_RecordOnEach()
    {
        var config = new TestVpc()
            .Subnet("subnet-a", "10.0.1.0/24").Subnet("subnet-b", "10.0.2.0/24")
            .Eni("eni-a", "subnet-a", new[] { "10.0.1.10" }, new[] { "sg-a" })
            .Eni("eni-b", "subnet-b", new[] { "10.0.2.20" }, new[] { "sg-b" })
            .Group("sg-a", "out tcp 5432 10.0.2.0/24", "out tcp 6000 10.0.2.0/24", "out tcp 7000 10.0.2.0/24")
            .Group("sg-b", "in tcp 5432 sg-a", "in tcp 6000 sg-a")
            .Acl("acl-a", new[] { "subnet-a" }, "in 100 allow all 0.0.0.0/0", "out 90 deny tcp 7000 0.0.0.0/0", "out 100 allow all 0.0.0.0/0")
            .Acl("acl-b", new[] { "subnet-b" }, "in 80 deny tcp 6000 10.0.1.0/24", "in 100 allow all 10.0.0.0/16", "out 100 allow tcp 1024-65535 10.0.0.0/16")
            .Build();
        var s = new Scenario(config);
        int ok = s.Tcp(1, "10.0.1.10:40000", "10.0.2.20:5432", Syn);
        int okBack = s.Tcp(1.01, "10.0.2.20:5432", "10.0.1.10:40000", SynAck);
        int deniedIn = s.Tcp(2, "10.0.1.10:40001", "10.0.2.20:6000", Syn);
        int deniedOut = s.Tcp(3, "10.0.1.10:40002", "10.0.2.20:7000", Syn);
        var r = s.Run();

        var f = r.Frame(ok).Count(2);
        f.Egress("eni-a").Accept(AllowedByRule).Rule("sg-a", "out", 0).Nacl(100, "acl-a").Tracked(TrackState.SynSent);
        f.Ingress("eni-b").Accept(AllowedByRule).Rule("sg-b", "in", 0).Nacl(100, "acl-b").Tracked(TrackState.SynSent);
        var g = r.Frame(okBack).Count(2);
        g.Egress("eni-b").Accept(AllowedByTrackedConnection).Nacl(100, "acl-b").Tracked(TrackState.SynRecv);
        g.Ingress("eni-a").Accept(AllowedByTrackedConnection).Nacl(100, "acl-a").Tracked(TrackState.SynRecv);

        // The receiver's NACL denies before its SG (which would allow); the sender's entry was created all the same.
        var h = r.Frame(deniedIn).Count(2);
        h.Egress("eni-a").Accept(AllowedByRule).Rule("sg-a", "out", 1).Nacl(100, "acl-a").Tracked(TrackState.SynSent);
        h.Ingress("eni-b").Reject(RejectedByNacl).Nacl(80, "acl-b").NoRule().NotTracked();

        // The sender's NACL denies after its SG: the receiver never sees the packet.
        var k = r.Frame(deniedOut).Count(2);
        k.Egress("eni-a").Reject(RejectedByNacl).Rule("sg-a", "out", 2).Nacl(90, "acl-a").Tracked(TrackState.SynSent);
        k.Ingress("eni-b").Drop(NotDelivered).NoNacl();

        Lines.Equal(
            new[]
            {
                "eni-a 10.0.1.10 10.0.2.20 10.0.1.10 10.0.2.20 40000 5432 6 1 2 i-eni-a egress ACCEPT OK",
                "eni-a 10.0.1.10 10.0.2.20 10.0.1.10 10.0.2.20 40001 6000 6 1 2 i-eni-a egress ACCEPT OK",
                "eni-a 10.0.1.10 10.0.2.20 10.0.1.10 10.0.2.20 40002 7000 6 1 2 i-eni-a egress REJECT OK",
                "eni-a 10.0.2.20 10.0.1.10 10.0.2.20 10.0.1.10 5432 40000 6 1 18 i-eni-a ingress ACCEPT OK",
                "eni-b 10.0.2.20 10.0.1.10 10.0.2.20 10.0.1.10 5432 40000 6 1 18 i-eni-b egress ACCEPT OK",
                "eni-b 10.0.1.10 10.0.2.20 10.0.1.10 10.0.2.20 40000 5432 6 1 2 i-eni-b ingress ACCEPT OK",
                "eni-b 10.0.1.10 10.0.2.20 10.0.1.10 10.0.2.20 40001 6000 6 1 2 i-eni-b ingress REJECT OK",
            },
            r.FlowLog(Fmt, includeNoData: false));
    }

    // ---- D15, D16: references and zero-group ENIs ---------------------------------------------------

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void D15_GroupReferenceMembers_PrivateIpv4_Ipv6AndDelegatedPrefixesBehindSwitch_StaleMatchesNothing(bool includeIpv6AndPrefixes)
    {
        var config = TestVpc.Standard("in tcp 5432 sg-app", "in tcp 6000 sg-remote(deleted)")
            .Subnet("subnet-2", "10.0.2.0/24", "2600:1f18:1234:5602::/64")
            .Eni("eni-app", "subnet-2", new[] { "10.0.2.20", "10.0.2.21" }, new[] { "sg-app", "sg-remote" },
                ipv6: "2600:1f18:1234:5602::20", ipv4Prefixes: new[] { "10.0.2.64/28" }, ipv6Prefixes: new[] { "2600:1f18:1234:5602:1::/80" })
            .Group("sg-app", "out all 0.0.0.0/0", "out all ::/0")
            .Group("sg-remote")
            .Build();
        var options = EngineOptions.Default with { Rules = new RuleCompileOptions { GroupReferencesIncludeIpv6AndPrefixes = includeIpv6AndPrefixes } };
        var s = new Scenario(config, options);
        int primary = s.Tcp(1, "10.0.2.20:40000", E + ":5432", Syn);
        int secondary = s.Tcp(2, "10.0.2.21:40000", E + ":5432", Syn);
        int v6 = s.Tcp(3, "[2600:1f18:1234:5602::20]:40000", $"[{E6}]:5432", Syn);
        int prefix4 = s.Tcp(4, "10.0.2.70:40000", E + ":5432", Syn);
        int prefix6 = s.Tcp(5, "[2600:1f18:1234:5602:1::9]:40000", $"[{E6}]:5432", Syn);
        int stale = s.Tcp(6, "10.0.2.20:40001", E + ":6000", Syn);
        var r = s.Run();

        r.Frame(primary).Count(2).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0);
        r.Frame(secondary).Count(2).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0);
        foreach (int f in new[] { v6, prefix4, prefix6 })
        {
            var v = r.Frame(f).Count(2).Ingress("eni-e");
            if (includeIpv6AndPrefixes)
            {
                v.Accept(AllowedByRule).Rule("sg-e", "in", 0);
            }
            else
            {
                v.Reject(RejectedNoMatchingRule).NoRule();
            }
        }

        r.Frame(stale).Count(2).Ingress("eni-e").Reject(RejectedNoMatchingRule).NoRule();
    }

    [Fact]
    public void D15_EgressReferenceDoesNotMatchAFrameSentToAMiddlebox()
    {
        var appMac = new MacAddr(0x0A00_0000_0220UL);
        var fwMac = new MacAddr(0x0A00_0000_0330UL);
        var config = TestVpc.Standard("out tcp 5432 sg-app")
            .Subnet("subnet-2", "10.0.2.0/24").Subnet("subnet-3", "10.0.3.0/24")
            .Eni("eni-app", "subnet-2", new[] { "10.0.2.20" }, new[] { "sg-app" }, mac: appMac.ToString())
            .Eni("eni-fw", "subnet-3", new[] { "10.0.3.30" }, new[] { "sg-fw" }, mac: fwMac.ToString())
            .Group("sg-app", "in tcp 5432 10.0.0.0/16")
            .Group("sg-fw", "in all 0.0.0.0/0", "out all 0.0.0.0/0")
            .Build();
        var s = new Scenario(config);
        int viaFw = s.Tcp(1, E + ":40000", "10.0.2.20:5432", Syn, dstMac: fwMac);
        int direct = s.Tcp(2, E + ":40001", "10.0.2.20:5432", Syn, dstMac: appMac);
        var r = s.Run();

        var f = r.Frame(viaFw).Count(3);
        f.Egress("eni-e").Reject(RejectedNoMatchingRule).NoRule();
        f.Ingress("eni-app").Drop(NotDelivered);
        f.Ingress("eni-fw").Drop(NotDelivered);
        var g = r.Frame(direct).Count(2);
        g.Egress("eni-e").Accept(AllowedByRule).Rule("sg-e", "out", 0).Tracked(TrackState.SynSent);
        g.Ingress("eni-app").Accept(AllowedByRule).Rule("sg-app", "in", 0);
    }

    [Theory]
    [InlineData("natGateway", false, true)]
    [InlineData("transit_gateway", false, true)]
    [InlineData("gateway_load_balancer", false, true)]
    [InlineData("gateway_load_balancer_endpoint", false, true)]
    [InlineData("interface", true, true)]
    [InlineData("vpc_endpoint", true, true)]
    [InlineData("interface", false, false)]
    [InlineData("network_load_balancer", false, false)]
    [InlineData("vpc_endpoint", false, false)]
    [InlineData("lambda", false, false)]
    public void D16_EniWithoutGroups_SkipsSgLayerOnlyForRequesterManagedAndListedTypes(string type, bool requesterManaged, bool skip)
    {
        var config = new TestVpc()
            .Subnet("subnet-2", "10.0.2.0/24")
            .Eni("eni-x", "subnet-2", new[] { "10.0.2.50" }, Array.Empty<string>(), type: type, requesterManaged: requesterManaged)
            .Acl("acl-2", new[] { "subnet-2" }, "in 50 deny tcp 22 0.0.0.0/0", "in 100 allow all 0.0.0.0/0", "out 100 allow all 0.0.0.0/0")
            .Build();
        var s = new Scenario(config);
        int inbound = s.Tcp(1, "198.51.100.7:40000", "10.0.2.50:443", Syn);
        int outbound = s.Tcp(2, "10.0.2.50:40000", "198.51.100.7:443", Syn);
        int ssh = s.Tcp(3, "198.51.100.7:40001", "10.0.2.50:22", Syn);
        var r = s.Run();

        if (skip)
        {
            r.Frame(inbound).Count(1).Ingress("eni-x").Accept(AllowedNoSecurityGroups).NoRule().Nacl(100).NotTracked();
            r.Frame(outbound).Count(1).Egress("eni-x").Accept(AllowedNoSecurityGroups).NoRule().Nacl(100).NotTracked();
        }
        else
        {
            r.Frame(inbound).Count(1).Ingress("eni-x").Reject(RejectedNoMatchingRule).NoRule().Nacl(100);
            r.Frame(outbound).Count(1).Egress("eni-x").Reject(RejectedNoMatchingRule).NoRule().NoNacl();
        }

        // NACLs still apply.
        r.Frame(ssh).Count(1).Ingress("eni-x").Reject(RejectedByNacl).Nacl(50);
    }

    // ---- D17: exempt traffic ------------------------------------------------------------------------

    private static AwsConfig ExemptVpc() => new TestVpc()
        .Subnet("subnet-1", "10.0.1.0/24", "2600:1f18:1234:5601::/64")
        .Subnet("subnet-2", "10.0.2.0/24", "2600:1f18:1234:5610::/60")
        .Eni("eni-e", "subnet-1", new[] { E }, new[] { "sg-e" }, ipv6: E6)
        .Group("sg-e")
        .Acl("acl-deny", new[] { "subnet-1", "subnet-2" })
        .Build();

    [Theory]
    [InlineData("169.254.169.253", ExemptKind.AmazonDns)]
    [InlineData("fd00:ec2::253", ExemptKind.AmazonDns)]
    [InlineData("10.0.0.2", ExemptKind.AmazonDns)]
    [InlineData("169.254.169.254", ExemptKind.InstanceMetadata)]
    [InlineData("fd00:ec2::254", ExemptKind.InstanceMetadata)]
    [InlineData("169.254.169.123", ExemptKind.TimeSync)]
    [InlineData("fd00:ec2::123", ExemptKind.TimeSync)]
    [InlineData("169.254.169.250", ExemptKind.WindowsActivation)]
    [InlineData("169.254.169.251", ExemptKind.WindowsActivation)]
    [InlineData("169.254.170.2", ExemptKind.EcsMetadata)]
    [InlineData("fe80:ec2::1", ExemptKind.VpcRouter)]
    [InlineData("169.254.10.10", ExemptKind.LinkLocal)]
    [InlineData("fe80::1234", ExemptKind.LinkLocal)]
    [InlineData("10.0.1.0", ExemptKind.SubnetReserved)]
    [InlineData("10.0.1.1", ExemptKind.SubnetReserved)]
    [InlineData("10.0.1.2", ExemptKind.SubnetReserved)]
    [InlineData("10.0.1.3", ExemptKind.SubnetReserved)]
    [InlineData("10.0.1.255", ExemptKind.SubnetReserved)]
    [InlineData("10.0.2.3", ExemptKind.SubnetReserved)]
    [InlineData("2600:1f18:1234:5601::", ExemptKind.SubnetReserved)]
    [InlineData("2600:1f18:1234:5601::1", ExemptKind.SubnetReserved)]
    [InlineData("2600:1f18:1234:5601::3", ExemptKind.SubnetReserved)]
    [InlineData("2600:1f18:1234:5601:ffff:ffff:ffff:ffff", ExemptKind.SubnetReserved)]
    [InlineData("2600:1f18:1234:5613::2", ExemptKind.SubnetReserved)]
    [InlineData("10.0.1.4", ExemptKind.None)]
    [InlineData("10.0.0.3", ExemptKind.None)]
    [InlineData("2600:1f18:1234:5601::4", ExemptKind.None)]
    [InlineData("2600:1f18:1234:5613::4", ExemptKind.None)]
    [InlineData("255.255.255.255", ExemptKind.None)]
    [InlineData("224.0.0.5", ExemptKind.None)]
    [InlineData("ff02::1", ExemptKind.None)]
    [InlineData("fd00:ec2::252", ExemptKind.None)]
    public void D17_ExemptByAddress_EitherDirection_NoVerdictNoRecord(string address, ExemptKind kind)
    {
        string self = IpAddr.Parse(address).IsV4 ? E : E6;
        string Ep(string a, int port) => IpAddr.Parse(a).IsV4 ? $"{a}:{port}" : $"[{a}]:{port}";
        var s = new Scenario(ExemptVpc());
        int to = s.Udp(1, Ep(self, 40000), Ep(address, 5555));
        int from = s.Udp(2, Ep(address, 5555), Ep(self, 40000));
        var r = s.Run();

        if (kind == ExemptKind.None)
        {
            r.Frame(to).Count(1).Egress("eni-e").Reject(RejectedNoMatchingRule);
            r.Frame(from).Count(1).Ingress("eni-e");
            Assert.Equal(2, r.FlowLog(Fmt, includeNoData: false).Count);
        }
        else
        {
            r.Frame(to).Exempt(kind);
            r.Frame(from).Exempt(kind);
            Assert.Empty(r.FlowLog(Fmt, includeNoData: false));
            Assert.Equal(2, r.Counters.Exempt[(int)kind]);
        }
    }

    [Fact]
    public void D17_ExemptByPortOrType_Dhcp_Dhcpv6_NeighbourDiscovery()
    {
        var s = new Scenario(ExemptVpc());
        int dhcp = s.Udp(1, E + ":68", "10.0.5.5:67");
        int dhcpBack = s.Udp(1.1, "10.0.5.5:67", E + ":68");
        int notDhcp = s.Udp(1.2, E + ":68", "10.0.5.5:69");
        int dhcp6 = s.Udp(2, $"[{E6}]:546", "[2600:1f18:1234:5601::99]:547");
        int notDhcp6 = s.Udp(2.1, $"[{E6}]:546", "[2600:1f18:1234:5601::99]:548");
        var nd = new List<int>();
        for (byte type = 133; type <= 137; type++)
        {
            nd.Add(s.Icmp(3 + (type * 0.01), E6, "2600:1f18:1234:5601::20", type));
        }

        int router138 = s.Icmp(4, E6, "2600:1f18:1234:5601::20", 138);
        var r = s.Run();

        r.Frame(dhcp).Exempt(ExemptKind.Dhcp);
        r.Frame(dhcpBack).Exempt(ExemptKind.Dhcp);
        r.Frame(notDhcp).Count(1).Egress("eni-e").Reject(RejectedNoMatchingRule);
        r.Frame(dhcp6).Exempt(ExemptKind.Dhcpv6);
        r.Frame(notDhcp6).Count(1).Egress("eni-e").Reject(RejectedNoMatchingRule);
        foreach (int f in nd)
        {
            r.Frame(f).Exempt(ExemptKind.NeighborDiscovery);
        }

        r.Frame(router138).Count(1).Egress("eni-e").Reject(RejectedNoMatchingRule);
    }

    [Fact]
    public void D17_LinkLocalExemptOption_Off_RangeEvaluated_NamedServicesStillExempt()
    {
        var s = new Scenario(ExemptVpc(), EngineOptions.Default with { LinkLocalExempt = false });
        int ll4 = s.Udp(1, E + ":40000", "169.254.10.10:5555");
        int ll6 = s.Udp(2, $"[{E6}]:40000", "[fe80::1234]:5555");
        int imds = s.Tcp(3, E + ":40000", "169.254.169.254:80", Syn);
        int router = s.Udp(4, $"[{E6}]:40000", "[fe80:ec2::1]:5555");
        int ecs = s.Tcp(5, E + ":40001", "169.254.170.2:80", Syn);
        var r = s.Run();

        r.Frame(ll4).Count(1).Egress("eni-e").Reject(RejectedNoMatchingRule);
        r.Frame(ll6).Count(1).Egress("eni-e").Reject(RejectedNoMatchingRule);
        r.Frame(imds).Exempt(ExemptKind.InstanceMetadata);
        r.Frame(router).Exempt(ExemptKind.VpcRouter);
        r.Frame(ecs).Exempt(ExemptKind.EcsMetadata);
    }

    // ---- D18–D20 -----------------------------------------------------------------------------------

    [Theory]
    [InlineData("tcp", true, false, false)]
    [InlineData("TCP", true, false, false)]
    [InlineData("Tcp", true, false, false)]
    [InlineData("6", true, false, false)]
    [InlineData("udp", false, true, false)]
    [InlineData("17", false, true, false)]
    [InlineData("gre", false, false, true)]
    [InlineData("47", false, false, true)]
    [InlineData("all", true, true, true)]
    [InlineData("ALL", true, true, true)]
    [InlineData("-1", true, true, true)]
    public void D18_ProtocolsAsNamesInAnyCaseNumbersOrAll(string protocol, bool tcp, bool udp, bool gre)
    {
        bool ports = protocol.ToLowerInvariant() is "tcp" or "6" or "udp" or "17";
        var config = Std($"in {protocol}{(ports ? " 0-65535" : "")} 198.51.100.0/24");
        var s = new Scenario(config);
        int t = s.Tcp(1, "198.51.100.7:40000", E + ":9000", Syn);
        int u = s.Udp(2, "198.51.100.7:40000", E + ":9000");
        int g = s.Ip(3, "198.51.100.7", E, IpProtocol.Gre);
        var r = s.Run();
        Assert.Equal(tcp, r.Frame(t).Count(1).Ingress("eni-e").Action == VerdictAction.Accept);
        Assert.Equal(udp, r.Frame(u).Count(1).Ingress("eni-e").Action == VerdictAction.Accept);
        Assert.Equal(gre, r.Frame(g).Count(1).Ingress("eni-e").Action == VerdictAction.Accept);
    }

    [Theory]
    [InlineData("icmpv6")]
    [InlineData("ICMPv6")]
    [InlineData("58")]
    public void D18_Icmpv6SpelledAnyWay(string protocol)
    {
        var s = new Scenario(Std($"in {protocol} -1/-1 ::/0"));
        int ping = s.Icmp(1, "2001:db8::7", E6, 128, 0, id: 1);
        s.Run().Frame(ping).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0);
    }

    [Fact]
    public void D19_ConfigVersionAppliesFromItsTimeOn_EntriesAndMarkersSurvive_MembershipFollowsTheVersion()
    {
        AwsConfig Build(bool fIsApp, bool port22) => TestVpc.Standard(port22 ? new[] { "in tcp 22 0.0.0.0/0", "in tcp 5432 sg-app", "out all 0.0.0.0/0" } : new[] { "in tcp 5432 sg-app", "out all 0.0.0.0/0" })
            .Eni("eni-f", "subnet-1", new[] { "10.0.1.20" }, fIsApp ? new[] { "sg-app" } : new[] { "sg-other" })
            .Group("sg-app", "out all 0.0.0.0/0")
            .Group("sg-other", "out all 0.0.0.0/0")
            .Build();
        var s = new Scenario(Build(fIsApp: false, port22: true)).ChangeAt(100, Build(fIsApp: true, port22: false), "v2");
        int untrackedSyn = s.Tcp(1, "198.51.100.7:50000", E + ":22", Syn);
        int beforeFromF = s.Tcp(99.999999999, "10.0.1.20:40000", E + ":5432", Syn);
        int beforeSsh = s.Tcp(99.999999999, "198.51.100.8:50000", E + ":22", Syn);
        int atFromF = s.Tcp(100, "10.0.1.20:40001", E + ":5432", Syn);
        int atSsh = s.Tcp(100, "198.51.100.8:50001", E + ":22", Syn);
        int markerSurvives = s.Tcp(101, "198.51.100.7:50000", E + ":22", Ack);
        int trackedSurvives = s.Tcp(102, E + ":5432", "10.0.1.20:40001", SynAck);
        var r = s.Run();

        r.Frame(untrackedSyn).Count(1).Ingress("eni-e").Accept(AllowedByRule).Untracked(TrackState.SynSent);
        r.Frame(beforeFromF).Count(2).Ingress("eni-e").Reject(RejectedNoMatchingRule);
        r.Frame(beforeSsh).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0);
        r.Frame(atFromF).Count(2).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Tracked(TrackState.SynSent);
        r.Frame(atSsh).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule);

        // The untracked marker survives the change (its next packet is judged by the new rules: no port 22).
        r.Frame(markerSurvives).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).Untracked(TrackState.SynSent);
        r.Frame(trackedSurvives).Count(2).Egress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.SynRecv);
    }

    [Fact]
    public void D19_AddressAddedToEni_AttributionFollowsTheVersion_EvenForPacketsReadAheadOfTheChange()
    {
        // The two-thread replay attributes packets a few frames ahead of evaluating them; a packet read
        // while the old version was in force must still be attributed by the version of its own time.
        AwsConfig Build(bool secondary) => new TestVpc()
            .Subnet("subnet-1", "10.0.1.0/24")
            .Eni("eni-e", "subnet-1", secondary ? new[] { E, "10.0.1.30" } : new[] { E }, new[] { "sg-e" })
            .Group("sg-e", "in tcp 80 198.51.100.0/24")
            .Build();
        var s = new Scenario(Build(secondary: false)).ChangeAt(100, Build(secondary: true), "address added")
            .ChangeAt(200, Build(secondary: false), "address removed");
        int before = s.Tcp(99, "198.51.100.7:50000", "10.0.1.30:80", Syn);
        int at = s.Tcp(100, "198.51.100.7:50001", "10.0.1.30:80", Syn);
        int reply = s.Tcp(100.5, "10.0.1.30:80", "198.51.100.7:50001", SynAck);
        int after = s.Tcp(200, "198.51.100.7:50002", "10.0.1.30:80", Syn);
        var r = s.Run();

        r.Frame(before).Is(PacketDisposition.Unattributed);
        r.Frame(at).Count(1).Ingress("eni-e").Accept(AllowedByRule).Rule("sg-e", "in", 0).Tracked(TrackState.SynSent);
        r.Frame(reply).Count(1).Egress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.SynRecv);
        r.Frame(after).Is(PacketDisposition.Unattributed);
    }

    [Fact]
    public void D19_GroupDetachedFromEni_TrackedConnectionsSurvive_UntrackedFlowsAreCut()
    {
        AwsConfig Build(params string[] groups) => new TestVpc()
            .Subnet("subnet-1", "10.0.1.0/24")
            .Eni("eni-e", "subnet-1", new[] { E }, groups)
            .Group("sg-ssh", "in tcp 22 203.0.113.0/24")
            .Group("sg-web", "in tcp 80 0.0.0.0/0", "out all 0.0.0.0/0")
            .Group("sg-base")
            .Build();
        var s = new Scenario(Build("sg-ssh", "sg-web", "sg-base")).ChangeAt(100, Build("sg-base"), "groups detached");
        s.Tcp(1, "203.0.113.1:50000", E + ":22", Syn);
        s.Tcp(1.1, "198.51.100.7:50000", E + ":80", Syn);
        int ssh = s.Tcp(101, E + ":22", "203.0.113.1:50000", SynAck);
        int web = s.Tcp(102, E + ":80", "198.51.100.7:50000", SynAck);
        int webIn = s.Tcp(103, "198.51.100.7:50000", E + ":80", Ack);
        var r = s.Run();

        r.Frame(1).Count(1).Ingress("eni-e").Tracked(TrackState.SynSent);
        r.Frame(2).Count(1).Ingress("eni-e").Untracked(TrackState.SynSent);
        r.Frame(ssh).Count(1).Egress("eni-e").Accept(AllowedByTrackedConnection).Rule("sg-ssh", "in", 0).Tracked(TrackState.SynRecv);
        r.Frame(web).Count(1).Egress("eni-e").Reject(RejectedNoMatchingRule).Untracked(TrackState.SynSent);
        r.Frame(webIn).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule).Untracked(TrackState.SynSent);
    }

    [Fact]
    public void D20_FilesInGivenOrderWithTheirOwnTimestamps()
    {
        byte[] synFrame = Scenario.EthernetFrame(Scenario.IpPacket(E, "198.51.100.20", IpProtocol.Tcp, FrameBuilder.Tcp(49152, 443, Syn)));
        byte[] synAckFrame = Scenario.EthernetFrame(Scenario.IpPacket("198.51.100.20", E, IpProtocol.Tcp, FrameBuilder.Tcp(443, 49152, SynAck)));
        long t10 = Scenario.AbsoluteNs(10), t9 = Scenario.AbsoluteNs(9);
        byte[] file1 = TestCaptureBuilder.Pcap(nanosecond: true).Record(synFrame, (uint)(t10 / 1_000_000_000), (uint)(t10 % 1_000_000_000)).ToArray();
        byte[] file2 = TestCaptureBuilder.Pcap(nanosecond: true).Record(synAckFrame, (uint)(t9 / 1_000_000_000), (uint)(t9 % 1_000_000_000)).ToArray();

        // File order: the SYN (t=10) first, then the SYN-ACK stamped one second earlier — not re-sorted.
        var r = new Scenario(Std("out tcp 443 0.0.0.0/0")).Replay(new[] { file1, file2 });
        r.Frame(1).Count(1).Egress("eni-e").Accept(AllowedByRule).Tracked(TrackState.SynSent);
        r.Frame(2).Count(1).Ingress("eni-e").Accept(AllowedByTrackedConnection).Tracked(TrackState.SynRecv);
        Assert.Equal(t9, r.Frame(2).Packet.TimestampNs);

        // The other order: the SYN-ACK comes first and nothing is tracked yet.
        var r2 = new Scenario(Std("out tcp 443 0.0.0.0/0")).Replay(new[] { file2, file1 });
        r2.Frame(1).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule);
    }

    [Fact]
    public void D20_PcapngSimplePacketTakesThePreviousTimestamp()
    {
        byte[] Syn22(string src, ushort port) => Scenario.EthernetFrame(Scenario.IpPacket(src, E, IpProtocol.Tcp, FrameBuilder.Tcp(port, 22, Syn)));
        long t101 = Scenario.AbsoluteNs(101);
        byte[] ng = TestCaptureBuilder.PcapNg()
            .Section()
            .Interface(LinkTypes.Ethernet, tsresol: 9)
            .EnhancedPacket(0, (ulong)t101, Syn22("203.0.113.1", 50000))
            .SimplePacket(Syn22("203.0.113.2", 50001))
            .ToArray();

        // Version 2 (from t=100) removes SSH; the SPB, stamped t=101 like the EPB before it, is judged by it.
        var s = new Scenario(Std("in tcp 22 203.0.113.0/24")).ChangeAt(100, Std(), "ssh removed");
        var r = s.Replay(new[] { ng });
        r.Frame(1).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule);
        r.Frame(2).Count(1).Ingress("eni-e").Reject(RejectedNoMatchingRule);
        Assert.Equal(t101, r.Frame(2).Packet.TimestampNs);
    }
}
