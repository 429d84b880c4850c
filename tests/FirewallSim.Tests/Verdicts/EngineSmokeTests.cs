using FirewallSim.Config;
using FirewallSim.Decode;
using FirewallSim.Tests.Support;
using FirewallSim.Verdicts;
using static FirewallSim.Decode.TcpFlags;

namespace FirewallSim.Tests.Verdicts;

/// <summary>First checks of the packet path; the spec's full edge-case table lives in EdgeCaseTests.</summary>
public class EngineSmokeTests
{
    private static SimulationEngine Engine(AwsConfig config, EngineOptions? options = null)
    {
        var o = options ?? EngineOptions.Default;
        return new SimulationEngine(CompiledTimeline.Compile(ConfigTimeline.Single(config), o), o);
    }

    private static Verdict Only(SimulationEngine e, PacketInfo p)
    {
        var r = default(PacketResult);
        e.Process(p, ref r);
        Assert.Equal(PacketDisposition.Evaluated, r.Disposition);
        Assert.Equal(1, r.Count);
        return r.Verdicts[0];
    }

    [Fact]
    public void InboundSynWithoutMatchingRuleIsRejected()
    {
        var e = Engine(TestVpc.Standard("in tcp 443 0.0.0.0/0").Build());
        var v = Only(e, Pkt.Tcp("198.51.100.7", 40000, "10.0.1.10", 22, Syn));
        Assert.Equal(VerdictAction.Reject, v.Action);
        Assert.Equal(VerdictReason.RejectedNoMatchingRule, v.Reason);
        Assert.Equal(Direction.Ingress, v.Direction);
    }

    [Fact]
    public void TrackedSshReplyLeavesWithoutOutboundRulesAndSurvivesRuleRemovalUntilIdle()
    {
        var before = TestVpc.Standard("in tcp 22 203.0.113.1/32").Build();
        var after = TestVpc.Standard().Build();
        var timeline = new ConfigTimeline(new[]
        {
            new ConfigVersion(long.MinValue, before, "before"),
            new ConfigVersion(100 * Pkt.Second, after, "after"),
        });
        var e = new SimulationEngine(CompiledTimeline.Compile(timeline, EngineOptions.Default));

        var syn = Only(e, Pkt.Tcp("203.0.113.1", 50000, "10.0.1.10", 22, Syn, 1));
        Assert.Equal(VerdictAction.Accept, syn.Action);
        Assert.Equal(TrackingMode.Tracked, syn.Tracking);
        Assert.Equal(TrackState.SynSent, syn.State);

        var synAck = Only(e, Pkt.Tcp("10.0.1.10", 22, "203.0.113.1", 50000, (byte)(Syn | Ack), 1.1));
        Assert.Equal(VerdictAction.Accept, synAck.Action);
        Assert.Equal(VerdictReason.AllowedByTrackedConnection, synAck.Reason);
        Assert.Equal(TrackState.SynRecv, synAck.State);

        var ack = Only(e, Pkt.Tcp("203.0.113.1", 50000, "10.0.1.10", 22, Ack, 1.2));
        Assert.Equal(TrackState.Established, ack.State);

        // Rule deleted at t=100: the tracked session continues in both directions.
        Assert.Equal(VerdictAction.Accept, Only(e, Pkt.Tcp("203.0.113.1", 50000, "10.0.1.10", 22, Ack, 200)).Action);
        Assert.Equal(VerdictAction.Accept, Only(e, Pkt.Tcp("10.0.1.10", 22, "203.0.113.1", 50000, Ack, 201)).Action);

        // A new SYN from the same peer is judged by the new rules.
        var newSyn = Only(e, Pkt.Tcp("203.0.113.1", 50001, "10.0.1.10", 22, Syn, 202));
        Assert.Equal(VerdictAction.Reject, newSyn.Action);
    }

    [Fact]
    public void UntrackedSessionIsCutAtOnceWhenItsRuleIsRemoved()
    {
        var before = TestVpc.Standard("in tcp 22 0.0.0.0/0", "out all 0.0.0.0/0").Build();
        var after = TestVpc.Standard("out all 0.0.0.0/0").Build();
        var timeline = new ConfigTimeline(new[]
        {
            new ConfigVersion(long.MinValue, before, "before"),
            new ConfigVersion(100 * Pkt.Second, after, "after"),
        });
        var e = new SimulationEngine(CompiledTimeline.Compile(timeline, EngineOptions.Default));
        var syn = Only(e, Pkt.Tcp("198.51.100.7", 50000, "10.0.1.10", 22, Syn, 1));
        Assert.Equal(TrackingMode.Untracked, syn.Tracking);
        Assert.Equal(VerdictAction.Accept, Only(e, Pkt.Tcp("10.0.1.10", 22, "198.51.100.7", 50000, (byte)(Syn | Ack), 1.1)).Action);
        Assert.Equal(TrackState.Established, Only(e, Pkt.Tcp("198.51.100.7", 50000, "10.0.1.10", 22, Ack, 1.2)).State);
        var next = Only(e, Pkt.Tcp("198.51.100.7", 50000, "10.0.1.10", 22, Ack, 101));
        Assert.Equal(VerdictAction.Reject, next.Action);
        Assert.Equal(TrackingMode.Untracked, next.Tracking);
    }

