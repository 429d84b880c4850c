using System.Text.RegularExpressions;
using FirewallSim.Config;
using FirewallSim.Config.Lint;
using static FirewallSim.Tests.Config.Lint.LintAssert;

namespace FirewallSim.Tests.Config.Lint;

public class ConfigLinterTests
{
    /// <summary>A small, well-kept configuration: web tier, database tier, bastion access from one host, tidy NACL.</summary>
    public static AwsConfig Clean() => new AwsConfigBuilder()
        .Vpc()
        .Subnet()
        .DefaultGroup("sg-default")
        .PrefixList("pl-office", 10, "198.51.100.0/24")
        .Group("sg-web", g => g
            .In("tcp", "443", "0.0.0.0/0")
            .In("tcp", "443", "::/0")
            .In("tcp", "22", "pl-office")
            .In("icmp", "3/4", "0.0.0.0/0")
            .Out("tcp", "5432", "sg-db")
            .Out("tcp", "443", "0.0.0.0/0"))
        .Group("sg-db", g => g.In("tcp", "5432", "sg-web"))
        .Eni("eni-web", "10.0.1.10", "sg-web")
        .Eni("eni-db", "10.0.1.20", "sg-db")
        .Eni("eni-nat", "10.0.1.30", Array.Empty<string>(), e => e with { InterfaceType = "natGateway", RequesterManaged = true })
        .Acl("acl-1", a => a
            .In(100, "tcp", true, "0.0.0.0/0", "443")
            .In(110, "tcp", true, "198.51.100.0/24", "22")
            .In(120, "tcp", true, "0.0.0.0/0", "1024-65535")
            .In(32767, "-1", false, "0.0.0.0/0")
            .Out(100, "-1", true, "10.0.0.0/16")
            .Out(110, "tcp", true, "0.0.0.0/0", "443")
            .Out(120, "tcp", true, "0.0.0.0/0", "1024-65535")
            .Out(32767, "-1", false, "0.0.0.0/0"), isDefault: false, "subnet-1")
        .Build();

    [Fact]
    public void A_clean_configuration_has_no_findings()
    {
        var findings = RunLint(Clean());
        Assert.True(findings.Count == 0, "unexpected findings:\n" + string.Join("\n", findings));
    }

    [Fact]
    public void An_empty_configuration_has_no_findings()
    {
        Assert.Empty(RunLint(new AwsConfig()));
    }

    [Fact]
    public void Rule_ids_are_unique_stable_and_described()
    {
        Assert.Equal(LintRules.All.Count, LintRules.All.Select(r => r.Id).Distinct().Count());
        Assert.Equal(LintRules.All.Count, LintRules.All.Select(r => r.Name).Distinct().Count());
        for (int i = 0; i < LintRules.All.Count; i++)
        {
            var rule = LintRules.All[i];
            Assert.Equal($"FWS{i + 1:000}", rule.Id);
            Assert.Matches(new Regex("^[a-z0-9]+(-[a-z0-9]+)*$"), rule.Name);
            Assert.False(string.IsNullOrWhiteSpace(rule.ShortDescription));
            Assert.False(string.IsNullOrWhiteSpace(rule.FullDescription));
            Assert.Same(rule, LintRules.Find(rule.Id));
            Assert.Same(rule, LintRules.Find(rule.Name));
        }
    }

    [Fact]
    public void Findings_are_ordered_by_line()
    {
        var config = new AwsConfigBuilder().Vpc()
            .Group("sg-1", g => g.In("tcp", "3306", "0.0.0.0/0").In("tcp", "22", "0.0.0.0/0"))
            .Eni("eni-1", "10.0.1.10", "sg-1")
            .Build();
        var findings = RunLint(config);
        Assert.Equal(new[] { "FWS002", "FWS001" }, findings.Select(f => f.RuleId));
        Assert.True(findings[0].Location!.Line < findings[1].Location!.Line);
    }

    [Fact]
    public void Disabled_rules_are_not_reported()
    {
        var config = new AwsConfigBuilder().Vpc()
            .Group("sg-1", g => g.In("tcp", "22", "0.0.0.0/0"))
            .Eni("eni-1", "10.0.1.10", "sg-1")
            .Build();
        var options = new LintOptions { DisabledRules = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "fws001" } };
        Assert.Empty(RunLint(config, options));
    }

    [Fact]
    public void A_timeline_reports_each_finding_once_with_the_version_that_introduced_it()
    {
        var before = new AwsConfigBuilder().Vpc()
            .Group("sg-1", g => g.In("tcp", "22", "0.0.0.0/0"))
            .Eni("eni-1", "10.0.1.10", "sg-1")
            .Build();
        var after = before with
        {
            SecurityGroups = new Dictionary<string, SecurityGroup>
            {
                ["sg-1"] = before.SecurityGroups["sg-1"] with
                {
                    Inbound = before.SecurityGroups["sg-1"].Inbound
                        .Append(AwsConfigBuilder.MakeRule("sg-1", false, 1, "tcp", "5432", "0.0.0.0/0", new SourceLocation("later.yaml", null, 7, 1)))
                        .ToArray(),
                },
            },
        };
        var timeline = new ConfigTimeline(new[] { new ConfigVersion(long.MinValue, before, "base"), new ConfigVersion(1, after, "v2") });
        var findings = new ConfigLinter().Lint(timeline);
        Assert.Equal(2, findings.Count);
        Assert.Equal("base", Single(findings, LintRules.OpenRemoteAccess).ConfigVersion);
        Assert.Equal("v2", Single(findings, LintRules.OpenDatabasePort).ConfigVersion);
    }
}
