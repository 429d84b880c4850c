using System.Globalization;
using FirewallSim.Config;

namespace FirewallSim.Rules;

/// <summary>A NACL entry as verdicts and reports name it; implicit entries are the catch-all "*" denies.</summary>
public sealed record NaclEntryRef(string AclId, NetworkAclEntry Entry, bool Implicit)
{
    public string RuleNumberText => Implicit ? "*" : Entry.RuleNumber.ToString(CultureInfo.InvariantCulture);

    public override string ToString() => $"{AclId} {(Entry.Egress ? "outbound" : "inbound")} {RuleNumberText} {(Entry.Allow ? "allow" : "deny")}";
}

/// <summary>
/// Stable integer ids for every security-group rule and NACL entry across all configuration versions:
/// a rule unchanged between versions (same text at the same position) keeps its id, so conntrack entries
/// and hit counters can hold ints.
/// </summary>
public sealed class RuleTable
{
    private readonly List<SecurityGroupRule> _rules = new();
    private readonly Dictionary<string, int> _ruleIds = new(StringComparer.Ordinal);
    private readonly List<NaclEntryRef> _naclEntries = new();
    private readonly Dictionary<string, int> _naclIds = new(StringComparer.Ordinal);

    public IReadOnlyList<SecurityGroupRule> SecurityGroupRules => _rules;

    public IReadOnlyList<NaclEntryRef> NaclEntries => _naclEntries;

    public SecurityGroupRule Rule(int id) => _rules[id];

    public NaclEntryRef NaclEntry(int id) => _naclEntries[id];

    /// <summary>The id of a rule that was compiled (its group is on some ENI), or false.</summary>
    public bool TryGetId(SecurityGroupRule rule, out int id) => _ruleIds.TryGetValue(Key(rule), out id);

    public bool TryGetId(string aclId, NetworkAclEntry entry, out int id) => _naclIds.TryGetValue(Key(aclId, entry, false), out id);

    // The position is part of the identity: verdicts name a rule by group and index, and the index must be
    // the one in the configuration version in force (D19), not where the same rule stood in an older version.
    private static string Key(SecurityGroupRule rule) => string.Create(CultureInfo.InvariantCulture,
        $"{rule.GroupId}|{rule.Egress}|{rule.Index}|{rule.Protocol}|{rule.FromPort}|{rule.ToPort}|{rule.Peer.Kind}|{rule.Peer}");

    private static string Key(string aclId, NetworkAclEntry entry, bool isImplicit) => string.Create(CultureInfo.InvariantCulture,
        $"{aclId}|{entry.Egress}|{entry.RuleNumber}|{entry.Allow}|{entry.Protocol}|{entry.Cidr}|{entry.PortFrom}|{entry.PortTo}|{entry.IcmpType}|{entry.IcmpCode}|{isImplicit}");

    internal int IdFor(SecurityGroupRule rule)
    {
        string key = Key(rule);
        if (!_ruleIds.TryGetValue(key, out int id))
        {
            id = _rules.Count;
            _rules.Add(rule);
            _ruleIds[key] = id;
        }

        return id;
    }

    internal int IdFor(string aclId, NetworkAclEntry entry, bool isImplicit)
    {
        string key = Key(aclId, entry, isImplicit);
        if (!_naclIds.TryGetValue(key, out int id))
        {
            id = _naclEntries.Count;
            _naclEntries.Add(new NaclEntryRef(aclId, entry, isImplicit));
            _naclIds[key] = id;
        }

        return id;
    }
}
