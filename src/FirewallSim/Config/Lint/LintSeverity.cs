namespace FirewallSim.Config.Lint;

/// <summary>How much a finding matters. Ordered: a higher value is more severe.</summary>
public enum LintSeverity : byte
{
    Note = 1,
    Warning = 2,
    Error = 3,
}

public static class LintSeverityNames
{
    /// <summary>"note", "warning", "error": the words SARIF uses for <c>level</c>.</summary>
    public static string Name(this LintSeverity severity) => severity switch
    {
        LintSeverity.Error => "error",
        LintSeverity.Warning => "warning",
        _ => "note",
    };

    public static bool TryParse(string? text, out LintSeverity severity)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "error":
                severity = LintSeverity.Error;
                return true;
            case "warning":
                severity = LintSeverity.Warning;
                return true;
            case "note":
                severity = LintSeverity.Note;
                return true;
            default:
                severity = default;
                return false;
        }
    }
}
