using System.Numerics;
using System.Runtime.CompilerServices;
using FirewallSim.Decode;
using FirewallSim.Net;
using FirewallSim.Verdicts;

namespace FirewallSim.Reports;

/// <summary>
/// What traffic each security-group rule actually admitted: the destination ports (or ICMP type/code)
/// and the peers. Fed with the verdicts that a rule decided; used to find over-broad rules and to
/// propose narrower ones. Memory is per rule that was hit, bounded (a 8 KiB port bitmap, ≤ 4096 peers).
/// </summary>
public sealed class RuleUsage
{
    public const int MaxPeersKept = 4096;

    private readonly Entry?[] _rules;

    // A direct-mapped memory of recently recorded (rule, key, peer) triples: flows interleave, so most
    // packets repeat a triple seen a moment ago, and this check is far cheaper than the sets behind it.
    private readonly ulong[] _recent = new ulong[8192];

    public RuleUsage(int ruleCount) => _rules = new Entry?[ruleCount];

    public sealed class Entry
    {
        internal readonly ulong[] Keys = new ulong[1024];   // 65 536 bits: ports, or ICMP (type << 8 | code)
        internal readonly HashSet<IpAddr> Peers = new();
        internal int KeyCount;

        /// <summary>More distinct peers were seen than are kept.</summary>
        public bool PeersOverflowed { get; internal set; }

        public int DistinctKeys => KeyCount;

        public IReadOnlyCollection<IpAddr> DistinctPeers => Peers;

        public bool HasKey(int key) => (Keys[key >> 6] & (1UL << (key & 63))) != 0;

        /// <summary>Sorted distinct keys (ports or ICMP type/code pairs).</summary>
        public IEnumerable<int> KeysSorted()
        {
            for (int w = 0; w < Keys.Length; w++)
            {
                ulong bits = Keys[w];
                while (bits != 0)
                {
                    int b = BitOperations.TrailingZeroCount(bits);
                    yield return (w << 6) + b;
                    bits &= bits - 1;
                }
            }
        }
    }

    public Entry? For(int ruleId) => (uint)ruleId < (uint)_rules.Length ? _rules[ruleId] : null;

    /// <summary>Records the verdicts of one packet that a rule decided directly (tracked packets add nothing new).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(in PacketInfo p, in PacketResult r)
    {
        for (int i = 0; i < r.Count; i++)
        {
            ref readonly var v = ref r.Verdicts[i];
            if (v.RuleId < 0 || v.Reason != VerdictReason.AllowedByRule || v.FragmentCopy)
            {
                continue;
            }

            var peer = v.Direction == Direction.Egress ? p.Dst : p.Src;
            int key = p.Protocol switch
            {
                IpProtocol.Tcp or IpProtocol.Udp => r.DstPort,
                IpProtocol.Icmp or IpProtocol.Icmpv6 => (p.IcmpType << 8) | p.IcmpCode,
                _ => 0,
            };
            Record(v.RuleId, key, peer);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Record(int ruleId, int key, IpAddr peer)
    {
        if ((uint)ruleId >= (uint)_rules.Length)
        {
            return;
        }

        ulong fingerprint = IpAddrMap.Hash(peer.Hi ^ ((ulong)(uint)ruleId << 20), peer.Lo ^ ((ulong)(uint)key << 40)) | 1;
        ref ulong recent = ref _recent[(int)(fingerprint >> 51)];
        if (recent == fingerprint)
        {
            return;
        }

        recent = fingerprint;
        var e = _rules[ruleId] ??= new Entry();
        ref ulong word = ref e.Keys[key >> 6];
        ulong bit = 1UL << (key & 63);
        if ((word & bit) == 0)
        {
            word |= bit;
            e.KeyCount++;
        }

        // Once a rule has overflowed its peer set, looking a peer up can only confirm the flag: an
        // internet-facing rule overflows early, and the lookup cost a hash probe for each of its packets
        // the recent-triple memory above missed.
        if (e.PeersOverflowed)
        {
            return;
        }

        if (e.Peers.Count < MaxPeersKept)
        {
            e.Peers.Add(peer);
        }
        else if (!e.Peers.Contains(peer))
        {
            e.PeersOverflowed = true;
        }
    }
}
