using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using FirewallSim.Decode;
using FirewallSim.Memory;
using FirewallSim.Net;
using FirewallSim.Verdicts;

namespace FirewallSim.FlowLogs;

public enum LogStatus : byte
{
    Ok,
    NoData,
    SkipData,
}

/// <summary>One flow-log record before formatting: the aggregation key of D23 and its totals.</summary>
public struct FlowRecord
{
    public long WindowStart;   // epoch seconds
    public int Eni;
    public Direction Direction;
    public VerdictAction Action;
    public LogStatus Status;
    public byte Protocol;
    public byte TcpFlags;
    public ushort SrcPort;
    public ushort DstPort;
    public IpAddr PktSrc;
    public IpAddr PktDst;
    public long Packets;
    public long Bytes;
    public long Start;         // epoch seconds of the first packet in the window (floor)
    public long End;           // … of the last packet
}

/// <summary>Receives each closed window's records, sorted in D27 order.</summary>
public interface IFlowLogSink : IDisposable
{
    void WriteWindow(long windowStart, IReadOnlyList<FlowRecord> records);

    /// <summary>All windows written: make the outputs visible (rename temporary files).</summary>
    void Complete();
}

public sealed record FlowLogOptions
{
    /// <summary>Aggregation interval, 60 (Nitro) or 600 seconds.</summary>
    public int IntervalSeconds { get; init; } = 60;

    public TrafficType TrafficType { get; init; } = TrafficType.All;

    /// <summary>D24: a NODATA record for every ENI and window without an OK record.</summary>
    public bool NoData { get; init; } = true;

    /// <summary>Flow records per ENI per window before the rest is skipped with a SKIPDATA record; null = unlimited.</summary>
    public int? MaxFlowsPerEniWindow { get; init; }

    /// <summary>
    /// How long, in packet time, a window stays open after its end for slightly out-of-order packets.
    /// A packet older than every open window is counted as late and added to the oldest open window.
    /// </summary>
    public int LatenessSeconds { get; init; } = 5;

    /// <summary>More empty windows than this in one time jump get no NODATA records (a guard against bogus timestamps).</summary>
    public long MaxEmptyWindowsPerGap { get; init; } = 100_000;
}

/// <summary>
/// Aggregates verdicts into flow-log records per window (D23), emitting each window when packet time
/// has passed it, so memory follows the flows of the open windows, not the length of the capture.
/// </summary>
public sealed class FlowLogAggregator
{
    private readonly FlowLogOptions _options;
    private readonly IReadOnlyList<IFlowLogSink> _sinks;
    private readonly int _eniCount;
    private readonly int[] _eniRank;          // sort position of each ENI by interface-id (D27)
    private readonly long _interval;
    private readonly List<WindowTable> _open = new();
    private readonly Stack<WindowTable> _pool = new();
    private readonly int _rankBits;           // bits of an ENI rank in a sort key
    private SortKey[] _keys = new SortKey[1024];
    private WindowTable? _newest;               // the latest open window, for Prefetch
    private readonly SortedRecords _view = new();
    private readonly bool[] _eniHasRecord;
    private long _nextEmit = long.MinValue;   // start of the oldest window not yet emitted
    private long _lastWindow = long.MinValue;

    public FlowLogAggregator(EniDirectory enis, FlowLogOptions options, IReadOnlyList<IFlowLogSink> sinks)
    {
        _options = options;
        _sinks = sinks;
        _eniCount = enis.Count;
        _interval = options.IntervalSeconds;
        if (_interval is not (60 or 600))
        {
            throw new ArgumentException("the aggregation interval must be 60 or 600 seconds", nameof(options));
        }

        var order = Enumerable.Range(0, enis.Count).OrderBy(i => enis.Id(i), StringComparer.Ordinal).ToArray();
        _eniRank = new int[enis.Count];
        for (int r = 0; r < order.Length; r++)
        {
            _eniRank[order[r]] = r;
        }

        _eniHasRecord = new bool[enis.Count];
        _rankBits = enis.Count <= 1 ? 0 : 32 - BitOperations.LeadingZeroCount((uint)(enis.Count - 1));
    }

