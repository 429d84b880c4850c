using System.Diagnostics;
using FirewallSim.Capture;
using FirewallSim.Capture.Libpcap;
using FirewallSim.Decode;
using FirewallSim.Verdicts;

namespace FirewallSim.Replay;

/// <summary>Receives every packet of a replay with its verdicts. Implemented by structs so calls devirtualise.</summary>
public interface IReplaySink
{
    /// <summary><paramref name="frame"/> is the raw frame, valid only during the call.</summary>
    void OnPacket(in PacketInfo packet, in PacketResult result, ReadOnlySpan<byte> frame);
}

/// <summary>A sink that does nothing (counting happens in the engine).</summary>
public struct NullSink : IReplaySink
{
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

    public ReplayOutcome Run<TSink>(IReadOnlyList<string> inputs, ref TSink sink, CancellationToken cancellation = default)
        where TSink : struct, IReplaySink
    {
        var results = new List<ReplayInputResult>();
        using var filter = Filter is null ? null : new BpfFilterSet(Filter);
        var p = default(PacketInfo);
        var r = default(PacketResult);
        long frame = 0, evaluated = 0, filteredOut = 0;
        long first = long.MaxValue, last = long.MinValue;
        var clock = Stopwatch.StartNew();
        var nextProgress = ProgressInterval;
        bool stop = false;
        foreach (string input in inputs)
        {
            using var reader = CaptureReader.Open(input);
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
                    PacketDecoder.Decode(record.Data, record.LinkType, record.WireLength, frame, record.TimestampNs, record.Interface, ref p);
                    if (frame == TraceFrame)
                    {
                        _engine.Trace = new EngineTrace();
                    }

                    _engine.Process(p, ref r);
                    sink.OnPacket(p, r, record.Data);
                    evaluated++;
                    if (p.TimestampNs < first)
                    {
                        first = p.TimestampNs;
                    }

                    if (p.TimestampNs > last)
                    {
                        last = p.TimestampNs;
                    }
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
            if (stop)
            {
                break;
            }
        }

        if (last != long.MinValue)
        {
            _engine.Finish(last);
        }

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
