using FirewallSim.Decode;
using FirewallSim.Net;
using FirewallSim.Tracking;

namespace FirewallSim.Tests.Tracking;

/// <summary>
/// The connection table is a hand-rolled open-addressing hash with backward-shift deletion, lazy expiry
/// and a sweep hand; these tests drive it with random operations and compare every answer with a
/// dictionary, so a broken probe chain or a lost removal callback shows up as a mismatch.
/// </summary>
public sealed class ConnTableTests
{
    [Theory]
    [InlineData(1, 16)]
    [InlineData(2, 16)]
    [InlineData(3, 1024)]
    public void V4_table_agrees_with_a_dictionary_under_random_operations(int seed, int initialCapacity) =>
        RunModel<ConnEntryV4>(seed, initialCapacity, v6: false);

    [Theory]
    [InlineData(4, 16)]
    [InlineData(5, 256)]
    public void V6_table_agrees_with_a_dictionary_under_random_operations(int seed, int initialCapacity) =>
        RunModel<ConnEntryV6>(seed, initialCapacity, v6: true);

    [Fact]
    public void Entries_take_32_bytes_for_IPv4_and_56_for_IPv6()
    {
        Assert.Equal(32, ConnTable<ConnEntryV4>.EntrySize);
        Assert.Equal(56, ConnTable<ConnEntryV6>.EntrySize);
    }

    [Fact]
    public void Sweeping_frees_expired_entries_so_capacity_stays_bounded_by_live_flows()
    {
        int live = 0;
        var table = new ConnTable<ConnEntryV4>(16, (_, w) => live -= w);
        long now = 0;

        // 200 000 short flows, never more than ~100 alive at once: the table must not grow with the total.
        for (int n = 0; n < 200_000; n++)
        {
            now += 1_000;
            var probe = Probe<ConnEntryV4>(eni: 0, local: 1, remote: (uint)n, port: 80, v6: false);
            Assert.Equal(-1, table.Find(probe, now));
            int slot = table.Insert(probe, now);
            ConnEntryV4.StateOf(ref table[slot]).ExpiresAt = now + 100_000;
            live++;
        }

        Assert.True(table.Capacity <= 1024, $"capacity grew to {table.Capacity}");
        table.SweepAll(now + 1_000_000);
        Assert.Equal(0, table.Count);
        Assert.Equal(0, live);
    }

    private static void RunModel<TEntry>(int seed, int initialCapacity, bool v6)
        where TEntry : unmanaged, IConnEntry<TEntry>
    {
        var rng = new Random(seed);
        var removedWeight = new Dictionary<int, int>();
        var table = new ConnTable<TEntry>(initialCapacity, (eni, w) => removedWeight[eni] = removedWeight.GetValueOrDefault(eni) + w);

        // Model: key → (expiresAt, weight, untracked).
        var model = new Dictionary<(int Eni, uint Local, uint Remote, ushort Port), (long Expires, int Weight, bool Untracked)>();
        var expectedRemoved = new Dictionary<int, int>();
        long now = 0;

        void ModelRemove((int Eni, uint Local, uint Remote, ushort Port) key)
        {
            var v = model[key];
            model.Remove(key);
            if (!v.Untracked)
            {
                expectedRemoved[key.Eni] = expectedRemoved.GetValueOrDefault(key.Eni) + v.Weight;
            }
        }

        for (int op = 0; op < 60_000; op++)
        {
            now += rng.Next(0, 50);

            // A small key space so that lookups hit, collide and expire often.
            var key = (Eni: rng.Next(0, 3), Local: (uint)rng.Next(0, 4), Remote: (uint)rng.Next(0, 300), Port: (ushort)rng.Next(0, 3));
            var probe = Probe<TEntry>(key.Eni, key.Local, key.Remote, key.Port, v6);

            int slot = table.Find(probe, now);
            bool modelLive = model.TryGetValue(key, out var mv) && now <= mv.Expires;
            if (model.ContainsKey(key) && !modelLive)
            {
                ModelRemove(key); // Find removes an expired entry it meets.
            }

            Assert.Equal(modelLive, slot >= 0);
            if (slot >= 0)
            {
                Assert.True(table[slot].SameKey(probe));
                Assert.Equal(mv.Expires, TEntry.StateOf(ref table[slot]).ExpiresAt);
            }

            switch (rng.Next(0, 10))
            {
                case < 6 when slot < 0:
                {
                    // Insert runs the sweep hand first: mirror the expiries it may remove by comparing counts later.
                    int s = table.Insert(probe, now);
                    ref var st = ref TEntry.StateOf(ref table[s]);
                    st.ExpiresAt = now + rng.Next(0, 2_000);
                    bool untracked = rng.Next(0, 5) == 0;
                    bool dbl = !untracked && rng.Next(0, 7) == 0;
                    if (untracked)
                    {
                        st.Flags |= ConnFlags.Untracked;
                    }

                    if (dbl)
                    {
                        st.Flags |= ConnFlags.DoubleWeight;
                    }

                    model[key] = (st.ExpiresAt, dbl ? 2 : 1, untracked);
                    break;
                }

                case < 6:
                    TEntry.StateOf(ref table[slot]).ExpiresAt = now + rng.Next(0, 2_000);
                    model[key] = model[key] with { Expires = TEntry.StateOf(ref table[slot]).ExpiresAt };
                    break;
                case < 8 when slot >= 0:
                    table.Remove(slot);
                    ModelRemove(key);
                    break;
            }

            // Drop expired model entries the table has swept on its own; they must have reported their removal.
            if (op % 5_000 == 4_999)
            {
                table.SweepAll(now);
                foreach (var k in model.Where(kv => now > kv.Value.Expires).Select(kv => kv.Key).ToList())
                {
                    ModelRemove(k);
                }

                Assert.Equal(model.Count, table.Count);
                foreach (var (k, v) in model)
                {
                    int s = table.Find(Probe<TEntry>(k.Eni, k.Local, k.Remote, k.Port, v6), now);
                    Assert.True(s >= 0, $"live entry {k} lost");
                }

                Assert.Equal(expectedRemoved.OrderBy(kv => kv.Key), removedWeight.Where(kv => kv.Value != 0).OrderBy(kv => kv.Key));
            }
        }
    }

    private static TEntry Probe<TEntry>(int eni, uint local, uint remote, ushort port, bool v6)
        where TEntry : unmanaged, IConnEntry<TEntry>
    {
        var p = new PacketInfo
        {
            Protocol = 6,
            SrcPort = port,
            DstPort = 443,
            Src = v6 ? new IpAddr(0x2001_0db8_0000_0000UL, local) : IpAddr.FromV4(0x0A00_0000u | local),
            Dst = v6 ? new IpAddr(0x2001_0db8_0000_0001UL, remote) : IpAddr.FromV4(0xC0A8_0000u | remote),
        };
        return TEntry.Probe(eni, egress: true, TrackKind.Tcp, p);
    }
}
