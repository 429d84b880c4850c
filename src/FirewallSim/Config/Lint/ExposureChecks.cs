using System.Globalization;
using FirewallSim.Net;

namespace FirewallSim.Config.Lint;

/// <summary>FWS001–FWS005: what inbound rules open, and to whom.</summary>
internal static class ExposureChecks
{
    public static void Run(LintRun run)
    {
        foreach (var group in run.Config.SecurityGroups.Values)
        {
            foreach (var rule in group.Inbound)
            {
                string? open = OpenSource(run.Config, rule.Peer);
                bool large = rule.Peer.Kind == PeerKind.Cidr && run.Options.IsLarge(rule.Peer.Cidr);
                if (open is not null)
                {
                    SensitivePortsOpen(run, group, rule, open);
                }

                if (rule.PortsApply && (open is not null || large))
                {
                    int count = RuleMath.PortCount(rule);
                    if (count > run.Options.WidePortRangeThreshold)
                    {
                        var (from, to) = RuleMath.Ports(rule);
                        string whom = open ?? $"the large block {rule.Peer.Cidr}";
                        run.Add(LintRules.WidePortRange, group, rule, string.Create(CultureInfo.InvariantCulture,
                            $"{RuleMath.Describe(rule)} opens {count} {RuleProtocol.Name(rule.Protocol)} ports ({from}-{to}) to {whom}; " +
                            $"more than {run.Options.WidePortRangeThreshold} ports is rarely what a service needs"),
                            open is not null ? LintSeverity.Warning : LintSeverity.Note);
                    }
                }

                if (rule.Protocol == RuleProtocol.All)
                {
                    var severity = open is not null ? LintSeverity.Error : large ? LintSeverity.Warning : LintSeverity.Note;
                    string whom = open ?? (large ? $"the large block {rule.Peer.Cidr}" : rule.Peer.Kind switch
                    {
                        PeerKind.Cidr => rule.Peer.Cidr.ToString(),
                        PeerKind.PrefixList => "prefix list " + rule.Peer,
                        _ => "members of " + rule.Peer + (string.Equals(rule.Peer.GroupId, group.Id, StringComparison.Ordinal) ? " (itself)" : string.Empty),
                    });
                    run.Add(LintRules.AllProtocolInbound, group, rule,
                        $"{RuleMath.Describe(rule)} allows every protocol and port from {whom}", severity);
                }
            }
        }
    }

    /// <summary>
    /// "the internet (0.0.0.0/0)" when the peer is exactly 0.0.0.0/0 or ::/0, or a prefix list holding one of
    /// them; null otherwise.
    /// </summary>
    private static string? OpenSource(AwsConfig config, SecurityGroupPeer peer)
    {
        if (peer.IsOpenCidr)
        {
            return $"the internet ({peer.Cidr})";
        }

        if (peer.Kind == PeerKind.PrefixList && peer.PrefixListId is { } id && config.PrefixLists.TryGetValue(id, out var list))
        {
            foreach (var entry in list.Entries)
            {
                if (entry.Cidr.IsAll)
                {
                    return $"the internet (prefix list {id} holds {entry.Cidr})";
                }
            }
        }

        return null;
    }

    private static void SensitivePortsOpen(LintRun run, SecurityGroup group, SecurityGroupRule rule, string open)
    {
        foreach (var (category, lintRule) in new[]
                 {
                     (ExposureCategory.RemoteAccess, LintRules.OpenRemoteAccess),
                     (ExposureCategory.Database, LintRules.OpenDatabasePort),
                     (ExposureCategory.Admin, LintRules.OpenAdminPort),
                 })
        {
            // Service name → its ports that the rule reaches, in catalogue order.
            var reached = new List<(string Name, List<string> Ports)>();
            foreach (var service in SensitivePorts.All)
            {
                if (service.Category != category || !RuleMath.Reaches(rule, service))
                {
                    continue;
                }

                int i = reached.FindIndex(x => x.Name == service.Name);
                if (i < 0)
                {
                    reached.Add((service.Name, new List<string> { service.PortText }));
                }
                else
                {
                    reached[i].Ports.Add(service.PortText);
                }
            }

            if (reached.Count == 0)
            {
                continue;
            }

            var names = reached.Select(x => $"{x.Name} ({string.Join(", ", x.Ports)})").ToList();
            run.Add(lintRule, group, rule, $"{RuleMath.Describe(rule)} opens {RuleMath.List(names, 6)} to {open}");
        }
    }
}
