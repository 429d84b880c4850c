using System.Collections.Concurrent;

namespace FirewallSim.Capture;

/// <summary>
/// Reads a stream ahead on its own thread into large pooled chunks, so that the kernel's copy from
/// the page cache (or gzip inflation, or a pipe) overlaps with parsing on the consumer's thread. The
/// consumer parses records inside the chunks themselves: no second copy of the data.
/// </summary>
internal sealed class ChunkPump : IDisposable
{
    private readonly Stream _stream;
    private readonly int _chunkSize;
    private readonly Queue<Chunk> _full = new();
    private readonly int _depth;
    private readonly object _gate = new();
    private readonly ConcurrentBag<byte[]> _free = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private long _taken;

    public readonly record struct Chunk(byte[]? Buffer, int Length, long FileOffset, Exception? Error);

    public ChunkPump(Stream stream, int chunkSize, int depth)
    {
        _stream = stream;
        _chunkSize = chunkSize;
        _depth = depth;

        // Every chunk that can be in circulation at once — queued, being filled, and the consumer's current
        // and next — allocated now, so reading allocates nothing after the first chunk arrives.
        for (int i = 0; i < depth + 3; i++)
        {
            _free.Add(GC.AllocateUninitializedArray<byte>(chunkSize));
        }

        _thread = new Thread(Pump) { Name = "fwsim-read-ahead", IsBackground = true };
        _thread.Start();
    }

    /// <summary>The next chunk in file order; Buffer is null at end of stream or, with Error set, where reading failed.</summary>
    public Chunk Take()
    {
        Chunk c;
        lock (_gate)
        {
            // Monitor.Wait sleeps: the consumer usually outruns the kernel's copy, and spinning here would
            // take the core the read-ahead thread needs.
            while (_full.Count == 0)
            {
                Monitor.Wait(_gate);
            }

            c = _full.Dequeue();
            Monitor.PulseAll(_gate);
        }

        _taken += c.Length;
        return c;
    }

    public void Return(byte[] chunk) => _free.Add(chunk);

    /// <summary>Managed bytes the read-ahead thread allocated in its life; final once <see cref="Dispose"/> has returned.</summary>
    public long Allocated { get; private set; }

    private void Pump()
    {
        long offset = 0;
        long allocatedAtStart = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                // The chunks allocated up front circulate through _free; allocating here would mean one was not returned.
                var buf = _free.TryTake(out var b) ? b : GC.AllocateUninitializedArray<byte>(_chunkSize);

                int n = 0;
                Exception? error = null;
                try
                {
                    while (n < _chunkSize)
                    {
                        int r = _stream.Read(buf, n, _chunkSize - n);
                        if (r == 0)
                        {
                            break;
                        }

                        n += r;
                    }
                }
#pragma warning disable CA1031 // the failure is handed to the consumer, who reports it
                catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    error = ex;
                }

                // What was read before a failure is still delivered: nothing before the break is lost.
                if (n > 0)
                {
                    Add(new Chunk(buf, n, offset, null));
                    offset += n;
                }

                if (error is not null)
                {
                    Add(new Chunk(null, 0, offset, error));
                    return;
                }

                if (n < _chunkSize)
                {
                    Add(new Chunk(null, 0, offset, null));
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the reader was disposed
        }
        finally
        {
            Allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedAtStart;
        }
    }

    private bool _disposed;

    private void Add(Chunk chunk)
    {
        lock (_gate)
        {
            while (_full.Count >= _depth)
            {
                _stop.Token.ThrowIfCancellationRequested();
                Monitor.Wait(_gate);
            }

            _stop.Token.ThrowIfCancellationRequested();
            _full.Enqueue(chunk);
            Monitor.PulseAll(_gate);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stop.Cancel();
        lock (_gate)
        {
            _full.Clear();
            Monitor.PulseAll(_gate);
        }

        // A read blocked on a pipe that never closes cannot be interrupted; the thread is a background
        // thread and ends with the process, so do not wait for it forever.
        if (_thread.Join(TimeSpan.FromSeconds(2)))
        {
            _stop.Dispose();
        }
    }
}
