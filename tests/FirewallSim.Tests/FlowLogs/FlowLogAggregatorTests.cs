using System.IO.Compression;
using FirewallSim.Config;
using FirewallSim.FlowLogs;
using FirewallSim.Tests.Support;
using FirewallSim.Verdicts;
using static FirewallSim.Decode.TcpFlags;

namespace FirewallSim.Tests.FlowLogs;

/// <summary>Windows, NODATA/SKIPDATA, filters, address rules and order of flow-log records (D21–D27).</summary>
public class FlowLogAggregatorTests
{
    private const long T0 = 1_714_564_800; // epoch-aligned to 60 and 600 s

    private sealed class Collector : IFlowLogSink
    {
        public List<(long Window, List<FlowRecord> Records)> Windows { get; } = new();

        public bool Completed { get; private set; }

        public void WriteWindow(long windowStart, IReadOnlyList<FlowRecord> records) => Windows.Add((windowStart, records.ToList()));

        public void Complete() => Completed = true;

        public void Dispose()
        {
        }
    }

    private sealed class Run
    {
        public Run(AwsConfig config, FlowLogOptions? options = null, string format = "${interface-id} ${flow-direction} ${srcaddr} ${dstaddr} ${pkt-srcaddr} ${pkt-dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${tcp-flags} ${log-status}")
        {
            var compiled = CompiledTimeline.Compile(ConfigTimeline.Single(config), EngineOptions.Default);
            Engine = new SimulationEngine(compiled);
            Aggregator = new FlowLogAggregator(compiled.Enis, options ?? new FlowLogOptions(), new IFlowLogSink[] { Sink });
            Formatter = new FlowRecordFormatter(FlowLogFormat.Parse(format), compiled);
        }

        public SimulationEngine Engine { get; }

        public FlowLogAggregator Aggregator { get; }

        public Collector Sink { get; } = new();

        public FlowRecordFormatter Formatter { get; }

        public void Packet(FirewallSim.Decode.PacketInfo p)
        {
            var r = default(PacketResult);
            Engine.Process(p, ref r);
            Aggregator.Add(p, r);
        }

        public List<string> Lines(int window) => Sink.Windows[window].Records.Select(r => Formatter.FormatToString(r)).ToList();

        public List<string> AllLines() => Sink.Windows.SelectMany(w => w.Records).Select(r => Formatter.FormatToString(r)).ToList();
    }

    /// <summary>Two ENIs with IPv4 and IPv6, some inbound traffic allowed and some rejected, everything outbound allowed.</summary>
    private static TestVpc BothFamilies() =>
        TestVpc.Standard("in tcp 443 0.0.0.0/0", "in udp 53 0.0.0.0/0", "in tcp 443 ::/0", "out all 0.0.0.0/0", "out all ::/0")
            .Eni("eni-a", "subnet-1", new[] { "10.0.1.30" }, new[] { "sg-e" }, ipv6: "2600:1f18:1234:5601::30");

    private static AwsConfig Web() => TestVpc.Standard("in tcp 443 0.0.0.0/0", "out all 0.0.0.0/0", "in icmp -1/-1 0.0.0.0/0").Build();

    [Theory]
    [InlineData(FlowLogFormat.DefaultFormatText, 2)]
    [InlineData("${version} ${interface-id} ${vpc-id}", 3)]
    [InlineData("${az-id} ${srcaddr}", 4)]
    [InlineData("${flow-direction} ${traffic-path}", 5)]
    [InlineData("${ecs-task-id}", 7)]
    [InlineData("${reject-reason} ${srcaddr}", 8)]
    [InlineData("${srcaddr} ${dstaddr}", 2)]
    public void VersionIsTheHighestOfTheChosenFields(string format, int version) =>
        Assert.Equal(version, FlowLogFormat.Parse(format).Version);

    [Theory]
    [InlineData("${version} ${no-such-field}", "unknown flow-log field 'no-such-field'")]
    [InlineData("${version} srcaddr", "'srcaddr' in the flow-log format is not of the form")]
    [InlineData("   ", "empty")]
    public void InvalidFormatsAreRejectedWithTheOffendingToken(string format, string message)
    {
        Assert.False(FlowLogFormat.TryParse(format, out _, out string? error));
        Assert.Contains(message, error);
    }

