using System.Text.Json;
using System.Text.RegularExpressions;
using FirewallSim.Cli.Output;
using FirewallSim.Config;
using FirewallSim.Config.Lint;
using FirewallSim.Tests.Config.Lint;
using static FirewallSim.Cli.Tests.Commands.LintCliHarness;

namespace FirewallSim.Cli.Tests.Commands;

public class LintSarifTests
{
    private static readonly string[] Levels = { "error", "warning", "note" };

    private static async Task<JsonDocument> SarifAsync(AwsConfig config, params string[] extra)
    {
        var r = await RunAsync(Returning(config), new[] { "lint", "--config", "cfg", "--output-format", "sarif", "--fail-on", "none" }.Concat(extra).ToArray());
        Assert.Equal(ExitCodes.Ok, r.Exit);
        var doc = JsonDocument.Parse(r.Out);
        Validate(doc.RootElement);
        return doc;
    }

    /// <summary>The parts of the SARIF 2.1.0 schema that code-scanning tools rely on.</summary>
    private static void Validate(JsonElement root)
    {
        Assert.Equal("2.1.0", root.GetProperty("version").GetString());
        Assert.Equal(LintReport.SarifSchema, root.GetProperty("$schema").GetString());
        var runs = root.GetProperty("runs");
        Assert.Equal(1, runs.GetArrayLength());
        var run = runs[0];
        var driver = run.GetProperty("tool").GetProperty("driver");
        Assert.Equal("fwsim", driver.GetProperty("name").GetString());
        var rules = driver.GetProperty("rules").EnumerateArray().ToList();
        Assert.Equal(LintRules.All.Count, rules.Count);
        var ids = new List<string>();
        foreach (var rule in rules)
        {
            string id = rule.GetProperty("id").GetString()!;
            Assert.Matches(new Regex(@"^FWS\d{3}$"), id);
            ids.Add(id);
            Assert.False(string.IsNullOrEmpty(rule.GetProperty("name").GetString()));
            Assert.False(string.IsNullOrEmpty(rule.GetProperty("shortDescription").GetProperty("text").GetString()));
            Assert.Contains(rule.GetProperty("defaultConfiguration").GetProperty("level").GetString(), Levels);
            if (rule.TryGetProperty("helpUri", out var help))
            {
                Assert.True(Uri.IsWellFormedUriString(help.GetString(), UriKind.Absolute));
            }
        }

        Assert.Equal(ids.Count, ids.Distinct().Count());
        var baseIds = run.TryGetProperty("originalUriBaseIds", out var b)
            ? b.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetProperty("uri").GetString()!)
            : new Dictionary<string, string>();
        foreach (var uri in baseIds.Values)
        {
            Assert.True(Uri.IsWellFormedUriString(uri, UriKind.Absolute));
            Assert.EndsWith("/", uri, StringComparison.Ordinal);
        }

