using System.Globalization;
using System.Text;
using FirewallSim.Config.Validation;

namespace FirewallSim.Config.Loading;

/// <summary>
/// Loads configuration files into a <see cref="ConfigTimeline"/>: every file is recognised by its
/// content (not its name), read into the model, merged with the other files of its version and
/// validated. Every problem is reported at once; with any error the timeline is null.
/// </summary>
public static class ConfigLoader
{
    /// <summary>Loads <paramref name="sources"/> (see <see cref="ConfigArguments.Parse"/> for building them from --config values).</summary>
    public static ConfigLoadResult Load(IReadOnlyList<ConfigSource> sources, ConfigLoadOptions? options = null)
    {
        options ??= ConfigLoadOptions.Default;
        var diag = new DiagnosticBag();
        if (sources.Count == 0)
        {
            diag.Error(ConfigDiagnosticCodes.MissingField, "no configuration files were given", (SourceLocation?)null);
            return new ConfigLoadResult(null, diag.Items);
        }

        var groups = sources.GroupBy(s => s.EffectiveFromNs).OrderBy(g => g.Key).ToList();
        var versions = new List<ConfigVersion>(groups.Count);
        foreach (var group in groups)
        {
            var builder = new ConfigBuilder(diag, options);
            foreach (var source in group)
            {
                LoadFile(source, builder);
            }

            var config = builder.Build();
            diag.AddRange(ConfigValidator.Validate(config, options.Strict));
            string label = group.Key == long.MinValue ? "base" : group.First().VersionLabel ?? "@" + group.Key.ToString(CultureInfo.InvariantCulture);
            versions.Add(new ConfigVersion(group.Key, config, label));
        }

        if (versions[0].EffectiveFromNs != long.MinValue)
        {
            diag.Warning(ConfigDiagnosticCodes.NoBaseVersion,
                $"no base configuration (a --config without @TIME) was given; the earliest version ({versions[0].Label}) also applies to the packets before it",
                (SourceLocation?)null);
            versions[0] = versions[0] with { EffectiveFromNs = long.MinValue };
        }

        // The same file in several versions reports the same problem once; an empty configuration is worth
        // a warning only when nothing else explains it.
        var diagnostics = diag.Items.Distinct().ToList();
        bool errors = diagnostics.Exists(d => d.Severity == DiagnosticSeverity.Error);
        if (errors)
        {
            diagnostics.RemoveAll(d => d.Code == ConfigDiagnosticCodes.EmptyConfiguration);
        }

        return new ConfigLoadResult(errors ? null : new ConfigTimeline(versions), diagnostics);
    }

    /// <summary>Loads one configuration (a single version) from in-memory or on-disk sources; convenience for tests and tools.</summary>
    public static ConfigLoadResult Load(params ConfigSource[] sources) => Load((IReadOnlyList<ConfigSource>)sources);

