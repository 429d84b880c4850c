namespace FirewallSim.Config.Lint;

/// <summary>
/// FWS011: rules that another rule of the same direction on the same interface already contains.
/// Security-group rules are a union, so such a rule never decides anything. Interfaces that carry the
/// same groups are analysed once; groups that no interface carries are analysed on their own.
/// </summary>
internal static class RedundancyCheck
{
    public static void Run(LintRun run)
    {
        var config = run.Config;

        // Distinct group sets (the known groups of each interface), with the interfaces that have them.
        var contexts = new Dictionary<string, (List<SecurityGroup> Groups, List<NetworkInterface> Enis)>(StringComparer.Ordinal);
        var covered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var eni in config.NetworkInterfaces.Values)
        {
            var groups = eni.GroupIds
                .Distinct(StringComparer.Ordinal)
                .Select(id => config.SecurityGroups.GetValueOrDefault(id))
                .OfType<SecurityGroup>()
                .OrderBy(g => g.Id, StringComparer.Ordinal)
                .ToList();
            if (groups.Count == 0)
            {
                continue;
            }

            string key = string.Join(",", groups.Select(g => g.Id));
            if (!contexts.TryGetValue(key, out var context))
            {
                contexts[key] = context = (groups, new List<NetworkInterface>());
            }

            context.Enis.Add(eni);
            foreach (var g in groups)
            {
                covered.Add(g.Id);
            }
        }

        foreach (var group in config.SecurityGroups.Values)
        {
            if (!covered.Contains(group.Id))
            {
                contexts[group.Id] = (new List<SecurityGroup> { group }, new List<NetworkInterface>());
            }
        }

        var pairs = new Dictionary<(string, bool, int, string, int), Pair>();
        var order = new List<Pair>();
        foreach (var (groups, enis) in contexts.Values)
        {
            foreach (bool egress in new[] { false, true })
            {
                var rules = groups
                    .SelectMany(g => g.Rules(egress).Select(r => (Group: g, Rule: r)))
                    .Where(x => !(x.Rule.Peer.Kind == PeerKind.SecurityGroup && x.Rule.Peer.IsStale))
                    .ToList();
                for (int a = 0; a < rules.Count; a++)
                {
                    int b = Widest(rules, a);
                    if (b < 0)
                    {
                        continue;
                    }

                    var (ga, ra) = rules[a];
                    var (gb, rb) = rules[b];
                    var key = (ra.GroupId, egress, ra.Index, rb.GroupId, rb.Index);
                    if (!pairs.TryGetValue(key, out var pair))
                    {
                        pairs[key] = pair = new Pair(ga, ra, gb, rb);
                        order.Add(pair);
                    }

                    foreach (var eni in enis)
                    {
                        if (pair.EniIds.Add(eni.Id))
                        {
                            pair.Enis.Add(eni);
                        }
                    }
                }
            }
        }

        foreach (var pair in order)
        {
            Report(run, pair);
        }
    }

    /// <summary>
    /// The index of a maximal rule that dominates rule <paramref name="a"/>, or -1. B dominates A when B contains
    /// A and, if they contain each other (duplicates), B comes first.
    /// </summary>
    private static int Widest(List<(SecurityGroup Group, SecurityGroupRule Rule)> rules, int a)
    {
        int best = -1;
        for (int b = 0; b < rules.Count; b++)
        {
            if (b != a && Dominates(rules, b, a))
            {
                best = b;
                break;
            }
        }

        if (best < 0)
        {
            return -1;
        }

        // Climb to a maximal dominator; dominance is a strict order, so this ends.
        bool climbed = true;
        while (climbed)
        {
            climbed = false;
            for (int c = 0; c < rules.Count; c++)
            {
                if (c != best && c != a && Dominates(rules, c, best))
                {
                    best = c;
                    climbed = true;
                    break;
                }
            }
        }

        return best;
    }

    private static bool Dominates(List<(SecurityGroup Group, SecurityGroupRule Rule)> rules, int b, int a)
    {
        var rb = rules[b].Rule;
        var ra = rules[a].Rule;
        if (!RuleMath.Contains(rb, ra))
        {
            return false;
        }

        if (!RuleMath.Contains(ra, rb))
        {
            return true;
        }

        int c = string.CompareOrdinal(rb.GroupId, ra.GroupId);
        return c < 0 || (c == 0 && rb.Index < ra.Index);
    }

    private static void Report(LintRun run, Pair p)
    {
        bool duplicate = RuleMath.Contains(p.RuleA, p.RuleB);
        bool illusory = p.RuleB.Peer.IsOpenCidr && !p.RuleA.Peer.IsOpenCidr;
        string what = duplicate
            ? $"{RuleMath.Describe(p.RuleA)} duplicates {RuleMath.Describe(p.RuleB)}"
            : $"{RuleMath.Describe(p.RuleA)} is redundant: {RuleMath.Describe(p.RuleB)} already allows everything it allows";
        string where = p.Enis.Count > 0
            ? " on " + RuleMath.List(p.Enis.Select(e => e.Id).ToList())
            : " within " + RuleMath.Describe(p.GroupA);
        string why = illusory ? $"; everyone reaches it through the wider rule, so the narrower source restricts nothing" : string.Empty;
        var related = new[]
        {
            new LintRelatedLocation("the wider rule: " + RuleMath.Describe(p.RuleB), LintRun.Where(p.RuleB, p.GroupB), RuleMath.LogicalName(p.RuleB)),
        };
        run.Add(LintRules.RedundantRule, p.GroupA, p.RuleA, what + where + why,
            illusory ? LintSeverity.Warning : LintSeverity.Note, related);
    }

    private sealed class Pair
    {
        public Pair(SecurityGroup groupA, SecurityGroupRule ruleA, SecurityGroup groupB, SecurityGroupRule ruleB)
        {
            GroupA = groupA;
            RuleA = ruleA;
            GroupB = groupB;
            RuleB = ruleB;
        }

        public SecurityGroup GroupA { get; }

        public SecurityGroupRule RuleA { get; }

        public SecurityGroup GroupB { get; }

        public SecurityGroupRule RuleB { get; }

        public List<NetworkInterface> Enis { get; } = new();

        public HashSet<string> EniIds { get; } = new(StringComparer.Ordinal);
    }
}