    [Fact]
    public void HeaderLineNamesTheFieldsInOrder() =>
        Assert.Equal("version srcaddr tcp-flags", FlowLogFormat.Parse("${version} ${srcaddr} ${tcp-flags}").Header);

    [Fact]
    public void WindowsAreEpochAlignedAndAPacketAtTheBoundaryStartsTheNextWindow()
    {
        var run = new Run(Web(), new FlowLogOptions { NoData = false });
        // One nanosecond before the boundary (built in ns: a double cannot hold it).
        run.Packet(Pkt.Tcp("198.51.100.7", 40000, "10.0.1.10", 443, Syn) with { TimestampNs = ((T0 + 60) * Pkt.Second) - 1 });
        run.Packet(Pkt.Tcp("198.51.100.7", 40000, "10.0.1.10", 443, Ack, T0 + 60.0));
        run.Aggregator.Finish();
        Assert.Equal(new[] { T0, T0 + 60 }, run.Sink.Windows.Select(w => w.Window));
        Assert.Equal($"eni-e ingress 198.51.100.7 10.0.1.10 198.51.100.7 10.0.1.10 40000 443 6 1 60 {T0 + 59} {T0 + 59} ACCEPT 2 OK", Assert.Single(run.Lines(0)));
        Assert.Equal($"eni-e ingress 198.51.100.7 10.0.1.10 198.51.100.7 10.0.1.10 40000 443 6 1 60 {T0 + 60} {T0 + 60} ACCEPT 0 OK", Assert.Single(run.Lines(1)));
        Assert.True(run.Sink.Completed);
    }

    [Fact]
    public void TenMinuteWindowsAggregateAcrossMinutes()
    {
        var run = new Run(Web(), new FlowLogOptions { IntervalSeconds = 600, NoData = false });
        run.Packet(Pkt.Tcp("198.51.100.7", 40000, "10.0.1.10", 443, Syn, T0 + 10));
        run.Packet(Pkt.Tcp("198.51.100.7", 40000, "10.0.1.10", 443, Fin, T0 + 590));
        run.Aggregator.Finish();
        Assert.Equal($"eni-e ingress 198.51.100.7 10.0.1.10 198.51.100.7 10.0.1.10 40000 443 6 2 120 {T0 + 10} {T0 + 590} ACCEPT 3 OK", Assert.Single(run.AllLines()));
    }

    [Fact]
    public void AWindowIsWrittenOnlyWhenPacketTimeHasPassedItsEndPlusLateness()
    {
        var run = new Run(Web(), new FlowLogOptions { NoData = false, LatenessSeconds = 5 });
        run.Packet(Pkt.Tcp("198.51.100.7", 40000, "10.0.1.10", 443, Syn, T0 + 10));
        run.Packet(Pkt.Tcp("198.51.100.7", 40001, "10.0.1.10", 443, Syn, T0 + 64.9));
        Assert.Empty(run.Sink.Windows);
        run.Packet(Pkt.Tcp("198.51.100.7", 40002, "10.0.1.10", 443, Syn, T0 + 65));
        Assert.Single(run.Sink.Windows);
        Assert.Single(run.Lines(0));
    }

    [Fact]
    public void LatePacketsJoinTheOldestOpenWindowAndAreCounted()
    {
        var run = new Run(Web(), new FlowLogOptions { NoData = false, LatenessSeconds = 0 });
        run.Packet(Pkt.Tcp("198.51.100.7", 40000, "10.0.1.10", 443, Syn, T0 + 10));
        run.Packet(Pkt.Tcp("198.51.100.7", 40001, "10.0.1.10", 443, Syn, T0 + 61));   // closes window 0
        run.Packet(Pkt.Tcp("198.51.100.7", 40002, "10.0.1.10", 443, Syn, T0 + 30));   // late for window 0
        run.Aggregator.Finish();
        Assert.Equal(1, run.Aggregator.LatePackets);
        Assert.Contains($"eni-e ingress 198.51.100.7 10.0.1.10 198.51.100.7 10.0.1.10 40002 443 6 1 60 {T0 + 60} {T0 + 60} ACCEPT 2 OK", run.Lines(1));
    }

