using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using FirewallSim.Capture;
using FirewallSim.Capture.Libpcap;
using FirewallSim.Decode;
using FirewallSim.Verdicts;

namespace FirewallSim.Replay;

/// <summary>Receives every packet of a replay with its verdicts. Implemented by structs so calls devirtualise.</summary>
public interface IReplaySink
{
    /// <summary>
    /// Whether <see cref="OnPacket"/> reads the raw frame. When false the frame may be empty: a pipelined
    /// replay then does not copy frames between threads.
    /// </summary>
    bool ReadsFrames { get; }

    /// <summary>
    /// A hint that <paramref name="packet"/> will be passed to <see cref="OnPacket"/> a few packets from
    /// now: start loading what it will touch. Must not change any state; may do nothing.
    /// </summary>
    void Prefetch(in PacketInfo packet, in PacketResult result);

    /// <summary><paramref name="frame"/> is the raw frame, valid only during the call.</summary>
    void OnPacket(in PacketInfo packet, in PacketResult result, ReadOnlySpan<byte> frame);
}

/// <summary>A sink that does nothing (counting happens in the engine).</summary>
public struct NullSink : IReplaySink
{
    public readonly bool ReadsFrames => false;

    public readonly void Prefetch(in PacketInfo packet, in PacketResult result)
    {
    }

    public readonly void OnPacket(in PacketInfo packet, in PacketResult result, ReadOnlySpan<byte> frame)
    {
    }
}

public sealed record ReplayProgress(long Packets, long BytesRead, long? BytesTotal, TimeSpan Elapsed, string CurrentInput)
{
    public double PacketsPerSecond => Elapsed.TotalSeconds > 0 ? Packets / Elapsed.TotalSeconds : 0;

    public double? Fraction => BytesTotal is > 0 ? (double)BytesRead / BytesTotal.Value : null;
}

public sealed record ReplayInputResult(string Input, long Packets, CaptureError? Error);

/// <summary>What a replay saw: per input, how far it got.</summary>
public sealed record ReplayOutcome(IReadOnlyList<ReplayInputResult> Inputs, long Packets, long FilteredOut, long FirstTimestampNs, long LastTimestampNs)
{
    public bool Partial => Inputs.Any(i => i.Error is not null);
}

/// <summary>
/// Reads the inputs in order (D20), numbering frames continuously across files, applies an optional
/// BPF filter with libpcap's compiler, decodes and evaluates every packet and hands the result to a sink.
/// </summary>
public sealed class ReplayRunner
{
    private readonly SimulationEngine _engine;

    public ReplayRunner(SimulationEngine engine) => _engine = engine;

    /// <summary>Only frames for which this returns true are evaluated; filtered frames keep their numbers.</summary>
    public string? Filter { get; init; }

    /// <summary>Stop after this frame number (explain --frame); 0 = read everything.</summary>
    public long StopAfterFrame { get; init; }

    public Action<ReplayProgress>? Progress { get; init; }

    /// <summary>Record the engine's phases for this frame only (explain --frame); the trace is left in the engine.</summary>
    public long TraceFrame { get; init; }

    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Checks that every input can be opened and starts like a capture, before anything is processed.</summary>
    public static IReadOnlyList<CaptureError> Preflight(IReadOnlyList<string> inputs)
    {
        var errors = new List<CaptureError>();
        foreach (string input in inputs)
        {
            if (input == CaptureInputs.StandardInput)
            {
                continue; // a pipe can only be read once
            }

            using var reader = CaptureReader.Open(input);
            if (!reader.ReadHeader() && reader.Error is { } e)
            {
                errors.Add(e);
            }
        }

        return errors;
    }

    /// <summary>
    /// 1: one thread reads, evaluates and feeds the sink, a batch of packets at a time. 2: a pipeline of
    /// three threads for two cores: one reads and decodes, this one evaluates, one runs the sink (flow-log
    /// aggregation, rule usage, writers); batches pass through in order, so the output is identical.
    /// Explain's single-frame modes always use one thread, packet by packet.
    /// </summary>
    public int Threads { get; init; } = 1;

    /// <summary>
    /// Linux: how many nice levels below the engine thread (the caller's) the reader and sink threads of a
    /// pipelined replay run; 0 leaves them alone. The engine stage is the pipeline's bottleneck, and the
    /// scheduler otherwise gives each of the three threads an equal share of the two cores, so the engine
    /// lost time to stages that were only filling their hand-offs ahead of it. 10 M packets: 5 levels A/B wall
    /// 0.930, 0.956 and 0.983 against none in three runs; 2 levels 2% and 10 levels 5% slower than 5. The cost:
    /// on a busy machine the helpers also yield to other processes.
    /// </summary>
    public int HelperNice { get; init; } = 5;

