using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using FirewallSim.Decode;
using FirewallSim.Memory;
using FirewallSim.Net;

namespace FirewallSim.Tracking;

[Flags]
internal enum ConnFlags : byte
{
    None = 0,

    /// <summary>Slot holds an entry.</summary>
    Used = 1,

    /// <summary>D4 marker of an untracked flow: remembers the flow, never grants a verdict.</summary>
    Untracked = 2,

    /// <summary>The first packet arrived from the remote side (ingress on the ENI).</summary>
    InitiatorRemote = 4,

    /// <summary>The last packet came from the initiator (UDP reply counting, D7).</summary>
    LastFromInitiator = 8,

    /// <summary>The first FIN came from the initiator (TCP closing states, D6).</summary>
    FinFromInitiator = 16,

    /// <summary>The entry counts twice against the allowance (DynamoDB gateway endpoint, D10).</summary>
    DoubleWeight = 32,
}

/// <summary>What every entry holds besides its addresses: 16 bytes. Expiry is stored, so liveness is one comparison.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ConnState
{
    public long ExpiresAt;    // ns; alive while now ≤ ExpiresAt (D5)
    public int RuleId;        // the rule that admitted the first packet
    public byte State;        // TrackState
    public ConnFlags Flags;
    public byte Replies;      // UDP replies seen (saturating, D7)
    public byte Protocol;     // part of the key

    public readonly bool IsUsed => (Flags & ConnFlags.Used) != 0;
}

/// <summary>
/// An entry of a connection table, keyed by the ENI's view of a flow: "local" is the ENI's side, so
/// both directions produce the same key. Ports hold the ICMP identifier and query kind for ICMP (D8)
/// and are zero for other protocols, which are keyed by address pair (D9).
/// </summary>
internal interface IConnEntry<TSelf>
    where TSelf : struct, IConnEntry<TSelf>
{
    static abstract ref ConnState StateOf(ref TSelf entry);

    /// <summary>A probe carrying only the key of the flow this packet belongs to on <paramref name="eni"/>.</summary>
    static abstract TSelf Probe(int eni, bool egress, TrackKind kind, in PacketInfo p);

    int Eni { get; }

    ulong Hash();

    bool SameKey(in TSelf other);
}

