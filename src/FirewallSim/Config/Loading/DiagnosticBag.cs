namespace FirewallSim.Config.Loading;

/// <summary>Collects every problem found while loading; nothing stops at the first one.</summary>
internal sealed class DiagnosticBag
{
    private readonly List<ConfigDiagnostic> _items = new();

    public IReadOnlyList<ConfigDiagnostic> Items => _items;

    public int ErrorCount { get; private set; }

    public void Add(ConfigDiagnostic diagnostic)
    {
        _items.Add(diagnostic);
        if (diagnostic.Severity == DiagnosticSeverity.Error)
        {
            ErrorCount++;
        }
    }

    public void AddRange(IEnumerable<ConfigDiagnostic> diagnostics)
    {
        foreach (var d in diagnostics)
        {
            Add(d);
        }
    }

    public void Error(string code, string message, SourceLocation? at) => Add(new(DiagnosticSeverity.Error, code, message, at));

    public void Error(string code, string message, ConfigNode? at) => Error(code, message, at?.Location);

    public void Warning(string code, string message, SourceLocation? at) => Add(new(DiagnosticSeverity.Warning, code, message, at));

    public void Warning(string code, string message, ConfigNode? at) => Warning(code, message, at?.Location);

    public void Note(string code, string message, SourceLocation? at) => Add(new(DiagnosticSeverity.Note, code, message, at));

    public void Note(string code, string message, ConfigNode? at) => Note(code, message, at?.Location);
}
