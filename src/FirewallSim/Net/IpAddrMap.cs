using System.Numerics;
using System.Runtime.CompilerServices;

namespace FirewallSim.Net;

/// <summary>
/// A build-once, read-many map from address to int, with open addressing over flat arrays: lookups
/// touch one or two cache lines and never allocate. Built at configuration load, read per packet.
/// </summary>
public sealed class IpAddrMap
{
    private readonly ulong[] _hi;
    private readonly ulong[] _lo;
    private readonly int[] _values;   // value + 1; 0 marks an empty slot
    private readonly int _mask;

    public IpAddrMap(IReadOnlyCollection<KeyValuePair<IpAddr, int>> items)
    {
        int capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, items.Count * 2));
        _hi = new ulong[capacity];
        _lo = new ulong[capacity];
        _values = new int[capacity];
        _mask = capacity - 1;
        foreach (var kv in items)
        {
            int i = Slot(kv.Key);
            while (_values[i] != 0 && !(_hi[i] == kv.Key.Hi && _lo[i] == kv.Key.Lo))
            {
                i = (i + 1) & _mask;
            }

            _hi[i] = kv.Key.Hi;
            _lo[i] = kv.Key.Lo;
            _values[i] = kv.Value + 1;
        }

        Count = items.Count;
    }

    public int Count { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGetValue(IpAddr key, out int value)
    {
        int i = Slot(key);
        while (true)
        {
            int v = _values[i];
            if (v == 0)
            {
                value = -1;
                return false;
            }

            if (_lo[i] == key.Lo && _hi[i] == key.Hi)
            {
                value = v - 1;
                return true;
            }

            i = (i + 1) & _mask;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Slot(IpAddr key) => (int)(Hash(key.Hi, key.Lo) & (uint)_mask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Hash(ulong hi, ulong lo)
    {
        // A multiply-xorshift mix: IPv4 addresses differ only in the low 32 bits, so those must spread.
        ulong h = (lo * 0x9E3779B97F4A7C15UL) ^ (hi * 0xC2B2AE3D27D4EB4FUL);
        return h ^ (h >> 29) ^ (h >> 47);
    }
}