    /// <summary>When set, each of the replay's threads adds what it allocated from the frame given there on (tests of the steady state).</summary>
    internal StageAllocations? Allocations { get; init; }

    public ReplayOutcome Run<TSink>(IReadOnlyList<string> inputs, ref TSink sink, CancellationToken cancellation = default)
        where TSink : struct, IReplaySink
    {
        if (Threads <= 1 && TraceFrame == 0 && StopAfterFrame == 0)
        {
            return RunBatched(inputs, ref sink, cancellation);
        }

        if (Threads <= 1)
        {
            var direct = new DirectOutput<TSink> { Sink = sink };
            try
            {
                return ReadAndFinish(inputs, ref direct, cancellation);
            }
            finally
            {
                sink = direct.Sink;
            }
        }

        return RunPipelined(inputs, ref sink, cancellation);
    }

    /// <summary>
    /// One thread, the pipeline's stages in turn over each batch of 256 packets: decode them all, evaluate
    /// them <see cref="Lookahead"/> packets behind the engine's prefetches, then hand them to the sink with
    /// its prefetch hints. Per packet, evaluating and aggregating at once left each table probe's cache
    /// miss to stall alone; a batch keeps several in flight.
    /// </summary>
    private ReplayOutcome RunBatched<TSink>(IReadOnlyList<string> inputs, ref TSink sink, CancellationToken cancellation)
        where TSink : struct, IReplaySink
    {
        var output = new BatchedOutput<TSink>(sink, Allocations);
        try
        {
            var outcome = ReadAndFinish(inputs, ref output, cancellation);
            Allocations?.AddEngine(output.Probe);
            return outcome;
        }
        finally
        {
            sink = output.Sink;
        }
    }

    private ReplayOutcome ReadAndFinish<TOutput>(IReadOnlyList<string> inputs, ref TOutput output, CancellationToken cancellation)
        where TOutput : struct, IPacketOutput
    {
        return FinishEngine(ReadAll(inputs, ref output, cancellation));
    }

    /// <summary>Every packet is evaluated: the engine sweeps its tables at the last packet's time.</summary>
    private ReplayOutcome FinishEngine(ReplayOutcome outcome)
    {
        if (outcome.Packets > 0)
        {
            _engine.Finish(outcome.LastTimestampNs);
        }

        return outcome;
    }

    private ReplayOutcome RunPipelined<TSink>(IReadOnlyList<string> inputs, ref TSink sink, CancellationToken cancellation)
        where TSink : struct, IReplaySink
    {
        // Three stages, each batch passing through all of them in order: a reader thread reads, filters and
        // decodes; this thread evaluates; a sink thread aggregates and writes. 32 batches of 256 packets per
        // hand-off (about 1 MB each, so hand-offs stay in cache), enough to ride out a window being sorted
        // and written.
        var decoded = new BatchHandoff(batches: 32);
        var evaluated = new BatchHandoff(batches: 32);
        var box = new SinkBox<TSink> { Sink = sink };
        int nice = HelperNice;
        var allocations = Allocations;
        var consumer = new Thread(() =>
        {
            HelperThreads.LowerPriority(nice);
            box.Drain(evaluated, allocations);
        }) { Name = "fwsim-sinks", IsBackground = true };
        ReplayOutcome? outcome = null;
        bool frames = sink.ReadsFrames;
        var reader = new Thread(() =>
        {
            try
            {
                HelperThreads.LowerPriority(nice);
                var output = new DecodedOutput(decoded, frames, allocations);
                outcome = ReadAll(inputs, ref output, cancellation, readAhead: false);
                decoded.Complete();
                allocations?.AddReader(output.Probe);
            }
            catch (Exception ex)
            {
                decoded.Abort(ex);
            }
        }) { Name = "fwsim-reader", IsBackground = true };
        consumer.Start();
        reader.Start();
        try
        {
            var probe = new StageAllocations.Probe(allocations);
            Evaluate(decoded, evaluated, ref probe);
            decoded.ThrowIfProducerFailed();
            var done = FinishEngine(outcome!);
            evaluated.Complete();
            allocations?.AddEngine(probe);
            consumer.Join();
            evaluated.ThrowIfConsumerFailed();
            reader.Join();
            return done;
        }
        catch (Exception ex)
        {
            // The reader stops at its next hand-off. It is not waited for when it may be blocked reading a
            // pipe: it touches nothing shared but the hand-off and the progress callback.
            decoded.Fail(ex);
            evaluated.Abort(null);
            consumer.Join();
            if (!inputs.Contains(CaptureInputs.StandardInput))
            {
                reader.Join();
            }

            throw;
        }
        finally
        {
            sink = box.Sink;
        }
    }