/// <summary>An IPv4 flow: 32 bytes, two to a cache line.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ConnEntryV4 : IConnEntry<ConnEntryV4>
{
    public ConnState S;
    public uint Local;
    public uint Remote;
    public int EniIndex;
    public ushort LocalPort;
    public ushort RemotePort;

    public readonly int Eni => EniIndex;

    public static ref ConnState StateOf(ref ConnEntryV4 entry) => ref entry.S;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ConnEntryV4 Probe(int eni, bool egress, TrackKind kind, in PacketInfo p)
    {
        var e = new ConnEntryV4 { EniIndex = eni, Local = (egress ? p.Src : p.Dst).V4, Remote = (egress ? p.Dst : p.Src).V4 };
        e.S.Protocol = p.Protocol;
        (e.LocalPort, e.RemotePort) = ConnKeys.Ports(egress, kind, p);
        return e;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly ulong Hash()
    {
        ulong h = (((ulong)Local << 32) | Remote) * 0x9E3779B97F4A7C15UL;
        h ^= ((ulong)(uint)EniIndex << 40) ^ ((ulong)LocalPort << 24) ^ ((ulong)RemotePort << 8) ^ S.Protocol;
        h *= 0xBF58476D1CE4E5B9UL;
        return h ^ (h >> 31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool SameKey(in ConnEntryV4 o) =>
        Local == o.Local && Remote == o.Remote && EniIndex == o.EniIndex && LocalPort == o.LocalPort &&
        RemotePort == o.RemotePort && S.Protocol == o.S.Protocol;
}

/// <summary>An IPv6 flow: 56 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ConnEntryV6 : IConnEntry<ConnEntryV6>
{
    public ConnState S;
    public IpAddr Local;
    public IpAddr Remote;
    public int EniIndex;
    public ushort LocalPort;
    public ushort RemotePort;

    public readonly int Eni => EniIndex;

    public static ref ConnState StateOf(ref ConnEntryV6 entry) => ref entry.S;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ConnEntryV6 Probe(int eni, bool egress, TrackKind kind, in PacketInfo p)
    {
        var e = new ConnEntryV6 { EniIndex = eni, Local = egress ? p.Src : p.Dst, Remote = egress ? p.Dst : p.Src };
        e.S.Protocol = p.Protocol;
        (e.LocalPort, e.RemotePort) = ConnKeys.Ports(egress, kind, p);
        return e;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly ulong Hash()
    {
        ulong h = IpAddrMap.Hash(Local.Hi ^ (Remote.Hi * 31), Local.Lo ^ (Remote.Lo * 0x9E3779B97F4A7C15UL));
        h ^= ((ulong)(uint)EniIndex << 40) ^ ((ulong)LocalPort << 24) ^ ((ulong)RemotePort << 8) ^ S.Protocol;
        h *= 0xBF58476D1CE4E5B9UL;
        return h ^ (h >> 31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool SameKey(in ConnEntryV6 o) =>
        Local.Lo == o.Local.Lo && Remote.Lo == o.Remote.Lo && EniIndex == o.EniIndex && LocalPort == o.LocalPort &&
        RemotePort == o.RemotePort && S.Protocol == o.S.Protocol && Local.Hi == o.Local.Hi && Remote.Hi == o.Remote.Hi;
}

internal static class ConnKeys
{
    /// <summary>TCP/UDP: the ENI's port and the peer's; ICMP queries: identifier and query kind (D8); others: none (D9).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (ushort Local, ushort Remote) Ports(bool egress, TrackKind kind, in PacketInfo p) => kind switch
    {
        TrackKind.Tcp or TrackKind.Udp => egress ? (p.SrcPort, p.DstPort) : (p.DstPort, p.SrcPort),

        // The query kind also records which side sent the request, so that an echo reply travelling the same
        // way as the peer's own request (or an ENI request reusing the peer's id) never matches it (D8).
        TrackKind.IcmpRequest => (p.IcmpId, (ushort)(StateMachine.IcmpQueryKind(p) | (egress ? 0 : 0x8000))),
        TrackKind.IcmpReply => (p.IcmpId, (ushort)(StateMachine.IcmpQueryKind(p) | (egress ? 0x8000 : 0))),
        _ => (0, 0),
    };
}

/// <summary>
/// A connection-tracking table: one flat array of entries with linear probing and backward-shift
/// deletion (no tombstones), so there is no object per connection. Expired entries are removed lazily
/// when a lookup meets them and by a sweep hand that advances a few slots on every insert — memory
/// stays proportional to the live connections however long the capture is. The engine keeps one table
/// per address family, so IPv4 entries take 32 bytes and IPv6 entries 56.
/// </summary>
internal sealed class ConnTable<TEntry>
    where TEntry : unmanaged, IConnEntry<TEntry>
{
    private const int SweepPerInsert = 8;
    private CacheAlignedArray<TEntry> _slots;   // an IPv4 entry never spans two cache lines
    private int _mask;
    private int _sweepHand;
    private readonly Action<int, int> _onRemove;

    /// <param name="initialCapacity">Rounded up to a power of two.</param>
    /// <param name="onRemove">Called with (eni, weight) when a tracked (non-marker) entry leaves the table.</param>
    public ConnTable(int initialCapacity, Action<int, int> onRemove)
    {
        int cap = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, initialCapacity));
        _slots = new CacheAlignedArray<TEntry>(cap);
        _mask = cap - 1;
        _onRemove = onRemove;
    }

    /// <summary>Entries in the table (tracked and markers, including expired ones not yet swept).</summary>
    public int Count { get; private set; }

    public int Capacity => _slots.Length;

    /// <summary>Bytes held by the table's slot array.</summary>
    public long MemoryBytes => (long)_slots.Length * Unsafe.SizeOf<TEntry>();

    public static int EntrySize => Unsafe.SizeOf<TEntry>();

    public ref TEntry this[int slot] => ref _slots[slot];

    /// <summary>Finds a live entry; an expired one met on the way is removed. Returns the slot or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(in TEntry probe, long now)
    {
        var slots = _slots;
        int i = (int)(probe.Hash() & (uint)_mask);
        while (true)
        {
            ref var e = ref slots[i];
            ref var s = ref TEntry.StateOf(ref e);
            if (!s.IsUsed)
            {
                return -1;
            }

            if (e.SameKey(probe))
            {
                if (now > s.ExpiresAt)
                {
                    RemoveAt(i);
                    return -1;
                }

                return i;
            }

            i = (i + 1) & _mask;
        }
    }

    /// <summary>
    /// Starts loading the slot where a lookup of <paramref name="probe"/> begins and the cache line after it
    /// (a hint; it changes nothing): near three-quarters full, a probe chain often runs on into that line.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void Prefetch(in TEntry probe)
    {
        if (Sse.IsSupported)
        {
            byte* home = (byte*)_slots.AddressOf((int)(probe.Hash() & (uint)_mask));
            Sse.Prefetch0(home);
            Sse.Prefetch0(home + CacheAlignedArray<TEntry>.LineSize);
        }
    }

    /// <summary>Finds an entry whether or not it has expired, without removing it (for explain's trace only).</summary>
    public bool Peek(in TEntry probe, out ConnState state)
    {
        int i = (int)(probe.Hash() & (uint)_mask);
        while (TEntry.StateOf(ref _slots[i]).IsUsed)
        {
            if (_slots[i].SameKey(probe))
            {
                state = TEntry.StateOf(ref _slots[i]);
                return true;
            }

            i = (i + 1) & _mask;
        }

        state = default;
        return false;
    }

    /// <summary>Inserts a new entry with the probe's key (the caller has checked there is none) and returns its slot.</summary>
    public int Insert(in TEntry probe, long now)
    {
        Sweep(now, SweepPerInsert);
        if ((Count + 1) * 4 > _slots.Length * 3)
        {
            Grow(now);
        }

        int i = (int)(probe.Hash() & (uint)_mask);
        while (TEntry.StateOf(ref _slots[i]).IsUsed)
        {
            i = (i + 1) & _mask;
        }

        _slots[i] = probe;
        ref var s = ref TEntry.StateOf(ref _slots[i]);
        s.Flags = ConnFlags.Used;
        s.RuleId = -1;
        Count++;
        return i;
    }

    public void Remove(int slot) => RemoveAt(slot);

    /// <summary>Removes expired entries among the next <paramref name="steps"/> slots of the sweep hand.</summary>
    public void Sweep(long now, int steps)
    {
        var slots = _slots;
        for (int n = 0; n < steps; n++)
        {
            int i = _sweepHand;
            ref var s = ref TEntry.StateOf(ref slots[i]);
            if (s.IsUsed && now > s.ExpiresAt)
            {
                // Backward shift may pull a later entry into this slot: look at it again next step.
                RemoveAt(i);
                continue;
            }

            _sweepHand = (i + 1) & _mask;
        }
    }

    /// <summary>Removes every expired entry (used before reporting final counts).</summary>
    public void SweepAll(long now) => Sweep(now, _slots.Length * 2);

    /// <summary>Removes every expired entry and returns the earliest expiry among those left (long.MaxValue if none).</summary>
    public long SweepExpired(long now)
    {
        SweepAll(now);
        long earliest = long.MaxValue;
        foreach (ref var e in _slots.AsSpan())
        {
            ref var s = ref TEntry.StateOf(ref e);
            if (s.IsUsed && s.ExpiresAt < earliest)
            {
                earliest = s.ExpiresAt;
            }
        }

        return earliest;
    }

    private void RemoveAt(int i)
    {
        var slots = _slots;
        ref var gone = ref slots[i];
        ref var gs = ref TEntry.StateOf(ref gone);
        if ((gs.Flags & ConnFlags.Untracked) == 0)
        {
            _onRemove(gone.Eni, (gs.Flags & ConnFlags.DoubleWeight) != 0 ? 2 : 1);
        }

        Count--;

        // Backward-shift deletion keeps every probe chain unbroken without tombstones.
        int hole = i;
        int j = i;
        while (true)
        {
            j = (j + 1) & _mask;
            ref var e = ref slots[j];
            if (!TEntry.StateOf(ref e).IsUsed)
            {
                break;
            }

            int home = (int)(e.Hash() & (uint)_mask);
            bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (movable)
            {
                slots[hole] = e;
                hole = j;
            }
        }

        slots[hole] = default;
    }

    private void Grow(long now)
    {
        var old = _slots;
        _slots = new CacheAlignedArray<TEntry>(old.Length * 2);
        _mask = _slots.Length - 1;
        _sweepHand = 0;
        int count = 0;
        foreach (ref var e in old.AsSpan())
        {
            ref var s = ref TEntry.StateOf(ref e);
            if (!s.IsUsed)
            {
                continue;
            }

            if (now > s.ExpiresAt)
            {
                if ((s.Flags & ConnFlags.Untracked) == 0)
                {
                    _onRemove(e.Eni, (s.Flags & ConnFlags.DoubleWeight) != 0 ? 2 : 1);
                }

                continue;
            }

            int i = (int)(e.Hash() & (uint)_mask);
            while (TEntry.StateOf(ref _slots[i]).IsUsed)
            {
                i = (i + 1) & _mask;
            }

            _slots[i] = e;
            count++;
        }

        Count = count;
    }
}
