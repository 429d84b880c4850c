using System.Buffers;
using System.Globalization;
using System.Text;
using FirewallSim.Config;
using FirewallSim.Net;
using FirewallSim.Rules;
using FirewallSim.Verdicts;

namespace FirewallSim.Reports.Suggest;

/// <summary>
/// Turns collected needs into least-privilege groups. Every current rule is narrowed on its own, to what
/// the traffic it admitted needs — so a replacement never reaches beyond the rule it replaces:
/// <list type="bullet">
/// <item>protocol: the protocols seen (an all-protocol rule splits into tcp, udp, icmp…);</item>
/// <item>ports: the destination ports seen, merged into ranges (<see cref="PortRanges"/>); ICMP by type
/// (all codes when the current rule allows all codes of the type);</item>
/// <item>peers: for a CIDR rule, peers that are private addresses of ENIs sharing a group become a reference to
/// that group (when every member lies inside the rule's CIDR), the rest CIDR blocks
/// (<see cref="CidrAggregator"/>, inside the rule's CIDR); group and prefix-list peers are kept.</item>
/// </list>
/// Identical rules from several current rules are suggested once.
/// </summary>
internal sealed class SuggestionBuilder
{
    private static readonly SearchValues<char> AllowedDescription =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._-:/()#,@[]+=&;{}!$*");

    private readonly AwsConfig _current;
    private readonly CompiledTimeline _compiled;
    private readonly NeedCollector _needs;
    private readonly RuleHits[] _hits;
    private readonly SuggestOptions _options;
    private readonly Dictionary<string, List<NetworkInterface>> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<IpAddr, List<string>> _addressGroups = new();
    private readonly List<(IpPrefix Prefix, string Group)> _prefixGroups = new();
    private readonly Dictionary<string, List<IpPrefix>> _groupBlocks = new(StringComparer.Ordinal);

    public SuggestionBuilder(AwsConfig current, CompiledTimeline compiled, NeedCollector needs, RuleHits[] hits, SuggestOptions options, RuleCompileOptions ruleOptions)
    {
        _current = current;
        _compiled = compiled;
        _needs = needs;
        _hits = hits;
        _options = options;
        foreach (var eni in current.NetworkInterfaces.Values.OrderBy(e => e.Id, StringComparer.Ordinal))
        {
            foreach (string g in eni.GroupIds.Distinct(StringComparer.Ordinal))
            {
                Get(_members, g).Add(eni);
                var blocks = Get(_groupBlocks, g);
                var addresses = ruleOptions.GroupReferencesIncludeIpv6AndPrefixes ? eni.PrivateIpv4Addresses.Concat(eni.Ipv6Addresses) : eni.PrivateIpv4Addresses;
                foreach (var a in addresses)
                {
                    Get(_addressGroups, a).Add(g);
                    blocks.Add(IpPrefix.Host(a));
                }

                if (ruleOptions.GroupReferencesIncludeIpv6AndPrefixes)
                {
                    foreach (var p in eni.Ipv4Prefixes.Concat(eni.Ipv6Prefixes))
                    {
                        _prefixGroups.Add((p, g));
                        blocks.Add(p);
                    }
                }
            }
        }
    }

    public (List<SuggestedGroup> Groups, List<SecurityGroup> Unattached) Build()
    {
        var groupIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < _needs.GroupIds.Count; i++)
        {
            groupIndex[_needs.GroupIds[i]] = i;
        }