    /// <summary>
    /// Sort a large window on two threads (the caller's and a thread-pool thread). For a replay on two cores,
    /// where the rest of the pipeline waits while a window is sorted and written.
    /// </summary>
    public bool SortOnTwoThreads { get; init; }

    public long LatePackets { get; private set; }

    public long RecordsWritten { get; private set; }

    public long NoDataRecords { get; private set; }

    public long SkipDataRecords { get; private set; }

    public long WindowsEmitted { get; private set; }

    /// <summary>Empty windows left without NODATA records because of a time jump larger than the guard.</summary>
    public long EmptyWindowsSkipped { get; private set; }

    /// <summary>Flow records held by the open windows (memory follows this, not the capture length).</summary>
    public int OpenRecords
    {
        get
        {
            int n = 0;
            foreach (var t in _open)
            {
                n += t.Count;
            }

            return n;
        }
    }

    /// <summary>Adds one packet's verdicts. Every packet, evaluated or not, moves packet time forward.</summary>
    public void Add(in PacketInfo p, in PacketResult r)
    {
        long sec = FloorSeconds(p.TimestampNs);
        long window = sec - Mod(sec, _interval);
        if (_nextEmit == long.MinValue)
        {
            _nextEmit = window;
        }

        if (window > _lastWindow)
        {
            _lastWindow = window;
        }

        // Close every window whose end (plus lateness) packet time has passed.
        long closeBefore = sec - _options.LatenessSeconds;
        while (_nextEmit + _interval <= closeBefore)
        {
            EmitNext();
        }

        if (r.Disposition != PacketDisposition.Evaluated || r.Count == 0)
        {
            return;
        }

        if (window < _nextEmit)
        {
            LatePackets++;
            window = _nextEmit;
            sec = window;
        }

        var table = TableFor(window);
        ulong packetHash = WindowTable.PacketHash(p.Protocol, r.SrcPort, r.DstPort, p.Src, p.Dst);
        int offset = (int)(sec - window);
        for (int i = 0; i < r.Count; i++)
        {
            ref readonly var v = ref r.Verdicts[i];
            if (v.Action == VerdictAction.Drop)
            {
                continue;
            }

            table.Add(packetHash, v.Eni, v.Direction, v.Action, p.Protocol, r.SrcPort, r.DstPort, p.Src, p.Dst, p.IpLength, offset, r.FlowFlags,
                _options.MaxFlowsPerEniWindow);
        }
    }

    /// <summary>
    /// Starts loading the slots <see cref="Add"/> will touch for this packet in the newest open window.
    /// A caller that prefetches a few packets ahead hides most of the memory latency of a big window.
    /// </summary>
    public void Prefetch(in PacketInfo p, in PacketResult r)
    {
        if (r.Disposition != PacketDisposition.Evaluated || _newest is not { } table)
        {
            return;
        }

        ulong packetHash = WindowTable.PacketHash(p.Protocol, r.SrcPort, r.DstPort, p.Src, p.Dst);
        for (int i = 0; i < r.Count; i++)
        {
            ref readonly var v = ref r.Verdicts[i];
            table.Prefetch(packetHash, v.Eni, v.Direction, v.Action);
        }
    }

    /// <summary>
    /// Live capture: windows start at the start of the capture, not at its first packet (an idle
    /// interface still gets NODATA records).
    /// </summary>
    public void Start(long nowNs)
    {
        long window = WindowOf(nowNs);
        if (_nextEmit == long.MinValue)
        {
            _nextEmit = window;
        }

        _lastWindow = Math.Max(_lastWindow, window);
    }

    /// <summary>
    /// Live capture: windows close on wall-clock time even when no packet arrives. Emits every window
    /// whose end (plus lateness) is before <paramref name="nowNs"/>; the window holding now stays open.
    /// </summary>
    public void AdvanceTo(long nowNs)
    {
        if (_nextEmit == long.MinValue)
        {
            Start(nowNs);
        }

        long sec = FloorSeconds(nowNs);
        _lastWindow = Math.Max(_lastWindow, WindowOf(nowNs));
        long closeBefore = sec - _options.LatenessSeconds;
        while (_nextEmit + _interval <= closeBefore)
        {
            EmitNext();
        }
    }