    [Fact]
    public void NoDataCoversEveryEniAndEveryWindowFromFirstToLastFrame()
    {
        var config = TestVpc.Standard("in tcp 443 0.0.0.0/0")
            .Eni("eni-f", "subnet-1", new[] { "10.0.1.20" }, new[] { "sg-e" })
            .Build();
        var run = new Run(config);
        run.Packet(Pkt.Tcp("198.51.100.7", 40000, "10.0.1.10", 443, Syn, T0 + 5));
        run.Packet(Pkt.Tcp("198.51.100.7", 40000, "10.0.1.10", 443, Ack, T0 + 185));
        run.Aggregator.Finish();
        Assert.Equal(new[] { T0, T0 + 60, T0 + 120, T0 + 180 }, run.Sink.Windows.Select(w => w.Window));
        var all = run.AllLines();
        Assert.Equal(4, all.Count(l => l.StartsWith("eni-f ", StringComparison.Ordinal) && l.EndsWith("NODATA", StringComparison.Ordinal)));
        Assert.Equal(2, all.Count(l => l.StartsWith("eni-e ", StringComparison.Ordinal) && l.EndsWith("NODATA", StringComparison.Ordinal)));
        Assert.Contains($"eni-e - - - - - - - - - - {T0 + 60} {T0 + 119} - - NODATA", all);
        Assert.Equal(6, run.Aggregator.NoDataRecords);
    }

    [Fact]
    public void NoNoDataOptionWritesNone()
    {
        var run = new Run(Web(), new FlowLogOptions { NoData = false });
        run.Packet(Pkt.Tcp("198.51.100.7", 40000, "10.0.1.10", 443, Syn, T0 + 5));
        run.Packet(Pkt.Tcp("198.51.100.7", 40000, "10.0.1.10", 443, Ack, T0 + 185));
        run.Aggregator.Finish();
        Assert.DoesNotContain(run.AllLines(), l => l.EndsWith("NODATA", StringComparison.Ordinal));
    }

    [Fact]
    public void TrafficTypeFiltersRecordsAndNoDataFollowsTheFilter()
    {
        var run = new Run(Web(), new FlowLogOptions { TrafficType = TrafficType.Reject });
        run.Packet(Pkt.Tcp("198.51.100.7", 40000, "10.0.1.10", 443, Syn, T0 + 5));
        run.Packet(Pkt.Tcp("198.51.100.7", 40001, "10.0.1.10", 22, Syn, T0 + 6));
        run.Packet(Pkt.Tcp("198.51.100.7", 40002, "10.0.1.10", 443, Syn, T0 + 65));
        run.Aggregator.Finish();
        Assert.Equal($"eni-e ingress 198.51.100.7 10.0.1.10 198.51.100.7 10.0.1.10 40001 22 6 1 60 {T0 + 6} {T0 + 6} REJECT 2 OK", Assert.Single(run.Lines(0)));
        Assert.EndsWith("NODATA", Assert.Single(run.Lines(1))); // D24: no OK record after the filter
    }

    [Fact]
    public void AcceptAndRejectOfOneFiveTupleAreSeparateRecords()
    {
        var before = TestVpc.Standard("in udp 53 0.0.0.0/0").Build();
        var after = TestVpc.Standard().Build();
        var timeline = new ConfigTimeline(new[] { new ConfigVersion(long.MinValue, before, "a"), new ConfigVersion((T0 + 10) * Pkt.Second, after, "b") });
        var compiled = CompiledTimeline.Compile(timeline, EngineOptions.Default);
        var engine = new SimulationEngine(compiled);
        var sink = new Collector();
        var agg = new FlowLogAggregator(compiled.Enis, new FlowLogOptions { NoData = false }, new IFlowLogSink[] { sink });
        foreach (double t in new[] { 1.0, 2.0, 40.0 })
        {
            var p = Pkt.Udp("198.51.100.7", 5353, "10.0.1.10", 53, T0 + t);
            var r = default(PacketResult);
            engine.Process(p, ref r);
            agg.Add(p, r);
        }

        agg.Finish();
        var records = sink.Windows.Single().Records;
        Assert.Equal(2, records.Count);
        // 1 s: admitted by the rule; 2 s: by the tracked entry; 40 s: entry idle 38 s > 30 s and the rule is gone.
        Assert.Equal(VerdictAction.Accept, records[0].Action);
        Assert.Equal(2, records[0].Packets);
        Assert.Equal(VerdictAction.Reject, records[1].Action);
        Assert.Equal(1, records[1].Packets);
        Assert.Equal(records[0].SrcPort, records[1].SrcPort);
    }

