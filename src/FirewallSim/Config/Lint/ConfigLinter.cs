namespace FirewallSim.Config.Lint;

/// <summary>
/// Best-practice findings over a loaded AWS configuration (<c>fwsim lint</c>). Reads the model only;
/// every check is independent and reports each problem once, with the place it was defined.
/// </summary>
public sealed class ConfigLinter
{
    private readonly LintOptions _options;

    public ConfigLinter(LintOptions? options = null)
    {
        _options = options ?? LintOptions.Default;
    }

    public LintOptions Options => _options;

    /// <summary>All findings for one configuration, ordered by file, line and column, then in the order found.</summary>
    public IReadOnlyList<LintFinding> Lint(AwsConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var run = new LintRun(config, _options);
        ExposureChecks.Run(run);
        ReferenceChecks.Run(run);
        RedundancyCheck.Run(run);
        QuotaChecks.Run(run);
        NaclChecks.Run(run);
        return Order(run.Findings);
    }

    /// <summary>
    /// Every version of a timeline. With several versions each finding carries its version's label; a
    /// finding that several versions share (same rule, message and place) is reported once, for the first.
    /// </summary>
    public IReadOnlyList<LintFinding> Lint(ConfigTimeline timeline)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        if (timeline.Versions.Count == 1)
        {
            return Lint(timeline.Versions[0].Config);
        }

        var seen = new HashSet<(string, LintSeverity, string, SourceLocation?)>();
        var all = new List<LintFinding>();
        foreach (var version in timeline.Versions)
        {
            foreach (var finding in Lint(version.Config))
            {
                if (seen.Add((finding.RuleId, finding.Severity, finding.Message, finding.Location)))
                {
                    all.Add(finding with { ConfigVersion = version.Label });
                }
            }
        }

        return all;
    }

    private static List<LintFinding> Order(List<LintFinding> findings)
    {
        // Stable: findings without a line keep the order they were found in, within their file.
        return findings
            .Select((f, i) => (f, i))
            .OrderBy(x => x.f.Location?.File ?? "\uffff", StringComparer.Ordinal)
            .ThenBy(x => x.f.Location is { Line: > 0 } l ? l.Line : int.MaxValue)
            .ThenBy(x => x.f.Location?.Column ?? 0)
            .ThenBy(x => x.i)
            .Select(x => x.f)
            .ToList();
    }
}

/// <summary>What the checks share while linting one configuration.</summary>
internal sealed class LintRun
{
    private static readonly string[] NoGroupTypes =
    {
        "natGateway", "nat_gateway", "transit_gateway", "gateway_load_balancer", "gateway_load_balancer_endpoint",
    };

    public LintRun(AwsConfig config, LintOptions options)
    {
        Config = config;
        Options = options;
        foreach (var eni in config.NetworkInterfaces.Values)
        {
            foreach (string id in eni.GroupIds.Distinct(StringComparer.Ordinal))
            {
                if (!Members.TryGetValue(id, out var list))
                {
                    Members[id] = list = new List<NetworkInterface>();
                }

                list.Add(eni);
            }
        }
    }

    public AwsConfig Config { get; }

    public LintOptions Options { get; }

    public List<LintFinding> Findings { get; } = new();

    /// <summary>Group id → the interfaces that carry it.</summary>
    public Dictionary<string, List<NetworkInterface>> Members { get; } = new(StringComparer.Ordinal);

    /// <summary>Checks about attachment only make sense when interfaces were given at all.</summary>
    public bool HasInterfaces => Config.NetworkInterfaces.Count > 0;

    /// <summary>D16: interfaces that legitimately have no security groups.</summary>
    public static bool MayHaveNoGroups(NetworkInterface eni) =>
        eni.RequesterManaged || NoGroupTypes.Contains(eni.InterfaceType, StringComparer.OrdinalIgnoreCase);

    public static SourceLocation? Where(SecurityGroupRule rule, SecurityGroup group) => rule.Source ?? group.Source;

    public void Add(LintRule rule, string message, SourceLocation? location, string? resourceId, string? logicalName,
        LintSeverity? severity = null, IReadOnlyList<LintRelatedLocation>? related = null)
    {
        if (Options.DisabledRules.Contains(rule.Id) || Options.DisabledRules.Contains(rule.Name))
        {
            return;
        }

        Findings.Add(new LintFinding
        {
            Rule = rule,
            Severity = severity ?? rule.DefaultSeverity,
            Message = message,
            Location = location,
            ResourceId = resourceId,
            LogicalName = logicalName,
            Related = related ?? Array.Empty<LintRelatedLocation>(),
        });
    }

    public void Add(LintRule rule, SecurityGroup group, SecurityGroupRule r, string message, LintSeverity? severity = null,
        IReadOnlyList<LintRelatedLocation>? related = null) =>
        Add(rule, message, Where(r, group), group.Id, RuleMath.LogicalName(r), severity, related);
}