    private long WindowOf(long ns)
    {
        long sec = FloorSeconds(ns);
        return sec - Mod(sec, _interval);
    }

    /// <summary>Emits every remaining window up to the one holding the last packet, then completes the sinks.</summary>
    public void Finish()
    {
        if (_nextEmit != long.MinValue)
        {
            while (_nextEmit <= _lastWindow)
            {
                EmitNext();
            }
        }

        foreach (var s in _sinks)
        {
            s.Complete();
        }
    }

    private WindowTable TableFor(long window)
    {
        foreach (var t in _open)
        {
            if (t.WindowStart == window)
            {
                return t;
            }
        }

        var table = RentTable(window);
        _open.Add(table);
        if (_newest is null || window > _newest.WindowStart)
        {
            _newest = table;
        }

        return table;
    }

    private void EmitNext()
    {
        long window = _nextEmit;
        WindowTable? table = null;
        for (int i = 0; i < _open.Count; i++)
        {
            if (_open[i].WindowStart == window)
            {
                table = _open[i];
                _open.RemoveAt(i);
                break;
            }
        }

        if (table is null && _options.NoData)
        {
            // A run of windows without any traffic: guard against a bogus timestamp making billions.
            long nextTraffic = long.MaxValue;
            foreach (var t in _open)
            {
                nextTraffic = Math.Min(nextTraffic, t.WindowStart);
            }

            long limit = Math.Min(nextTraffic, _lastWindow + _interval);
            long empties = (limit - window) / _interval;
            if (empties > _options.MaxEmptyWindowsPerGap)
            {
                EmptyWindowsSkipped += empties;
                _nextEmit = limit;
                return;
            }
        }

        // The window's records are sorted and written where they lie in the table's entries, never copied
        // into a second array: a window of a million flows costs its table and 20 bytes of sort key per record.
        table ??= RentTable(window);
        Array.Clear(_eniHasRecord);
        int flows = table.Count;
        if (_keys.Length < flows + _eniCount)
        {
            _keys = new SortKey[(int)BitOperations.RoundUpToPowerOf2((uint)(flows + _eniCount))];
        }

        var keys = _keys;
        int count = 0;
        var type = _options.TrafficType;
        for (int i = 0; i < flows; i++)
        {
            ref readonly var f = ref table.Entry(i);
            if (type == TrafficType.All || (type == TrafficType.Accept) == (f.Action == VerdictAction.Accept))
            {
                keys[count++] = KeyOf(f, i);
                _eniHasRecord[f.Eni] = true;
            }
        }

        int next = flows;
        for (int eni = 0; eni < _eniCount; eni++)
        {
            if (table.Skipped(eni))
            {
                table.AppendSpecial(next, eni, LogStatus.SkipData, (ushort)(_interval - 1));
                keys[count++] = KeyOf(table.Entry(next), next);
                next++;
                _eniHasRecord[eni] = true;
                SkipDataRecords++;
            }
        }

        if (_options.NoData)
        {
            for (int eni = 0; eni < _eniCount; eni++)
            {
                if (!_eniHasRecord[eni])
                {
                    table.AppendSpecial(next, eni, LogStatus.NoData, (ushort)(_interval - 1));
                    keys[count++] = KeyOf(table.Entry(next), next);
                    next++;
                    NoDataRecords++;
                }
            }
        }

        SortRecords(table, keys, count);
        _view.Set(table, keys, count, window);
        RecordsWritten += count;
        WindowsEmitted++;
        try
        {
            foreach (var s in _sinks)
            {
                s.WriteWindow(window, _view);
            }
        }
        finally
        {
            _view.Set(null, keys, 0, window);
            table.Clear();
            _pool.Push(table);
            if (ReferenceEquals(_newest, table))
            {
                _newest = null;
            }
        }

        _nextEmit = window + _interval;
    }

