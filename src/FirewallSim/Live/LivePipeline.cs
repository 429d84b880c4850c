using System.Diagnostics;
using System.Threading.Channels;
using FirewallSim.Capture;
using FirewallSim.Capture.Libpcap;
using FirewallSim.Decode;
using FirewallSim.FlowLogs;
using FirewallSim.Replay;
using FirewallSim.Reports;
using FirewallSim.Verdicts;

namespace FirewallSim.Live;

/// <summary>A source of live packets: a libpcap capture, or an in-memory source for tests.</summary>
public interface ILivePacketSource : IDisposable
{
    string Name { get; }

    ushort LinkType { get; }

    /// <summary>Delivers packets to <paramref name="handler"/> on the calling thread until <see cref="Stop"/>; throws when the source fails.</summary>
    void Run(ILivePacketHandler handler, Action onBufferEnd);

    void Stop();

    CaptureStats Stats();
}

/// <summary>libpcap on a network interface.</summary>
public sealed class PcapLiveSource : ILivePacketSource
{
    private readonly LiveCapture _capture;

    public PcapLiveSource(string device, LiveCaptureOptions options) => _capture = LiveCapture.Open(device, options);

    public string Name => _capture.Device;

    public ushort LinkType => _capture.LinkType;

    public void Run(ILivePacketHandler handler, Action onBufferEnd) => _capture.Run(handler, onBufferEnd);

    public void Stop() => _capture.Stop();

    public CaptureStats Stats() => _capture.Stats();

    public void Dispose() => _capture.Dispose();
}

public sealed record LivePipelineOptions
{
    /// <summary>Packets per batch handed from a capture thread to the engine.</summary>
    public int BatchSize { get; init; } = 1024;

    /// <summary>Batches waiting for the engine before capture threads start dropping (and counting) packets.</summary>
    public int BatchQueue { get; init; } = 256;

    /// <summary>Closed windows waiting for the writer before the engine waits on the disk.</summary>
    public int WindowQueue { get; init; } = 64;

    /// <summary>Keep raw frames (needed for --write-rejected).</summary>
    public bool KeepFrames { get; init; }

    /// <summary>Wall clock in ns since the epoch (tests replace it).</summary>
    public Func<long> Clock { get; init; } = () => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
}

/// <summary>Counters of a running pipeline; read from any thread (values are approximate while running).</summary>
public sealed class LiveStats
{
    internal long[] CapturedPerSource = Array.Empty<long>();
    internal long[] DroppedPerSource = Array.Empty<long>();

    public long Processed;
    public long Accepted;
    public long Rejected;
    public long WindowsWritten;
    public long WriterWaits;

    public IReadOnlyList<string> Sources { get; internal set; } = Array.Empty<string>();

    /// <summary>Packets handed to the engine by each source.</summary>
    public long Captured(int source) => Interlocked.Read(ref CapturedPerSource[source]);

    /// <summary>Packets dropped in user space because the engine queue was full (the engine fell behind).</summary>
    public long QueueDropped(int source) => Interlocked.Read(ref DroppedPerSource[source]);
}

/// <summary>
/// Live capture as stages: one thread per capture source decodes packets into batches; a bounded channel
/// carries batches to the engine thread (when it is full the capture thread drops the batch and counts it —
/// capture never waits); the engine thread evaluates, aggregates, and closes flow-log windows on wall-clock
/// time; a second bounded channel carries closed windows to the writer task, so a slow disk delays only
/// the writer (the engine waits on it only when that queue is full, which is counted).
/// </summary>
public sealed class LivePipeline
{
    private readonly SimulationEngine _engine;
    private readonly FlowLogAggregator _aggregator;
    private readonly QueuedSink _queue;
    private readonly RejectedPacketWriter? _rejected;
    private readonly VerdictLogWriter? _verdicts;
    private readonly RuleUsage _usage;
    private readonly LivePipelineOptions _options;
    private readonly Channel<PacketBatch> _batches;
    private readonly Channel<PacketBatch> _free;