        foreach (var result in run.GetProperty("results").EnumerateArray())
        {
            string ruleId = result.GetProperty("ruleId").GetString()!;
            Assert.Contains(ruleId, ids);
            Assert.Equal(ruleId, ids[result.GetProperty("ruleIndex").GetInt32()]);
            Assert.Contains(result.GetProperty("level").GetString(), Levels);
            Assert.False(string.IsNullOrEmpty(result.GetProperty("message").GetProperty("text").GetString()));
            var locations = result.GetProperty("locations").EnumerateArray().ToList();
            Assert.NotEmpty(locations);
            foreach (var location in locations)
            {
                ValidateLocation(location, baseIds);
            }

            if (result.TryGetProperty("relatedLocations", out var related))
            {
                foreach (var location in related.EnumerateArray())
                {
                    Assert.True(location.GetProperty("id").GetInt32() >= 0);
                    Assert.False(string.IsNullOrEmpty(location.GetProperty("message").GetProperty("text").GetString()));
                    ValidateLocation(location, baseIds);
                }
            }
        }
    }

    private static void ValidateLocation(JsonElement location, Dictionary<string, string> baseIds)
    {
        bool physical = location.TryGetProperty("physicalLocation", out var p);
        bool logical = location.TryGetProperty("logicalLocations", out var l);
        Assert.True(physical || logical, "a location needs a physical or a logical location");
        if (physical)
        {
            var artifact = p.GetProperty("artifactLocation");
            string uri = artifact.GetProperty("uri").GetString()!;
            Assert.True(Uri.TryCreate(uri, UriKind.RelativeOrAbsolute, out _), uri);
            if (artifact.TryGetProperty("uriBaseId", out var baseId))
            {
                Assert.True(baseIds.ContainsKey(baseId.GetString()!));
                Assert.False(Uri.IsWellFormedUriString(uri, UriKind.Absolute));
            }
            else
            {
                Assert.True(Uri.IsWellFormedUriString(uri, UriKind.Absolute), uri);
            }

            if (p.TryGetProperty("region", out var region))
            {
                Assert.True(region.GetProperty("startLine").GetInt32() >= 1);
                if (region.TryGetProperty("startColumn", out var column))
                {
                    Assert.True(column.GetInt32() >= 1);
                }
            }
        }

        if (logical)
        {
            foreach (var entry in l.EnumerateArray())
            {
                Assert.False(string.IsNullOrEmpty(entry.GetProperty("fullyQualifiedName").GetString()));
            }
        }
    }

    [Fact]
    public async Task Findings_become_results_next_to_their_template_lines()
    {
        var config = new AwsConfigBuilder().Vpc()
            .Group("sg-web", g => g.In("tcp", "22", "0.0.0.0/0"))
            .Eni("eni-1", "10.0.1.10", "sg-web")
            .Build();
        using var doc = await SarifAsync(config);
        var run = doc.RootElement.GetProperty("runs")[0];
        var result = Assert.Single(run.GetProperty("results").EnumerateArray());
        Assert.Equal("FWS001", result.GetProperty("ruleId").GetString());
        Assert.Equal("error", result.GetProperty("level").GetString());
        Assert.StartsWith("sg-web inbound[0] tcp 22 from 0.0.0.0/0", result.GetProperty("message").GetProperty("text").GetString(), StringComparison.Ordinal);
        var location = result.GetProperty("locations")[0];
        var physical = location.GetProperty("physicalLocation");
        Assert.Equal(AwsConfigBuilder.File, physical.GetProperty("artifactLocation").GetProperty("uri").GetString());
        Assert.Equal(LintReport.SourceRootId, physical.GetProperty("artifactLocation").GetProperty("uriBaseId").GetString());
        var source = config.InRule("sg-web", 0).Source!;
        Assert.Equal(source.Line, physical.GetProperty("region").GetProperty("startLine").GetInt32());
        Assert.Equal(source.Column, physical.GetProperty("region").GetProperty("startColumn").GetInt32());
        Assert.Equal(source.Path, location.GetProperty("properties").GetProperty("jsonPath").GetString());
        Assert.Contains(location.GetProperty("logicalLocations").EnumerateArray(),
            e => e.GetProperty("fullyQualifiedName").GetString() == "sg-web/inbound[0]" && e.GetProperty("name").GetString() == "sg-web");

        var driverRule = run.GetProperty("tool").GetProperty("driver").GetProperty("rules")[result.GetProperty("ruleIndex").GetInt32()];
        Assert.Equal("open-remote-access", driverRule.GetProperty("name").GetString());
        Assert.Equal("error", driverRule.GetProperty("defaultConfiguration").GetProperty("level").GetString());
        Assert.StartsWith("file:///", run.GetProperty("originalUriBaseIds").GetProperty(LintReport.SourceRootId).GetProperty("uri").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_json_path_only_location_has_no_region_but_a_logical_location()
    {
        var source = new SourceLocation("describe-security-groups.json", "$.SecurityGroups[0].IpPermissions[0]");
        var config = new AwsConfigBuilder().Vpc()
            .Group("sg-db", g => g.In("tcp", "5432", "::/0", r => r with { Source = source }))
            .Eni("eni-1", "10.0.1.10", "sg-db")
            .Build();
        using var doc = await SarifAsync(config);
        var result = Assert.Single(doc.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray());
        Assert.Equal("FWS002", result.GetProperty("ruleId").GetString());
        var location = result.GetProperty("locations")[0];
        var physical = location.GetProperty("physicalLocation");
        Assert.Equal("describe-security-groups.json", physical.GetProperty("artifactLocation").GetProperty("uri").GetString());
        Assert.False(physical.TryGetProperty("region", out _));
        Assert.Contains(location.GetProperty("logicalLocations").EnumerateArray(),
            e => e.GetProperty("fullyQualifiedName").GetString() == source.Path);
        Assert.Equal(source.Path, location.GetProperty("properties").GetProperty("jsonPath").GetString());
    }

    [Fact]
    public async Task Redundant_rules_point_to_the_wider_rule_as_a_related_location()
    {
        var config = new AwsConfigBuilder().Vpc()
            .Group("sg-a", g => g.In("tcp", "8080", "10.0.1.0/24"))
            .Group("sg-b", g => g.In("tcp", "8000-8999", "10.0.0.0/16"))
            .Eni("eni-1", "10.0.1.10", "sg-a", "sg-b")
            .Build();
        using var doc = await SarifAsync(config);
        var result = Assert.Single(doc.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray());
        Assert.Equal("FWS011", result.GetProperty("ruleId").GetString());
        Assert.Equal("note", result.GetProperty("level").GetString());
        var related = Assert.Single(result.GetProperty("relatedLocations").EnumerateArray());
        Assert.Equal(config.InRule("sg-b", 0).Source!.Line, related.GetProperty("physicalLocation").GetProperty("region").GetProperty("startLine").GetInt32());
    }

    [Fact]
    public async Task A_clean_configuration_is_a_valid_log_with_no_results()
    {
        using var doc = await SarifAsync(ConfigLinterTests.Clean());
        var run = doc.RootElement.GetProperty("runs")[0];
        Assert.Equal(0, run.GetProperty("results").GetArrayLength());
        Assert.Equal(LintRules.All.Count, run.GetProperty("tool").GetProperty("driver").GetProperty("rules").GetArrayLength());
    }

    [Theory]
    [InlineData("config.yaml", "/work/repo", "config.yaml", true)]
    [InlineData("templates/web stack.yaml", "/work/repo", "templates/web%20stack.yaml", true)]
    [InlineData("/work/repo/exports/sg.json", "/work/repo", "exports/sg.json", true)]
    [InlineData("/elsewhere/sg.json", "/work/repo", "file:///elsewhere/sg.json", false)]
    public void Artifact_uris_are_relative_to_the_source_root_when_they_can_be(string file, string cwd, string uri, bool relative)
    {
        var (actual, baseId) = LintReport.ArtifactUri(file, cwd);
        Assert.Equal(uri, actual);
        Assert.Equal(relative, baseId is not null);
    }
}