        var byRule = _needs.Buckets
            .GroupBy(kv => (kv.Key.Group, kv.Key.Rule, kv.Key.Egress))
            .ToDictionary(g => g.Key, g => g.OrderBy(kv => kv.Key.Protocol).Select(kv => (kv.Key.Protocol, kv.Value)).ToList());
        var groups = new List<SuggestedGroup>();
        var unattached = new List<SecurityGroup>();
        foreach (var g in _current.SecurityGroups.Values.OrderBy(g => g.Id, StringComparer.Ordinal))
        {
            if (!_members.TryGetValue(g.Id, out var members))
            {
                unattached.Add(g);
                continue;
            }

            int gi = groupIndex[g.Id];
            var suggested = new List<SuggestedRule>();
            var assessments = new List<RuleAssessment>();
            foreach (bool egress in new[] { false, true })
            {
                var currentIds = new HashSet<int>();
                foreach (var r in g.Rules(egress))
                {
                    int id = _compiled.Rules.TryGetId(r, out int rid) ? rid : -1;
                    currentIds.Add(id);
                    var buckets = id >= 0 && byRule.TryGetValue((gi, id, egress), out var b) ? b : new();
                    var replacement = Generate(g, r, egress, buckets);
                    var hits = id >= 0 && id < _hits.Length ? _hits[id] : default;
                    long untracked = id >= 0 ? _needs.UntrackedResponses[id] : 0;
                    assessments.Add(Assess(r, replacement, hits, untracked, buckets));
                    if (assessments[^1].Fate == RuleFate.Keep)
                    {
                        suggested.Add(new SuggestedRule(r, RuleOrigin.Kept, Evidence(buckets), new[] { r }));
                    }
                    else
                    {
                        suggested.AddRange(replacement.Select(x => x with { Replaces = new[] { r } }));
                    }
                }

                // Traffic no current rule of this group admitted: attempts, verification findings, rules of older versions.
                foreach (var ((bg, rule, bEgress), buckets) in byRule)
                {
                    if (bg != gi || bEgress != egress || currentIds.Contains(rule))
                    {
                        continue;
                    }

                    var old = rule >= 0 ? _compiled.Rules.Rule(rule) : null;
                    suggested.AddRange(Generate(g, old, egress, buckets).Select(x => x with { Origin = RuleOrigin.Added, Replaces = Array.Empty<SecurityGroupRule>() }));
                }
            }

            var merged = Merge(suggested);
            var inbound = merged.Where(s => !s.Rule.Egress).Select((s, i) => s with { Rule = s.Rule with { Index = i } }).ToList();
            var outbound = merged.Where(s => s.Rule.Egress).Select((s, i) => s with { Rule = s.Rule with { Index = i } }).ToList();
            var all = inbound.Concat(outbound).ToList();
            var group = g with
            {
                Inbound = inbound.Select(s => s.Rule).ToList(),
                Outbound = outbound.Select(s => s.Rule).ToList(),
            };
            groups.Add(new SuggestedGroup(g, group, members.Select(m => m.Id).ToList(), all, assessments));
        }