    public LivePipeline(SimulationEngine engine, FlowLogOptions flowOptions, IReadOnlyList<IFlowLogSink> sinks, LivePipelineOptions options,
        RejectedPacketWriter? rejected = null, VerdictLogWriter? verdicts = null)
    {
        _engine = engine;
        _options = options;
        _rejected = rejected;
        _verdicts = verdicts;
        _queue = new QueuedSink(sinks, options.WindowQueue, Stats);
        _aggregator = new FlowLogAggregator(engine.Timeline.Enis, flowOptions, new IFlowLogSink[] { _queue });
        _usage = new RuleUsage(engine.Timeline.Rules.SecurityGroupRules.Count);
        _batches = Channel.CreateBounded<PacketBatch>(new BoundedChannelOptions(options.BatchQueue)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _free = Channel.CreateUnbounded<PacketBatch>();
    }

    public LiveStats Stats { get; } = new();

    public SimulationEngine Engine => _engine;

    public FlowLogAggregator Aggregator => _aggregator;

    public RuleUsage Usage => _usage;

    public long FirstPacketNs { get; private set; }

    public long LastPacketNs { get; private set; }

    /// <summary>
    /// Runs until <paramref name="stop"/> is cancelled (clean stop) or a source fails (the failure is
    /// returned). Either way every packet captured is evaluated, every open window is written as records,
    /// and the sinks are completed before this returns.
    /// </summary>
    public async Task<Exception?> RunAsync(IReadOnlyList<ILivePacketSource> sources, CancellationToken stop)
    {
        Stats.Sources = sources.Select(s => s.Name).ToArray();
        Stats.CapturedPerSource = new long[sources.Count];
        Stats.DroppedPerSource = new long[sources.Count];
        _aggregator.Start(_options.Clock());

        var writer = _queue.StartWriter();
        var engineThread = new Thread(EngineLoop) { Name = "fwsim-engine", IsBackground = true };
        engineThread.Start();

        Exception? failure = null;
        var failed = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        var threads = new List<Thread>();
        for (int i = 0; i < sources.Count; i++)
        {
            int index = i;
            var source = sources[i];
            var t = new Thread(() =>
            {
                var ingest = new Ingest(this, index, source.LinkType);
                try
                {
                    source.Run(ingest, ingest.Flush);
                }
#pragma warning disable CA1031 // a failing source ends the run cleanly; the exception is the result
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    failed.TrySetResult(ex);
                }
                finally
                {
                    ingest.Flush();
                }
            })
            { Name = "fwsim-capture-" + source.Name, IsBackground = true };
            threads.Add(t);
            t.Start();
        }

        using (stop.Register(() => failed.TrySetResult(null!)))
        {
            failure = await failed.Task.ConfigureAwait(false);
        }

        foreach (var s in sources)
        {
            s.Stop();
        }

        foreach (var t in threads)
        {
            t.Join();
        }

        _batches.Writer.TryComplete();
        await Task.Run(() => engineThread.Join()).ConfigureAwait(false);
        await writer.ConfigureAwait(false);
        return failure;
    }

