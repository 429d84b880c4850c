using FirewallSim.Config;
using FirewallSim.Decode;
using FirewallSim.Net;
using FirewallSim.Reports.Diff;
using FirewallSim.Tests.Support;
using FirewallSim.Verdicts;
using static FirewallSim.Decode.TcpFlags;

namespace FirewallSim.Tests.Reports.Diff;

/// <summary>Flow aggregation and comparison of <see cref="DiffSession"/> on small built scenarios.</summary>
public class DiffSessionTests
{
    private const string Admin = "203.0.113.10";
    private const string E = "10.0.1.10";

    private static DiffSession Session(AwsConfig a, AwsConfig b, bool perPacket = false) =>
        new(ConfigTimeline.Single(a), ConfigTimeline.Single(b)) { PerPacket = perPacket };

    /// <summary>An SSH session from the admin to E: SYN, SYN-ACK, ACK, data both ways (5 packets, 3 in and 2 out).</summary>
    private static IEnumerable<PacketInfo> Ssh(double t = 1, ushort cport = 50000) =>
    [
        Pkt.Tcp(Admin, cport, E, 22, Syn, t, length: 60),
        Pkt.Tcp(E, 22, Admin, cport, (byte)(Syn | Ack), t + 0.01, length: 60),
        Pkt.Tcp(Admin, cport, E, 22, Ack, t + 0.02, length: 52),
        Pkt.Tcp(Admin, cport, E, 22, (byte)(Psh | Ack), t + 0.03, length: 100),
        Pkt.Tcp(E, 22, Admin, cport, (byte)(Psh | Ack), t + 0.04, length: 400),
    ];

    private static void Feed(DiffSession s, IEnumerable<PacketInfo> packets)
    {
        long frame = 0;
        foreach (var p in packets)
        {
            var q = p;
            q.FrameNumber = ++frame;
            s.Process(q);
        }
    }

    [Fact]
    public void PacketsOfOneFlowAggregatePerEniDirectionAndTuple()
    {
        var config = TestVpc.Standard("in tcp 22 203.0.113.0/24").Build();
        var s = Session(config, config);
        Feed(s, Ssh().Concat(Ssh(5, cport: 50001)));

        Assert.Equal(4, s.Comparer.FlowCount); // two connections × two directions
        var eni = s.Comparer.Enis;
        var inbound = s.Comparer.Flows.Single(f => f.Key.Direction == Direction.Ingress && f.Key.SrcPort == 50000);
        Assert.Equal("eni-e", eni.Id(inbound.Key.Eni));
        Assert.Equal(IpAddr.Parse(Admin), inbound.Key.Src);
        Assert.Equal((ushort)22, inbound.Key.DstPort);
        Assert.Equal(3, inbound.Totals.A.AcceptedPackets);
        Assert.Equal(60 + 52 + 100, inbound.Totals.A.AcceptedBytes);
        Assert.Equal(3, inbound.Totals.B.AcceptedPackets);
        Assert.False(inbound.Totals.Changed);

        var outbound = s.Comparer.Flows.Single(f => f.Key.Direction == Direction.Egress && f.Key.DstPort == 50000);
        Assert.Equal(2, outbound.Totals.A.AcceptedPackets);
        Assert.Equal(SideTotals.SeenTracked, outbound.Totals.A.TrackingSeen);

        var report = s.Report();
        Assert.False(report.Summary.WouldBreak);
        Assert.Equal(4, report.Summary.Flows);
        Assert.Empty(report.Broken);
        Assert.Empty(report.Opened);
    }

