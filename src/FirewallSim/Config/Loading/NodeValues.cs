using System.Globalization;

namespace FirewallSim.Config.Loading;

/// <summary>Typed reads from a <see cref="MapNode"/>; a value of the wrong type is an error at its place.</summary>
internal static class NodeValues
{
    /// <summary>A string (numbers and booleans as written); null when absent or null.</summary>
    public static string? Str(this MapNode map, string key, DiagnosticBag diag)
    {
        var node = map.GetValue(key);
        if (node is null)
        {
            return null;
        }

        if (node is ScalarNode s)
        {
            return s.Value;
        }

        diag.Error(ConfigDiagnosticCodes.InvalidValue, $"{key} must be a string, not {node.KindName}", node);
        return null;
    }

    /// <summary>A string that must be present and non-empty; reports <see cref="ConfigDiagnosticCodes.MissingField"/> otherwise.</summary>
    public static string? Required(this MapNode map, string key, DiagnosticBag diag, string what)
    {
        string? s = map.Str(key, diag);
        if (string.IsNullOrWhiteSpace(s))
        {
            diag.Error(ConfigDiagnosticCodes.MissingField, $"{what} has no {key}", map);
            return null;
        }

        return s.Trim();
    }

    public static int? Int(this MapNode map, string key, DiagnosticBag diag)
    {
        var node = map.GetValue(key);
        return node is null ? null : ToInt(node, key, diag);
    }

    public static int? ToInt(ConfigNode node, string what, DiagnosticBag diag)
    {
        if (node is ScalarNode s && TryInt(s.Value, out int v))
        {
            return v;
        }

        diag.Error(ConfigDiagnosticCodes.InvalidValue, $"{what} must be an integer, not {Describe(node)}", node);
        return null;
    }

    public static bool TryInt(string text, out int value)
    {
        text = text.Trim();
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        // 80.0 from some JSON writers.
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d == Math.Floor(d) && d >= int.MinValue && d <= int.MaxValue)
        {
            value = (int)d;
            return true;
        }

        return false;
    }

    public static long? Long(this MapNode map, string key, DiagnosticBag diag)
    {
        var node = map.GetValue(key);
        if (node is null)
        {
            return null;
        }

        if (node is ScalarNode s && long.TryParse(s.Value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long v))
        {
            return v;
        }

        diag.Error(ConfigDiagnosticCodes.InvalidValue, $"{key} must be an integer, not {Describe(node)}", node);
        return null;
    }

    public static bool? Bool(this MapNode map, string key, DiagnosticBag diag)
    {
        var node = map.GetValue(key);
        return node is null ? null : ToBool(node, key, diag);
    }

    public static bool? ToBool(ConfigNode node, string what, DiagnosticBag diag)
    {
        if (node is ScalarNode s)
        {
            switch (s.Value.Trim().ToLowerInvariant())
            {
                case "true":
                case "yes":
                    return true;
                case "false":
                case "no":
                    return false;
            }
        }

        diag.Error(ConfigDiagnosticCodes.InvalidValue, $"{what} must be true or false, not {Describe(node)}", node);
        return null;
    }

    public static MapNode? Obj(this MapNode map, string key, DiagnosticBag diag)
    {
        var node = map.GetValue(key);
        if (node is null)
        {
            return null;
        }

        if (node is MapNode m)
        {
            return m;
        }

        diag.Error(ConfigDiagnosticCodes.InvalidValue, $"{key} must be an object, not {node.KindName}", node);
        return null;
    }

    /// <summary>The elements of a list of objects; absent = empty.</summary>
    public static IEnumerable<MapNode> Objects(this MapNode map, string key, DiagnosticBag diag)
    {
        var node = map.GetValue(key);
        if (node is null)
        {
            return Array.Empty<MapNode>();
        }

        return Objects(node, key, diag);
    }

    public static IEnumerable<MapNode> Objects(ConfigNode node, string what, DiagnosticBag diag)
    {
        if (node is not SeqNode seq)
        {
            diag.Error(ConfigDiagnosticCodes.InvalidValue, $"{what} must be a list, not {node.KindName}", node);
            return Array.Empty<MapNode>();
        }

        var result = new List<MapNode>(seq.Items.Count);
        foreach (var item in seq.Items)
        {
            if (item is MapNode m)
            {
                result.Add(m);
            }
            else
            {
                diag.Error(ConfigDiagnosticCodes.InvalidValue, $"each element of {what} must be an object, not {item.KindName}", item);
            }
        }

        return result;
    }

    /// <summary>The elements of a list of scalars; a single scalar counts as a one-element list.</summary>
    public static IEnumerable<ScalarNode> Scalars(this MapNode map, string key, DiagnosticBag diag)
    {
        var node = map.GetValue(key);
        if (node is null)
        {
            return Array.Empty<ScalarNode>();
        }

        if (node is ScalarNode single)
        {
            return new[] { single };
        }

        if (node is not SeqNode seq)
        {
            diag.Error(ConfigDiagnosticCodes.InvalidValue, $"{key} must be a list, not {node.KindName}", node);
            return Array.Empty<ScalarNode>();
        }

        var result = new List<ScalarNode>(seq.Items.Count);
        foreach (var item in seq.Items)
        {
            if (item is ScalarNode { IsNull: false } s)
            {
                result.Add(s);
            }
            else if (item is not ScalarNode)
            {
                diag.Error(ConfigDiagnosticCodes.InvalidValue, $"each element of {key} must be a string, not {item.KindName}", item);
            }
        }

        return result;
    }

    public static string Describe(ConfigNode node) => node is ScalarNode s ? $"'{s.Value}'" : node.KindName;
}
