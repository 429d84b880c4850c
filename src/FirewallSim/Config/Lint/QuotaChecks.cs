using System.Globalization;

namespace FirewallSim.Config.Lint;

/// <summary>FWS012–FWS015: AWS quotas (semantics 1.7 and 4.6).</summary>
internal static class QuotaChecks
{
    public static void Run(LintRun run)
    {
        var options = run.Options;
        var config = run.Config;
        var largest = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var group in config.SecurityGroups.Values)
        {
            int max = 0;
            foreach (bool egress in new[] { false, true })
            {
                int v4 = 0, v6 = 0;
                foreach (var rule in group.Rules(egress))
                {
                    var (w4, w6) = Weight(config, rule);
                    v4 += w4;
                    v6 += w6;
                }

                max = Math.Max(max, Math.Max(v4, v6));
                foreach (var (count, family) in new[] { (v4, "IPv4"), (v6, "IPv6") })
                {
                    if (count <= options.RulesPerGroupQuota)
                    {
                        continue;
                    }

                    bool hard = count > options.RulesTimesGroupsMax;
                    string limit = hard
                        ? Inv($"more than AWS allows at all ({options.RulesTimesGroupsMax})")
                        : Inv($"above the default quota of {options.RulesPerGroupQuota}");
                    run.Add(LintRules.RulesPerGroupQuota, string.Create(CultureInfo.InvariantCulture,
                        $"security group {RuleMath.Describe(group)} has {count} {(egress ? "outbound" : "inbound")} {family} rules " +
                        $"(a prefix-list reference counts as its MaxEntries, a group reference once per family): {limit}"),
                        group.Source, group.Id, group.Id, hard ? LintSeverity.Error : LintSeverity.Warning);
                }
            }

            largest[group.Id] = max;
        }

        foreach (var eni in config.NetworkInterfaces.Values)
        {
            var ids = eni.GroupIds.Distinct(StringComparer.Ordinal).ToList();
            if (ids.Count > options.GroupsPerEniQuota)
            {
                bool hard = ids.Count > options.GroupsPerEniMax;
                string limit = hard
                    ? Inv($"more than AWS allows at all ({options.GroupsPerEniMax})")
                    : Inv($"above the default quota of {options.GroupsPerEniQuota} (adjustable up to {options.GroupsPerEniMax})");
                run.Add(LintRules.GroupsPerEniQuota, string.Create(CultureInfo.InvariantCulture,
                    $"network interface {eni.Id} has {ids.Count} security groups ({RuleMath.List(ids, 6)}): {limit}"),
                    eni.Source, eni.Id, eni.Id, hard ? LintSeverity.Error : LintSeverity.Warning);
            }

            string? top = null;
            int topRules = 0;
            foreach (string id in ids)
            {
                if (largest.TryGetValue(id, out int n) && n > topRules)
                {
                    top = id;
                    topRules = n;
                }
            }

            long product = (long)ids.Count * topRules;
            if (top is not null && product > options.RulesTimesGroupsMax)
            {
                run.Add(LintRules.RulesTimesGroupsQuota, string.Create(CultureInfo.InvariantCulture,
                    $"network interface {eni.Id} has {ids.Count} security groups and the largest, {top}, has {topRules} rules in one " +
                    $"direction and family: {ids.Count} × {topRules} = {product} exceeds the limit of {options.RulesTimesGroupsMax} " +
                    $"on groups per interface × rules per group"),
                    eni.Source, eni.Id, eni.Id);
            }
        }

        foreach (var acl in config.NetworkAcls.Values)
        {
            foreach (bool egress in new[] { false, true })
            {
                foreach (bool v4 in new[] { true, false })
                {
                    int user = acl.Entries.Count(e => e.Egress == egress && e.Cidr.IsV4 == v4 && e.RuleNumber < 32767);
                    int count = user + 1; // the default deny (*) counts too
                    if (user == 0 || count <= options.NaclRulesQuota)
                    {
                        continue;
                    }

                    bool hard = count > options.NaclRulesMax;
                    string limit = hard
                        ? Inv($"more than AWS allows at all ({options.NaclRulesMax})")
                        : Inv($"above the default quota of {options.NaclRulesQuota} (adjustable up to {options.NaclRulesMax})");
                    run.Add(LintRules.NaclRulesQuota, string.Create(CultureInfo.InvariantCulture,
                        $"network ACL {acl.Id} has {count} {(egress ? "outbound" : "inbound")} {(v4 ? "IPv4" : "IPv6")} rules, " +
                        $"the default deny included: {limit}"),
                        acl.Source, acl.Id, acl.Id, hard ? LintSeverity.Error : LintSeverity.Warning);
                }
            }
        }
    }

    private static string Inv(FormattableString s) => FormattableString.Invariant(s);

    /// <summary>
    /// What a rule costs toward the per-family quotas: a CIDR counts once in its family; a group reference
    /// once in each; a prefix list its MaxEntries in its family (each family when that is unknown).
    /// </summary>
    internal static (int V4, int V6) Weight(AwsConfig config, SecurityGroupRule rule)
    {
        var peer = rule.Peer;
        switch (peer.Kind)
        {
            case PeerKind.Cidr:
                return peer.Cidr.IsV4 ? (1, 0) : (0, 1);
            case PeerKind.PrefixList when peer.PrefixListId is { } id && config.PrefixLists.TryGetValue(id, out var list):
                int w = list.MaxEntries ?? (list.EntriesKnown ? Math.Max(1, list.Entries.Count) : 1);
                bool? v4 = list.AddressFamily?.Trim().ToUpperInvariant() switch
                {
                    "IPV4" => true,
                    "IPV6" => false,
                    _ => list.Entries.Count > 0 ? list.Entries[0].Cidr.IsV4 : null,
                };
                return v4 switch
                {
                    true => (w, 0),
                    false => (0, w),
                    _ => (w, w),
                };
            default:
                return (1, 1);
        }
    }
}
