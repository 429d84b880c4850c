using System.Globalization;

namespace FirewallSim.Config.Loading;

/// <summary>How a scalar was written: the readers convert on demand, so "80" and 80 both read as a port.</summary>
internal enum ScalarKind : byte
{
    String,
    Number,
    Bool,
    Null,
}

/// <summary>
/// A format-neutral document tree built from JSON or YAML, every node knowing its file, path and
/// line/column. The AWS CLI, CloudFormation, Terraform and lab readers all walk this tree, so a format
/// written as YAML (aws --output yaml) reads the same as its JSON form.
/// </summary>
internal abstract class ConfigNode
{
    protected ConfigNode(string file, string path, int line, int column)
    {
        File = file;
        Path = path;
        Line = line;
        Column = column;
    }

    public string File { get; }

    /// <summary>JSON-path-like position: <c>$.SecurityGroups[3].IpPermissions[0]</c>.</summary>
    public string Path { get; }

    public int Line { get; }

    public int Column { get; }

    public SourceLocation Location => new(File, Path, Line, Column);

    public abstract string KindName { get; }

    public static string ChildPath(string parent, string key)
    {
        bool plain = key.Length > 0 && key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-');
        return plain ? parent + "." + key : parent + "['" + key.Replace("'", "\\'", StringComparison.Ordinal) + "']";
    }

    public static string IndexPath(string parent, int index) =>
        parent + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";
}

internal sealed class MapNode : ConfigNode
{
    public MapNode(string file, string path, int line, int column)
        : base(file, path, line, column)
    {
    }

    public List<KeyValuePair<string, ConfigNode>> Entries { get; } = new();

    public override string KindName => "an object";

    /// <summary>The value of <paramref name="key"/>, compared case-insensitively (AWS CLI keys, spec 6).</summary>
    public ConfigNode? Get(string key)
    {
        foreach (var kv in Entries)
        {
            if (string.Equals(kv.Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return kv.Value;
            }
        }

        return null;
    }

    /// <summary>Like <see cref="Get"/> but a JSON/YAML null counts as absent.</summary>
    public ConfigNode? GetValue(string key)
    {
        var v = Get(key);
        return v is ScalarNode { Kind: ScalarKind.Null } ? null : v;
    }

    public bool Has(string key) => Get(key) is not null;

    public IEnumerable<string> Keys => Entries.Select(e => e.Key);
}

internal sealed class SeqNode : ConfigNode
{
    public SeqNode(string file, string path, int line, int column)
        : base(file, path, line, column)
    {
    }

    public List<ConfigNode> Items { get; } = new();

    public override string KindName => "a list";
}

internal sealed class ScalarNode : ConfigNode
{
    public ScalarNode(string file, string path, int line, int column, string value, ScalarKind kind)
        : base(file, path, line, column)
    {
        Value = value;
        Kind = kind;
    }

    public string Value { get; }

    public ScalarKind Kind { get; }

    public override string KindName => Kind switch
    {
        ScalarKind.Number => "a number",
        ScalarKind.Bool => "a boolean",
        ScalarKind.Null => "null",
        _ => "a string",
    };

    public bool IsNull => Kind == ScalarKind.Null;

    public override string ToString() => Value;
}