    [Fact]
    public void SkipDataWhenTheCapacityPerEniIsExceeded()
    {
        var run = new Run(Web(), new FlowLogOptions { MaxFlowsPerEniWindow = 2 });
        for (ushort port = 40000; port < 40005; port++)
        {
            run.Packet(Pkt.Tcp("198.51.100.7", port, "10.0.1.10", 443, Syn, T0 + 1));
        }

        run.Aggregator.Finish();
        var lines = run.Lines(0);
        Assert.Equal(2, lines.Count(l => l.EndsWith(" OK", StringComparison.Ordinal)));
        Assert.Equal($"eni-e - - - - - - - - - - {T0} {T0 + 59} - - SKIPDATA", lines.Last());
        Assert.DoesNotContain(lines, l => l.EndsWith("NODATA", StringComparison.Ordinal));
    }

    [Fact]
    public void EniSideOfIpv4RecordsIsThePrimaryAddressAndPktFieldsKeepTheRealOne()
    {
        var run = new Run(Web(), new FlowLogOptions { NoData = false });
        run.Packet(Pkt.Tcp("198.51.100.7", 40000, "10.0.1.11", 443, Syn, T0 + 1));   // to the secondary IP
        run.Packet(Pkt.Tcp("10.0.1.11", 443, "198.51.100.7", 40000, (byte)(Syn | Ack), T0 + 2));
        run.Aggregator.Finish();
        var lines = run.Lines(0);
        Assert.Contains($"eni-e egress 10.0.1.10 198.51.100.7 10.0.1.11 198.51.100.7 443 40000 6 1 60 {T0 + 2} {T0 + 2} ACCEPT 18 OK", lines);
        Assert.Contains($"eni-e ingress 198.51.100.7 10.0.1.10 198.51.100.7 10.0.1.11 40000 443 6 1 60 {T0 + 1} {T0 + 1} ACCEPT 2 OK", lines);
    }

    [Fact]
    public void ForeignIpv6OnTheEniSideBecomesTheEnisFirstIpv6()
    {
        var config = TestVpc.Standard("in tcp 443 ::/0")
            .Eni("eni-nat", "subnet-1", new[] { "10.0.1.50" }, Array.Empty<string>(), ipv6: "2600:1f18:1234:5601::50", mac: "0e:00:00:00:00:50", type: "natGateway", requesterManaged: true)
            .Build();
        var run = new Run(config, new FlowLogOptions { NoData = false });
        var p = Pkt.Tcp("2001:db8::7", 40000, "2001:db8::99", 443, Syn, T0 + 1);
        p.DstMac = new FirewallSim.Net.MacAddr(0x0e0000000050);
        run.Packet(p);
        run.Aggregator.Finish();
        Assert.Contains($"eni-nat ingress 2001:db8::7 2600:1f18:1234:5601::50 2001:db8::7 2001:db8::99 40000 443 6 1 60 {T0 + 1} {T0 + 1} ACCEPT 2 OK", run.Lines(0));
    }

