using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace FirewallSim.Config.Loading;

/// <summary>
/// Reads YAML into <see cref="ConfigNode"/> trees (one per document) from the parser's events, so that
/// duplicate keys and unknown tags do not stop it. CloudFormation's short-form tags are turned into
/// their long form while reading: <c>!Ref X</c> becomes <c>{Ref: X}</c>, <c>!GetAtt A.B</c> becomes
/// <c>{Fn::GetAtt: [A, B]}</c>, <c>!Sub …</c> becomes <c>{Fn::Sub: …}</c> and so on.
/// </summary>
internal static partial class YamlTreeReader
{
    private static readonly HashSet<string> FnTags = new(StringComparer.Ordinal)
    {
        "Base64", "Cidr", "FindInMap", "GetAZs", "ImportValue", "Join", "Select", "Split", "Sub", "Transform",
        "If", "Equals", "Not", "And", "Or", "Length", "ToJsonString", "ForEach",
    };

    public static List<ConfigNode>? Read(string file, string text, out ConfigDiagnostic? error)
    {
        error = null;
        var documents = new List<ConfigNode>();
        var parser = new Parser(new StringReader(text));
        try
        {
            var anchors = new Dictionary<string, ConfigNode>(StringComparer.Ordinal);
            parser.Consume<StreamStart>();
            while (parser.TryConsume<DocumentStart>(out _))
            {
                anchors.Clear();
                if (parser.Accept<DocumentEnd>(out _))
                {
                    parser.Consume<DocumentEnd>();
                    continue;
                }

                documents.Add(ReadNode(parser, file, "$", anchors));
                parser.Consume<DocumentEnd>();
            }

            parser.Consume<StreamEnd>();
            return documents;
        }
        catch (YamlException ex)
        {
            error = new ConfigDiagnostic(DiagnosticSeverity.Error, ConfigDiagnosticCodes.InvalidYaml,
                "invalid YAML: " + TrimMessage(ex.Message), new SourceLocation(file, null, (int)ex.Start.Line, (int)ex.Start.Column));
            return null;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet's scanner throws this on some malformed flow collections; report where parsing stopped.
            var at = parser.Current?.End ?? Mark.Empty;
            error = new ConfigDiagnostic(DiagnosticSeverity.Error, ConfigDiagnosticCodes.InvalidYaml,
                "invalid YAML: the document is malformed after this point (an unclosed [ or {?)", new SourceLocation(file, null, (int)at.Line, (int)at.Column));
            return null;
        }
    }