    [Fact]
    public void RemovedRuleBreaksTheWholeSessionWhoseSynIsRefused()
    {
        var a = TestVpc.Standard("in tcp 22 203.0.113.0/24", "out all 0.0.0.0/0").Build();
        var b = TestVpc.Standard("out all 0.0.0.0/0").Build();
        var s = Session(a, b);
        Feed(s, Ssh());
        var r = s.Report();

        Assert.True(r.Summary.WouldBreak);
        Assert.Equal(2, r.Summary.BrokenFlows);
        Assert.Equal(5, r.Summary.BrokenPackets);
        var inbound = r.Broken.Single(f => f.Flow.Direction == "ingress");
        Assert.Equal("eni-e ingress tcp 203.0.113.10:50000 -> 10.0.1.10:22", inbound.Flow.ToString());
        Assert.Equal(3, inbound.Broken!.Packets);
        Assert.Equal(212, inbound.Broken.Bytes);
        Assert.Equal("ACCEPT", inbound.Broken.A.Action);
        Assert.Equal("sg-e", inbound.Broken.A.GroupId);
        Assert.Equal("inbound", inbound.Broken.A.RuleDirection);
        Assert.Equal(0, inbound.Broken.A.RuleIndex);
        Assert.Equal("REJECT", inbound.Broken.B.Action);
        Assert.Equal("no inbound rule of sg-e matches", inbound.Broken.B.Text);
        Assert.Equal(1, inbound.B.RejectedPackets);
        Assert.Equal(2, inbound.B.NotSentPackets); // the ACK and the data never happen in B's world

        var outbound = r.Broken.Single(f => f.Flow.Direction == "egress");
        Assert.Equal("NOT SENT", outbound.Broken!.B.Action);
        Assert.Contains("frame 1", outbound.Broken.B.Text, StringComparison.Ordinal);
        Assert.StartsWith("tracked connection opened by sg-e inbound[0]", outbound.Broken.A.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void PerPacketComparesEveryRecordedPacketAsItIs()
    {
        // Without the SYN rule B still sees the recorded SYN-ACK: its open egress rule admits it and opens a
        // tracked entry, which then carries the rest of the session. Only the SYN changes.
        var a = TestVpc.Standard("in tcp 22 203.0.113.0/24", "out all 0.0.0.0/0").Build();
        var b = TestVpc.Standard("out all 0.0.0.0/0").Build();
        var s = Session(a, b, perPacket: true);
        Feed(s, Ssh());
        var r = s.Report();

        var only = Assert.Single(r.Broken);
        Assert.Equal(1, only.Broken!.Packets);
        Assert.Equal(60, only.Broken.Bytes);
        Assert.Equal(2, only.B.AcceptedPackets);
        Assert.Equal(1, r.Summary.BrokenDistinctPackets);
    }

    [Fact]
    public void AddedRuleOpensAndNamesTheRule()
    {
        var a = TestVpc.Standard("in tcp 443 0.0.0.0/0").Build();
        var b = TestVpc.Standard("in tcp 443 0.0.0.0/0", "in icmp 8/-1 10.0.0.0/8").Build();
        var s = Session(a, b);
        Feed(s, [Pkt.Icmp("10.0.9.9", E, 8, 0, id: 7, seconds: 1)]);
        var r = s.Report();

        Assert.False(r.Summary.WouldBreak);
        var f = Assert.Single(r.Opened);
        Assert.Equal("eni-e ingress icmp 10.0.9.9 -> 10.0.1.10", f.Flow.ToString());
        Assert.Equal("REJECT", f.Opened!.A.Action);
        Assert.Equal("ACCEPT", f.Opened.B.Action);
        Assert.Equal("sg-e inbound[1] icmp 8/-1 from 10.0.0.0/8", f.Opened.B.Rule);
        Assert.Equal(1, f.Opened.B.RuleIndex);
    }

    [Fact]
    public void UntrackedFlowBreaksAtOnceWhenItsRuleGoesButATrackedOneSurvives()
    {
        // Spec 3.4: deleting the inbound SSH rule cuts an untracked session at once; a tracked session
        // survives. B is a timeline that removes the rule at t = 10 s.
        AwsConfig Open(params string[] extra) => TestVpc.Standard(["out all 0.0.0.0/0", .. extra]).Build();
        ConfigTimeline Removal(string rule) => new([
            new ConfigVersion(long.MinValue, Open(rule), "before"),
            new ConfigVersion(10 * Pkt.Second, Open(), "after"),
        ]);

        foreach (var (rule, breaks) in new[] { ("in tcp 22 0.0.0.0/0", true), ("in tcp 22 203.0.113.10/32", false) })
        {
            var s = new DiffSession(ConfigTimeline.Single(Open(rule)), Removal(rule));
            Feed(s, Ssh(1).Concat([Pkt.Tcp(Admin, 50000, E, 22, (byte)(Psh | Ack), 20, length: 80), Pkt.Tcp(E, 22, Admin, 50000, (byte)(Psh | Ack), 20.01, length: 90)]));
            var r = s.Report();
            Assert.Equal(breaks, r.Summary.WouldBreak);
            if (breaks)
            {
                var f = Assert.Single(r.Broken);
                Assert.Equal("ingress", f.Flow.Direction);
                Assert.Equal(1, f.Broken!.Packets); // only the packet after the change: a partly broken flow
                Assert.Equal(4, f.A.Packets);
                Assert.Equal(3, f.B.AcceptedPackets);
                Assert.Equal("untracked", f.A.Tracking);
            }
        }
    }

    [Fact]
    public void OpeningBothDirectionsMakesTheFlowUntrackedAndTheReportSaysSo()
    {
        var a = TestVpc.Standard("in tcp 22 203.0.113.10/32", "out all 0.0.0.0/0").Build();
        var b = TestVpc.Standard("in tcp 22 0.0.0.0/0", "out all 0.0.0.0/0").Build();
        var s = Session(a, b);
        Feed(s, Ssh());
        var r = s.Report();

        Assert.False(r.Summary.WouldBreak);
        Assert.Empty(r.Opened);
        Assert.Equal(2, r.TrackingChanges.Count);
        var t = r.TrackingChanges.Single(x => x.Flow.Direction == "ingress");
        Assert.Equal("tracked", t.A);
        Assert.Equal("untracked", t.B);
        Assert.Contains("0.0.0.0/0", t.DecisionB.Text, StringComparison.Ordinal);
        Assert.True(r.Summary.PeakTrackedA > r.Summary.PeakTrackedB);
    }

    [Fact]
    public void NaclDenyInBIsNamedWithItsEntry()
    {
        var a = TestVpc.Standard("in tcp 22 203.0.113.0/24").Build();
        var b = TestVpc.Standard("in tcp 22 203.0.113.0/24")
            .Acl("acl-x", ["subnet-1"], "in 90 deny tcp 22 203.0.113.0/24", "in 100 allow all 0.0.0.0/0", "out 100 allow all 0.0.0.0/0")
            .Build();
        var s = Session(a, b);
        Feed(s, Ssh());
        var f = s.Report().Broken.Single(x => x.Flow.Direction == "ingress");
        Assert.Equal("rejected-by-nacl", f.Broken!.B.Reason);
        Assert.Equal("acl-x", f.Broken.B.NaclId);
        Assert.Contains("acl-x inbound 90 deny", f.Broken.B.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEniInOneConfigurationOnlyIsReportedApartAndNeverBreaks()
    {
        var a = TestVpc.Standard("in tcp 22 203.0.113.0/24").Build();
        var b = TestVpc.Standard("in tcp 22 203.0.113.0/24")
            .Eni("eni-new", "subnet-1", ["10.0.1.50"], ["sg-e"])
            .Build();
        var s = Session(a, b);
        Feed(s, [Pkt.Tcp(Admin, 40000, "10.0.1.50", 22, Syn, 1)]);
        var r = s.Report();
        Assert.False(r.Summary.WouldBreak);
        Assert.Equal(["eni-new"], r.EnisOnlyInB);
        var o = Assert.Single(r.OneSided);
        Assert.Equal("B", o.Side);
        Assert.Equal("ACCEPT", o.Action);
    }

    [Fact]
    public void ComparingAFlowAllocatesNothingOnceItIsKnown()
    {
        var config = TestVpc.Standard("in tcp 22 0.0.0.0/0", "out all 0.0.0.0/0").Build();
        var s = Session(config, TestVpc.Standard("out all 0.0.0.0/0").Build(), perPacket: true);
        var packets = Ssh().ToArray();
        Feed(s, packets); // warm up: flows, conntrack slots
        var p = Pkt.Tcp(Admin, 50000, E, 22, (byte)(Psh | Ack), 2, length: 100);
        s.Process(p);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            p.TimestampNs += 1_000_000;
            s.Process(p);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ReplayOfACaptureGivesTheSameAsPacketsFedOneByOne()
    {
        using var script = new TrafficScript();
        script.Session(1, Admin, 50000, E, 22).Udp(3, E, 40000, "8.8.8.8", 53).Udp(3.01, "8.8.8.8", 53, E, 40000);
        string capture = script.Write();
        var a = TestVpc.Standard("in tcp 22 203.0.113.0/24", "out udp 53 0.0.0.0/0").Build();
        var b = TestVpc.Standard("in tcp 22 203.0.113.0/24").Build();
        var s = Session(a, b);
        var outcome = s.Replay([capture]);
        var r = s.Report(outcome, new DiffReportOptions { ConfigA = ["a"], ConfigB = ["b"] });

        Assert.Equal(10, r.Summary.PacketsReplayed);
        Assert.Equal([capture], r.Inputs);
        Assert.Equal(2, r.Summary.BrokenFlows); // the DNS query (no rule) and its reply (no tracked entry)
        Assert.All(r.Broken, f => Assert.Equal("udp", f.Flow.Protocol));
        Assert.Contains(r.Broken, f => f.Flow.ToString() == "eni-e egress udp 10.0.1.10:40000 -> 8.8.8.8:53");
    }

    [Fact]
    public void JsonHasTheFlowsTheDecisionsAndTheSummary()
    {
        var a = TestVpc.Standard("in tcp 22 203.0.113.0/24", "out all 0.0.0.0/0").Build();
        var b = TestVpc.Standard("out all 0.0.0.0/0").Build();
        var s = Session(a, b);
        Feed(s, Ssh());
        using var ms = new MemoryStream();
        DiffReportWriter.WriteJson(ms, s.Report(null, new DiffReportOptions { ConfigA = ["a.json"], ConfigB = ["b.json"] }));
        using var doc = System.Text.Json.JsonDocument.Parse(ms.ToArray());
        var root = doc.RootElement;
        Assert.True(root.GetProperty("summary").GetProperty("would_break").GetBoolean());
        Assert.Equal(2, root.GetProperty("summary").GetProperty("broken_flows").GetInt32());
        Assert.Equal("a.json", root.GetProperty("config_a")[0].GetString());
        var f = root.GetProperty("would_break").EnumerateArray().Single(x => x.GetProperty("direction").GetString() == "ingress");
        Assert.Equal("eni-e", f.GetProperty("eni").GetString());
        Assert.Equal(22, f.GetProperty("dst_port").GetInt32());
        Assert.Equal(3, f.GetProperty("changed_packets").GetInt32());
        Assert.Equal("sg-e", f.GetProperty("decision_a").GetProperty("group").GetString());
        Assert.Equal("rejected-no-matching-rule", f.GetProperty("decision_b").GetProperty("reason").GetString());
        Assert.Equal(2, f.GetProperty("b").GetProperty("not_sent_packets").GetInt32());
        Assert.Equal(0, root.GetProperty("would_open").GetArrayLength());
    }
}
