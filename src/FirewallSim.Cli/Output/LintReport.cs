using System.Buffers;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using FirewallSim.Config;
using FirewallSim.Config.Lint;

namespace FirewallSim.Cli.Output;

/// <summary>The output formats of <c>fwsim lint</c>.</summary>
internal enum LintOutputFormat
{
    Text,
    Json,
    Sarif,
}

/// <summary>Writes lint findings as text (grouped by file), JSON, or SARIF 2.1.0.</summary>
internal static class LintReport
{
    public const string SarifSchema = "https://json.schemastore.org/sarif-2.1.0.json";
    public const string SarifVersion = "2.1.0";
    public const string SourceRootId = "%SRCROOT%";

    public static void Write(TextWriter o, LintOutputFormat format, IReadOnlyList<LintFinding> findings, IReadOnlyList<string> files, string workingDirectory)
    {
        switch (format)
        {
            case LintOutputFormat.Json:
                WriteJson(o, findings, files);
                break;
            case LintOutputFormat.Sarif:
                WriteSarif(o, findings, workingDirectory);
                break;
            default:
                WriteText(o, findings);
                break;
        }
    }

    public static string ToolVersion
    {
        get
        {
            string? v = typeof(LintReport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
            if (string.IsNullOrEmpty(v))
            {
                return "0.0.0";
            }

            int plus = v.IndexOf('+', StringComparison.Ordinal);
            return plus < 0 ? v : v[..plus];
        }
    }

    /// <summary>"2 errors, 1 warning, 0 notes".</summary>
    public static string Summary(IReadOnlyList<LintFinding> findings)
    {
        if (findings.Count == 0)
        {
            return "no findings";
        }

        int e = findings.Count(f => f.Severity == LintSeverity.Error);
        int w = findings.Count(f => f.Severity == LintSeverity.Warning);
        int n = findings.Count(f => f.Severity == LintSeverity.Note);
        static string Count(int c, string word) => string.Create(CultureInfo.InvariantCulture, $"{c} {word}{(c == 1 ? "" : "s")}");
        return string.Create(CultureInfo.InvariantCulture,
            $"{findings.Count} finding{(findings.Count == 1 ? "" : "s")}: {Count(e, "error")}, {Count(w, "warning")}, {Count(n, "note")}");
    }

    // ---- text ---------------------------------------------------------------------------------

    /// <summary>
    /// One block per file, a line per finding: "  LINE:COL  severity  FWS001  message  [json path]",
    /// related places indented below it, a summary at the end.
    /// </summary>
    public static void WriteText(TextWriter o, IReadOnlyList<LintFinding> findings)
    {
        foreach (var block in findings.GroupBy(f => f.Location?.File ?? "(no source location)", StringComparer.Ordinal))
        {
            o.Write(block.Key);
            o.Write('\n');
            foreach (var f in block)
            {
                string where = f.Location is { Line: > 0 } l
                    ? (l.Column > 0 ? string.Create(CultureInfo.InvariantCulture, $"{l.Line}:{l.Column}") : l.Line.ToString(CultureInfo.InvariantCulture))
                    : "-";
                var line = new StringBuilder();
                line.Append("  ").Append(where.PadRight(8)).Append(' ')
                    .Append(f.Severity.Name().PadRight(7)).Append(' ')
                    .Append(f.RuleId).Append(' ').Append(f.Rule.Name).Append(": ")
                    .Append(f.Message);
                if (f.Location?.Path is { Length: > 0 } path)
                {
                    line.Append("  [").Append(path).Append(']');
                }

                if (f.ConfigVersion is not null)
                {
                    line.Append("  (config version ").Append(f.ConfigVersion).Append(')');
                }

                o.Write(line.ToString());
                o.Write('\n');
                foreach (var r in f.Related)
                {
                    o.Write("           related: ");
                    o.Write(r.Message);
                    if (r.Location is not null)
                    {
                        o.Write(" at ");
                        o.Write(r.Location.ToString());
                    }

                    o.Write('\n');
                }
            }

            o.Write('\n');
        }

        o.Write(Summary(findings));
        o.Write('\n');
    }

    // ---- JSON ---------------------------------------------------------------------------------

    public static void WriteJson(TextWriter o, IReadOnlyList<LintFinding> findings, IReadOnlyList<string> files)
    {
        WriteDocument(o, w =>
        {
            w.WriteStartObject();
            w.WriteString("tool", "fwsim");
            w.WriteString("version", ToolVersion);
            w.WriteStartArray("files");
            foreach (string file in files)
            {
                w.WriteStringValue(file);
            }

            w.WriteEndArray();
            w.WriteStartObject("summary");
            w.WriteNumber("findings", findings.Count);
            w.WriteNumber("error", findings.Count(f => f.Severity == LintSeverity.Error));
            w.WriteNumber("warning", findings.Count(f => f.Severity == LintSeverity.Warning));
            w.WriteNumber("note", findings.Count(f => f.Severity == LintSeverity.Note));
            w.WriteEndObject();
            w.WriteStartArray("findings");
            foreach (var f in findings)
            {
                w.WriteStartObject();
                w.WriteString("rule_id", f.RuleId);
                w.WriteString("rule_name", f.Rule.Name);
                w.WriteString("severity", f.Severity.Name());
                w.WriteString("message", f.Message);
                WriteNullableString(w, "resource", f.ResourceId);
                WriteNullableString(w, "logical_name", f.LogicalName);
                WriteNullableString(w, "config_version", f.ConfigVersion);
                WriteJsonLocation(w, "location", f.Location);
                w.WriteStartArray("related");
                foreach (var r in f.Related)
                {
                    w.WriteStartObject();
                    w.WriteString("message", r.Message);
                    WriteNullableString(w, "logical_name", r.LogicalName);
                    WriteJsonLocation(w, "location", r.Location);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static void WriteJsonLocation(Utf8JsonWriter w, string name, SourceLocation? l)
    {
        if (l is null)
        {
            w.WriteNull(name);
            return;
        }

        w.WriteStartObject(name);
        w.WriteString("file", l.File);
        WriteNullableString(w, "path", l.Path);
        if (l.Line > 0)
        {
            w.WriteNumber("line", l.Line);
        }
        else
        {
            w.WriteNull("line");
        }

        if (l.Column > 0)
        {
            w.WriteNumber("column", l.Column);
        }
        else
        {
            w.WriteNull("column");
        }

        w.WriteEndObject();
    }

    private static void WriteNullableString(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    // ---- SARIF 2.1.0 --------------------------------------------------------------------------

    /// <summary>
    /// SARIF 2.1.0: every rule of the catalogue in tool.driver.rules, one result per finding. A location with a
    /// line becomes a physicalLocation region; the JSON path (and the resource) go into logicalLocations and the
    /// location's property bag. Files under the working directory are relative to %SRCROOT%, so CI systems can
    /// place the findings on the template lines.
    /// </summary>
    public static void WriteSarif(TextWriter o, IReadOnlyList<LintFinding> findings, string workingDirectory)
    {
        var rules = LintRules.All;
        bool anyRelative = false;
        WriteDocument(o, w =>
        {
            w.WriteStartObject();
            w.WriteString("$schema", SarifSchema);
            w.WriteString("version", SarifVersion);
            w.WriteStartArray("runs");
            w.WriteStartObject();

            w.WriteStartObject("tool");
            w.WriteStartObject("driver");
            w.WriteString("name", "fwsim");
            w.WriteString("fullName", "FirewallSim lint");
            w.WriteString("version", ToolVersion);
            w.WriteString("semanticVersion", ToolVersion);
            w.WriteStartArray("rules");
            foreach (var rule in rules)
            {
                w.WriteStartObject();
                w.WriteString("id", rule.Id);
                w.WriteString("name", rule.Name);
                w.WriteStartObject("shortDescription");
                w.WriteString("text", rule.ShortDescription);
                w.WriteEndObject();
                w.WriteStartObject("fullDescription");
                w.WriteString("text", rule.FullDescription);
                w.WriteEndObject();
                w.WriteStartObject("help");
                w.WriteString("text", rule.FullDescription);
                w.WriteEndObject();
                if (rule.HelpUri is not null)
                {
                    w.WriteString("helpUri", rule.HelpUri);
                }

                w.WriteStartObject("defaultConfiguration");
                w.WriteString("level", rule.DefaultSeverity.Name());
                w.WriteEndObject();
                w.WriteStartObject("properties");
                w.WriteStartArray("tags");
                w.WriteStringValue("security");
                w.WriteStringValue("aws");
                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject(); // driver
            w.WriteEndObject(); // tool

            w.WriteStartArray("invocations");
            w.WriteStartObject();
            w.WriteBoolean("executionSuccessful", true);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteString("columnKind", "utf16CodeUnits");

            w.WriteStartArray("results");
            foreach (var f in findings)
            {
                w.WriteStartObject();
                w.WriteString("ruleId", f.RuleId);
                w.WriteNumber("ruleIndex", IndexOf(rules, f.Rule));
                w.WriteString("level", f.Severity.Name());
                w.WriteStartObject("message");
                w.WriteString("text", f.Message);
                w.WriteEndObject();
                w.WriteStartArray("locations");
                anyRelative |= WriteSarifLocation(w, f.Location, f.LogicalName, f.ResourceId, null, workingDirectory);
                w.WriteEndArray();
                if (f.Related.Count > 0)
                {
                    w.WriteStartArray("relatedLocations");
                    int id = 1;
                    foreach (var r in f.Related)
                    {
                        anyRelative |= WriteSarifLocation(w, r.Location, r.LogicalName, null, (id++, r.Message), workingDirectory);
                    }

                    w.WriteEndArray();
                }

                if (f.ConfigVersion is not null)
                {
                    w.WriteStartObject("properties");
                    w.WriteString("configVersion", f.ConfigVersion);
                    w.WriteEndObject();
                }

                w.WriteEndObject();
            }

            w.WriteEndArray(); // results

            if (anyRelative)
            {
                w.WriteStartObject("originalUriBaseIds");
                w.WriteStartObject(SourceRootId);
                w.WriteString("uri", DirectoryUri(workingDirectory));
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndObject(); // run
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>Writes one SARIF location object; returns whether it used the %SRCROOT% base.</summary>
    private static bool WriteSarifLocation(Utf8JsonWriter w, SourceLocation? l, string? logicalName, string? resourceId,
        (int Id, string Message)? related, string workingDirectory)
    {
        bool relative = false;
        w.WriteStartObject();
        if (related is { } rel)
        {
            w.WriteNumber("id", rel.Id);
            w.WriteStartObject("message");
            w.WriteString("text", rel.Message);
            w.WriteEndObject();
        }

        if (l is not null && l.File.Length > 0)
        {
            var (uri, baseId) = ArtifactUri(l.File, workingDirectory);
            relative = baseId is not null;
            w.WriteStartObject("physicalLocation");
            w.WriteStartObject("artifactLocation");
            w.WriteString("uri", uri);
            if (baseId is not null)
            {
                w.WriteString("uriBaseId", baseId);
            }

            w.WriteEndObject();
            if (l.Line > 0)
            {
                w.WriteStartObject("region");
                w.WriteNumber("startLine", l.Line);
                if (l.Column > 0)
                {
                    w.WriteNumber("startColumn", l.Column);
                }

                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        if (logicalName is not null || l?.Path is { Length: > 0 })
        {
            w.WriteStartArray("logicalLocations");
            if (logicalName is not null)
            {
                w.WriteStartObject();
                w.WriteString("name", resourceId ?? logicalName);
                w.WriteString("fullyQualifiedName", logicalName);
                w.WriteString("kind", "resource");
                w.WriteEndObject();
            }

            if (l?.Path is { Length: > 0 } jsonPath)
            {
                w.WriteStartObject();
                w.WriteString("fullyQualifiedName", jsonPath);
                w.WriteString("kind", "element");
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        if (l?.Path is { Length: > 0 } path)
        {
            w.WriteStartObject("properties");
            w.WriteString("jsonPath", path);
            w.WriteEndObject();
        }

        w.WriteEndObject();
        return relative;
    }

    /// <summary>
    /// A relative path (or one under the working directory) becomes a relative URI reference against %SRCROOT%;
    /// anything else an absolute file: URI.
    /// </summary>
    internal static (string Uri, string? BaseId) ArtifactUri(string file, string workingDirectory)
    {
        if (file.Contains("://", StringComparison.Ordinal))
        {
            return (file, null);
        }

        string full = Path.GetFullPath(file, workingDirectory);
        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(workingDirectory)) + Path.DirectorySeparatorChar;
        if (full.StartsWith(root, StringComparison.Ordinal))
        {
            string relative = full[root.Length..].Replace(Path.DirectorySeparatorChar, '/');
            return (string.Join('/', relative.Split('/').Select(Uri.EscapeDataString)), SourceRootId);
        }

        return (new Uri(full).AbsoluteUri, null);
    }

    private static string DirectoryUri(string directory)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)) + Path.DirectorySeparatorChar;
        return new Uri(full).AbsoluteUri;
    }

    private static int IndexOf(IReadOnlyList<LintRule> rules, LintRule rule)
    {
        for (int i = 0; i < rules.Count; i++)
        {
            if (ReferenceEquals(rules[i], rule) || rules[i].Id == rule.Id)
            {
                return i;
            }
        }

        return -1;
    }

    private static void WriteDocument(TextWriter o, Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            body(w);
        }

        o.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
        o.Write('\n');
    }
}
