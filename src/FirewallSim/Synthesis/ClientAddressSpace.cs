using System.Runtime.CompilerServices;
using FirewallSim.Net;

namespace FirewallSim.Synthesis;

/// <summary>
/// Turns client numbers into internet addresses, one-to-one: distinct numbers always give
/// distinct addresses, so flows of distinct clients can never share a 5-tuple. IPv4 numbers are
/// permuted (a seeded bijection with cycle walking) over the ranks of the allowed public
/// addresses and mapped to them; IPv6 numbers become the bijectively mixed interface identifier
/// of an address in 2a00::/12.
/// </summary>
internal sealed class ClientAddressSpace
{
    private readonly uint[] _starts;
    private readonly uint[] _rankStarts;
    private readonly uint _count;
    private readonly uint _key32;
    private readonly ulong _key64;

    public ClientAddressSpace(ulong seed)
    {
        ulong s = seed ^ 0xC11E_A77D_0000_0001UL;
        _key32 = (uint)Xoshiro256.SplitMix64(ref s);
        _key64 = Xoshiro256.SplitMix64(ref s);

        var excluded = SyntheticNetworkPlan.ExcludedClientIpv4
            .Select(p => (Start: (ulong)p.Network.V4, End: (ulong)p.Network.V4 + p.Size))
            .OrderBy(r => r.Start)
            .ToList();
        var starts = new List<uint>();
        var ranks = new List<uint>();
        ulong cursor = 0;
        ulong rank = 0;
        foreach (var (start, end) in excluded)
        {
            if (start > cursor)
            {
                starts.Add((uint)cursor);
                ranks.Add((uint)rank);
                rank += start - cursor;
            }

            cursor = Math.Max(cursor, end);
        }

        if (cursor < 1UL << 32)
        {
            starts.Add((uint)cursor);
            ranks.Add((uint)rank);
            rank += (1UL << 32) - cursor;
        }

        _starts = starts.ToArray();
        _rankStarts = ranks.ToArray();
        _count = (uint)rank;
    }

    /// <summary>Number of distinct IPv4 clients.</summary>
    public uint Ipv4Count => _count;

    /// <summary>The IPv4 address of client <paramref name="id"/> (ids beyond <see cref="Ipv4Count"/> wrap).</summary>
    public uint Ipv4(ulong id)
    {
        uint x = (uint)(id % _count);
        do
        {
            x = Permute32(x ^ _key32);
        }
        while (x >= _count);

        int lo = 0, hi = _rankStarts.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) >> 1;
            if (_rankStarts[mid] <= x)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return _starts[lo] + (x - _rankStarts[lo]);
    }

    /// <summary>The IPv6 address of client <paramref name="id"/>: unique for every id.</summary>
    public IpAddr Ipv6(ulong id)
    {
        ulong hi = 0x2A00_0000_0000_0000UL | (Xoshiro256.Mix64(id ^ ~_key64) & 0x000F_FFFF_FFFF_FFFFUL);
        ulong lo = Xoshiro256.Mix64(id + _key64);
        return new IpAddr(hi, lo);
    }

    /// <summary>MurmurHash3's 32-bit finaliser: a bijection on 32 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Permute32(uint h)
    {
        h ^= h >> 16;
        h *= 0x85EB_CA6B;
        h ^= h >> 13;
        h *= 0xC2B2_AE35;
        h ^= h >> 16;
        return h;
    }
}

/// <summary>
/// Hands out ephemeral source ports of the servers so that no two open flows between the same
/// two endpoints (per address family) share one: one bit per port and endpoint pair. Only when
/// all 28,232 ports of a pair are taken does a port repeat.
/// </summary>
internal sealed class PortAllocator
{
    private const int First = SyntheticNetworkPlan.LinuxEphemeralFirst;
    private const int Last = SyntheticNetworkPlan.LinuxEphemeralLast;
    private readonly ulong[]?[] _maps;
    private readonly int _destinations;

    public PortAllocator(int sources, int destinations)
    {
        _destinations = destinations;
        _maps = new ulong[]?[sources * destinations * 2];
    }

    /// <summary>A free port from a random start; <paramref name="reserved"/> is false when the pair had none left.</summary>
    public ushort Allocate(int source, int destination, bool v6, ref Xoshiro256 rng, out bool reserved)
    {
        var map = _maps[Index(source, destination, v6)] ??= new ulong[1024];
        int start = rng.Between(First, Last);
        int port = start;
        do
        {
            if ((map[port >> 6] & (1UL << port)) == 0)
            {
                map[port >> 6] |= 1UL << port;
                reserved = true;
                return (ushort)port;
            }

            port = port == Last ? First : port + 1;
        }
        while (port != start);

        reserved = false;
        return (ushort)start;
    }

    public void Release(int source, int destination, bool v6, ushort port)
    {
        var map = _maps[Index(source, destination, v6)];
        if (map is not null)
        {
            map[port >> 6] &= ~(1UL << port);
        }
    }

    private int Index(int source, int destination, bool v6) => (((source * _destinations) + destination) * 2) + (v6 ? 1 : 0);
}

/// <summary>
/// A binary min-heap of (time, slot): every open flow has exactly one pending packet. Ties
/// are broken by slot number, so the order never depends on how the heap was built.
/// </summary>
internal sealed class EventQueue
{
    private readonly long[] _times;
    private readonly int[] _slots;
    private int _count;

    public EventQueue(int capacity)
    {
        _times = new long[capacity];
        _slots = new int[capacity];
    }

    public int Count => _count;

    public long MinTime => _times[0];

    public int MinSlot => _slots[0];

    /// <summary>Adds without ordering; call <see cref="Heapify"/> once all are in.</summary>
    public void AddUnordered(long time, int slot)
    {
        _times[_count] = time;
        _slots[_count] = slot;
        _count++;
    }

    public void Heapify()
    {
        for (int i = (_count / 2) - 1; i >= 0; i--)
        {
            SiftDown(i, _times[i], _slots[i]);
        }
    }

    /// <summary>Gives the earliest slot a new time and restores the order.</summary>
    public void ReplaceMin(long time) => SiftDown(0, time, _slots[0]);

    public void RemoveMin()
    {
        _count--;
        if (_count > 0)
        {
            SiftDown(0, _times[_count], _slots[_count]);
        }
    }

    private void SiftDown(int i, long time, int slot)
    {
        var times = _times;
        var slots = _slots;
        int n = _count;
        while (true)
        {
            int child = (2 * i) + 1;
            if (child >= n)
            {
                break;
            }

            int right = child + 1;
            if (right < n && Before(times[right], slots[right], times[child], slots[child]))
            {
                child = right;
            }

            if (!Before(times[child], slots[child], time, slot))
            {
                break;
            }

            times[i] = times[child];
            slots[i] = slots[child];
            i = child;
        }

        times[i] = time;
        slots[i] = slot;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Before(long t1, int s1, long t2, int s2) => t1 < t2 || (t1 == t2 && s1 < s2);
}