    [Fact]
    public void RecordsAreOrderedByD27()
    {
        var config = TestVpc.Standard("in all 0.0.0.0/0", "out all 0.0.0.0/0", "in all ::/0", "out all ::/0")
            .Eni("eni-a", "subnet-1", new[] { "10.0.1.30" }, new[] { "sg-e" })
            .Build();
        var run = new Run(config, new FlowLogOptions { NoData = false }, "${interface-id} ${flow-direction} ${pkt-srcaddr} ${pkt-dstaddr} ${srcport} ${dstport} ${protocol} ${action}");
        run.Packet(Pkt.Udp("198.51.100.9", 1, "10.0.1.10", 53, T0 + 1));
        run.Packet(Pkt.Udp("2001:db8::1", 1, "2600:1f18:1234:5601::10", 53, T0 + 1));
        run.Packet(Pkt.Udp("198.51.100.8", 2, "10.0.1.10", 53, T0 + 1));
        run.Packet(Pkt.Udp("198.51.100.8", 1, "10.0.1.10", 53, T0 + 1));
        run.Packet(Pkt.Udp("10.0.1.10", 53, "198.51.100.8", 1, T0 + 1));
        run.Packet(Pkt.Udp("198.51.100.8", 1, "10.0.1.30", 53, T0 + 1));
        run.Aggregator.Finish();
        Assert.Equal(new[]
        {
            "eni-a ingress 198.51.100.8 10.0.1.30 1 53 17 ACCEPT",
            "eni-e egress 10.0.1.10 198.51.100.8 53 1 17 ACCEPT",
            "eni-e ingress 198.51.100.8 10.0.1.10 1 53 17 ACCEPT",
            "eni-e ingress 198.51.100.8 10.0.1.10 2 53 17 ACCEPT",
            "eni-e ingress 198.51.100.9 10.0.1.10 1 53 17 ACCEPT",
            "eni-e ingress 2001:db8::1 2600:1f18:1234:5601::10 1 53 17 ACCEPT",
        }, run.Lines(0));
    }

    /// <summary>
    /// The aggregator sorts by a packed key and falls back to the full comparison where keys tie (IPv6
    /// records from the same source; the sources here also share long prefixes). Thousands of records
    /// must come out in the order D27 defines, computed here straight from the fields.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ManyRecordsOfBothFamiliesAreOrderedByD27(int seed)
    {
        var config = BothFamilies()
            .Eni("eni-0", "subnet-1", new[] { "10.0.1.40" }, new[] { "sg-e" })
            .Build();
        var compiled = CompiledTimeline.Compile(ConfigTimeline.Single(config), EngineOptions.Default);
        var engine = new SimulationEngine(compiled);
        var sink = new Collector();
        var aggregator = new FlowLogAggregator(compiled.Enis, new FlowLogOptions(), new IFlowLogSink[] { sink });
        var random = new Random(seed);
        string[] v4Peers = { "198.51.100.8", "198.51.100.9", "203.0.113.1", "10.0.1.11", "0.0.0.1", "255.255.255.254" };
        string[] v6Peers = { "2001:db8::1", "2001:db8::2", "2001:db8::1:0", "2001:db8:0:1::1", "::2", "ffff::1" };
        string[] v4Local = { "10.0.1.10", "10.0.1.11", "10.0.1.30" };
        string[] v6Local = { "2600:1f18:1234:5601::10", "2600:1f18:1234:5601::30" };
        ushort[] ports = { 53, 443, 1, 40000, 65535, 22 };
        for (int i = 0; i < 4000; i++)
        {
            bool v6 = random.Next(3) == 0;
            string peer = v6 ? v6Peers[random.Next(v6Peers.Length)] : v4Peers[random.Next(v4Peers.Length)];
            string local = v6 ? v6Local[random.Next(v6Local.Length)] : v4Local[random.Next(v4Local.Length)];
            ushort sport = ports[random.Next(ports.Length)], dport = ports[random.Next(ports.Length)];
            bool inbound = random.Next(2) == 0;
            var (src, dst) = inbound ? (peer, local) : (local, peer);
            var p = random.Next(2) == 0 ? Pkt.Tcp(src, sport, dst, dport, Syn, T0 + 1) : Pkt.Udp(src, sport, dst, dport, T0 + 1);
            var r = default(PacketResult);
            engine.Process(p, ref r);
            aggregator.Add(p, r);
        }

        aggregator.Finish();
        var records = Assert.Single(sink.Windows).Records;
        Assert.Contains(records, r => r.Action == VerdictAction.Reject);
        Assert.Contains(records, r => !r.PktSrc.IsV4);
        Assert.Contains(records, r => r.Status == LogStatus.NoData);
        Assert.True(records.Count > 1000, $"{records.Count} records");
        var expected = records
            .OrderBy(r => compiled.Enis.Id(r.Eni), StringComparer.Ordinal)
            .ThenBy(r => r.Status)
            .ThenByDescending(r => r.Direction)
            .ThenBy(r => r.PktSrc.IsV4 ? 0 : 1).ThenBy(r => r.PktSrc.ToUInt128())
            .ThenBy(r => r.PktDst.IsV4 ? 0 : 1).ThenBy(r => r.PktDst.ToUInt128())
            .ThenBy(r => r.SrcPort).ThenBy(r => r.DstPort).ThenBy(r => r.Protocol).ThenBy(r => r.Action)
            .ToList();
        for (int i = 0; i < records.Count; i++)
        {
            Assert.True(expected[i].Equals(records[i]), $"record {i} of {records.Count}: {Describe(expected[i])} expected, got {Describe(records[i])}");
        }

        string Describe(FlowRecord r) => $"{compiled.Enis.Id(r.Eni)} {r.Status} {r.Direction} {r.PktSrc}:{r.SrcPort} -> {r.PktDst}:{r.DstPort} {r.Protocol} {r.Action}";
    }

