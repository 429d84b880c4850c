namespace FirewallSim.Config.Lint;

/// <summary>FWS017: network ACL entries that a lower-numbered entry makes unreachable.</summary>
internal static class NaclChecks
{
    public static void Run(LintRun run)
    {
        foreach (var acl in run.Config.NetworkAcls.Values)
        {
            foreach (bool egress in new[] { false, true })
            {
                var entries = acl.Entries
                    .Where(e => e.Egress == egress && e.RuleNumber < 32767)
                    .OrderBy(e => e.RuleNumber)
                    .ToList();
                for (int i = 1; i < entries.Count; i++)
                {
                    var entry = entries[i];
                    NetworkAclEntry? cover = null;
                    for (int j = 0; j < i && cover is null; j++)
                    {
                        if (RuleMath.Contains(entries[j], entry))
                        {
                            cover = entries[j];
                        }
                    }

                    if (cover is null)
                    {
                        continue;
                    }

                    bool conflicting = cover.Allow != entry.Allow;
                    string message = $"{RuleMath.Describe(acl, entry)} can never match: the lower-numbered entry {cover.RuleNumber} " +
                                     $"({cover}) matches all its traffic first" +
                                     (conflicting ? $", so this {(entry.Allow ? "allow" : "deny")} has no effect" : string.Empty);
                    run.Add(LintRules.NaclEntryShadowed, message, entry.Source ?? acl.Source, acl.Id, RuleMath.LogicalName(acl, entry),
                        conflicting ? LintSeverity.Warning : LintSeverity.Note,
                        new[] { new LintRelatedLocation("the covering entry: " + RuleMath.Describe(acl, cover), cover.Source ?? acl.Source, RuleMath.LogicalName(acl, cover)) });
                }
            }
        }
    }
}
