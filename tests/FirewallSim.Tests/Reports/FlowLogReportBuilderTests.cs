using FirewallSim.FlowLogs.Reading;
using FirewallSim.Net;
using FirewallSim.Reports;

namespace FirewallSim.Tests.Reports;

public sealed class FlowLogReportBuilderTests
{
    private const long T0 = 1_714_564_800; // 2024-05-01T12:00:00Z, a multiple of 600

    private static FlowLogRecord Rec(string eni, string src, string dst, int sport, int dport, long packets, long bytes, long start,
        RecordAction action = RecordAction.Accept, RecordDirection direction = RecordDirection.Unknown, int protocol = 6) => new()
    {
        InterfaceId = eni,
        SrcAddr = IpAddr.Parse(src),
        DstAddr = IpAddr.Parse(dst),
        SrcPort = sport,
        DstPort = dport,
        Protocol = protocol,
        Packets = packets,
        Bytes = bytes,
        Start = start,
        End = start,
        Action = action,
        Status = RecordStatus.Ok,
        Direction = direction,
    };

    private static FlowLogReport Build(ReportOptions? options, params FlowLogRecord[] records)
    {
        var b = new FlowLogReportBuilder(options);
        long line = 0;
        foreach (var r in records)
        {
            b.Add(r, new RecordLocation("test", ++line));
        }

        return b.Build(new FlowLogReadResult());
    }

    [Fact]
    public void AFlowIsADistinctFiveTupleAndDirectionAcrossWindowsAndActions()
    {
        var report = Build(null,
            Rec("eni-a", "10.0.0.5", "198.51.100.1", 40000, 443, 3, 300, T0),
            Rec("eni-a", "10.0.0.5", "198.51.100.1", 40000, 443, 2, 200, T0 + 60),
            Rec("eni-a", "10.0.0.5", "198.51.100.1", 40000, 443, 1, 40, T0 + 60, RecordAction.Reject),
            Rec("eni-a", "10.0.0.5", "198.51.100.2", 40001, 443, 1, 60, T0 + 60));
        var eni = Assert.Single(report.Enis);
        Assert.Equal(4, eni.Records);
        Assert.Equal(2, eni.Flows);
        Assert.Equal(new TrafficTotals(6, 560, 3, 2), eni.Egress.Accept);
        Assert.Equal(new TrafficTotals(1, 40, 1, 1), eni.Egress.Reject);
        Assert.Equal(2, eni.Egress.Flows);
        Assert.Equal(2, eni.Peers);
    }

    [Fact]
    public void DirectionIsInferredFromTheAddressRecurringInTheEnisRecords()
    {
        var report = Build(null,
            Rec("eni-a", "203.0.113.9", "10.0.0.5", 51000, 22, 4, 400, T0),
            Rec("eni-a", "10.0.0.5", "203.0.113.9", 22, 51000, 3, 900, T0),
            Rec("eni-a", "10.0.0.5", "198.51.100.7", 40000, 443, 5, 500, T0));
        var eni = Assert.Single(report.Enis);
        Assert.Equal(4, eni.Ingress.Accept.Packets);
        Assert.Equal(8, eni.Egress.Accept.Packets);
        Assert.Null(eni.Unresolved);
        Assert.Equal(new ReportDirections(0, 0, 3, 0), report.Directions);
    }

    [Fact]
    public void TiesAreBrokenByAnotherEnisAddressThenByPrivateAddresses()
    {
        var report = Build(null,
            // eni-b is known to be 10.0.0.6 (it talks to two peers).
            Rec("eni-b", "10.0.0.6", "10.0.0.9", 1000, 80, 1, 10, T0),
            Rec("eni-b", "10.0.0.6", "10.0.0.5", 1001, 80, 1, 10, T0),
            // eni-a only ever talks to 10.0.0.6: a tie, broken because 10.0.0.6 is eni-b's.
            Rec("eni-a", "10.0.0.6", "10.0.0.5", 1001, 80, 1, 10, T0),
            // eni-c talks to one public peer: the private side is the ENI.
            Rec("eni-c", "203.0.113.1", "172.16.0.4", 5000, 25, 1, 10, T0),
            // eni-d: two public IPv6 addresses and nothing else to go by.
            Rec("eni-d", "2001:db8::1", "2001:db8::2", 5000, 443, 1, 10, T0));
        var byId = report.Enis.ToDictionary(e => e.Id);
        Assert.Equal(1, byId["eni-a"].Ingress.Accept.Packets);
        Assert.Equal(1, byId["eni-c"].Ingress.Accept.Packets);
        Assert.Equal(1, byId["eni-d"].Unresolved!.Accept.Packets);
        Assert.Equal(new ReportDirections(0, 0, 4, 1), report.Directions);
    }

    [Fact]
    public void TheFlowDirectionFieldWins()
    {
        var report = Build(null, Rec("eni-a", "10.0.0.1", "10.0.0.2", 1, 2, 1, 10, T0, direction: RecordDirection.Ingress));
        Assert.Equal(1, report.Enis[0].Ingress.Accept.Packets);
        Assert.Equal(new ReportDirections(1, 0, 0, 0), report.Directions);
    }

