using FirewallSim.Config.Loading;
using FirewallSim.Decode;
using FirewallSim.FlowLogs;
using FirewallSim.Replay;
using FirewallSim.Reports;
using FirewallSim.Synthesis;
using FirewallSim.Tests.Support;
using FirewallSim.Verdicts;

namespace FirewallSim.Tests.Replay;

/// <summary>
/// The replay pipeline end to end in process: read, decode, engine, flow-log aggregation with a real
/// file sink and rule counting, on one thread and on two. Allocation is counted by each of the replay's
/// threads for itself; these tests still run alone, after the parallel ones, so that timing-dependent
/// paths (hand-offs waiting) are not starved by other tests' work.
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class ReplayPipelineTests : IClassFixture<ReplayPipelineTests.Capture>
{
    private readonly Capture _capture;

    public ReplayPipelineTests(Capture capture) => _capture = capture;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Steady_state_replay_allocates_nothing_per_packet(int threads)
    {
        // The first half warms up: tables grow to the traffic's concurrency, code is jitted, windows
        // get their pooled tables. In the second half — 60 000 packets, several flow-log windows written —
        // what may still allocate is bounded by new distinct things, never by packets: rule usage's peer
        // sets grow with new internet peers (up to 4096 a rule), a window's enumerator. A single object
        // per packet would be over 1.4 MB here.
        var run = _capture.Run(threads, measureFrom: Capture.Packets / 2);
        long packets = Capture.Packets - (Capture.Packets / 2);
        long allocated = run.Allocated.Total;
        Assert.True(run.WindowsDuringMeasure >= 3, $"only {run.WindowsDuringMeasure} windows closed while measuring");
        Assert.True(allocated < 64 * 1024,
            $"{allocated} bytes allocated over {packets} packets ({(double)allocated / packets:0.00} per packet): {run.Allocated}");
        if (threads > 1)
        {
            // Every thread of the pipeline counted: the sinks always allocate a little (rule usage's peer
            // sets), so a thread that never started counting would show up here as a zero.
            Assert.True(run.Allocated.Sinks > 0, $"the sink thread counted nothing: {run.Allocated}");
        }
    }

    [Fact]
    public void Two_threads_write_the_same_flow_log_as_one()
    {
        var one = _capture.Run(threads: 1, measureFrom: 0);
        var two = _capture.Run(threads: 2, measureFrom: 0);
        Assert.True(one.FlowLog.Length > 100_000);
        Assert.Equal(one.FlowLog, two.FlowLog);
        Assert.Equal(one.RuleHits, two.RuleHits);
    }

    [Fact]
    public void One_thread_in_batches_writes_the_same_flow_log_as_packet_by_packet()
    {
        // Stopping after a frame (explain's modes) evaluates each packet and hands it to the sinks before the
        // next is read; a whole replay on one thread runs batches through the stages in turn instead.
        var batched = _capture.Run(threads: 1, measureFrom: 0);
        var direct = _capture.Run(threads: 1, measureFrom: 0, stopAfterFrame: Capture.Packets);
        Assert.True(batched.FlowLog.Length > 100_000);
        Assert.Equal(direct.FlowLog, batched.FlowLog);
        Assert.Equal(direct.RuleHits, batched.RuleHits);
    }

    [Fact]
    public void A_sink_failure_on_the_second_thread_reaches_the_caller_with_its_own_type()
    {
        var engine = _capture.NewEngine();
        var sink = new ThrowingSink { ThrowAt = 50_000 };
        var runner = new ReplayRunner(engine) { Threads = 2 };
        var ex = Assert.Throws<IOException>(() => runner.Run(new[] { _capture.Path }, ref sink));
        Assert.Equal("disk full at 50000", ex.Message);
    }

    [Fact]
    public void Cancellation_stops_a_two_thread_replay()
    {
        var engine = _capture.NewEngine();
        var sink = new NullSink();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var runner = new ReplayRunner(engine) { Threads = 2 };
        Assert.Throws<OperationCanceledException>(() => runner.Run(new[] { _capture.Path }, ref sink, cts.Token));
    }

    [Fact]
    public void A_capture_cut_short_gives_the_same_packets_error_and_flow_log_on_two_threads()
    {
        // On two threads the reader runs ahead of the engine on its own thread: what it read before the
        // break must still be evaluated and logged, and the break reported as on one thread.
        byte[] whole = File.ReadAllBytes(_capture.Path);
        string cut = _capture.TempPath("cut.pcap");
        File.WriteAllBytes(cut, whole.AsSpan(0, (whole.Length * 2 / 3) + 5).ToArray());
        var one = _capture.Run(threads: 1, measureFrom: 0, cut);
        var two = _capture.Run(threads: 2, measureFrom: 0, cut);
        Assert.InRange(one.Outcome.Packets, Capture.Packets / 2, Capture.Packets - 1);
        Assert.Equal(one.Outcome.Packets, two.Outcome.Packets);
        Assert.NotNull(one.Outcome.Inputs[0].Error);
        Assert.Equal(one.Outcome.Inputs[0].Error, two.Outcome.Inputs[0].Error);
        Assert.Equal(one.FlowLog, two.FlowLog);
    }

    [Fact]
    public void A_filter_that_does_not_compile_fails_the_same_way_on_two_threads()
    {
        Exception Run(int threads)
        {
            var sink = new NullSink();
            var runner = new ReplayRunner(_capture.NewEngine()) { Threads = threads, Filter = "tcp port (" };
            return Assert.ThrowsAny<Exception>(() => runner.Run(new[] { _capture.Path }, ref sink));
        }

        var one = Run(1);
        var two = Run(2);
        Assert.Equal(one.GetType(), two.GetType());
        Assert.Equal(one.Message, two.Message);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(0)]
    public void The_sink_thread_runs_the_given_nice_levels_below_the_engine_thread(int helperNice)
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // setpriority per thread is Linux's; elsewhere the setting does nothing
        }

        int mine = CurrentThreadNice();
        var sink = new NiceRecordingSink();
        var runner = new ReplayRunner(_capture.NewEngine()) { Threads = 2, HelperNice = helperNice };
        runner.Run(new[] { _capture.Path }, ref sink);
        Assert.True(sink.Seen);
        Assert.Equal(Math.Min(19, mine + helperNice), sink.Nice);
        Assert.Equal(mine, CurrentThreadNice());
    }

    /// <summary>Field 19 of /proc/thread-self/stat: the calling thread's own nice value.</summary>
    private static int CurrentThreadNice()
    {
        string stat = File.ReadAllText("/proc/thread-self/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16]);
    }

    private struct NiceRecordingSink : IReplaySink
    {
        public bool Seen;
        public int Nice;

        public readonly bool ReadsFrames => false;

        public readonly void Prefetch(in PacketInfo packet, in PacketResult result)
        {
        }

        public void OnPacket(in PacketInfo packet, in PacketResult result, ReadOnlySpan<byte> frame)
        {
            if (!Seen)
            {
                Seen = true;
                Nice = CurrentThreadNice();
            }
        }
    }

    private struct ThrowingSink : IReplaySink
    {
        public long ThrowAt;

        public readonly bool ReadsFrames => false;

        public readonly void Prefetch(in PacketInfo packet, in PacketResult result)
        {
        }

        public readonly void OnPacket(in PacketInfo packet, in PacketResult result, ReadOnlySpan<byte> frame)
        {
            if (packet.FrameNumber == ThrowAt)
            {
                throw new IOException("disk full at " + ThrowAt);
            }
        }
    }

    private struct MeasuringSink : IReplaySink
    {
        public FlowLogAggregator Flows;
        public RuleUsage Usage;
        public long MeasureFrom;
        public long WindowsAtStart;

        public readonly bool ReadsFrames => false;

        public readonly void Prefetch(in PacketInfo packet, in PacketResult result)
        {
        }

        public void OnPacket(in PacketInfo packet, in PacketResult result, ReadOnlySpan<byte> frame)
        {
            if (packet.FrameNumber == MeasureFrom)
            {
                WindowsAtStart = Flows.WindowsEmitted;
            }

            Flows.Add(packet, result);
            Usage.Add(packet, result);
        }
    }

    internal sealed record RunResult(StageAllocations Allocated, long WindowsDuringMeasure, byte[] FlowLog, string RuleHits, ReplayOutcome Outcome);

    /// <summary>A synthetic capture (the documented three-tier lab) written once for the class: 120 000 packets over ~10 minutes.</summary>
    public sealed class Capture : IDisposable
    {
        public const long Packets = 120_000;
        private readonly string _dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fwsim-pipeline-" + Guid.NewGuid().ToString("N"));
        private readonly ConfigLoadResult _config;

        public Capture()
        {
            Directory.CreateDirectory(_dir);
            Path = System.IO.Path.Combine(_dir, "gen.pcap");
            SyntheticCaptureGenerator.WriteFile(new SyntheticCaptureOptions
            {
                Packets = Packets,
                Flows = 6_000,
                Concurrent = 500,
                Seed = 11,
                DurationSeconds = 600,
            }, Path);
            string lab = System.IO.Path.Combine(_dir, "lab.yaml");
            File.WriteAllText(lab, SyntheticLabConfig.Yaml());
            _config = ConfigLoader.Load(new ConfigSource(lab));
        }

        public string Path { get; }

        public SimulationEngine NewEngine() => new(CompiledTimeline.Compile(_config.Timeline!, EngineOptions.Default));

        public string TempPath(string name) => System.IO.Path.Combine(_dir, name);

        internal RunResult Run(int threads, long measureFrom, string? capture = null, long stopAfterFrame = 0)
        {
            var compiled = CompiledTimeline.Compile(_config.Timeline!, EngineOptions.Default);
            var engine = new SimulationEngine(compiled);
            string logPath = System.IO.Path.Combine(_dir, $"flowlogs-{threads}-{Guid.NewGuid():N}.log");
            using var file = new PlainFileSink(logPath, new FlowRecordFormatter(FlowLogFormat.Default, compiled));
            var aggregator = new FlowLogAggregator(compiled.Enis, new FlowLogOptions(), new IFlowLogSink[] { file });
            var usage = new RuleUsage(compiled.Rules.SecurityGroupRules.Count);
            var sink = new MeasuringSink { Flows = aggregator, Usage = usage, MeasureFrom = measureFrom };
            var allocated = new StageAllocations(measureFrom);
            var runner = new ReplayRunner(engine) { Threads = threads, StopAfterFrame = stopAfterFrame, Allocations = allocated };
            var outcome = runner.Run(new[] { capture ?? Path }, ref sink);
            long windows = aggregator.WindowsEmitted - sink.WindowsAtStart;
            if (capture is null)
            {
                Assert.Equal(Packets, outcome.Packets);
            }

            aggregator.Finish();
            file.Dispose();
            string hits = string.Join(",", Enumerable.Range(0, compiled.Rules.SecurityGroupRules.Count).Select(i => usage.For(i) is { } e ? $"{e.DistinctKeys}/{e.DistinctPeers.Count}" : "-"));
            return new RunResult(allocated, windows, File.ReadAllBytes(logPath), hits, outcome);
        }

        public void Dispose() => Directory.Delete(_dir, recursive: true);
    }
}