    private void EngineLoop()
    {
        var result = default(PacketResult);
        var reader = _batches.Reader;
        long nextTick = 0;
        Task<bool>? pending = null;
        while (true)
        {
            if (!reader.TryRead(out var batch))
            {
                // Idle: wake up at least every 200 ms so windows close on the wall clock.
                pending ??= reader.WaitToReadAsync().AsTask();
                if (!pending.Wait(200))
                {
                    Tick(ref nextTick, force: true);
                    continue;
                }

                bool more = pending.Result;
                pending = null;
                if (!more)
                {
                    break; // completed and drained
                }

                continue;
            }

            for (int i = 0; i < batch.Count; i++)
            {
                ref var p = ref batch.Packets[i];
                _engine.Process(p, ref result);
                _aggregator.Add(p, result);
                _usage.Add(p, result);
                _verdicts?.Write(p, result);
                if (_rejected is not null && batch.Frames is not null)
                {
                    _rejected.Write(p, result, batch.Frame(i));
                }

                for (int k = 0; k < result.Count; k++)
                {
                    var action = result.Verdicts[k].Action;
                    if (action == VerdictAction.Accept)
                    {
                        Stats.Accepted++;
                    }
                    else if (action == VerdictAction.Reject)
                    {
                        Stats.Rejected++;
                    }
                }

                if (FirstPacketNs == 0)
                {
                    FirstPacketNs = p.TimestampNs;
                }

                LastPacketNs = Math.Max(LastPacketNs, p.TimestampNs);
            }

            Interlocked.Add(ref Stats.Processed, batch.Count);
            batch.Count = 0;
            batch.FrameBytes = 0;
            _free.Writer.TryWrite(batch);
            Tick(ref nextTick, force: false);
        }

        // Stop: every window up to now is written, including the partial current one.
        long now = _options.Clock();
        _aggregator.AdvanceTo(now);
        _engine.Finish(Math.Max(now, LastPacketNs));
        _aggregator.Finish();
    }

    private void Tick(ref long nextTick, bool force)
    {
        long now = _options.Clock();
        if (!force && now < nextTick)
        {
            return;
        }

        nextTick = now + 200_000_000L;
        _aggregator.AdvanceTo(now);
    }

    private PacketBatch RentBatch() =>
        _free.Reader.TryRead(out var b) ? b : new PacketBatch(_options.BatchSize, _options.KeepFrames);

    /// <summary>Per-source packet handler: decodes in place into the current batch (no copy of the frame unless frames are kept).</summary>
    private sealed class Ingest : ILivePacketHandler
    {
        private readonly LivePipeline _owner;
        private readonly int _index;
        private readonly ushort _linkType;
        private PacketBatch _batch;
        private long _frame;

        public Ingest(LivePipeline owner, int index, ushort linkType)
        {
            _owner = owner;
            _index = index;
            _linkType = linkType;
            _batch = owner.RentBatch();
        }

        public void OnPacket(ReadOnlySpan<byte> frame, long timestampNs, int wireLength)
        {
            var b = _batch;
            PacketDecoder.Decode(frame, _linkType, wireLength, ++_frame, timestampNs, _index, ref b.Packets[b.Count]);
            if (b.Frames is not null)
            {
                b.AddFrame(frame);
            }

            b.Count++;
            if (b.Count == b.Packets.Length || b.FrameSpaceLow)
            {
                Flush();
            }
        }

        public void Flush()
        {
            var b = _batch;
            if (b.Count == 0)
            {
                return;
            }

            int count = b.Count;
            if (_owner._batches.Writer.TryWrite(b))
            {
                Interlocked.Add(ref _owner.Stats.CapturedPerSource[_index], count);
                _batch = _owner.RentBatch();
            }
            else
            {
                // The engine is behind: drop rather than stall the capture loop (libpcap would drop anyway).
                Interlocked.Add(ref _owner.Stats.DroppedPerSource[_index], count);
                b.Count = 0;
                b.FrameBytes = 0;
            }
        }
    }

    /// <summary>Hands closed windows to a writer task through a bounded queue.</summary>
    private sealed class QueuedSink : IFlowLogSink
    {
        private readonly IReadOnlyList<IFlowLogSink> _sinks;
        private readonly Channel<(long Window, FlowRecord[]? Records)> _windows;
        private readonly LiveStats _stats;