    private WindowTable RentTable(long window)
    {
        var table = _pool.Count > 0 ? _pool.Pop() : new WindowTable(_eniCount);
        table.Reset(window);
        return table;
    }

    /// <summary>
    /// Sorts a window's records into D27 order. Each record's order is packed, most significant field first,
    /// into a string of bits (at most 335: an ENI rank, status, direction, two addresses with their family,
    /// ports, protocol, action), and the sort compares its first 128 bits, held in the record's
    /// <see cref="SortKey"/>: integers in one sequential array instead of two 64-byte entries scattered over
    /// the table. That prefix holds all of an IPv4 record (up to 2^17 ENIs) and an IPv6 record up to its
    /// source address. Records whose keys tie are adjacent after the sort; each run of them is re-keyed with
    /// the next 128 bits and sorted again, reading each entry once per round rather than twice per comparison.
    /// </summary>
    private void SortRecords(WindowTable table, SortKey[] array, int count)
    {
        var keys = array.AsSpan(0, count);
        if (SortOnTwoThreads && count >= 1 << 16)
        {
            SortOnTwo(array, count);
        }
        else
        {
            keys.Sort();
        }

        SortTies(table, keys, round: 1);
    }

    /// <summary>Sorts each run of equal keys by the record's next 128 bits of order (rounds 1 and 2 of three).</summary>
    private void SortTies(WindowTable table, Span<SortKey> keys, int round)
    {
        for (int i = 0; i < keys.Length - 1;)
        {
            int j = i + 1;
            while (j < keys.Length && keys[j].High == keys[i].High && keys[j].Low == keys[i].Low)
            {
                j++;
            }

            // Two records never agree on all 384 bits: the order's fields make up the flow's identity.
            if (j - i > 1 && round < KeyPacker.Rounds)
            {
                var run = keys.Slice(i, j - i);
                foreach (ref var k in run)
                {
                    k = KeyOf(table.Entry(k.Index), k.Index, round);
                }

                run.Sort();
                SortTies(table, run, round + 1);
            }

            i = j;
        }
    }

    /// <summary>
    /// Splits the keys around the median of a sample (one pass, in place) and sorts the two sides at once,
    /// one on a thread-pool thread. Keys are distinct (they end with the entry number), so the two sorted
    /// sides are the sorted whole.
    /// </summary>
    private static void SortOnTwo(SortKey[] array, int count)
    {
        var keys = array.AsSpan(0, count);
        Span<SortKey> sample = stackalloc SortKey[63];
        long step = keys.Length / sample.Length;
        for (int i = 0; i < sample.Length; i++)
        {
            sample[i] = keys[(int)(i * step)];
        }

        sample.Sort();
        var pivot = sample[sample.Length / 2];
        int lo = 0, hi = keys.Length - 1;
        while (true)
        {
            while (lo <= hi && keys[lo].CompareTo(pivot) < 0)
            {
                lo++;
            }

            while (lo <= hi && keys[hi].CompareTo(pivot) >= 0)
            {
                hi--;
            }

            if (lo >= hi)
            {
                break;
            }

            (keys[lo], keys[hi]) = (keys[hi], keys[lo]);
        }

        // keys[..lo] < pivot <= keys[lo..]; a span cannot cross threads, the array can.
        int split = lo;
        var left = Task.Run(() => array.AsSpan(0, split).Sort());
        array.AsSpan(split, count - split).Sort();
        left.GetAwaiter().GetResult();
    }

