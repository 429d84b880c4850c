using FirewallSim.Config;
using FirewallSim.Decode;
using FirewallSim.Replay;
using FirewallSim.Verdicts;

namespace FirewallSim.Reports.Diff;

/// <summary>
/// Two simulated VPCs side by side: configuration A (as it is) and B (as it would be), each with its
/// own engine, connection tracking and counters, fed the same packets in the same order. A replay reads
/// and decodes the captures once and hands every packet to both engines (a lockstep replay), so the
/// two sides' verdicts of each packet are compared directly, without storing per-packet results.
/// </summary>
/// <example>
/// <code>
/// var session = new DiffSession(timelineA, timelineB, EngineOptions.Default);
/// var outcome = session.Replay(captures);
/// DiffReport report = session.Report(outcome);
/// </code>
/// </example>
public sealed class DiffSession
{
    private readonly RefusedConnections _refused = new();
    private PacketResult _a;
    private PacketResult _b;
    private long _lastProcessedNs = long.MinValue;

    public DiffSession(ConfigTimeline a, ConfigTimeline b, EngineOptions? options = null)
        : this(CompiledTimeline.Compile(a, options ?? EngineOptions.Default), CompiledTimeline.Compile(b, options ?? EngineOptions.Default), options)
    {
    }

    /// <summary>Uses already compiled timelines (a compiled timeline can feed several engines; its state lives in the engine).</summary>
    public DiffSession(CompiledTimeline a, CompiledTimeline b, EngineOptions? options = null)
    {
        var o = options ?? EngineOptions.Default;
        CompiledA = a;
        CompiledB = b;
        EngineA = new SimulationEngine(a, o);
        EngineB = new SimulationEngine(b, o);
        Comparer = new FlowComparer(new EniUnion(a, b));
    }

    public CompiledTimeline CompiledA { get; }

    public CompiledTimeline CompiledB { get; }

    public SimulationEngine EngineA { get; }

    public SimulationEngine EngineB { get; }

    public FlowComparer Comparer { get; }

    /// <summary>BPF filter for <see cref="Replay"/>; frames it rejects are evaluated by neither side.</summary>
    public string? Filter { get; init; }

    public Action<ReplayProgress>? Progress { get; init; }

    /// <summary>
    /// Give every recorded packet to both engines, even the later packets of a TCP connection whose SYN B
    /// refused (which B's world would never have seen). Default false: see <see cref="RefusedConnections"/>.
    /// </summary>
    public bool PerPacket { get; init; }

    /// <summary>Evaluates one decoded packet on both sides (for tests and tools that build packets themselves).</summary>
    public void Process(in PacketInfo p)
    {
        _lastProcessedNs = Math.Max(_lastProcessedNs, p.TimestampNs);
        EngineA.Process(p, ref _a);
        if (!PerPacket && _refused.IsRefused(p, out long frame))
        {
            Comparer.AddNotSent(p, _a, frame);
            return;
        }

        EngineB.Process(p, ref _b);
        Comparer.Add(p, _a, _b);
        if (!PerPacket)
        {
            _refused.Observe(p, _a, _b);
        }
    }

    /// <summary>Replays the captures through both sides.</summary>
    public ReplayOutcome Replay(IReadOnlyList<string> inputs, CancellationToken cancellation = default)
    {
        var none = default(NoPairObserver);
        return Replay(inputs, ref none, cancellation);
    }

    /// <summary>Replays the captures through both sides and also shows every packet's pair of results to <paramref name="observer"/>.</summary>
    public ReplayOutcome Replay<TObserver>(IReadOnlyList<string> inputs, ref TObserver observer, CancellationToken cancellation = default)
        where TObserver : struct, IVerdictPairObserver
    {
        var sink = new LockstepSink<TObserver> { EngineB = EngineB, Comparer = Comparer, Observer = observer, Refused = PerPacket ? null : _refused };
        var runner = new ReplayRunner(EngineA) { Filter = Filter, Progress = Progress };
        var outcome = runner.Run(inputs, ref sink, cancellation);
        if (outcome.Packets > 0)
        {
            EngineB.Finish(outcome.LastTimestampNs);
        }

        observer = sink.Observer;
        return outcome;
    }

    /// <summary>The comparison as a report (flows sorted, decisions named).</summary>
    public DiffReport Report(ReplayOutcome? outcome = null, DiffReportOptions? options = null)
    {
        if (outcome is null && _lastProcessedNs != long.MinValue)
        {
            // Packets came through Process: settle both engines (expired entries, peak counters) as a replay does.
            EngineA.Finish(_lastProcessedNs);
            EngineB.Finish(_lastProcessedNs);
        }

        return DiffReport.Build(this, outcome, options ?? new DiffReportOptions());
    }

    private struct LockstepSink<TObserver> : IReplaySink
        where TObserver : struct, IVerdictPairObserver
    {
        public SimulationEngine EngineB;
        public FlowComparer Comparer;
        public TObserver Observer;
        public RefusedConnections? Refused;
        private PacketResult _b;

        public readonly bool ReadsFrames => false;

        public readonly void Prefetch(in PacketInfo packet, in PacketResult result)
        {
        }

        public void OnPacket(in PacketInfo packet, in PacketResult result, ReadOnlySpan<byte> frame)
        {
            if (Refused is not null && Refused.IsRefused(packet, out long refusedAt))
            {
                // Recorded in A's world only: B would never have seen it. The observer is not told (no B result).
                Comparer.AddNotSent(packet, result, refusedAt);
                return;
            }

            EngineB.Process(packet, ref _b);
            Comparer.Add(packet, result, _b);
            Refused?.Observe(packet, result, _b);
            Observer.OnPair(packet, result, _b);
        }
    }
}
