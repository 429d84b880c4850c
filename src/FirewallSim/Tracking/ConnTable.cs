using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FirewallSim.Net;
using FirewallSim.Verdicts;

namespace FirewallSim.Tracking;

/// <summary>
/// A connection key oriented by the ENI: "local" is the ENI's side, so both directions of a
/// connection produce the same key. Ports hold the ICMP identifier and query kind (with the asking side in bit 15) for ICMP (D8),
/// and are zero for other protocols, which are keyed by address pair (D9).
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal struct ConnKey
{
    public IpAddr Local;
    public IpAddr Remote;
    public int Eni;
    public ushort LocalPort;
    public ushort RemotePort;
    public byte Protocol;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly ulong Hash()
    {
        ulong h = IpAddrMap.Hash(Local.Hi ^ (Remote.Hi * 31), Local.Lo ^ (Remote.Lo * 0x9E3779B97F4A7C15UL));
        h ^= ((ulong)(uint)Eni << 40) ^ ((ulong)LocalPort << 24) ^ ((ulong)RemotePort << 8) ^ Protocol;
        h *= 0xBF58476D1CE4E5B9UL;
        return h ^ (h >> 31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool Equals(in ConnKey o) =>
        Local.Lo == o.Local.Lo && Remote.Lo == o.Remote.Lo && Eni == o.Eni &&
        LocalPort == o.LocalPort && RemotePort == o.RemotePort && Protocol == o.Protocol &&
        Local.Hi == o.Local.Hi && Remote.Hi == o.Remote.Hi;
}

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

/// <summary>One slot: 56 bytes. Expiry is stored, not computed, so liveness is one comparison.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal struct ConnEntry
{
    public ConnKey Key;            // 41 bytes + padding
    public byte State;             // TrackState
    public ConnFlags Flags;
    public byte Replies;           // UDP replies seen (saturating)
    public int RuleId;             // rule that admitted the first packet
    public long ExpiresAt;         // ns; alive while now ≤ ExpiresAt (D5)

    public readonly bool IsUsed => (Flags & ConnFlags.Used) != 0;
}

/// <summary>
/// The connection-tracking table: one flat array of entries with linear probing and backward-shift
/// deletion (no tombstones), so there is no object per connection. Expired entries are removed lazily
/// when a lookup meets them and by a sweep hand that advances a few slots on every insert — memory
/// stays proportional to the live connections however long the capture is.
/// </summary>
internal sealed class ConnTable
{
    private const int SweepPerInsert = 8;
    private ConnEntry[] _slots;
    private int _mask;
    private int _sweepHand;
    private readonly Action<int, int>? _onRemove;

    /// <param name="initialCapacity">Rounded up to a power of two.</param>
    /// <param name="onRemove">Called with (eni, weight) when a tracked (non-marker) entry leaves the table.</param>
    public ConnTable(int initialCapacity = 1024, Action<int, int>? onRemove = null)
    {
        int cap = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, initialCapacity));
        _slots = new ConnEntry[cap];
        _mask = cap - 1;
        _onRemove = onRemove;
    }

    /// <summary>Entries in the table (tracked and markers, including expired ones not yet swept).</summary>
    public int Count { get; private set; }

    /// <summary>Tracked (non-marker) entries, the number the allowance and the peak refer to.</summary>
    public int TrackedCount { get; private set; }

    public int PeakTracked { get; private set; }

    public int Capacity => _slots.Length;

    /// <summary>Bytes held by the table's slot array.</summary>
    public long MemoryBytes => (long)_slots.Length * Unsafe.SizeOf<ConnEntry>();

    public static int EntrySize => Unsafe.SizeOf<ConnEntry>();

    /// <summary>Finds a live entry; an expired one met on the way is removed. Returns the slot or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(in ConnKey key, long now)
    {
        var slots = _slots;
        int i = (int)(key.Hash() & (uint)_mask);
        while (true)
        {
            ref var e = ref slots[i];
            if (!e.IsUsed)
            {
                return -1;
            }

            if (e.Key.Equals(key))
            {
                if (now > e.ExpiresAt)
                {
                    RemoveAt(i);
                    return -1;
                }

                return i;
            }

            i = (i + 1) & _mask;
        }
    }

    public ref ConnEntry this[int slot] => ref _slots[slot];

    /// <summary>Finds an entry whether or not it has expired, without removing it (for explain's trace only).</summary>
    public bool Peek(in ConnKey key, out ConnEntry entry)
    {
        int i = (int)(key.Hash() & (uint)_mask);
        while (_slots[i].IsUsed)
        {
            if (_slots[i].Key.Equals(key))
            {
                entry = _slots[i];
                return true;
            }

            i = (i + 1) & _mask;
        }

        entry = default;
        return false;
    }

    /// <summary>Inserts a new entry (the caller has checked there is none) and returns its slot.</summary>
    public int Insert(in ConnKey key, long now)
    {
        Sweep(now, SweepPerInsert);
        if ((Count + 1) * 4 > _slots.Length * 3)
        {
            Grow(now);
        }

        int i = (int)(key.Hash() & (uint)_mask);
        while (_slots[i].IsUsed)
        {
            i = (i + 1) & _mask;
        }

        _slots[i] = new ConnEntry { Key = key, Flags = ConnFlags.Used, RuleId = -1 };
        Count++;
        return i;
    }

    /// <summary>Call after setting or clearing the Untracked flag of a fresh entry so tracked counts stay right.</summary>
    public void CountTracked(int weight)
    {
        TrackedCount += weight;
        if (TrackedCount > PeakTracked)
        {
            PeakTracked = TrackedCount;
        }
    }

    public void Remove(int slot) => RemoveAt(slot);

    /// <summary>Removes expired entries among the next <paramref name="steps"/> slots of the sweep hand.</summary>
    public void Sweep(long now, int steps)
    {
        var slots = _slots;
        for (int n = 0; n < steps; n++)
        {
            int i = _sweepHand;
            ref var e = ref slots[i];
            if (e.IsUsed && now > e.ExpiresAt)
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
            if (e.IsUsed && e.ExpiresAt < earliest)
            {
                earliest = e.ExpiresAt;
            }
        }

        return earliest;
    }

    private void RemoveAt(int i)
    {
        var slots = _slots;
        ref var gone = ref slots[i];
        if ((gone.Flags & ConnFlags.Untracked) == 0)
        {
            int weight = (gone.Flags & ConnFlags.DoubleWeight) != 0 ? 2 : 1;
            TrackedCount -= weight;
            _onRemove?.Invoke(gone.Key.Eni, weight);
        }

        Count--;

        // Backward-shift deletion keeps every probe chain unbroken without tombstones.
        int hole = i;
        int j = i;
        while (true)
        {
            j = (j + 1) & _mask;
            ref var e = ref slots[j];
            if (!e.IsUsed)
            {
                break;
            }

            int home = (int)(e.Key.Hash() & (uint)_mask);
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
        _slots = new ConnEntry[old.Length * 2];
        _mask = _slots.Length - 1;
        _sweepHand = 0;
        int count = 0;
        foreach (ref var e in old.AsSpan())
        {
            if (!e.IsUsed)
            {
                continue;
            }

            if (now > e.ExpiresAt)
            {
                if ((e.Flags & ConnFlags.Untracked) == 0)
                {
                    int weight = (e.Flags & ConnFlags.DoubleWeight) != 0 ? 2 : 1;
                    TrackedCount -= weight;
                    _onRemove?.Invoke(e.Key.Eni, weight);
                }

                continue;
            }

            int i = (int)(e.Key.Hash() & (uint)_mask);
            while (_slots[i].IsUsed)
            {
                i = (i + 1) & _mask;
            }

            _slots[i] = e;
            count++;
        }

        Count = count;
    }
}
