using System.Globalization;

namespace FirewallSim.Config.Loading;

/// <summary>
/// The <c>--config</c> values of a command line turned into <see cref="ConfigSource"/>s (decision D19):
/// files and directories (a directory contributes its non-hidden files, sorted ordinally, not recursing);
/// <c>PATH@TIME</c> (TIME = epoch seconds or ISO 8601, used only when the whole argument is not itself an
/// existing path) puts PATH into the version of the whole configuration that applies from packet time
/// TIME on. Arguments without @ form the base version; arguments with the same time form one version.
/// </summary>
public sealed record ConfigArguments(IReadOnlyList<ConfigSource> Sources, IReadOnlyList<ConfigDiagnostic> Diagnostics)
{
    public bool HasErrors => Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);

    public static ConfigArguments Parse(IEnumerable<string> args)
    {
        var sources = new List<ConfigSource>();
        var diag = new List<ConfigDiagnostic>();
        var labels = new Dictionary<long, string>();
        foreach (string arg in args)
        {
            string path = arg;
            long time = long.MinValue;
            string label = "base";
            if (!File.Exists(arg) && !Directory.Exists(arg))
            {
                int at = arg.LastIndexOf('@');
                if (at < 0)
                {
                    diag.Add(Error(ConfigDiagnosticCodes.NoSuchPath, "no such file or directory", arg));
                    continue;
                }

                path = arg[..at];
                string timeText = arg[(at + 1)..];
                if (!TryParseTime(timeText, out time))
                {
                    diag.Add(Error(ConfigDiagnosticCodes.InvalidTime,
                        $"not an existing path, and '{timeText}' after the @ is not a time (epoch seconds such as 1714564800 or ISO 8601 such as 2024-05-01T12:00:00Z)",
                        arg));
                    continue;
                }

                if (!File.Exists(path) && !Directory.Exists(path))
                {
                    diag.Add(Error(ConfigDiagnosticCodes.NoSuchPath, $"no such file or directory (in --config {arg})", path));
                    continue;
                }

                label = labels.TryGetValue(time, out string? existing) ? existing : "@" + timeText;
                labels.TryAdd(time, label);
            }

            foreach (string file in Expand(path, diag))
            {
                sources.Add(new ConfigSource(file) { EffectiveFromNs = time, VersionLabel = label });
            }
        }

        return new ConfigArguments(sources, diag);
    }

    private static readonly HashSet<string> DocumentationExtensions = new(StringComparer.OrdinalIgnoreCase) { ".md", ".txt", ".rst", ".adoc" };

    private static IEnumerable<string> Expand(string path, List<ConfigDiagnostic> diag)
    {
        if (!Directory.Exists(path))
        {
            return new[] { path };
        }

        // Documentation beside the exports (README.md, notes.txt) is common in configuration folders;
        // a file named explicitly on the command line is still read whatever its name.
        var files = Directory.GetFiles(path)
            .Where(f => !Path.GetFileName(f).StartsWith('.') && !DocumentationExtensions.Contains(Path.GetExtension(f)))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
        {
            diag.Add(Error(ConfigDiagnosticCodes.EmptyDirectory, "the directory holds no configuration files", path));
        }

        return files;
    }

    /// <summary>Epoch seconds (fractions to the nanosecond allowed) or an ISO 8601 date and time (UTC unless an offset is given) → ns since the epoch.</summary>
    public static bool TryParseTime(string text, out long ns)
    {
        ns = 0;
        text = text.Trim();
        if (text.Length == 0)
        {
            return false;
        }

        if (IsEpoch(text))
        {
            bool negative = text[0] == '-';
            string digits = negative ? text[1..] : text;
            int dot = digits.IndexOf('.', StringComparison.Ordinal);
            string whole = dot < 0 ? digits : digits[..dot];
            string frac = dot < 0 ? string.Empty : digits[(dot + 1)..];
            if (frac.Length > 9 || !long.TryParse(whole, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) || seconds > (long.MaxValue / 1_000_000_000L) - 1)
            {
                return false;
            }

            long fracNs = frac.Length == 0 ? 0 : long.Parse(frac.PadRight(9, '0'), NumberStyles.None, CultureInfo.InvariantCulture);
            ns = (seconds * 1_000_000_000L) + fracNs;
            if (negative)
            {
                ns = -ns;
            }

            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var dto))
        {
            ns = (dto.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
            return true;
        }

        return false;
    }

    private static bool IsEpoch(string text)
    {
        int i = text[0] == '-' ? 1 : 0;
        if (i >= text.Length || !char.IsAsciiDigit(text[i]))
        {
            return false;
        }

        bool dot = false;
        for (; i < text.Length; i++)
        {
            if (text[i] == '.' && !dot)
            {
                dot = true;
            }
            else if (!char.IsAsciiDigit(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static ConfigDiagnostic Error(string code, string message, string path) =>
        new(DiagnosticSeverity.Error, code, message, new SourceLocation(path));
}