        public QueuedSink(IReadOnlyList<IFlowLogSink> sinks, int capacity, LiveStats stats)
        {
            _sinks = sinks;
            _stats = stats;
            _windows = Channel.CreateBounded<(long, FlowRecord[]?)>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });
        }

        public Task StartWriter() => Task.Run(async () =>
        {
            await foreach (var (window, records) in _windows.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                if (records is null)
                {
                    foreach (var s in _sinks)
                    {
                        s.Complete();
                    }

                    continue;
                }

                foreach (var s in _sinks)
                {
                    s.WriteWindow(window, records);
                }

                Interlocked.Increment(ref _stats.WindowsWritten);
            }
        });

        public void WriteWindow(long windowStart, IReadOnlyList<FlowRecord> records)
        {
            var copy = records.ToArray();
            if (!_windows.Writer.TryWrite((windowStart, copy)))
            {
                Interlocked.Increment(ref _stats.WriterWaits);
                _windows.Writer.WriteAsync((windowStart, copy)).AsTask().GetAwaiter().GetResult();
            }
        }

        public void Complete()
        {
            _windows.Writer.WriteAsync((0, null)).AsTask().GetAwaiter().GetResult();
            _windows.Writer.Complete();
        }

        public void Dispose()
        {
            foreach (var s in _sinks)
            {
                s.Dispose();
            }
        }
    }
}

/// <summary>Decoded packets (and optionally their frames) moving from a capture thread to the engine.</summary>
internal sealed class PacketBatch
{
    private const int ArenaBytes = 4 << 20;

    public PacketBatch(int size, bool keepFrames)
    {
        Packets = new PacketInfo[size];
        if (keepFrames)
        {
            Frames = new byte[ArenaBytes];
            Offsets = new int[size + 1];
        }
    }

    public PacketInfo[] Packets { get; }

    public int Count;

    public byte[]? Frames { get; }

    public int[]? Offsets { get; }

    public int FrameBytes;

    public bool FrameSpaceLow => Frames is not null && FrameBytes > ArenaBytes - 262_144;

    public void AddFrame(ReadOnlySpan<byte> frame)
    {
        frame.CopyTo(Frames.AsSpan(FrameBytes));
        Offsets![Count] = FrameBytes;
        FrameBytes += frame.Length;
        Offsets[Count + 1] = FrameBytes;
    }

    public ReadOnlySpan<byte> Frame(int i) => Frames.AsSpan(Offsets![i], Offsets[i + 1] - Offsets[i]);
}

/// <summary>
/// Replays a capture file as a live source (the in-memory transport of the live pipeline): packets
/// get the wall-clock time of their delivery, optionally paced like the original capture.
/// </summary>
public sealed class CaptureFileSource : ILivePacketSource
{
    private readonly string _path;
    private readonly bool _paced;
    private readonly Func<long> _clock;
    private volatile bool _stop;
    private long _delivered;

    public CaptureFileSource(string path, bool paced, Func<long> clock)
    {
        _path = path;
        _paced = paced;
        _clock = clock;
        using var reader = CaptureReader.Open(path);
        reader.ReadHeader();
        LinkType = reader.Interfaces.Count > 0 ? reader.Interfaces[0].LinkType : LinkTypes.Ethernet;
    }

    public string Name => Path.GetFileName(_path);

    public ushort LinkType { get; }

    /// <summary>When set, the source stops by itself after delivering everything (as if the interface went away).</summary>
    public bool FailAtEnd { get; init; }

    public void Run(ILivePacketHandler handler, Action onBufferEnd)
    {
        using var reader = CaptureReader.Open(_path);
        long? offset = null;
        var clock = Stopwatch.StartNew();
        long firstCaptured = 0;
        while (!_stop && reader.TryRead(out var record))
        {
            if (_paced)
            {
                if (offset is null)
                {
                    firstCaptured = record.TimestampNs;
                    offset = 0;
                }

                long due = record.TimestampNs - firstCaptured;
                while (!_stop && clock.Elapsed.Ticks * 100 < due)
                {
                    onBufferEnd();
                    Thread.Sleep(1);
                }
            }

            handler.OnPacket(record.Data, _clock(), record.WireLength);
            _delivered++;
        }

        onBufferEnd();
        if (FailAtEnd && !_stop)
        {
            throw new LibpcapException($"{Name}: source ended");
        }

        while (!_stop)
        {
            Thread.Sleep(10);
        }
    }

    public void Stop() => _stop = true;

    public CaptureStats Stats() => new(_delivered, 0, 0);

    public void Dispose()
    {
    }
}