    private static void LoadFile(ConfigSource source, ConfigBuilder b)
    {
        var d = b.Diagnostics;
        string file = source.Path;
        b.AddFile(file);
        byte[] bytes;
        try
        {
            bytes = source.Text is not null ? Encoding.UTF8.GetBytes(source.Text) : File.ReadAllBytes(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            d.Error(ConfigDiagnosticCodes.UnreadableFile, "cannot read the file: " + ex.Message, new SourceLocation(file));
            return;
        }

        foreach (var root in Parse(file, bytes, d))
        {
            Dispatch(root, file, b);
        }
    }

    private static List<ConfigNode> Parse(string file, byte[] bytes, DiagnosticBag d)
    {
        var span = bytes.AsSpan();
        int i = span.StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0;
        i = SkipSpaceAndComments(span, i);

        if (i == span.Length)
        {
            d.Error(ConfigDiagnosticCodes.UnknownFormat, "the file is empty", new SourceLocation(file));
            return new List<ConfigNode>();
        }

        string ext = Path.GetExtension(file).ToLowerInvariant();
        bool yamlName = ext is ".yaml" or ".yml";
        if (span[i] is (byte)'{' or (byte)'[')
        {
            var root = JsonTreeReader.Read(file, span, out var jsonError);
            if (root is not null)
            {
                return new List<ConfigNode> { root };
            }

            if (!yamlName)
            {
                d.Add(jsonError!);
                return new List<ConfigNode>();
            }
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(span[(span.StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0)..]);
        }
        catch (DecoderFallbackException)
        {
            d.Error(ConfigDiagnosticCodes.UnknownFormat, "the file is not UTF-8 text (binary data?)", new SourceLocation(file));
            return new List<ConfigNode>();
        }

        var documents = YamlTreeReader.Read(file, text, out var yamlError);
        if (documents is null)
        {
            // A file that does not even parse as YAML and is not named like YAML is most likely not a configuration at all.
            d.Add(yamlName ? yamlError! : yamlError! with
            {
                Code = ConfigDiagnosticCodes.UnknownFormat,
                Message = "not a configuration FirewallSim knows: neither JSON nor YAML (" + yamlError!.Message + ")",
            });
            return new List<ConfigNode>();
        }

        if (documents.Count == 0)
        {
            d.Error(ConfigDiagnosticCodes.UnknownFormat, "the file holds no document", new SourceLocation(file));
        }

        return documents;
    }

    /// <summary>Skips whitespace and JSON comments (// …, /* … */) so that a commented JSON file is still recognised as JSON.</summary>
    private static int SkipSpaceAndComments(ReadOnlySpan<byte> span, int i)
    {
        while (i < span.Length)
        {
            if (span[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                i++;
            }
            else if (i + 1 < span.Length && span[i] == '/' && span[i + 1] == '/')
            {
                int nl = span[i..].IndexOf((byte)'\n');
                i = nl < 0 ? span.Length : i + nl + 1;
            }
            else if (i + 1 < span.Length && span[i] == '/' && span[i + 1] == '*')
            {
                int end = span[(i + 2)..].IndexOf("*/"u8);
                i = end < 0 ? span.Length : i + 2 + end + 2;
            }
            else
            {
                break;
            }
        }

        return i;
    }

    private static void Dispatch(ConfigNode root, string file, ConfigBuilder b)
    {
        if (root is SeqNode list && AwsCliReader.WrapperKeyForList(list) is { } key)
        {
            var wrapper = new MapNode(file, "$", list.Line, list.Column);
            wrapper.Entries.Add(new(key, list));
            AwsCliReader.Read(wrapper, file, b);
            return;
        }

        if (root is MapNode map)
        {
            // botocore placebo recordings (cloud-custodian tests): {"status_code": 200, "data": {…the response…}}.
            if (map.Has("status_code") && map.GetValue("data") is MapNode data)
            {
                map = data;
            }

            if (map.Has("fwsim_lab"))
            {
                LabReader.Read(map, b);
                return;
            }

            if (map.GetValue("Resources") is MapNode && (map.Has("AWSTemplateFormatVersion") || CloudFormationReader.LooksLikeTemplate(map)))
            {
                CloudFormationReader.Read(map, b);
                return;
            }

            if (TerraformReader.Recognises(map))
            {
                TerraformReader.Read(map, b);
                return;
            }

            if (AwsCliReader.Recognises(map))
            {
                AwsCliReader.Read(map, file, b);
                return;
            }

            string keys = map.Entries.Count == 0 ? "none" : string.Join(", ", map.Keys.Take(8)) + (map.Entries.Count > 8 ? ", …" : "");
            b.Diagnostics.Error(ConfigDiagnosticCodes.UnknownFormat,
                $"not a configuration FirewallSim knows (top-level keys: {keys}); expected AWS CLI describe output (SecurityGroups, SecurityGroupRules, NetworkInterfaces, Subnets, Vpcs, NetworkAcls, PrefixLists, Entries), a CloudFormation template (Resources), terraform show -json output (format_version with values or planned_values) or a lab file (fwsim_lab: 1)",
                new SourceLocation(file, null, root.Line, root.Column));
            return;
        }

        b.Diagnostics.Error(ConfigDiagnosticCodes.UnknownFormat,
            $"not a configuration FirewallSim knows: the document is {root.KindName}, expected an object with SecurityGroups, NetworkInterfaces, Resources, format_version, fwsim_lab…",
            new SourceLocation(file, null, root.Line, root.Column));
    }
}