    [Fact]
    public void TopTalkersCountTrafficSeenByTwoLoggedEnisOnce()
    {
        var report = Build(null,
            Rec("eni-a", "10.0.0.5", "10.0.0.6", 40000, 5432, 10, 1000, T0),
            Rec("eni-b", "10.0.0.5", "10.0.0.6", 40000, 5432, 10, 1000, T0),
            Rec("eni-b", "10.0.0.6", "10.0.0.5", 5432, 40000, 8, 4000, T0),
            Rec("eni-c", "2001:db8::5", "2001:db8::6", 40000, 22, 1, 80, T0));
        var v4 = report.TopTalkers.Ipv4;
        Assert.Equal(new Talker("10.0.0.6", 8, 4000, 1), v4.Sources.ByBytes[0]);
        Assert.Equal(new Talker("10.0.0.5", 10, 1000, 1), v4.Sources.ByBytes[1]);
        Assert.Equal("10.0.0.5", v4.Sources.ByPackets[0].Key);
        Assert.Equal(new Talker("tcp/5432", 18, 5000, 2), Assert.Single(v4.Ports.ByBytes));
        Assert.Equal("10.0.0.6 -> 10.0.0.5", v4.Pairs.ByBytes[0].Key);
        Assert.Equal(new Talker("tcp/22", 1, 80, 1), Assert.Single(report.TopTalkers.Ipv6.Ports.ByBytes));
    }

    [Fact]
    public void RejectedAndSensitivePortsCountIngressAttempts()
    {
        var report = Build(null,
            Rec("eni-a", "192.0.2.66", "10.0.0.5", 61000, 22, 2, 80, T0, RecordAction.Reject),
            Rec("eni-a", "192.0.2.67", "10.0.0.5", 61001, 3389, 1, 40, T0 + 5, RecordAction.Reject),
            Rec("eni-a", "203.0.113.4", "10.0.0.5", 61002, 22, 9, 900, T0 + 9),
            Rec("eni-a", "10.0.0.5", "203.0.113.4", 22, 61002, 7, 1200, T0 + 9),
            // Outbound SSH from the ENI is not an attempt on it.
            Rec("eni-a", "10.0.0.5", "198.51.100.1", 50000, 22, 3, 200, T0 + 9));
        Assert.Equal(new TrafficTotals(3, 120, 2, 2), report.Rejected.Total);
        Assert.Equal(new Talker("tcp/22", 2, 80, 1), report.Rejected.ByDestinationPort[0]);
        var ssh = report.SensitivePorts.Single(s => s.Service == "SSH");
        Assert.Equal(9, ssh.Accepted.Packets);
        Assert.Equal(2, ssh.Rejected.Packets);
        Assert.Equal(2, ssh.Sources);
        Assert.Equal(new SensitiveSource("203.0.113.4", "eni-a", 9, 0, "2024-05-01T12:00:09Z", "2024-05-01T12:00:09Z"), ssh.TopSources[0]);
        Assert.Equal("remote-access", report.SensitivePorts.Single(s => s.Service == "RDP").Category);
    }

    [Fact]
    public void TheTimeSeriesIsDenseAndWidensToKeepTheWindowCountBounded()
    {
        var report = Build(null,
            Rec("eni-a", "10.0.0.5", "198.51.100.1", 1, 443, 1, 10, T0),
            Rec("eni-a", "10.0.0.5", "198.51.100.1", 1, 443, 2, 20, T0 + 130, RecordAction.Reject));
        var ts = report.TimeSeries;
        Assert.Equal(60, ts.WindowSeconds);
        Assert.Equal(new[] { T0, T0 + 60, T0 + 120 }, ts.WindowStarts);
        Assert.Equal(new long[] { 1, 0, 0 }, ts.Enis[0].AcceptPackets);
        Assert.Equal(new long[] { 0, 0, 2 }, ts.Enis[0].RejectPackets);

        // A day of records at 60 s would be 1440 windows: widened to 600 s (144 windows), nothing lost.
        var day = Enumerable.Range(0, 1440).Select(i => Rec("eni-a", "10.0.0.5", "198.51.100.1", 1, 443, 1, 10, T0 + (i * 60L))).ToArray();
        var wide = Build(null, day).TimeSeries;
        Assert.Equal(600, wide.WindowSeconds);
        Assert.Equal(144, wide.WindowStarts.Count);
        Assert.All(wide.Enis[0].AcceptPackets, p => Assert.Equal(10, p));

        var fixedWindow = Build(new ReportOptions { WindowSeconds = 60 }, day).TimeSeries;
        Assert.Equal(1440, fixedWindow.WindowStarts.Count);
    }

    [Fact]
    public void NoDataAndSkipDataRecordsAreCountedPerEniButAreNotTraffic()
    {
        var b = new FlowLogReportBuilder();
        b.Add(new FlowLogRecord { InterfaceId = "eni-a", Status = RecordStatus.NoData, Start = T0, End = T0 + 59 }, new RecordLocation("x", 1));
        b.Add(new FlowLogRecord { InterfaceId = "eni-a", Status = RecordStatus.SkipData, Start = T0, End = T0 + 59 }, new RecordLocation("x", 2));
        var report = b.Build(new FlowLogReadResult());
        Assert.Equal(new ReportRecordCounts(2, 0, 1, 1), report.Records);
        Assert.Equal((1L, 1L, 0L), (report.Enis[0].NoDataRecords, report.Enis[0].SkipDataRecords, report.Enis[0].Records));
        Assert.Empty(report.TimeSeries.WindowStarts);
    }
}
