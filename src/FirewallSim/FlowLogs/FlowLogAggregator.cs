using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using FirewallSim.Decode;
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
    private int[] _order = new int[1024];
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
    }

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

        // The window's records are sorted and written where they lie in the table's slot array (compacted
        // to its front), never copied into a second array: a window of a million flows costs its table only.
        table ??= RentTable(window);
        Array.Clear(_eniHasRecord);
        int count = table.Compact(_options.TrafficType, _eniHasRecord);
        table.EnsureRoom(count + _eniCount);
        for (int eni = 0; eni < _eniCount; eni++)
        {
            if (table.Skipped(eni))
            {
                table.AppendSpecial(count++, eni, LogStatus.SkipData, (ushort)(_interval - 1));
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
                    table.AppendSpecial(count++, eni, LogStatus.NoData, (ushort)(_interval - 1));
                    NoDataRecords++;
                }
            }
        }

        // Sort indexes, not the 64-byte slots; the struct comparer lets the JIT inline every comparison.
        if (_order.Length < count)
        {
            _order = new int[table.Capacity];
        }

        for (int i = 0; i < count; i++)
        {
            _order[i] = i;
        }

        _order.AsSpan(0, count).Sort(new RecordOrder(table.Slots, _eniRank));
        _view.Set(table.Slots, _order, count, window);
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
            _view.Set(Array.Empty<FlowSlot>(), _order, 0, window);
            table.Clear(count);
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

    /// <summary>D27 within one window: interface-id, OK before NODATA, egress before ingress, family, addresses, ports, protocol, action.</summary>
    private readonly struct RecordOrder : IComparer<int>
    {
        private readonly FlowSlot[] _slots;
        private readonly int[] _eniRank;

        public RecordOrder(FlowSlot[] slots, int[] eniRank)
        {
            _slots = slots;
            _eniRank = eniRank;
        }

        public int Compare(int x, int y)
        {
            ref readonly var a = ref _slots[x];
            ref readonly var b = ref _slots[y];
            int c = _eniRank[a.Eni].CompareTo(_eniRank[b.Eni]);
            if (c != 0)
            {
                return c;
            }

            c = ((int)a.Status).CompareTo((int)b.Status);
            if (c != 0 || a.Status != LogStatus.Ok)
            {
                return c;
            }

            // Egress (1) sorts before ingress (0).
            c = ((int)b.Direction).CompareTo((int)a.Direction);
            if (c != 0)
            {
                return c;
            }

            c = a.Src.CompareTo(b.Src); // IPv4 before IPv6, then numeric
            if (c != 0)
            {
                return c;
            }

            c = a.Dst.CompareTo(b.Dst);
            if (c != 0)
            {
                return c;
            }

            c = a.SrcPort.CompareTo(b.SrcPort);
            if (c != 0)
            {
                return c;
            }

            c = a.DstPort.CompareTo(b.DstPort);
            if (c != 0)
            {
                return c;
            }

            c = a.Protocol.CompareTo(b.Protocol);
            return c != 0 ? c : ((int)a.Action).CompareTo((int)b.Action);
        }
    }

    /// <summary>The records of one window in D27 order, read from the table's slots without copying them (reused for every window).</summary>
    private sealed class SortedRecords : IReadOnlyList<FlowRecord>
    {
        private FlowSlot[] _slots = Array.Empty<FlowSlot>();
        private int[] _order = Array.Empty<int>();
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

                ref readonly var s = ref _slots[_order[index]];
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

        public void Set(FlowSlot[] slots, int[] order, int count, long window)
        {
            _slots = slots;
            _order = order;
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
    /// One flow of a window, 64 bytes: times are second offsets within the window. After the window
    /// closes the same slots carry its NODATA/SKIPDATA records (Packets 0, Status set).
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

    /// <summary>The flows of one window in a flat open-addressing table (no object per flow), 64 bytes a slot.</summary>
    private sealed class WindowTable
    {
        private FlowSlot[] _slots = new FlowSlot[1024];
        private int _mask = 1023;
        private readonly int[] _flowsPerEni;
        private readonly bool[] _skipped;

        public WindowTable(int enis)
        {
            _flowsPerEni = new int[enis];
            _skipped = new bool[enis];
        }

        public long WindowStart { get; private set; }

        public int Count { get; private set; }

        public bool Skipped(int eni) => _skipped[eni];

        public void Reset(long window)
        {
            WindowStart = window;
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

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public unsafe void Prefetch(ulong packetHash, int eni, Direction dir, VerdictAction action)
        {
            if (Sse.IsSupported)
            {
                Sse.Prefetch0(Unsafe.AsPointer(ref _slots[(int)(SlotHash(packetHash, eni, dir, action) & (uint)_mask)]));
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(ulong packetHash, int eni, Direction dir, VerdictAction action, byte protocol, ushort sport, ushort dport, IpAddr src, IpAddr dst,
            int bytes, int offset, byte flags, int? maxPerEni)
        {
            int i = (int)(SlotHash(packetHash, eni, dir, action) & (uint)_mask);
            var slots = _slots;
            while (true)
            {
                ref var s = ref slots[i];
                if (s.Packets == 0)
                {
                    break;
                }

                if (s.Eni == eni && s.SrcPort == sport && s.DstPort == dport && s.Protocol == protocol && s.Direction == dir &&
                    s.Action == action && s.Src.Equals(src) && s.Dst.Equals(dst))
                {
                    s.Packets++;
                    s.Bytes += bytes;
                    s.End = (ushort)offset;
                    s.Flags |= flags;
                    return;
                }

                i = (i + 1) & _mask;
            }

            if (maxPerEni is { } max && _flowsPerEni[eni] >= max)
            {
                _skipped[eni] = true;
                return;
            }

            _flowsPerEni[eni]++;
            ref var n = ref slots[i];
            n.Eni = eni;
            n.Direction = dir;
            n.Action = action;
            n.Protocol = protocol;
            n.SrcPort = sport;
            n.DstPort = dport;
            n.Src = src;
            n.Dst = dst;
            n.Packets = 1;
            n.Bytes = bytes;
            n.Start = (ushort)offset;
            n.End = (ushort)offset;
            n.Flags = flags;
            Count++;
            if (Count * 4 > _slots.Length * 3)
            {
                Grow();
            }
        }

        public FlowSlot[] Slots => _slots;

        public int Capacity => _slots.Length;

        /// <summary>
        /// Moves the flows the traffic-type filter keeps to the front of the slot array and clears the rest;
        /// the table is no longer a hash table until <see cref="Clear"/>. Returns how many were kept.
        /// </summary>
        public int Compact(TrafficType type, bool[] eniHasRecord)
        {
            var slots = _slots;
            int kept = 0;
            for (int i = 0; i < slots.Length; i++)
            {
                ref var s = ref slots[i];
                if (s.Packets == 0)
                {
                    continue;
                }

                bool keep = type == TrafficType.All
                    || (type == TrafficType.Accept && s.Action == VerdictAction.Accept)
                    || (type == TrafficType.Reject && s.Action == VerdictAction.Reject);
                if (keep)
                {
                    eniHasRecord[s.Eni] = true;
                    if (kept != i)
                    {
                        slots[kept] = s;
                        s = default;
                    }

                    kept++;
                }
                else
                {
                    s = default;
                }
            }

            return kept;
        }

        /// <summary>Makes room for <paramref name="records"/> compacted records (flows plus NODATA/SKIPDATA).</summary>
        public void EnsureRoom(int records)
        {
            if (records > _slots.Length)
            {
                Array.Resize(ref _slots, (int)BitOperations.RoundUpToPowerOf2((uint)records));
                _mask = _slots.Length - 1;
            }
        }

        public void AppendSpecial(int at, int eni, LogStatus status, ushort end) => _slots[at] = new FlowSlot
        {
            Eni = eni,
            Status = status,
            End = end,
        };

        /// <summary>Empties the table after its window was written (only the compacted prefix holds anything).</summary>
        public void Clear(int records)
        {
            Array.Clear(_slots, 0, records);
            Count = 0;
            Array.Clear(_flowsPerEni);
            Array.Clear(_skipped);
        }

        private void Grow()
        {
            var old = _slots;
            _slots = new FlowSlot[old.Length * 2];
            _mask = _slots.Length - 1;
            foreach (ref var s in old.AsSpan())
            {
                if (s.Packets == 0)
                {
                    continue;
                }

                ulong ph = PacketHash(s.Protocol, s.SrcPort, s.DstPort, s.Src, s.Dst);
                int i = (int)(SlotHash(ph, s.Eni, s.Direction, s.Action) & (uint)_mask);
                while (_slots[i].Packets != 0)
                {
                    i = (i + 1) & _mask;
                }

                _slots[i] = s;
            }
        }
    }
}
