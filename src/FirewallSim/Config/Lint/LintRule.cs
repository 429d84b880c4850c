namespace FirewallSim.Config.Lint;

/// <summary>
/// One kind of finding: a stable id (FWS001…), a short kebab-case name, the severity it has unless a
/// finding says otherwise, and the texts SARIF shows next to it.
/// </summary>
public sealed record LintRule(string Id, string Name, LintSeverity DefaultSeverity, string ShortDescription, string FullDescription)
{
    /// <summary>Where the rule is documented, when there is a public page for it.</summary>
    public string? HelpUri { get; init; }

    public override string ToString() => Id + " " + Name;
}

/// <summary>A second place a finding points to, e.g. the wider rule that makes another one redundant.</summary>
public sealed record LintRelatedLocation(string Message, SourceLocation? Location, string? LogicalName);

/// <summary>One finding: which rule, how severe, what exactly, and where.</summary>
public sealed record LintFinding
{
    public required LintRule Rule { get; init; }

    public required LintSeverity Severity { get; init; }

    /// <summary>Names the exact security-group rule, group, ENI or ACL entry concerned.</summary>
    public required string Message { get; init; }

    /// <summary>The file and line (or JSON path) of that rule, group, ENI or entry, when the loader recorded it.</summary>
    public SourceLocation? Location { get; init; }

    /// <summary>The AWS resource concerned: sg-…, eni-…, acl-….</summary>
    public string? ResourceId { get; init; }

    /// <summary>A name for the place inside the configuration, e.g. "sg-1/inbound[0]" or "acl-1/outbound/100".</summary>
    public string? LogicalName { get; init; }

    public IReadOnlyList<LintRelatedLocation> Related { get; init; } = Array.Empty<LintRelatedLocation>();

    /// <summary>The configuration version's label when a timeline with several versions was linted.</summary>
    public string? ConfigVersion { get; init; }

    public string RuleId => Rule.Id;

    public override string ToString() =>
        $"{(Location is null ? "" : Location + ": ")}{Severity.Name()} {Rule.Id}: {Message}";
}
