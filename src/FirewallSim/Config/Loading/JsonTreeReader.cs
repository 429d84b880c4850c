using System.Text;
using System.Text.Json;

namespace FirewallSim.Config.Loading;

/// <summary>
/// Reads JSON into a <see cref="ConfigNode"/> tree with the path and line/column of every value. Lenient
/// the way real exports need: trailing commas and comments are accepted (the aws-cli documentation's own
/// describe-security-groups example has a trailing comma).
/// </summary>
internal static class JsonTreeReader
{
    private static readonly JsonReaderOptions Options = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = 256,
    };

    /// <summary>Parses <paramref name="utf8"/>; on a syntax error returns null and the error with its line and column.</summary>
    public static ConfigNode? Read(string file, ReadOnlySpan<byte> utf8, out ConfigDiagnostic? error)
    {
        error = null;
        if (utf8.StartsWith(Encoding.UTF8.Preamble))
        {
            utf8 = utf8[Encoding.UTF8.Preamble.Length..];
        }

        var lines = LineStarts(utf8);
        var reader = new Utf8JsonReader(utf8, Options);
        try
        {
            if (!reader.Read())
            {
                error = new ConfigDiagnostic(DiagnosticSeverity.Error, ConfigDiagnosticCodes.InvalidJson, "the file holds no JSON value", new SourceLocation(file));
                return null;
            }

            var root = ReadValue(ref reader, file, "$", lines);
            if (reader.Read())
            {
                var (l, c) = Position(lines, reader.TokenStartIndex);
                error = new ConfigDiagnostic(DiagnosticSeverity.Error, ConfigDiagnosticCodes.InvalidJson,
                    "invalid JSON: more than one value at the top level", new SourceLocation(file, null, l, c));
                return null;
            }

            return root;
        }
        catch (JsonException ex)
        {
            int line = (int)(ex.LineNumber ?? 0) + 1;
            int col = (int)(ex.BytePositionInLine ?? 0) + 1;
            error = new ConfigDiagnostic(DiagnosticSeverity.Error, ConfigDiagnosticCodes.InvalidJson,
                "invalid JSON: " + TrimJsonMessage(ex.Message), new SourceLocation(file, null, line, col));
            return null;
        }
    }

    private static string TrimJsonMessage(string message)
    {
        // System.Text.Json appends " LineNumber: 3 | BytePositionInLine: 9." — the location is reported separately.
        int i = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return i > 0 ? message[..i].TrimEnd() : message;
    }

    private static ConfigNode ReadValue(ref Utf8JsonReader reader, string file, string path, List<int> lines)
    {
        var (line, col) = Position(lines, reader.TokenStartIndex);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
            {
                var map = new MapNode(file, path, line, col);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    string key = reader.GetString() ?? string.Empty;
                    reader.Read();
                    map.Entries.Add(new(key, ReadValue(ref reader, file, ConfigNode.ChildPath(path, key), lines)));
                }

                return map;
            }

            case JsonTokenType.StartArray:
            {
                var seq = new SeqNode(file, path, line, col);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    seq.Items.Add(ReadValue(ref reader, file, ConfigNode.IndexPath(path, seq.Items.Count), lines));
                }

                return seq;
            }

            case JsonTokenType.String:
                return new ScalarNode(file, path, line, col, reader.GetString() ?? string.Empty, ScalarKind.String);
            case JsonTokenType.Number:
                return new ScalarNode(file, path, line, col, Encoding.UTF8.GetString(reader.ValueSpan), ScalarKind.Number);
            case JsonTokenType.True:
                return new ScalarNode(file, path, line, col, "true", ScalarKind.Bool);
            case JsonTokenType.False:
                return new ScalarNode(file, path, line, col, "false", ScalarKind.Bool);
            default:
                return new ScalarNode(file, path, line, col, string.Empty, ScalarKind.Null);
        }
    }

    private static List<int> LineStarts(ReadOnlySpan<byte> utf8)
    {
        var starts = new List<int> { 0 };
        for (int i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] == (byte)'\n')
            {
                starts.Add(i + 1);
            }
        }

        return starts;
    }

    private static (int Line, int Column) Position(List<int> lineStarts, long offset)
    {
        int idx = lineStarts.BinarySearch((int)offset);
        if (idx < 0)
        {
            idx = ~idx - 1;
        }

        return (idx + 1, (int)offset - lineStarts[idx] + 1);
    }
}
