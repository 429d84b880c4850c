using BenchmarkDotNet.Attributes;
using FirewallSim.Net;
using FirewallSim.Tracking;
using FirewallSim.Verdicts;

namespace FirewallSim.Benchmarks;

/// <summary>
/// The connection table alone, IPv4 (32-byte entries) and IPv6 (56-byte entries), holding
/// <see cref="Entries"/> live TCP connections spread over 16 ENIs: a lookup of a tracked flow, a lookup
/// of an unknown flow, and a new connection inserted and then removed (the table keeps its size).
/// The table grows from the engine's initial capacity as in a replay. From a million entries on, the
/// keys of successive invocations walk through 2^20 random keys, so that the lookups land all over the
/// table as in a replay with that many active flows (a fixed set of 8192 keys would stay in the CPU
/// caches and hide the table's size). Times are per operation; the set-up prints the table's capacity
/// and bytes per live entry.
/// </summary>
[MemoryDiagnoser]
public class ConntrackBenchmark
{
    private const int Operations = 8192;
    private const int Enis = 16;
    private const long Now = 1_700_000_000_000_000_000;

    public enum AddressFamily
    {
        V4,
        V6,
    }

    [Params(1_000, 1_000_000, 5_000_000)]
    public int Entries { get; set; }

    [Params(AddressFamily.V4, AddressFamily.V6)]
    public AddressFamily Family { get; set; }

    private ConnTable<ConnEntryV4> _v4 = null!;
    private ConnTable<ConnEntryV6> _v6 = null!;
    private ConnEntryV4[] _v4Hits = [], _v4Misses = [], _v4Fresh = [];
    private ConnEntryV6[] _v6Hits = [], _v6Misses = [], _v6Fresh = [];
    private int _removed;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        if (Family == AddressFamily.V4)
        {
            _v4 = Fill(KeyV4);
            (_v4Hits, _v4Misses, _v4Fresh) = Probes(KeyV4);
            Describe(_v4);
        }
        else
        {
            _v6 = Fill(KeyV6);
            (_v6Hits, _v6Misses, _v6Fresh) = Probes(KeyV6);
            Describe(_v6);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        // Churn must leave the table as it found it: every inserted entry removed again.
        int count = Family == AddressFamily.V4 ? _v4.Count : _v6.Count;
        if (count != Entries)
        {
            throw new InvalidOperationException($"the table holds {count} entries after the run, not {Entries}");
        }
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public long FindHit() => Family == AddressFamily.V4 ? FindAll(_v4, Batch(_v4Hits)) : FindAll(_v6, Batch(_v6Hits));

    [Benchmark(OperationsPerInvoke = Operations)]
    public long FindMiss() => Family == AddressFamily.V4 ? FindAll(_v4, Batch(_v4Misses)) : FindAll(_v6, Batch(_v6Misses));

    /// <summary>Insert a new connection (with its sweep step), stamp its expiry as the engine does, remove it.</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    public long InsertRemove() => Family == AddressFamily.V4 ? Churn(_v4, Batch(_v4Fresh)) : Churn(_v6, Batch(_v6Fresh));

    /// <summary>This invocation's <see cref="Operations"/> keys: the next slice of the (power-of-two sized) key array.</summary>
    private ReadOnlySpan<T> Batch<T>(T[] keys)
    {
        int start = _next;
        _next = (start + Operations) & (keys.Length - 1);
        return keys.AsSpan(start, Operations);
    }

    private static long FindAll<T>(ConnTable<T> table, ReadOnlySpan<T> probes)
        where T : unmanaged, IConnEntry<T>
    {
        long sum = 0;
        for (int i = 0; i < probes.Length; i++)
        {
            sum += table.Find(probes[i], Now);
        }

        return sum;
    }

    private static long Churn<T>(ConnTable<T> table, ReadOnlySpan<T> fresh)
        where T : unmanaged, IConnEntry<T>
    {
        long sum = 0;
        for (int i = 0; i < fresh.Length; i++)
        {
            int slot = table.Insert(fresh[i], Now);
            ref var s = ref T.StateOf(ref table[slot]);
            s.ExpiresAt = Now + 350_000_000_000L; // 350 s, TCP established
            s.State = (byte)TrackState.Established;
            sum += slot;
            table.Remove(slot);
        }

        return sum;
    }

    private ConnTable<T> Fill<T>(Func<int, T> key)
        where T : unmanaged, IConnEntry<T>
    {
        var table = new ConnTable<T>(EngineOptions.Default.InitialConntrackCapacity, (_, weight) => _removed += weight);
        for (int k = 0; k < Entries; k++)
        {
            int slot = table.Insert(key(k), Now);
            ref var s = ref T.StateOf(ref table[slot]);
            s.ExpiresAt = long.MaxValue; // never expires during the run
            s.State = (byte)TrackState.Established;
            s.RuleId = k % 100;
        }

        return table;
    }

    /// <summary>Hits: random live keys; misses: keys never inserted; fresh: keys for churn, never found by the other two.</summary>
    private (T[] Hits, T[] Misses, T[] Fresh) Probes<T>(Func<int, T> key)
    {
        int count = Entries >= 1_000_000 ? 1 << 20 : Operations;
        var rng = new Random(3);
        var hits = new T[count];
        var misses = new T[count];
        var fresh = new T[count];
        for (int i = 0; i < count; i++)
        {
            hits[i] = key(rng.Next(Entries));
            misses[i] = key(Entries + count + rng.Next(Entries));
            fresh[i] = key(Entries + i);
        }

        return (hits, misses, fresh);
    }

    private void Describe<T>(ConnTable<T> table)
        where T : unmanaged, IConnEntry<T>
    {
        Console.WriteLine(
            $"// conntrack {Family} {Entries:N0} live entries: capacity {table.Capacity:N0} slots of {ConnTable<T>.EntrySize} B, " +
            $"{table.MemoryBytes:N0} B, {(double)table.MemoryBytes / table.Count:F1} B per live entry (removed during fill: {_removed})");
    }

    /// <summary>Connection k: ENI k mod 16 (10.0.1.10+), port 443, remote 11.x.y.z:10000+ (distinct for every k below 2^31).</summary>
    private static ConnEntryV4 KeyV4(int k)
    {
        int eni = k % Enis;
        var e = new ConnEntryV4
        {
            EniIndex = eni,
            Local = 0x0A00010Au + (uint)eni,
            LocalPort = 443,
            Remote = 0x0B000000u + (uint)(k / 50_000),
            RemotePort = (ushort)(10_000 + (k % 50_000)),
        };
        e.S.Protocol = IpProtocol.Tcp;
        return e;
    }

    /// <summary>The same connections over IPv6: ENIs at 2600:1f18::a+, remotes in 2001:db8::/32.</summary>
    private static ConnEntryV6 KeyV6(int k)
    {
        int eni = k % Enis;
        var e = new ConnEntryV6
        {
            EniIndex = eni,
            Local = new IpAddr(0x2600_1f18_0000_0000UL, 0x0AUL + (uint)eni),
            LocalPort = 443,
            Remote = new IpAddr(0x2001_0db8_0000_0000UL | (uint)(k / 50_000), 0x0000_0000_0000_1000UL + (uint)(k / 50_000)),
            RemotePort = (ushort)(10_000 + (k % 50_000)),
        };
        e.S.Protocol = IpProtocol.Tcp;
        return e;
    }
}