    /// <summary>Bits [128 * round, 128 * round + 128) of the record's place in D27 order, and its entry.</summary>
    private SortKey KeyOf(in FlowSlot s, int index, int round = 0)
    {
        var key = new KeyPacker(skip: round * 128);
        key.Put((uint)_eniRank[s.Eni], _rankBits);
        key.Put((ulong)s.Status, 2);
        if (s.Status == LogStatus.Ok)
        {
            key.Put(s.Direction == Direction.Egress ? 0UL : 1UL, 1);
            key.Put(s.Src);
            key.Put(s.Dst);
            key.Put(s.SrcPort, 16);
            key.Put(s.DstPort, 16);
            key.Put(s.Protocol, 8);
            key.Put((ulong)s.Action, 2);
        }

        return new SortKey { High = (ulong)(key.Bits >> 64), Low = (ulong)key.Bits, Index = index };
    }

    /// <summary>128 bits of a record's place in D27 order (see <see cref="SortRecords"/>), and its entry.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)] // 20 bytes, not 24: a window of a million records sorts 4 MB less
    private struct SortKey : IComparable<SortKey>
    {
        public ulong High;
        public ulong Low;
        public int Index;

        // A struct that is its own comparer: the sort inlines this instead of calling a delegate per comparison.
        public readonly int CompareTo(SortKey other)
        {
            if (High != other.High)
            {
                return High < other.High ? -1 : 1;
            }

            if (Low != other.Low)
            {
                return Low < other.Low ? -1 : 1;
            }

            return Index.CompareTo(other.Index);
        }
    }

    /// <summary>
    /// Appends fields to a 128-bit key, most significant first, after dropping the first <c>skip</c> bits of
    /// them (a later round's key); what does not fit is cut off.
    /// </summary>
    private struct KeyPacker
    {
        /// <summary>Keys of 128 bits needed to hold every field of any record (335 bits at most).</summary>
        public const int Rounds = 3;

        private const int Capacity = 128;
        public UInt128 Bits;
        private int _used;
        private int _skip;

        public KeyPacker(int skip) => _skip = skip;

        public void Put(ulong value, int width)
        {
            if (_skip > 0)
            {
                int drop = Math.Min(_skip, width);
                _skip -= drop;
                width -= drop;
                if (width == 0)
                {
                    return;
                }

                value &= ulong.MaxValue >> (64 - width);
            }

            int take = Math.Min(width, Capacity - _used);
            if (take <= 0)
            {
                return;
            }

            Bits |= (UInt128)(value >> (width - take)) << (128 - _used - take);
            _used += take;
        }

        /// <summary>IPv4 before IPv6 (a family bit), then the address's own bits, as <see cref="IpAddr.CompareTo"/> orders them.</summary>
        public void Put(IpAddr address)
        {
            if (address.IsV4)
            {
                Put(0, 1);
                Put(address.V4, 32);
            }
            else
            {
                Put(1, 1);
                Put(address.Hi, 64);
                Put(address.Lo, 64);
            }
        }
    }

    /// <summary>The records of one window in D27 order, read from the table's entries without copying them (reused for every window).</summary>
    private sealed class SortedRecords : IReadOnlyList<FlowRecord>
    {
        private const int PrefetchDistance = 8;
        private WindowTable? _table;
        private SortKey[] _keys = Array.Empty<SortKey>();
        private long _window;

        public int Count { get; private set; }

        public FlowRecord this[int index]
        {
            get
            {
                if ((uint)index >= (uint)Count)
                {
                    throw new ArgumentOutOfRangeException(nameof(index));
                }

                // Sinks read the records in order, which is random order in the table: start loading a
                // record a few places ahead so its cache miss overlaps with formatting this one.
                if (index + PrefetchDistance < Count)
                {
                    _table!.PrefetchEntry(_keys[index + PrefetchDistance].Index);
                }

                ref readonly var s = ref _table!.Entry(_keys[index].Index);
                return new FlowRecord
                {
                    WindowStart = _window,
                    Eni = s.Eni,
                    Direction = s.Direction,
                    Action = s.Action,
                    Status = s.Status,
                    Protocol = s.Protocol,
                    TcpFlags = s.Protocol == IpProtocol.Tcp ? s.Flags : (byte)0,
                    SrcPort = s.SrcPort,
                    DstPort = s.DstPort,
                    PktSrc = s.Src,
                    PktDst = s.Dst,
                    Packets = s.Packets,
                    Bytes = s.Bytes,
                    Start = _window + s.Start,
                    End = _window + s.End,
                };
            }
        }

