using FirewallSim.Decode;
using FirewallSim.Net;
using FirewallSim.Verdicts;

namespace FirewallSim.Tracking;

/// <summary>
/// Remembers the verdicts of first fragments so that later fragments of the same datagram can copy
/// them (D12): key (src, dst, protocol, IP ID) for IPv4 and (src, dst, fragment id) for IPv6, valid for
/// 30 s after the first fragment. Fragments are rare, so a dictionary with periodic pruning is enough.
/// </summary>
internal sealed class FragmentTable
{
    private readonly record struct Key(IpAddr Src, IpAddr Dst, byte Protocol, uint Id);

    private struct Entry
    {
        public long SeenAt;
        public PacketResult Result;
    }

    private readonly Dictionary<Key, Entry> _entries = new();
    private readonly long _lifetimeNs;
    private long _nextPrune;

    public FragmentTable(long lifetimeNs = 30_000_000_000L) => _lifetimeNs = lifetimeNs;

    public int Count => _entries.Count;

    public void RememberFirst(in PacketInfo p, in PacketResult result)
    {
        Prune(p.TimestampNs);
        _entries[KeyOf(p)] = new Entry { SeenAt = p.TimestampNs, Result = result };
    }

    /// <summary>Finds the first fragment's result within the lifetime; false for an orphan.</summary>
    public bool TryGetFirst(in PacketInfo p, out PacketResult result)
    {
        if (_entries.TryGetValue(KeyOf(p), out var e) && p.TimestampNs - e.SeenAt <= _lifetimeNs && p.TimestampNs >= e.SeenAt)
        {
            result = e.Result;
            return true;
        }

        result = default;
        return false;
    }

    private static Key KeyOf(in PacketInfo p) =>
        new(p.Src, p.Dst, p.Family == IpFamily.V4 ? p.Protocol : (byte)0, p.FragmentId);

    private void Prune(long now)
    {
        if (now < _nextPrune || _entries.Count < 1024)
        {
            return;
        }

        _nextPrune = now + _lifetimeNs;
        List<Key>? stale = null;
        foreach (var kv in _entries)
        {
            if (now - kv.Value.SeenAt > _lifetimeNs)
            {
                (stale ??= new List<Key>()).Add(kv.Key);
            }
        }

        if (stale is not null)
        {
            foreach (var k in stale)
            {
                _entries.Remove(k);
            }
        }
    }
}