    /// <summary>
    /// The engine stage: evaluates each decoded batch in order, <see cref="Lookahead"/> packets behind its
    /// prefetches, and passes it on. Batches are swapped between the hand-offs, never copied.
    /// </summary>
    private void Evaluate(BatchHandoff decoded, BatchHandoff evaluated, ref StageAllocations.Probe probe)
    {
        var engine = _engine;
        while (decoded.TryTake(out var batch, spin: true))
        {
            probe.Saw(batch);
            var empty = evaluated.Rent(spin: true);
            EvaluateBatch(engine, batch);
            evaluated.Publish(batch);
            decoded.Return(empty);
        }
    }

    /// <summary>Evaluates a decoded batch in order, <see cref="Lookahead"/> packets behind the engine's prefetches.</summary>
    internal static void EvaluateBatch(SimulationEngine engine, PacketBatch batch)
    {
        int count = batch.Count;
        var packets = batch.Packets;
        var results = batch.Results;
        var hints = batch.Hints;
        for (int i = 0; i < count; i++)
        {
            engine.Prefetch(packets[i], out hints[i]);
            int behind = i - Lookahead;
            if (behind >= 0)
            {
                engine.Process(packets[behind], ref results[behind], hints[behind]);
            }
        }

        for (int i = Math.Max(0, count - Lookahead); i < count; i++)
        {
            engine.Process(packets[i], ref results[i], hints[i]);
        }
    }

    /// <summary>How far prefetching runs ahead of evaluation: enough packets for the prefetches to land.</summary>
    internal const int Lookahead = 8;

    private ReplayOutcome ReadAll<TOutput>(IReadOnlyList<string> inputs, ref TOutput output, CancellationToken cancellation, bool readAhead = true)
        where TOutput : struct, IPacketOutput
    {
        var results = new List<ReplayInputResult>();
        using var filter = Filter is null ? null : new BpfFilterSet(Filter);
        long frame = 0, evaluated = 0, filteredOut = 0;
        long first = long.MaxValue, last = long.MinValue;
        var clock = Stopwatch.StartNew();
        var nextProgress = ProgressInterval;
        bool stop = false;
        foreach (string input in inputs)
        {
            using var reader = CaptureReader.Open(input, readAhead: readAhead);
            long before = frame;
            while (!stop && reader.TryRead(out var record))
            {
                frame++;
                if (filter is not null && !filter.Matches(record))
                {
                    filteredOut++;
                }
                else
                {
                    ref var p = ref output.Packet;
                    PacketDecoder.Decode(record.Data, record.LinkType, record.WireLength, frame, record.TimestampNs, record.Interface, ref p);
                    if (frame == TraceFrame)
                    {
                        _engine.Trace = new EngineTrace();
                    }

                    evaluated++;
                    if (p.TimestampNs < first)
                    {
                        first = p.TimestampNs;
                    }

                    if (p.TimestampNs > last)
                    {
                        last = p.TimestampNs;
                    }

                    output.Evaluate(_engine, record.Data);
                }

                if ((frame & 0x3FFF) == 0)
                {
                    cancellation.ThrowIfCancellationRequested();
                    if (Progress is not null && clock.Elapsed >= nextProgress)
                    {
                        nextProgress = clock.Elapsed + ProgressInterval;
                        Progress(new ReplayProgress(frame, TotalPosition(results, reader), TotalLength(inputs), clock.Elapsed, reader.SourceName));
                    }
                }

                if (StopAfterFrame > 0 && frame >= StopAfterFrame)
                {
                    stop = true;
                }
            }

            results.Add(new ReplayInputResult(reader.SourceName, frame - before, reader.Error));
            if (Allocations is not null)
            {
                reader.Dispose(); // the read-ahead thread's count is final once it has stopped
                Allocations.AddReadAhead(reader.ReadAheadAllocated);
            }

            if (stop)
            {
                break;
            }
        }

        output.Flush(_engine);
        Progress?.Invoke(new ReplayProgress(frame, TotalLength(inputs) ?? 0, TotalLength(inputs), clock.Elapsed, "done"));
        return new ReplayOutcome(results, evaluated, filteredOut, first == long.MaxValue ? 0 : first, last == long.MinValue ? 0 : last);
    }

    private long? _totalLength;

    private long? TotalLength(IReadOnlyList<string> inputs)
    {
        if (_totalLength is null && !inputs.Contains(CaptureInputs.StandardInput))
        {
            _totalLength = inputs.Sum(i => new FileInfo(i).Length);
        }

        return _totalLength;
    }

    private static long TotalPosition(List<ReplayInputResult> done, CaptureReader current)
    {
        long sum = current.Position;
        foreach (var d in done)
        {
            if (File.Exists(d.Input))
            {
                sum += new FileInfo(d.Input).Length;
            }
        }

        return sum;
    }
}

/// <summary>Where the read loop decodes each packet and how it is then evaluated; a struct, so the loop is specialised per kind.</summary>
internal interface IPacketOutput
{
    /// <summary>Where the next packet is to be decoded.</summary>
    [UnscopedRef]
    ref PacketInfo Packet { get; }

