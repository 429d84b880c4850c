using System.Text;
using FirewallSim.Tests.Support;

namespace FirewallSim.Cli.Tests.Golden;

/// <summary>
/// Compares an output with its committed golden file under samples/expected/. Set FWSIM_UPDATE_GOLDEN=1
/// to rewrite the golden files from the current output (then review the diff with git).
/// </summary>
internal static class GoldenFile
{
    public static string Directory(string scenario) => Path.Combine(TestPaths.Samples, "expected", scenario);

    public static void Matches(string scenario, string name, string actual)
    {
        string path = Path.Combine(Directory(scenario), name);
        actual = actual.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (Environment.GetEnvironmentVariable("FWSIM_UPDATE_GOLDEN") == "1")
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual, new UTF8Encoding(false));
        }

        Assert.True(File.Exists(path), $"golden file {path} is missing; run with FWSIM_UPDATE_GOLDEN=1 to create it");
        string expected = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
        if (expected != actual)
        {
            Assert.Fail($"{name} differs from {path} (FWSIM_UPDATE_GOLDEN=1 rewrites it):\n{Diff(expected, actual)}");
        }
    }

    /// <summary>The first differing lines with a little context, enough to see what changed.</summary>
    private static string Diff(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        var sb = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < Math.Max(e.Length, a.Length) && shown < 12; i++)
        {
            string? x = i < e.Length ? e[i] : null;
            string? y = i < a.Length ? a[i] : null;
            if (x == y)
            {
                continue;
            }

            sb.Append("line ").Append(i + 1).Append('\n');
            sb.Append("- ").Append(x ?? "<end>").Append('\n');
            sb.Append("+ ").Append(y ?? "<end>").Append('\n');
            shown++;
        }

        sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"({e.Length} expected lines, {a.Length} actual)");
        return sb.ToString();
    }
}
