using BenchmarkDotNet.Attributes;
using FirewallSim.Config;
using FirewallSim.Decode;
using FirewallSim.FlowLogs;
using FirewallSim.Net;
using FirewallSim.Verdicts;

namespace FirewallSim.Benchmarks;

/// <summary>
/// The flow-log aggregator through its public API only, fed with packets and the engine's own results
/// for them on <see cref="BenchConfig.TwoTier"/> (accepted and rejected ingress, replies, and web-to-db
/// packets with two verdicts). <see cref="AddPacket"/>: one packet of a flow already in a window of
/// <see cref="Flows"/> flows, per packet (with a million flows, successive invocations walk through 2^20
/// random packets, so that the window's table is touched all over, not in 8192 cached slots). <see cref="EmitWindow"/>: a window of <see cref="Flows"/> new
/// flows, one packet each, then <see cref="FlowLogAggregator.Finish"/> (insert, drain, sort, write to a
/// sink that only counts), per flow. <see cref="EmitWindowNoRecords"/>: the same with a REJECT-only
/// filter that keeps none of those (all accepted) flows, so the difference is the records' copy and sort.
/// </summary>
[MemoryDiagnoser]
public class AggregatorBenchmark
{
    private const int Packets = 8192;

    /// <summary>Every emit invocation handles this many flows: one window of a million, or a thousand of a thousand.</summary>
    private const int FlowsPerInvoke = 1_000_000;
    private const long Second = 1_000_000_000L;

    [Params(1_000, 1_000_000)]
    public int Flows { get; set; }

    private FlowLogAggregator _steady = null!;
    private PacketInfo[] _steadyPackets = [];
    private PacketResult[] _steadyResults = [];
    private int _next;

    private FlowLogAggregator _emit = null!;
    private FlowLogAggregator _emitNothing = null!;
    private readonly CountingSink _emitSink = new();
    private readonly CountingSink _nothingSink = new();
    private PacketInfo[] _windowPackets = [];
    private PacketResult[] _windowResults = [];
    private long _emitWindow;
    private long _nothingWindow;

    [GlobalSetup]
    public void Setup()
    {
        var compiled = CompiledTimeline.Compile(ConfigTimeline.Single(BenchConfig.TwoTier()), EngineOptions.Default);
        var engine = new SimulationEngine(compiled);
        var rng = new Random(5);
        long t0 = 1_700_000_040L; // a window start for 60-second windows

        // AddPacket: a window already holding every flow (mixed accept/reject), then random packets of those flows.
        var (packets, results, verdicts) = MakeFlows(engine, Flows, withRejects: true, rng);
        _steady = new FlowLogAggregator(compiled.Enis, new FlowLogOptions(), [new CountingSink()]);
        for (int f = 0; f < Flows; f++)
        {
            packets[f].TimestampNs = (t0 + 1) * Second;
            _steady.Add(packets[f], results[f]);
        }

        CheckOpen(_steady, verdicts);
        int draws = Flows >= 1_000_000 ? 1 << 20 : Packets;
        _steadyPackets = new PacketInfo[draws];
        _steadyResults = new PacketResult[draws];
        for (int i = 0; i < draws; i++)
        {
            int f = rng.Next(Flows);
            _steadyPackets[i] = packets[f];
            _steadyPackets[i].TimestampNs = (t0 + 10) * Second;
            _steadyResults[i] = results[f];
        }

        // EmitWindow: windows of Flows new accepted flows, each window later than the one before.
        (_windowPackets, _windowResults, verdicts) = MakeFlows(engine, Flows, withRejects: false, rng);
        _emit = new FlowLogAggregator(compiled.Enis, new FlowLogOptions(), [_emitSink]);
        _emitNothing = new FlowLogAggregator(compiled.Enis, new FlowLogOptions { TrafficType = TrafficType.Reject, NoData = false }, [_nothingSink]);
        _emitWindow = _nothingWindow = t0 + 600;

        // One window through each, to check the records and to size the aggregators' tables.
        Window(_emit, ref _emitWindow);
        Window(_emitNothing, ref _nothingWindow);
        if (_emitSink.Records != verdicts || _nothingSink.Records != 0)
        {
            throw new InvalidOperationException($"a window of {Flows} flows ({verdicts} verdicts) gave {_emitSink.Records} records, and {_nothingSink.Records} with the filter");
        }

        Console.WriteLine($"// {Flows:N0} flows per window: {verdicts:N0} flow records (web-to-db packets have two verdicts)");
    }

