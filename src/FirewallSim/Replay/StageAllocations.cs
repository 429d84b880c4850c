namespace FirewallSim.Replay;

/// <summary>
/// Managed bytes a replay's own threads allocated from a given frame on, per stage: what the steady-state
/// allocation test asserts. Counted by each thread for itself rather than for the whole process, because
/// a process also runs threads that are not the replay's (a test host serialising results, the runtime's
/// own work), and those made the whole-process count swing from 25 KB to 800 KB for the same replay.
/// </summary>
internal sealed class StageAllocations
{
    public StageAllocations(long fromFrame) => FromFrame = fromFrame;

    /// <summary>Each thread starts counting at the first batch that reaches this frame.</summary>
    public long FromFrame { get; }

    /// <summary>The reader thread of a pipelined replay: reading, filtering, decoding.</summary>
    public long Reader { get; private set; }

    /// <summary>The engine thread of a pipelined replay, or the one thread of a replay on one thread (all stages).</summary>
    public long Engine { get; private set; }

    /// <summary>The sink thread of a pipelined replay: aggregation and writers.</summary>
    public long Sinks { get; private set; }

    /// <summary>
    /// Read-ahead threads (one per input, one thread on two processors), over their whole life: they know
    /// no frames, and allocate nothing once their chunks circulate — unless a chunk is not returned.
    /// </summary>
    public long ReadAhead { get; private set; }

    public long Total => Reader + Engine + Sinks + ReadAhead;

    public void AddReader(in Probe probe) => Reader += probe.Allocated;

    public void AddEngine(in Probe probe) => Engine += probe.Allocated;

    public void AddSinks(in Probe probe) => Sinks += probe.Allocated;

    public void AddReadAhead(long bytes) => ReadAhead += bytes;

    public override string ToString() => $"reader {Reader} B, engine {Engine} B, sinks {Sinks} B, read-ahead {ReadAhead} B";

    /// <summary>One thread's count; <see cref="Saw"/> costs a compare per batch until counting starts.</summary>
    public struct Probe
    {
        private readonly long _from;
        private long _start;

        public Probe(StageAllocations? owner)
        {
            _from = owner is null ? long.MaxValue : owner.FromFrame;
            _start = -1;
        }

        /// <summary>The thread is about to hand on (or has taken) <paramref name="batch"/>.</summary>
        public void Saw(PacketBatch batch)
        {
            if (_start < 0 && batch.Count > 0 && batch.Packets[batch.Count - 1].FrameNumber >= _from)
            {
                _start = GC.GetAllocatedBytesForCurrentThread();
            }
        }

        /// <summary>Bytes allocated on the calling thread since counting started; call on the counting thread.</summary>
        public readonly long Allocated => _start < 0 ? 0 : GC.GetAllocatedBytesForCurrentThread() - _start;
    }
}