    /// <summary>
    /// Each packet of a flow must find its flow's record however big the window gets: 60 000 flows make the
    /// window's index grow six times (each growth re-tags every slot) and their hash tags collide often at
    /// small sizes. A flow split into two records, or two flows merged, shows up as a wrong count.
    /// </summary>
    [Fact]
    public void EveryPacketOfAFlowJoinsItsOwnRecordAsTheWindowGrows()
    {
        const int Flows = 60_000;
        var run = new Run(Web());
        var order = Enumerable.Range(0, Flows).ToArray();
        var random = new Random(7);
        var secondRound = new HashSet<int>();
        for (int round = 1; round <= 3; round++)
        {
            random.Shuffle(order);
            foreach (int i in order.Take(round == 2 ? Flows / 2 : Flows))
            {
                if (round == 2)
                {
                    secondRound.Add(i);
                }

                run.Packet(Pkt.Tcp($"198.18.{i >> 8}.{i & 255}", 40000, "10.0.1.10", 443, Ack, T0 + round));
            }
        }

        run.Aggregator.Finish();
        var records = Assert.Single(run.Sink.Windows).Records.Where(r => r.Status == LogStatus.Ok).ToList();
        Assert.Equal(Flows, records.Count);
        foreach (var r in records)
        {
            var a = r.PktSrc.ToString().Split('.');
            int i = (int.Parse(a[2]) << 8) | int.Parse(a[3]);
            Assert.Equal(secondRound.Contains(i) ? 3 : 2, r.Packets);
            Assert.Equal(VerdictAction.Accept, r.Action);
        }
    }