        public void Set(WindowTable? table, SortKey[] keys, int count, long window)
        {
            _table = table;
            _keys = keys;
            Count = count;
            _window = window;
        }

        public IEnumerator<FlowRecord> GetEnumerator()
        {
            for (int i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>
    /// One flow of a window, 64 bytes: times are second offsets within the window. When the window
    /// closes, its NODATA/SKIPDATA records are appended as entries too (Packets 0, Status set).
    /// </summary>
    private struct FlowSlot
    {
        public IpAddr Src;
        public IpAddr Dst;
        public long Bytes;
        public uint Packets;
        public int Eni;
        public ushort SrcPort;
        public ushort DstPort;
        public ushort Start;
        public ushort End;
        public Direction Direction;
        public VerdictAction Action;
        public byte Protocol;
        public byte Flags;
        public LogStatus Status;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long FloorSeconds(long ns) => ns >= 0 ? ns / 1_000_000_000L : ((ns + 1) / 1_000_000_000L) - 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long Mod(long a, long m)
    {
        long r = a % m;
        return r < 0 ? r + m : r;
    }

    /// <summary>
    /// The flows of one window: entries stored densely in 1 MiB chunks, each entry on one cache line (no
    /// object per flow, never moved, no copy when the window grows), and found through an open-addressing
    /// index of tagged ints at most half full. A window of N flows takes about 64 N bytes of entries and
    /// 8–16 N of index.
    /// </summary>
    private sealed class WindowTable
    {
        private const int ChunkShift = 14;
        private const int ChunkSize = 1 << ChunkShift;  // 16 384 entries, 1 MiB
        private CacheAlignedArray<FlowSlot>[] _chunks = new CacheAlignedArray<FlowSlot>[4];
        private int _chunkCount;
        // A slot holds entry number + 1 in its low bits (0 = free) and, above them, bits of the key's hash:
        // a probe that meets another flow's slot tells it apart without loading that flow's entry, a cache
        // miss in a big window. Entry numbers stay below the index length (at most half full), so the low
        // log2(length) bits hold them and the rest is tag: 11 bits at 2 M slots, 2 at the largest index.
        private int[] _index = new int[2048];
        private int _mask = 2047;
        private readonly int[] _flowsPerEni;
        private readonly bool[] _skipped;

        public WindowTable(int enis)
        {
            _flowsPerEni = new int[enis];
            _skipped = new bool[enis];
        }

        public long WindowStart { get; private set; }

        /// <summary>Flow entries (NODATA/SKIPDATA entries appended at emission are not counted).</summary>
        public int Count { get; private set; }

        public bool Skipped(int eni) => _skipped[eni];

        public void Reset(long window)
        {
            WindowStart = window;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ref FlowSlot Entry(int i) => ref _chunks[i >> ChunkShift][i & (ChunkSize - 1)];

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public unsafe void PrefetchEntry(int i)
        {
            if (Sse.IsSupported)
            {
                Sse.Prefetch0(_chunks[i >> ChunkShift].AddressOf(i & (ChunkSize - 1)));
            }
        }

        /// <summary>The part of a slot's hash that depends on the packet alone: computed once for all its verdicts.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong PacketHash(byte protocol, ushort sport, ushort dport, IpAddr src, IpAddr dst) =>
            IpAddrMap.Hash(src.Hi ^ (dst.Hi * 31), src.Lo ^ (dst.Lo * 0x9E3779B97F4A7C15UL)) ^ ((ulong)sport << 16) ^ dport ^ ((ulong)protocol << 48);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static ulong SlotHash(ulong packetHash, int eni, Direction dir, VerdictAction action)
        {
            ulong h = (packetHash ^ ((ulong)(uint)eni << 32) ^ ((ulong)dir << 56) ^ ((ulong)action << 58)) * 0xBF58476D1CE4E5B9UL;
            return h ^ (h >> 31);
        }

        /// <summary>The bits of a slot above its entry number, from hash bits the slot position does not use.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static int TagOf(ulong hash, int mask) => (int)(hash >> 32) & ~mask;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public unsafe void Prefetch(ulong packetHash, int eni, Direction dir, VerdictAction action)
        {
            if (Sse.IsSupported)
            {
                Sse.Prefetch0(Unsafe.AsPointer(ref _index[(int)(SlotHash(packetHash, eni, dir, action) & (uint)_mask)]));
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(ulong packetHash, int eni, Direction dir, VerdictAction action, byte protocol, ushort sport, ushort dport, IpAddr src, IpAddr dst,
            int bytes, int offset, byte flags, int? maxPerEni)
        {
            var index = _index;
            int mask = _mask;
            ulong h = SlotHash(packetHash, eni, dir, action);
            int i = (int)(h & (uint)mask);
            int tag = TagOf(h, mask);
            while (true)
            {
                int e = index[i];
                if (e == 0)
                {
                    break;
                }

                if ((e & ~mask) != tag)
                {
                    i = (i + 1) & mask;
                    continue;
                }

                ref var s = ref Entry((e & mask) - 1);
                if (s.Eni == eni && s.SrcPort == sport && s.DstPort == dport && s.Protocol == protocol && s.Direction == dir &&
                    s.Action == action && s.Src.Equals(src) && s.Dst.Equals(dst))
                {
                    s.Packets++;
                    s.Bytes += bytes;
                    s.End = (ushort)offset;
                    s.Flags |= flags;
                    return;
                }

                i = (i + 1) & mask;
            }

            if (maxPerEni is { } max && _flowsPerEni[eni] >= max)
            {
                _skipped[eni] = true;
                return;
            }

            _flowsPerEni[eni]++;
            int n = Count;
            EnsureChunk(n);
            Entry(n) = new FlowSlot
            {
                Eni = eni,
                Direction = dir,
                Action = action,
                Protocol = protocol,
                SrcPort = sport,
                DstPort = dport,
                Src = src,
                Dst = dst,
                Packets = 1,
                Bytes = bytes,
                Start = (ushort)offset,
                End = (ushort)offset,
                Flags = flags,
            };
            index[i] = tag | (n + 1);
            Count = n + 1;
            if (Count * 2 > index.Length)
            {
                GrowIndex();
            }
        }

        /// <summary>Writes a NODATA/SKIPDATA entry at <paramref name="at"/> (after the flows) when the window closes.</summary>
        public void AppendSpecial(int at, int eni, LogStatus status, ushort end)
        {
            EnsureChunk(at);
            Entry(at) = new FlowSlot
            {
                Eni = eni,
                Status = status,
                End = end,
            };
        }

        /// <summary>Empties the table after its window was written; its chunks are kept for the next window.</summary>
        public void Clear()
        {
            Array.Clear(_index);
            Count = 0;
            Array.Clear(_flowsPerEni);
            Array.Clear(_skipped);
        }

        private void EnsureChunk(int entry)
        {
            int c = entry >> ChunkShift;
            if (c < _chunkCount)
            {
                return;
            }

            if (c == _chunks.Length)
            {
                Array.Resize(ref _chunks, _chunks.Length * 2);
            }

            _chunks[c] = new CacheAlignedArray<FlowSlot>(ChunkSize);
            _chunkCount = c + 1;
        }

        private void GrowIndex()
        {
            var index = new int[_index.Length * 2];
            int mask = index.Length - 1;
            for (int n = 0; n < Count; n++)
            {
                ref readonly var s = ref Entry(n);
                ulong ph = PacketHash(s.Protocol, s.SrcPort, s.DstPort, s.Src, s.Dst);
                ulong h = SlotHash(ph, s.Eni, s.Direction, s.Action);
                int i = (int)(h & (uint)mask);
                while (index[i] != 0)
                {
                    i = (i + 1) & mask;
                }

                index[i] = TagOf(h, mask) | (n + 1);
            }

            _index = index;
            _mask = mask;
        }
    }
}