    /// <summary>The packet in <see cref="Packet"/> is decoded: evaluate it (now or a few packets later, in order) and pass it on.</summary>
    void Evaluate(SimulationEngine engine, ReadOnlySpan<byte> frame);

    /// <summary>End of input: evaluate and pass on whatever is still pending.</summary>
    void Flush(SimulationEngine engine);
}

/// <summary>One thread: each packet is evaluated and goes to the sink at once.</summary>
internal struct DirectOutput<TSink> : IPacketOutput
    where TSink : struct, IReplaySink
{
    public TSink Sink;
    private PacketInfo _packet;
    private PacketResult _result;

    [UnscopedRef]
    public ref PacketInfo Packet => ref _packet;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Evaluate(SimulationEngine engine, ReadOnlySpan<byte> frame)
    {
        engine.Process(_packet, ref _result);
        Sink.OnPacket(_packet, _result, frame);
    }

    public readonly void Flush(SimulationEngine engine)
    {
    }
}

/// <summary>The reader stage of a pipelined replay: packets are decoded in place in a batch; a full batch is handed to the engine.</summary>
internal struct DecodedOutput : IPacketOutput
{
    private readonly BatchHandoff _handoff;
    private readonly bool _frames;
    private PacketBatch _batch;
    public StageAllocations.Probe Probe;

    public DecodedOutput(BatchHandoff handoff, bool frames, StageAllocations? allocations)
    {
        _handoff = handoff;
        _frames = frames;
        _batch = handoff.Rent();
        Probe = new StageAllocations.Probe(allocations);
    }

    public readonly ref PacketInfo Packet => ref _batch.Packets[_batch.Count];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Evaluate(SimulationEngine engine, ReadOnlySpan<byte> frame)
    {
        if (_batch.Add(frame, _frames))
        {
            Probe.Saw(_batch);
            _handoff.Publish(_batch);
            _batch = _handoff.Rent();
        }
    }

    /// <summary>End of input: hands over the last, partly filled batch.</summary>
    public void Flush(SimulationEngine engine)
    {
        if (_batch.Count > 0)
        {
            Probe.Saw(_batch);
            _handoff.Publish(_batch);
        }
    }
}

/// <summary>The sink of a pipelined replay, owned by the sink thread until the replay ends.</summary>
internal sealed class SinkBox<TSink>
    where TSink : struct, IReplaySink
{
    public TSink Sink;

    public void Drain(BatchHandoff handoff, StageAllocations? allocations)
    {
        try
        {
            var probe = new StageAllocations.Probe(allocations);
            while (handoff.TryTake(out var batch))
            {
                probe.Saw(batch);
                Deliver(ref Sink, batch);
                handoff.Return(batch);
            }

            allocations?.AddSinks(probe);
        }
        catch (Exception ex)
        {
            handoff.Fail(ex);
        }
    }

    /// <summary>Passes an evaluated batch to the sink in order.</summary>
    public static void Deliver(ref TSink sink, PacketBatch batch)
    {
        bool frames = sink.ReadsFrames;
        int count = batch.Count;
        for (int i = 0; i < count; i++)
        {
            // The whole batch is here: hint the sink a few packets ahead so its table lookups overlap.
            int ahead = i + ReplayRunner.Lookahead;
            if (ahead < count)
            {
                sink.Prefetch(batch.Packets[ahead], batch.Results[ahead]);
            }

            sink.OnPacket(batch.Packets[i], batch.Results[i], frames ? batch.Frame(i) : default);
        }
    }
}

/// <summary>One thread in batches: a full batch of decoded packets is evaluated and delivered before the next is read.</summary>
internal struct BatchedOutput<TSink> : IPacketOutput
    where TSink : struct, IReplaySink
{
    public TSink Sink;
    public StageAllocations.Probe Probe;
    private readonly PacketBatch _batch;
    private readonly bool _frames;

    public BatchedOutput(TSink sink, StageAllocations? allocations)
    {
        Sink = sink;
        _frames = sink.ReadsFrames;
        _batch = new PacketBatch();
        Probe = new StageAllocations.Probe(allocations);
    }

    public readonly ref PacketInfo Packet => ref _batch.Packets[_batch.Count];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Evaluate(SimulationEngine engine, ReadOnlySpan<byte> frame)
    {
        if (_batch.Add(frame, _frames))
        {
            Run(engine);
        }
    }

    public void Flush(SimulationEngine engine)
    {
        if (_batch.Count > 0)
        {
            Run(engine);
        }
    }

    private void Run(SimulationEngine engine)
    {
        Probe.Saw(_batch);
        ReplayRunner.EvaluateBatch(engine, _batch);
        SinkBox<TSink>.Deliver(ref Sink, _batch);
        _batch.Count = 0;
    }
}
