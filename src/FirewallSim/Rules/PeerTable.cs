using System.Runtime.CompilerServices;
using FirewallSim.Net;

namespace FirewallSim.Rules;

/// <summary>One expanded security-group rule: a peer block, a key range (ports or ICMP type/code) and its rule id.</summary>
internal readonly record struct RuleAtom(IpPrefix Peer, int From, int To, int RuleId, AtomFlags Flags);

[Flags]
internal enum AtomFlags : byte
{
    None = 0,

    /// <summary>The rule's peer is literally 0.0.0.0/0 or ::/0 (D2): it can make a flow untracked.</summary>
    LiteralOpen = 1,

    /// <summary>The peer came from a security-group reference: it never matches a relayed frame (D15).</summary>
    GroupReference = 2,
}

/// <summary>Result of matching one packet against a direction's rules.</summary>
internal struct RuleMatch
{
    /// <summary>The lowest matching rule id (a deterministic choice among the union), or -1.</summary>
    public int RuleId;

    /// <summary>Some matching rule has a literal open CIDR peer (D3).</summary>
    public bool OpenMatch;

    public readonly bool Matched => RuleId >= 0;
}

/// <summary>
/// Rules of one protocol and address family, indexed by peer prefix: one hash map per distinct prefix
/// length (usually two to four: /0, /32, a few subnets), each bucket holding the key ranges of the rules
/// for that exact block. A lookup probes each length once — cost independent of the number of rules
/// for typical sets, and still bounded (≤ 33 or 129 probes) for adversarial ones.
/// </summary>
internal sealed class PeerTable
{
    private readonly int[] _lengths;      // 128-bit prefix lengths, longest first
    private readonly IpAddrMap[] _maps;   // per length: network → bucket
    private readonly int[] _bucketStart;
    private readonly int[] _bucketCount;
    private readonly int[] _from;
    private readonly int[] _to;
    private readonly int[] _rule;
    private readonly AtomFlags[] _flags;

    public PeerTable(IReadOnlyList<RuleAtom> atoms)
    {
        var byBlock = new Dictionary<(IpAddr Net, int Len), List<RuleAtom>>();
        foreach (var a in atoms)
        {
            var key = (a.Peer.Network, a.Peer.Length128);
            if (!byBlock.TryGetValue(key, out var list))
            {
                byBlock[key] = list = new List<RuleAtom>();
            }

            list.Add(a);
        }

        var lengths = byBlock.Keys.Select(k => k.Len).Distinct().OrderByDescending(l => l).ToArray();
        _lengths = lengths;
        _maps = new IpAddrMap[lengths.Length];
        _bucketStart = new int[byBlock.Count];
        _bucketCount = new int[byBlock.Count];
        _from = new int[atoms.Count];
        _to = new int[atoms.Count];
        _rule = new int[atoms.Count];
        _flags = new AtomFlags[atoms.Count];

        int bucket = 0, pos = 0;
        var perLength = lengths.ToDictionary(l => l, _ => new List<KeyValuePair<IpAddr, int>>());
        foreach (var kv in byBlock)
        {
            // Ranges sorted by start, then by rule id: a scan stops at the first start beyond the key.
            var sorted = kv.Value.OrderBy(a => a.From).ThenBy(a => a.RuleId).ToList();
            _bucketStart[bucket] = pos;
            _bucketCount[bucket] = sorted.Count;
            foreach (var a in sorted)
            {
                _from[pos] = a.From;
                _to[pos] = a.To;
                _rule[pos] = a.RuleId;
                _flags[pos] = a.Flags;
                pos++;
            }

            perLength[kv.Key.Len].Add(new(kv.Key.Net, bucket));
            bucket++;
        }

        for (int i = 0; i < lengths.Length; i++)
        {
            _maps[i] = new IpAddrMap(perLength[lengths[i]]);
        }

        AtomCount = atoms.Count;
    }

    public int AtomCount { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Match(IpAddr peer, int key, bool allowGroupRefs, ref RuleMatch result)
    {
        var lengths = _lengths;
        for (int li = 0; li < lengths.Length; li++)
        {
            var net = IpPrefix.Mask(peer, lengths[li]);
            if (!_maps[li].TryGetValue(net, out int bucket))
            {
                continue;
            }

            int start = _bucketStart[bucket];
            int end = start + _bucketCount[bucket];
            for (int i = start; i < end; i++)
            {
                if (_from[i] > key)
                {
                    break;
                }

                if (_to[i] < key)
                {
                    continue;
                }

                var flags = _flags[i];
                if (!allowGroupRefs && (flags & AtomFlags.GroupReference) != 0)
                {
                    continue;
                }

                int rule = _rule[i];
                if (result.RuleId < 0 || rule < result.RuleId)
                {
                    result.RuleId = rule;
                }

                if ((flags & AtomFlags.LiteralOpen) != 0)
                {
                    result.OpenMatch = true;
                }
            }
        }
    }
}

/// <summary>
/// The union of every rule of every group on an ENI for one direction, compiled into peer tables per
/// address family and protocol, plus the all-protocols rules.
/// </summary>
internal sealed class DirectionRules
{
    private readonly PeerTable?[] _v4 = new PeerTable?[256];
    private readonly PeerTable?[] _v6 = new PeerTable?[256];
    private readonly PeerTable? _v4All;
    private readonly PeerTable? _v6All;

    public DirectionRules(IEnumerable<(int Protocol, RuleAtom Atom)> atoms)
    {
        var groups = atoms.GroupBy(a => (a.Protocol, a.Atom.Peer.IsV4));
        foreach (var g in groups)
        {
            var table = new PeerTable(g.Select(x => x.Atom).ToList());
            AtomCount += table.AtomCount;
            if (g.Key.Protocol < 0)
            {
                if (g.Key.IsV4)
                {
                    _v4All = table;
                }
                else
                {
                    _v6All = table;
                }
            }
            else if (g.Key.IsV4)
            {
                _v4[g.Key.Protocol] = table;
            }
            else
            {
                _v6[g.Key.Protocol] = table;
            }
        }
    }

    public int AtomCount { get; }

    /// <summary>
    /// Matches a packet: <paramref name="peer"/> is the source for inbound rules, the destination for
    /// outbound; <paramref name="key"/> is the destination port, ICMP (type &lt;&lt; 8 | code), or 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public RuleMatch Match(IpAddr peer, byte protocol, int key, bool allowGroupRefs)
    {
        var result = new RuleMatch { RuleId = -1 };
        bool v4 = peer.IsV4;
        var specific = v4 ? _v4[protocol] : _v6[protocol];
        specific?.Match(peer, key, allowGroupRefs, ref result);
        var all = v4 ? _v4All : _v6All;
        all?.Match(peer, 0, allowGroupRefs, ref result);
        return result;
    }

    /// <summary>The key a rule range is compared with: destination port, ICMP type/code, or 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int KeyOf(byte protocol, ushort dstPort, byte icmpType, byte icmpCode) => protocol switch
    {
        IpProtocol.Tcp or IpProtocol.Udp => dstPort,
        IpProtocol.Icmp or IpProtocol.Icmpv6 => (icmpType << 8) | icmpCode,
        _ => 0,
    };
}
