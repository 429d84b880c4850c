using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using FirewallSim.Decode;
using FirewallSim.Verdicts;

namespace FirewallSim.Replay;

/// <summary>
/// A block of evaluated packets passed from the engine thread to the sink thread. The decoder and the
/// engine write straight into its arrays, so a packet is never copied on its way to the sinks.
/// </summary>
internal sealed class PacketBatch
{
    public const int Capacity = 256;

    public readonly PacketInfo[] Packets = new PacketInfo[Capacity];
    public readonly PacketResult[] Results = new PacketResult[Capacity];

    /// <summary>The engine's prefetch results, so evaluation does not attribute a packet twice.</summary>
    public readonly PrefetchHint[] Hints = new PrefetchHint[Capacity];

    /// <summary>Frame i is Frames[FrameEnds[i-1]..FrameEnds[i]] (only filled when the sink reads frames).</summary>
    public readonly int[] FrameEnds = new int[Capacity];
    public byte[] Frames = new byte[256 * 1024];
    public int Count;

    public ReadOnlySpan<byte> Frame(int i)
    {
        int start = i == 0 ? 0 : FrameEnds[i - 1];
        return Frames.AsSpan(start, FrameEnds[i] - start);
    }

    /// <summary>
    /// The packet decoded at <c>Packets[Count]</c> joins the batch, with its frame when <paramref name="keepFrame"/>.
    /// True when the batch is now full.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Add(ReadOnlySpan<byte> frame, bool keepFrame)
    {
        if (keepFrame)
        {
            AppendFrame(Count, frame);
        }

        return ++Count == Capacity;
    }

    private void AppendFrame(int i, ReadOnlySpan<byte> frame)
    {
        int start = i == 0 ? 0 : FrameEnds[i - 1];
        if (start + frame.Length > Frames.Length)
        {
            Array.Resize(ref Frames, Math.Max(Frames.Length * 2, start + frame.Length));
        }

        frame.CopyTo(Frames.AsSpan(start));
        FrameEnds[i] = start + frame.Length;
    }
}

/// <summary>
/// Single-producer, single-consumer hand-off of <see cref="PacketBatch"/>es in order, with a fixed set
/// of batches that circulate (no allocation after start); a consumer may swap in another stage's batch
/// when it returns one. One lock operation per batch.
/// A failure on either side stops the other: the consumer's exception is rethrown to the producer.
/// </summary>
internal sealed class BatchHandoff
{
    private readonly object _gate = new();
    private readonly Queue<PacketBatch> _full;
    private readonly Stack<PacketBatch> _free;
    private bool _completed;
    private bool _aborted;
    private ExceptionDispatchInfo? _consumerFailure;
    private ExceptionDispatchInfo? _producerFailure;

    /// <summary>
    /// How long a stage that passes <c>spin</c> keeps checking before it sleeps on the lock: a few pause loops,
    /// then yields of its core, about 50. The engine stage does: it is the pipeline's bottleneck, and a
    /// sleep on the lock costs it a wake-up of tens of microseconds, when the batch it waits for is often a
    /// moment away on the other core, or its yield lets a helper thread finish it on this one. 10 M
    /// packets on two cores: waits that slept 1,300–5,000 → ~400 for free batches, ~650 → ~380 for decoded
    /// ones; A/B wall 0.967 (7 pairs, 0.94–1.02). The helper threads sleep at once: they are ahead.
    /// </summary>
    private const int SpinIterations = 60;

    // Mirrors of the queue lengths, for spinning without the lock.
    private int _fullCount;
    private int _freeCount;

    public BatchHandoff(int batches)
    {
        _full = new Queue<PacketBatch>(batches);
        _free = new Stack<PacketBatch>(batches);
        for (int i = 0; i < batches; i++)
        {
            _free.Push(new PacketBatch());
        }

        _freeCount = batches;
    }

    /// <summary>Producer: an empty batch to fill; waits while the consumer is behind. Rethrows the consumer's failure.</summary>
    public PacketBatch Rent(bool spin = false)
    {
        if (spin)
        {
            SpinWhileZero(ref _freeCount);
        }

        lock (_gate)
        {
            while (_free.Count == 0 && _consumerFailure is null)
            {
                Monitor.Wait(_gate);
            }

            _consumerFailure?.Throw();
            var batch = _free.Pop();
            _freeCount = _free.Count;
            batch.Count = 0;
            return batch;
        }
    }

    /// <summary>Producer: hands a filled batch over, in order.</summary>
    public void Publish(PacketBatch batch)
    {
        lock (_gate)
        {
            _full.Enqueue(batch);
            _fullCount = _full.Count;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Producer: no more batches; the consumer finishes what was published.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// Producer failed or was cancelled: the consumer stops without processing the rest, and
    /// <see cref="ThrowIfProducerFailed"/> rethrows <paramref name="failure"/> if there is one.
    /// </summary>
    public void Abort(Exception? failure)
    {
        lock (_gate)
        {
            _aborted = true;
            _producerFailure ??= failure is null ? null : ExceptionDispatchInfo.Capture(failure);
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Rethrows the producer's failure, if any.</summary>
    public void ThrowIfProducerFailed()
    {
        lock (_gate)
        {
            _producerFailure?.Throw();
        }
    }

    /// <summary>Consumer: the next batch in order, or false when the producer has completed (or aborted) and all is taken.</summary>
    public bool TryTake(out PacketBatch batch, bool spin = false)
    {
        if (spin)
        {
            SpinWhileZero(ref _fullCount);
        }

        lock (_gate)
        {
            while (_full.Count == 0 && !_completed && !_aborted)
            {
                Monitor.Wait(_gate);
            }

            if (_aborted || _full.Count == 0)
            {
                batch = null!;
                return false;
            }

            batch = _full.Dequeue();
            _fullCount = _full.Count;
            return true;
        }
    }

    /// <summary>Consumer: the batch is processed and can be filled again.</summary>
    public void Return(PacketBatch batch)
    {
        lock (_gate)
        {
            _free.Push(batch);
            _freeCount = _free.Count;
            Monitor.PulseAll(_gate);
        }
    }

    private static void SpinWhileZero(ref int count)
    {
        var spinner = default(SpinWait);
        while (Volatile.Read(ref count) == 0 && spinner.Count < SpinIterations)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    public void Fail(Exception ex)
    {
        lock (_gate)
        {
            _consumerFailure ??= ExceptionDispatchInfo.Capture(ex);
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Rethrows the consumer's failure, if any (after the consumer thread has ended).</summary>
    public void ThrowIfConsumerFailed()
    {
        lock (_gate)
        {
            _consumerFailure?.Throw();
        }
    }
}