    private static string TrimMessage(string message)
    {
        // "(Line: 3, Col: 5, Idx: 20) - (Line: 3, Col: 6, Idx: 21): While scanning…": the location is reported separately.
        var m = MarkPrefix().Match(message);
        return m.Success ? message[m.Length..] : message;
    }

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\):\s*")]
    private static partial Regex MarkPrefix();

    private static ConfigNode ReadNode(IParser parser, string file, string path, Dictionary<string, ConfigNode> anchors)
    {
        var parsed = parser.Consume<ParsingEvent>();
        int line = (int)parsed.Start.Line, col = (int)parsed.Start.Column;
        if (parsed is AnchorAlias alias)
        {
            if (anchors.TryGetValue(alias.Value.Value, out var target))
            {
                return target;
            }

            throw new YamlException(parsed.Start, parsed.End, $"alias *{alias.Value.Value} names no anchor");
        }

        if (parsed is not NodeEvent ev)
        {
            throw new YamlException(parsed.Start, parsed.End, "expected a value");
        }

        ConfigNode node;
        switch (ev)
        {
            case MappingStart:
            {
                var map = new MapNode(file, path, line, col);
                var merged = new List<KeyValuePair<string, ConfigNode>>();
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    var keyNode = ReadNode(parser, file, path, anchors);
                    string key = keyNode is ScalarNode s ? s.Value : "?";
                    var value = ReadNode(parser, file, ConfigNode.ChildPath(path, key), anchors);
                    if (key == "<<" && value is MapNode merge)
                    {
                        // YAML merge key: the merged mapping's entries, unless the mapping sets them itself.
                        merged.AddRange(merge.Entries);
                        continue;
                    }

                    map.Entries.Add(new(key, value));
                }

                foreach (var kv in merged)
                {
                    if (!map.Entries.Exists(e => e.Key == kv.Key))
                    {
                        map.Entries.Add(kv);
                    }
                }

                node = map;
                break;
            }

            case SequenceStart:
            {
                var seq = new SeqNode(file, path, line, col);
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    seq.Items.Add(ReadNode(parser, file, ConfigNode.IndexPath(path, seq.Items.Count), anchors));
                }

                node = seq;
                break;
            }

            default:
            {
                var scalar = (Scalar)ev;
                node = new ScalarNode(file, path, line, col, scalar.Value, ScalarKindOf(scalar));
                break;
            }
        }

        if (!ev.Tag.IsEmpty && !ev.Tag.IsNonSpecific)
        {
            node = ApplyTag(ev.Tag.Value, node, file, path, line, col);
        }

        if (!ev.Anchor.IsEmpty)
        {
            anchors[ev.Anchor.Value] = node;
        }

        return node;
    }

    private static ScalarKind ScalarKindOf(Scalar s)
    {
        if (!s.Tag.IsEmpty && !s.Tag.IsNonSpecific)
        {
            return s.Tag.Value switch
            {
                "tag:yaml.org,2002:int" or "tag:yaml.org,2002:float" => ScalarKind.Number,
                "tag:yaml.org,2002:bool" => ScalarKind.Bool,
                "tag:yaml.org,2002:null" => ScalarKind.Null,
                _ => ScalarKind.String,
            };
        }

        if (s.Style != ScalarStyle.Plain)
        {
            return ScalarKind.String;
        }

        string v = s.Value;
        if (v.Length == 0 || v == "~" || v is "null" or "Null" or "NULL")
        {
            return ScalarKind.Null;
        }

        if (v is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
        {
            return ScalarKind.Bool;
        }

        return NumberPattern().IsMatch(v) ? ScalarKind.Number : ScalarKind.String;
    }

    [GeneratedRegex(@"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")]
    private static partial Regex NumberPattern();

    private static ConfigNode ApplyTag(string tag, ConfigNode value, string file, string path, int line, int col)
    {
        if (!tag.StartsWith('!') || tag.StartsWith("!!", StringComparison.Ordinal))
        {
            return value;
        }

        string name = tag[1..];
        string? key = name switch
        {
            "Ref" => "Ref",
            "Condition" => "Condition",
            "GetAtt" => "Fn::GetAtt",
            _ => FnTags.Contains(name) ? "Fn::" + name : null,
        };
        if (key is null)
        {
            return value;
        }

        // An empty plain scalar under a tag (!GetAZs '') is the empty string, not null.
        if (value is ScalarNode { Kind: ScalarKind.Null } empty)
        {
            value = new ScalarNode(file, path, empty.Line, empty.Column, empty.Value, ScalarKind.String);
        }

        if (key == "Fn::GetAtt" && value is ScalarNode dotted)
        {
            // !GetAtt Resource.Attribute (the attribute itself may contain dots).
            var seq = new SeqNode(file, path, line, col);
            int dot = dotted.Value.IndexOf('.', StringComparison.Ordinal);
            string resource = dot < 0 ? dotted.Value : dotted.Value[..dot];
            string attribute = dot < 0 ? string.Empty : dotted.Value[(dot + 1)..];
            seq.Items.Add(new ScalarNode(file, path, dotted.Line, dotted.Column, resource, ScalarKind.String));
            seq.Items.Add(new ScalarNode(file, path, dotted.Line, dotted.Column, attribute, ScalarKind.String));
            value = seq;
        }

        var map = new MapNode(file, path, line, col);
        map.Entries.Add(new(key, value));
        return map;
    }
}