    [Fact]
    public void PingWithStatelessNaclGivesAcceptInRejectOut()
    {
        var config = TestVpc.Standard("in icmp -1/-1 0.0.0.0/0")
            .Acl("acl-1", new[] { "subnet-1" }, "in 100 allow icmp -1/-1 0.0.0.0/0")
            .Build();
        var e = Engine(config);
        var request = Only(e, Pkt.Icmp("203.0.113.12", "10.0.1.10", 8, 0, id: 7, seconds: 1));
        Assert.Equal(VerdictAction.Accept, request.Action);
        var reply = Only(e, Pkt.Icmp("10.0.1.10", "203.0.113.12", 0, 0, id: 7, seconds: 1.001));
        Assert.Equal(VerdictAction.Reject, reply.Action);
        Assert.Equal(VerdictReason.RejectedByNacl, reply.Reason);
        Assert.Equal(32767, e.Timeline.Rules.NaclEntry(reply.NaclEntryId).Entry.RuleNumber);
        Assert.True(e.Timeline.Rules.NaclEntry(reply.NaclEntryId).Implicit);
    }

    [Fact]
    public void DnsToVpcResolverIsExemptEvenWithDenyAllNacl()
    {
        var config = TestVpc.Standard().Acl("acl-1", new[] { "subnet-1" }).Build();
        var e = Engine(config);
        var r = default(PacketResult);
        e.Process(Pkt.Udp("10.0.1.10", 40000, "10.0.0.2", 53), ref r);
        Assert.Equal(PacketDisposition.Exempt, r.Disposition);
        Assert.Equal(ExemptKind.AmazonDns, r.Exempt);
        Assert.Equal(0, r.Count);
    }

    [Fact]
    public void UdpSingleExchangeExpiresAfter30SecondsButAStreamLives180()
    {
        var e = Engine(TestVpc.Standard("out udp 53 0.0.0.0/0").Build());
        Assert.Equal(VerdictAction.Accept, Only(e, Pkt.Udp("10.0.1.10", 40000, "8.8.8.8", 53, 0)).Action);
        Assert.Equal(VerdictAction.Accept, Only(e, Pkt.Udp("8.8.8.8", 53, "10.0.1.10", 40000, 5)).Action);
        Assert.Equal(VerdictAction.Reject, Only(e, Pkt.Udp("8.8.8.8", 53, "10.0.1.10", 40000, 36)).Action);

        Only(e, Pkt.Udp("10.0.1.10", 40001, "8.8.8.8", 53, 100));
        Only(e, Pkt.Udp("8.8.8.8", 53, "10.0.1.10", 40001, 101));
        Only(e, Pkt.Udp("10.0.1.10", 40001, "8.8.8.8", 53, 102));
        var stream = Only(e, Pkt.Udp("8.8.8.8", 53, "10.0.1.10", 40001, 103));
        Assert.Equal(TrackState.UdpStream, stream.State);
        Assert.Equal(VerdictAction.Accept, Only(e, Pkt.Udp("8.8.8.8", 53, "10.0.1.10", 40001, 283)).Action);
        Assert.Equal(VerdictAction.Reject, Only(e, Pkt.Udp("8.8.8.8", 53, "10.0.1.10", 40001, 464)).Action);
    }

    [Fact]
    public void SenderRejectMeansReceiverNeverSeesThePacket()
    {
        var config = new TestVpc()
            .Subnet("subnet-a", "10.0.1.0/24").Subnet("subnet-b", "10.0.2.0/24")
            .Eni("eni-a", "subnet-a", new[] { "10.0.1.10" }, new[] { "sg-a" })
            .Eni("eni-b", "subnet-b", new[] { "10.0.2.20" }, new[] { "sg-b" })
            .Group("sg-a", "out tcp 443 0.0.0.0/0")
            .Group("sg-b", "in tcp 5432 sg-a")
            .Build();
        var e = Engine(config);
        var r = default(PacketResult);
        e.Process(Pkt.Tcp("10.0.1.10", 40000, "10.0.2.20", 5432, Syn), ref r);
        Assert.Equal(2, r.Count);
        Assert.Equal(VerdictAction.Reject, r.Verdicts[0].Action);
        Assert.Equal(Direction.Egress, r.Verdicts[0].Direction);
        Assert.Equal(VerdictAction.Drop, r.Verdicts[1].Action);
        Assert.Equal(VerdictReason.NotDelivered, r.Verdicts[1].Reason);
    }
}
