using FirewallSim.Config;
using FirewallSim.Config.Loading;
using FirewallSim.Net;

namespace FirewallSim.Tests.Config.Loading;

/// <summary>Loading helpers for the configuration tests: in-memory files, assertions on diagnostics.</summary>
internal static class Load
{
    public static ConfigLoadResult Texts(bool strict, params (string Name, string Text)[] files) =>
        ConfigLoader.Load(files.Select(f => new ConfigSource(f.Name) { Text = f.Text }).ToArray(), new ConfigLoadOptions { Strict = strict });

    public static ConfigLoadResult Text(string name, string text, bool strict = false) => Texts(strict, (name, text));

    /// <summary>Loads and asserts that there is no error; returns the base configuration.</summary>
    public static AwsConfig Ok(string name, string text) => Ok(Text(name, text));

    public static AwsConfig Ok(ConfigLoadResult result)
    {
        Assert.True(!result.HasErrors, "unexpected errors:\n" + string.Join("\n", result.Errors));
        Assert.NotNull(result.Timeline);
        return result.Timeline!.Initial;
    }

    public static ConfigDiagnostic One(ConfigLoadResult result, string code, DiagnosticSeverity? severity = null)
    {
        var matches = result.Diagnostics.Where(d => d.Code == code && (severity is null || d.Severity == severity)).ToList();
        Assert.True(matches.Count == 1, $"expected one {code} diagnostic, found {matches.Count}:\n" + string.Join("\n", result.Diagnostics));
        return matches[0];
    }

    public static IReadOnlyList<ConfigDiagnostic> All(ConfigLoadResult result, string code) =>
        result.Diagnostics.Where(d => d.Code == code).ToList();

    public static IpPrefix P(string cidr) => IpPrefix.Parse(cidr);

    public static IpAddr A(string address) => IpAddr.Parse(address);
}
