namespace FirewallSim.Config.Loading;

/// <summary>
/// One configuration file to load, and the configuration version it belongs to (D19).
/// Sources with the same <see cref="EffectiveFromNs"/> form one version of the whole configuration.
/// </summary>
public sealed record ConfigSource(string Path)
{
    /// <summary>Packet time (ns since the epoch) from which the version holding this file applies; <see cref="long.MinValue"/> = the base version.</summary>
    public long EffectiveFromNs { get; init; } = long.MinValue;

    /// <summary>How the version is named in output: "base", or the TIME text of <c>PATH@TIME</c>.</summary>
    public string? VersionLabel { get; init; }

    /// <summary>The file's content when it does not come from disk (tests, standard input); null = read <see cref="Path"/>.</summary>
    public string? Text { get; init; }

    public bool IsBase => EffectiveFromNs == long.MinValue;
}

/// <summary>Switches for <see cref="ConfigLoader"/>.</summary>
public sealed record ConfigLoadOptions
{
    public static ConfigLoadOptions Default { get; } = new();

    /// <summary>References to security groups, prefix lists or network ACLs that are not in the given files are errors, not warnings.</summary>
    public bool Strict { get; init; }

    /// <summary>
    /// Values for CloudFormation pseudo parameters (<c>AWS::AccountId</c>, <c>AWS::Region</c>, <c>AWS::StackName</c>…).
    /// Those not given are unresolvable, except AWS::AccountId and AWS::Region, which fall back to an
    /// account or region stated by another input (a lab file's <c>account</c>/<c>region</c>).
    /// </summary>
    public IReadOnlyDictionary<string, string> PseudoParameters { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}

/// <summary>What <see cref="ConfigLoader.Load"/> found: the timeline (null when any error was found) and every diagnostic.</summary>
public sealed record ConfigLoadResult(ConfigTimeline? Timeline, IReadOnlyList<ConfigDiagnostic> Diagnostics)
{
    public bool HasErrors => Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);

    public IEnumerable<ConfigDiagnostic> Errors => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error);

    public IEnumerable<ConfigDiagnostic> Warnings => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning);

    public IEnumerable<ConfigDiagnostic> Notes => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Note);
}
