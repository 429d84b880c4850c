using System.Globalization;

namespace FirewallSim.Config.Lint;

/// <summary>FWS006–FWS010, FWS016: how groups, interfaces and references fit together.</summary>
internal static class ReferenceChecks
{
    public static void Run(LintRun run)
    {
        var config = run.Config;
        var unknownSeverity = run.Options.Strict ? LintSeverity.Error : LintSeverity.Warning;
        foreach (var group in config.SecurityGroups.Values)
        {
            foreach (var rule in group.Inbound.Concat(group.Outbound))
            {
                var peer = rule.Peer;
                if (peer.Kind == PeerKind.SecurityGroup && peer.GroupId is { } gid)
                {
                    if (peer.IsStale)
                    {
                        run.Add(LintRules.StaleReference, group, rule,
                            $"{RuleMath.Describe(rule)} references {peer} through peering connection " +
                            $"{peer.VpcPeeringConnectionId ?? "?"}, whose status is '{peer.PeeringStatus}': the rule matches nothing");
                    }
                    else if (!config.SecurityGroups.TryGetValue(gid, out var target))
                    {
                        string owner = peer.UserId is { Length: > 0 } u && !string.Equals(u, config.AccountId ?? group.OwnerId, StringComparison.Ordinal)
                            ? $" (owned by account {u})"
                            : string.Empty;
                        run.Add(LintRules.UnknownReference, group, rule,
                            $"{RuleMath.Describe(rule)} references security group {gid}{owner}, which is not in the configuration: " +
                            "the rule matches no address", unknownSeverity);
                    }
                    else if (run.HasInterfaces && !run.Members.ContainsKey(gid))
                    {
                        run.Add(LintRules.ReferenceWithoutMembers, group, rule,
                            $"{RuleMath.Describe(rule)} references {RuleMath.Describe(target)}, which no network interface in the " +
                            "configuration carries: the rule matches no address");
                    }
                }
                else if (peer.Kind == PeerKind.PrefixList && peer.PrefixListId is { } pl && !config.PrefixLists.ContainsKey(pl))
                {
                    run.Add(LintRules.UnknownReference, group, rule,
                        $"{RuleMath.Describe(rule)} references prefix list {pl}, which is not in the configuration: the rule matches no address",
                        unknownSeverity);
                }
            }

            int rules = group.Inbound.Count + group.Outbound.Count;
            run.Members.TryGetValue(group.Id, out var carriers);
            if (group.IsDefault && rules > 0 && carriers is { Count: > 0 })
            {
                run.Add(LintRules.DefaultGroupInUse, string.Create(CultureInfo.InvariantCulture,
                    $"default security group {group.Id}{(group.VpcId is null ? "" : " of " + group.VpcId)} has {group.Inbound.Count} inbound and " +
                    $"{group.Outbound.Count} outbound rules and is attached to {RuleMath.List(carriers.Select(e => e.Id).ToList())}: " +
                    $"the default group should allow no traffic; remove its rules and give these interfaces their own groups"),
                    group.Source, group.Id, group.Id);
            }

            if (run.HasInterfaces && carriers is null && !group.IsDefault)
            {
                run.Add(LintRules.UnattachedGroup,
                    $"security group {RuleMath.Describe(group)} is attached to no network interface in the configuration",
                    group.Source, group.Id, group.Id);
            }
        }

        foreach (var eni in config.NetworkInterfaces.Values)
        {
            if (eni.GroupIds.Count == 0)
            {
                if (!LintRun.MayHaveNoGroups(eni))
                {
                    run.Add(LintRules.EniWithoutGroups,
                        $"network interface {eni.Id} (type {eni.InterfaceType}) has no security groups: the simulator denies all its " +
                        "traffic; AWS always attaches at least the VPC's default group, so the configuration is probably incomplete",
                        eni.Source, eni.Id, eni.Id);
                }

                continue;
            }

            var missing = eni.GroupIds.Distinct(StringComparer.Ordinal).Where(g => !config.SecurityGroups.ContainsKey(g)).ToList();
            if (missing.Count > 0)
            {
                run.Add(LintRules.UnknownReference,
                    $"network interface {eni.Id} carries {(missing.Count == 1 ? "security group " : "security groups ")}{RuleMath.List(missing)}, " +
                    $"which {(missing.Count == 1 ? "is" : "are")} not in the configuration: {(missing.Count == 1 ? "its" : "their")} rules are unknown and allow nothing",
                    eni.Source, eni.Id, eni.Id, unknownSeverity);
            }
        }
    }
}