    /// <summary>
    /// A replay on two cores sorts a large window on two threads and formats flowlogs.log on two threads;
    /// the file must be byte for byte the one-thread file. 200 000 packets of distinct flows make a window
    /// well past both thresholds (65 536 records to split the sort, 8 192 to split the formatting).
    /// </summary>
    [Fact]
    public void SortingAndFormattingOnTwoThreadsWriteTheSameFile()
    {
        var config = BothFamilies().Build();
        var compiled = CompiledTimeline.Compile(ConfigTimeline.Single(config), EngineOptions.Default);
        var formatter = new FlowRecordFormatter(FlowLogFormat.Default, compiled);
        string dir = Path.Combine(Path.GetTempPath(), "fwsim-two-threads-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string one = Path.Combine(dir, "one.log"), two = Path.Combine(dir, "two.log");
            using (var oneSink = new PlainFileSink(one, formatter))
            using (var twoSink = new PlainFileSink(two, formatter) { FormatOnTwoThreads = true })
            {
                var engine = new SimulationEngine(compiled);
                var single = new FlowLogAggregator(compiled.Enis, new FlowLogOptions(), new IFlowLogSink[] { oneSink });
                var split = new FlowLogAggregator(compiled.Enis, new FlowLogOptions(), new IFlowLogSink[] { twoSink }) { SortOnTwoThreads = true };
                var random = new Random(11);
                string[] locals = { "10.0.1.10", "10.0.1.11", "10.0.1.30" };
                for (int i = 0; i < 200_000; i++)
                {
                    bool v6 = random.Next(4) == 0;
                    string peer = v6 ? $"2001:db8::{random.Next(1, 0xffff):x}" : $"198.51.{random.Next(100, 102)}.{random.Next(1, 255)}";
                    string local = v6 ? "2600:1f18:1234:5601::30" : locals[random.Next(locals.Length)];
                    ushort ephemeral = (ushort)random.Next(1024, 65536), service = (ushort)(random.Next(2) == 0 ? 443 : random.Next(1, 1024));
                    var p = random.Next(2) == 0
                        ? Pkt.Tcp(peer, ephemeral, local, service, Syn, T0 + 1 + (i % 50))
                        : Pkt.Udp(local, service, peer, ephemeral, T0 + 1 + (i % 50));
                    var r = default(PacketResult);
                    engine.Process(p, ref r);
                    single.Add(p, r);
                    split.Add(p, r);
                }

                single.Finish();
                split.Finish();
                Assert.True(single.RecordsWritten > 150_000, $"{single.RecordsWritten} records");
                Assert.Equal(single.RecordsWritten, split.RecordsWritten);
            }

            Assert.True(File.ReadAllBytes(one).AsSpan().SequenceEqual(File.ReadAllBytes(two)), "flowlogs.log written on two threads differs from the one-thread file");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void BytesAreIpLengthsAndNonTcpRecordsHaveTcpFlagsZero()
    {
        var run = new Run(Web(), new FlowLogOptions { NoData = false });
        run.Packet(Pkt.Icmp("198.51.100.7", "10.0.1.10", 8, 0, id: 1, seconds: T0 + 1, length: 84));
        run.Packet(Pkt.Icmp("198.51.100.7", "10.0.1.10", 8, 0, id: 1, seconds: T0 + 2, length: 1500));
        run.Aggregator.Finish();
        Assert.Equal($"eni-e ingress 198.51.100.7 10.0.1.10 198.51.100.7 10.0.1.10 0 0 1 2 1584 {T0 + 1} {T0 + 2} ACCEPT 0 OK", Assert.Single(run.Lines(0)));
    }

    [Fact]
    public void S3LayoutPutsRecordsInFiveMinuteFilesByEndTimeWithAHeader()
    {
        string root = Path.Combine(Path.GetTempPath(), "fwsim-s3-" + Guid.NewGuid().ToString("N"));
        try
        {
            var compiled = CompiledTimeline.Compile(ConfigTimeline.Single(Web()), EngineOptions.Default);
            var formatter = new FlowRecordFormatter(FlowLogFormat.Default, compiled);
            using var sink = new S3LayoutSink(root, formatter, new S3LayoutOptions { FlowLogId = "fl-1234abcd", Hourly = true });
            var engine = new SimulationEngine(compiled);
            var agg = new FlowLogAggregator(compiled.Enis, new FlowLogOptions { NoData = false }, new IFlowLogSink[] { sink });
            foreach (double t in new[] { 10.0, 299.0, 300.0, 610.0 })
            {
                var p = Pkt.Tcp("198.51.100.7", (ushort)(40000 + t), "10.0.1.10", 443, Syn, T0 + t);
                var r = default(PacketResult);
                engine.Process(p, ref r);
                agg.Add(p, r);
            }

            agg.Finish();
            var files = Directory.GetFiles(root, "*.log.gz", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(3, files.Count);
            Assert.All(files, f => Assert.StartsWith("AWSLogs/111122223333/vpcflowlogs/eu-west-1/2024/05/01/12/111122223333_vpcflowlogs_eu-west-1_fl-1234abcd_20240501T12", f));
            Assert.Contains(files, f => f.Contains("_20240501T1200Z_", StringComparison.Ordinal));
            Assert.Contains(files, f => f.Contains("_20240501T1205Z_", StringComparison.Ordinal));
            Assert.Contains(files, f => f.Contains("_20240501T1210Z_", StringComparison.Ordinal));
            string first = Gunzip(Path.Combine(root, files[0]));
            var lines = first.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(FlowLogFormat.Default.Header, lines[0]);
            Assert.Equal(2, lines.Length - 1); // the packets at 10 s and 299 s
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static string Gunzip(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var r = new StreamReader(gz);
        return r.ReadToEnd();
    }
}