    [Benchmark(OperationsPerInvoke = Packets)]
    public long AddPacket()
    {
        var agg = _steady;
        int start = _next;
        _next = (start + Packets) & (_steadyPackets.Length - 1);
        var packets = _steadyPackets.AsSpan(start, Packets);
        var results = _steadyResults.AsSpan(start, Packets);
        for (int i = 0; i < packets.Length; i++)
        {
            agg.Add(packets[i], results[i]);
        }

        return agg.OpenRecords;
    }

    [Benchmark(OperationsPerInvoke = FlowsPerInvoke)]
    public long EmitWindow()
    {
        for (int w = FlowsPerInvoke / Flows; w > 0; w--)
        {
            Window(_emit, ref _emitWindow);
        }

        return _emitSink.Records;
    }

    [Benchmark(OperationsPerInvoke = FlowsPerInvoke)]
    public long EmitWindowNoRecords()
    {
        for (int w = FlowsPerInvoke / Flows; w > 0; w--)
        {
            Window(_emitNothing, ref _nothingWindow);
        }

        return _nothingSink.Records + _emitNothing.WindowsEmitted;
    }

    /// <summary>Every flow's packet in the next window, then Finish emits the window.</summary>
    private void Window(FlowLogAggregator agg, ref long window)
    {
        long ns = (window + 10) * Second;
        window += 60;
        var packets = _windowPackets;
        var results = _windowResults;
        for (int f = 0; f < packets.Length; f++)
        {
            packets[f].TimestampNs = ns;
            agg.Add(packets[f], results[f]);
        }

        agg.Finish();
    }

    private void CheckOpen(FlowLogAggregator agg, int verdicts)
    {
        if (agg.OpenRecords != verdicts)
        {
            throw new InvalidOperationException($"{Flows} flows with {verdicts} verdicts left {agg.OpenRecords} open records");
        }
    }

    /// <summary>
    /// Flow f's packet and the engine's result for it: 60 % client SYN to web:443, 15 % web's reply,
    /// 10 % client to db:5432, 5 % web to db:5432 (egress and ingress verdicts), 10 % client to web:3389
    /// (rejected; replaced by web:443 without <paramref name="withRejects"/>). Clients are 10.1.x.y.
    /// </summary>
    private static (PacketInfo[] Packets, PacketResult[] Results, int Verdicts) MakeFlows(SimulationEngine engine, int flows, bool withRejects, Random rng)
    {
        var packets = new PacketInfo[flows];
        var results = new PacketResult[flows];
        int verdicts = 0;
        var r = default(PacketResult);
        for (int f = 0; f < flows; f++)
        {
            var client = IpAddr.FromV4(0x0A010000u + (uint)(f / 60000 * 256) + (uint)(f % 250));
            ushort port = (ushort)(1024 + (f % 60000));
            int kind = f % 20;
            PacketInfo p;
            if (kind < 12 || (kind >= 18 && !withRejects))
            {
                p = BenchConfig.Tcp(client, port, BenchConfig.Web, 443, TcpFlags.Syn);
            }
            else if (kind < 15)
            {
                engine.Process(BenchConfig.Tcp(client, port, BenchConfig.Web, 443, TcpFlags.Syn), ref r);
                p = BenchConfig.Tcp(BenchConfig.Web, 443, client, port, (byte)(TcpFlags.Syn | TcpFlags.Ack));
            }
            else if (kind < 17)
            {
                p = BenchConfig.Tcp(client, port, BenchConfig.Db, 5432, TcpFlags.Syn);
            }
            else if (kind < 18)
            {
                p = BenchConfig.Tcp(BenchConfig.Web, (ushort)(1024 + (f / 20)), BenchConfig.Db, 5432, TcpFlags.Syn);
            }
            else
            {
                p = BenchConfig.Tcp(client, port, BenchConfig.Web, 3389, TcpFlags.Syn);
            }

            p.IpLength = rng.Next(60, 1501);
            r = default;
            engine.Process(p, ref r);
            if (r.Disposition != PacketDisposition.Evaluated || r.Count == 0)
            {
                throw new InvalidOperationException($"flow {f} ({p.Src}:{p.SrcPort} > {p.Dst}:{p.DstPort}) was not evaluated: {r.Disposition}");
            }

            packets[f] = p;
            results[f] = r;
            verdicts += r.Count;
        }

        return (packets, results, verdicts);
    }

    /// <summary>A sink that writes nothing and only counts the records it is given.</summary>
    private sealed class CountingSink : IFlowLogSink
    {
        public long Records { get; private set; }

        public void WriteWindow(long windowStart, IReadOnlyList<FlowRecord> records) => Records += records.Count;

        public void Complete()
        {
        }

        public void Dispose()
        {
        }
    }
}