        return (groups, unattached);
    }

    /// <summary>The rules that admit everything in <paramref name="buckets"/>, within <paramref name="current"/> when there is one.</summary>
    private List<SuggestedRule> Generate(SecurityGroup g, SecurityGroupRule? current, bool egress, List<(byte Protocol, NeedBucket Bucket)> buckets)
    {
        var result = new List<SuggestedRule>();
        foreach (var (protocol, bucket) in buckets)
        {
            // Which peers each key (port, ICMP type/code) needs, then one peer spec per peer.
            var specKeys = new Dictionary<SecurityGroupPeer, List<(int Key, IpAddr Peer, NeedStats Stats)>>();
            if (bucket.Overflowed && current is not null)
            {
                var list = Get(specKeys, current.Peer);
                foreach (int k in bucket.Keys)
                {
                    list.Add((k, default, new NeedStats()));
                }
            }
            else
            {
                foreach (var byKey in bucket.Needs.GroupBy(n => n.Key.Key))
                {
                    var assignment = PeerSpecs(g, current, byKey.Select(n => (n.Key.Peer, n.Key.CidrOnly)).Distinct().ToList());
                    foreach (var n in byKey)
                    {
                        Get(specKeys, assignment[(n.Key.Peer, n.Key.CidrOnly)]).Add((byKey.Key, n.Key.Peer, n.Value));
                    }
                }
            }

            foreach (var (spec, needs) in specKeys.OrderBy(kv => kv.Key.Kind).ThenBy(kv => RuleShape.PeerId(kv.Key), StringComparer.Ordinal))
            {
                foreach (var (from, to) in KeyRanges(protocol, current, needs.Select(n => n.Key)))
                {
                    var covered = needs.Where(n => KeyCovered(protocol, from, to, n.Key)).ToList();
                    var rule = new SecurityGroupRule
                    {
                        GroupId = g.Id,
                        Egress = egress,
                        Protocol = protocol,
                        FromPort = from,
                        ToPort = to,
                        Peer = spec,
                        Description = Describe(current),
                    };
                    var evidence = new RuleEvidence(
                        covered.Sum(n => n.Stats.Packets),
                        covered.Sum(n => n.Stats.Bytes),
                        covered.Select(n => n.Peer).Distinct().Count(),
                        covered.Select(n => n.Key).Distinct().Count(),
                        EniIds(bucket));
                    result.Add(new SuggestedRule(rule, RuleOrigin.Narrowed, evidence, Array.Empty<SecurityGroupRule>()));
                }
            }
        }

        return result;
    }

    /// <summary>Destination-port or ICMP ranges for one protocol, in the rule model's FromPort/ToPort terms.</summary>
    private IEnumerable<(int From, int To)> KeyRanges(byte protocol, SecurityGroupRule? current, IEnumerable<int> keys)
    {
        if (IpProtocol.HasPorts(protocol))
        {
            foreach (var r in PortRanges.Merge(keys, _options.MaxPortRanges, _options.PortGap))
            {
                yield return (r.From, r.To);
            }

            yield break;
        }

        if (IpProtocol.IsIcmpFamily(protocol))
        {
            // By type; all codes of the type unless the current rule names one code.
            bool exactCodes = current is not null && current.IcmpApplies && current.FromPort >= 0 && current.ToPort >= 0;
            foreach (var type in keys.GroupBy(k => k >> 8).OrderBy(t => t.Key))
            {
                if (exactCodes)
                {
                    foreach (int code in type.Select(k => k & 0xFF).Distinct().Order())
                    {
                        yield return (type.Key, code);
                    }
                }
                else
                {
                    yield return (type.Key, -1);
                }
            }

            yield break;
        }

        yield return (-1, -1);
    }

    private static bool KeyCovered(byte protocol, int from, int to, int key)
    {
        if (IpProtocol.HasPorts(protocol))
        {
            return key >= from && key <= to;
        }

        if (IpProtocol.IsIcmpFamily(protocol))
        {
            return (key >> 8) == from && (to < 0 || (key & 0xFF) == to);
        }

        return true;
    }

    /// <summary>
    /// Assigns each peer a spec: the current rule's own peer (group, prefix list, or an open CIDR with
    /// --keep-open-peers), a reference to a group whose members they are, or an aggregated CIDR block.
    /// </summary>
    private Dictionary<(IpAddr, bool), SecurityGroupPeer> PeerSpecs(SecurityGroup g, SecurityGroupRule? current, List<(IpAddr Peer, bool CidrOnly)> peers)
    {
        var result = new Dictionary<(IpAddr, bool), SecurityGroupPeer>();
        if (current is not null && (current.Peer.Kind != PeerKind.Cidr || (_options.KeepOpenPeers && current.Peer.IsOpenCidr)))
        {
            foreach (var p in peers)
            {
                result[p] = current.Peer;
            }

            return result;
        }

        IpPrefix? within = current?.Peer.Kind == PeerKind.Cidr ? current.Peer.Cidr : null;
        if (_options.GroupReferences)
        {
            var remaining = peers.Where(p => !p.CidrOnly).Select(p => p.Peer).Where(a => GroupsOf(a).Any(h => Referable(g, h, within))).ToHashSet();
            while (remaining.Count > 0)
            {
                var best = remaining.SelectMany(GroupsOf).Distinct(StringComparer.Ordinal)
                    .Where(h => Referable(g, h, within))
                    .Select(h => (Group: h, Covers: remaining.Count(a => IsMember(h, a)), Size: _groupBlocks[h].Count))
                    .OrderByDescending(x => x.Covers).ThenBy(x => x.Size).ThenBy(x => x.Group, StringComparer.Ordinal)
                    .FirstOrDefault();
                if (best.Group is null || best.Covers == 0)
                {
                    break;
                }

                var reference = SecurityGroupPeer.ForGroup(best.Group, _current.SecurityGroups.TryGetValue(best.Group, out var h) ? h.OwnerId ?? g.OwnerId : g.OwnerId);
                foreach (var a in remaining.Where(a => IsMember(best.Group, a)).ToList())
                {
                    result[(a, false)] = reference;
                    remaining.Remove(a);
                }
            }
        }

        foreach (bool v4 in new[] { true, false })
        {
            var rest = peers.Where(p => p.Peer.IsV4 == v4 && !result.ContainsKey(p)).ToList();
            if (rest.Count == 0)
            {
                continue;
            }

            var blocks = CidrAggregator.Aggregate(rest.Select(p => p.Peer), _options.MaxCidrs, v4 ? _options.MinPrefixV4 : _options.MinPrefixV6,
                within is { } w && w.IsV4 == v4 ? w : null);
            var peersOfBlocks = blocks.Select(SecurityGroupPeer.ForCidr).ToArray();
            foreach (var p in rest)
            {
                result[p] = peersOfBlocks[BlockOf(blocks, p.Peer)];
            }
        }

        return result;
    }

    /// <summary>The index of the block holding <paramref name="a"/> in disjoint blocks sorted by network.</summary>
    private static int BlockOf(IReadOnlyList<IpPrefix> blocks, IpAddr a)
    {
        int lo = 0, hi = blocks.Count - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (blocks[mid].Network.CompareTo(a) <= 0)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return blocks[lo].Contains(a) ? lo : throw new InvalidOperationException($"{a} is in no aggregated block");
    }

    private IEnumerable<string> GroupsOf(IpAddr a)
    {
        if (_addressGroups.TryGetValue(a, out var list))
        {
            foreach (string g in list)
            {
                yield return g;
            }
        }

        foreach (var (prefix, g) in _prefixGroups)
        {
            if (prefix.Contains(a))
            {
                yield return g;
            }
        }
    }

    private bool IsMember(string group, IpAddr a) =>
        (_addressGroups.TryGetValue(a, out var list) && list.Contains(group, StringComparer.Ordinal))
        || _prefixGroups.Exists(x => x.Group == group && x.Prefix.Contains(a));

    /// <summary>A group <paramref name="g"/> may reference: known, in the same VPC, and (when replacing a CIDR rule) with every member inside that CIDR.</summary>
    private bool Referable(SecurityGroup g, string candidate, IpPrefix? within)
    {
        if (!_current.SecurityGroups.TryGetValue(candidate, out var h) || !_groupBlocks.TryGetValue(candidate, out var blocks))
        {
            return false;
        }

        if (g.VpcId is not null && h.VpcId is not null && !string.Equals(g.VpcId, h.VpcId, StringComparison.Ordinal))
        {
            return false;
        }

        return within is not { } w || blocks.Where(b => b.IsV4 == w.IsV4).All(w.Contains);
    }

    private RuleAssessment Assess(SecurityGroupRule r, List<SuggestedRule> replacement, RuleHits hits, long untrackedResponses, List<(byte Protocol, NeedBucket Bucket)> buckets)
    {
        long packets = buckets.Sum(b => b.Bucket.Packets);
        int peers = buckets.SelectMany(b => b.Bucket.Needs.Keys.Select(k => k.Peer)).Distinct().Count();
        string P(long n, string what) => n.ToString("N0", CultureInfo.InvariantCulture) + " " + what + (n == 1 ? "" : "s");
        if (replacement.Count == 0)
        {
            string why = hits.Packets == 0
                ? "never hit in the capture"
                : untrackedResponses > 0
                    ? $"only carried the responses of untracked flows ({P(untrackedResponses, "packet")}); with the suggested rules those flows are tracked and their responses need no rule"
                    : "its traffic needs no rule in this direction (tracked connections)";
            return new RuleAssessment(r, RuleFate.Remove, Array.Empty<SecurityGroupRule>(), hits.Packets, hits.Flows, untrackedResponses, why);
        }

        var shape = RuleShape.Of(r);
        string overflow = buckets.Any(b => b.Bucket.Overflowed)
            ? $"; more than {P(_options.MaxPeersPerRule, "distinct peer")}, so its peer is kept"
            : "";
        if (replacement.Count == 1 && RuleShape.Of(replacement[0].Rule) == shape)
        {
            return new RuleAssessment(r, RuleFate.Keep, new[] { r }, hits.Packets, hits.Flows, untrackedResponses,
                $"needed as it is ({P(packets, "packet")} from {(overflow.Length > 0 ? "at least " : "")}{P(peers, "peer")}{overflow})");
        }

        string note = overflow + (untrackedResponses > 0 ? $"; it also carried the responses of untracked flows ({P(untrackedResponses, "packet")}), which become tracked" : "");
        return new RuleAssessment(r, RuleFate.Narrow, Sorted(replacement).Select(x => x.Rule).ToList(), hits.Packets, hits.Flows, untrackedResponses,
            $"only {P(packets, "packet")} from {P(peers, "peer")} used it{note}");
    }

    /// <summary>One rule per shape: kept rules win over narrowed ones, narrowed over added; evidence and replaced rules add up.</summary>
    private static List<SuggestedRule> Merge(List<SuggestedRule> rules)
    {
        var byShape = new Dictionary<RuleShape, SuggestedRule>();
        var order = new List<RuleShape>();
        foreach (var r in rules)
        {
            var shape = RuleShape.Of(r.Rule);
            if (!byShape.TryGetValue(shape, out var existing))
            {
                byShape[shape] = r;
                order.Add(shape);
                continue;
            }

            var winner = existing.Origin <= r.Origin ? existing : r;
            byShape[shape] = winner with
            {
                Evidence = new RuleEvidence(
                    existing.Evidence.Packets + r.Evidence.Packets,
                    existing.Evidence.Bytes + r.Evidence.Bytes,
                    Math.Max(existing.Evidence.Peers, r.Evidence.Peers),
                    Math.Max(existing.Evidence.Keys, r.Evidence.Keys),
                    existing.Evidence.Enis.Union(r.Evidence.Enis, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList()),
                Replaces = existing.Replaces.Concat(r.Replaces).Distinct().ToList(),
            };
        }

        return Sorted(order.Select(s => byShape[s]));
    }

    /// <summary>Suggested rules in output order: direction, protocol (tcp, udp, icmp, icmpv6, others, all), ports, peer.</summary>
    private static List<SuggestedRule> Sorted(IEnumerable<SuggestedRule> rules)
    {
        return rules
            .OrderBy(r => r.Rule.Egress)
            .ThenBy(r => SortProtocol(r.Rule.Protocol))
            .ThenBy(r => r.Rule.FromPort)
            .ThenBy(r => r.Rule.ToPort)
            .ThenBy(r => r.Rule.Peer.Kind)
            .ThenBy(r => r.Rule.Peer.Kind == PeerKind.Cidr ? r.Rule.Peer.Cidr.Network : default)
            .ThenBy(r => RuleShape.PeerId(r.Rule.Peer), StringComparer.Ordinal)
            .ToList();
    }

    private static int SortProtocol(int p) => p switch
    {
        IpProtocol.Tcp => 0,
        IpProtocol.Udp => 1,
        IpProtocol.Icmp => 2,
        IpProtocol.Icmpv6 => 3,
        RuleProtocol.All => 1000,
        _ => 4 + p,
    };

    private RuleEvidence Evidence(List<(byte Protocol, NeedBucket Bucket)> buckets) => new(
        buckets.Sum(b => b.Bucket.Packets),
        buckets.Sum(b => b.Bucket.Bytes),
        buckets.SelectMany(b => b.Bucket.Needs.Keys.Select(k => k.Peer)).Distinct().Count(),
        buckets.SelectMany(b => b.Bucket.Keys).Distinct().Count(),
        buckets.SelectMany(b => EniIds(b.Bucket)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList());

    private List<string> EniIds(NeedBucket b) => b.Enis.Select(e => _compiled.Enis.Id(e)).Order(StringComparer.Ordinal).ToList();

    private static string Describe(SecurityGroupRule? current)
    {
        string text = current is null ? "added by fwsim for observed traffic"
            : current.Description is { Length: > 0 } d ? d
            : "narrowed by fwsim from " + RuleShape.Of(current);
        return SanitizeDescription(text);
    }

    /// <summary>AWS allows a-z A-Z 0-9 space and ._-:/()#,@[]+=&amp;;{}!$* in rule descriptions, up to 255 characters.</summary>
    public static string SanitizeDescription(string text)
    {
        var sb = new StringBuilder(Math.Min(text.Length, 255));
        foreach (char c in text)
        {
            if (sb.Length == 255)
            {
                break;
            }

            sb.Append(AllowedDescription.Contains(c) ? c : '-');
        }

        return sb.ToString();
    }

    private static List<TValue> Get<TKey, TValue>(Dictionary<TKey, List<TValue>> d, TKey key)
        where TKey : notnull
    {
        if (!d.TryGetValue(key, out var list))
        {
            d[key] = list = new List<TValue>();
        }

        return list;
    }
}
