using System.Globalization;
using FirewallSim.Config.Lint;
using static FirewallSim.Tests.Config.Lint.LintAssert;

namespace FirewallSim.Tests.Config.Lint;

public class QuotaChecksTests
{
    private static string Host(int i) => string.Create(CultureInfo.InvariantCulture, $"192.0.{i / 250}.{(i % 250) + 1}/32");

    private static string Host6(int i) => string.Create(CultureInfo.InvariantCulture, $"2001:db8::{i + 1:x}/128");

    [Fact]
    public void More_than_60_inbound_ipv4_rules_is_a_warning()
    {
        var config = new AwsConfigBuilder().Vpc()
            .Group("sg-big", g =>
            {
                for (int i = 0; i < 61; i++)
                {
                    g.In("tcp", "443", Host(i));
                }
            })
            .Eni("eni-1", "10.0.1.10", "sg-big")
            .Build();
        var f = Single(RunLint(config), LintRules.RulesPerGroupQuota);
        Assert.Equal("FWS012", f.RuleId);
        Assert.Equal(LintSeverity.Warning, f.Severity);
        Assert.Contains("sg-big (sg-big-name) has 61 inbound IPv4 rules", f.Message, StringComparison.Ordinal);
        Assert.Contains("above the default quota of 60", f.Message, StringComparison.Ordinal);
        Assert.Equal(config.SecurityGroups["sg-big"].Source, f.Location);
    }

    [Fact]
    public void Ipv4_and_ipv6_are_counted_separately()
    {
        var config = new AwsConfigBuilder().Vpc()
            .Group("sg-big", g =>
            {
                for (int i = 0; i < 60; i++)
                {
                    g.In("tcp", "443", Host(i)).In("tcp", "443", Host6(i));
                }
            })
            .Eni("eni-1", "10.0.1.10", "sg-big")
            .Build();
        None(RunLint(config), LintRules.RulesPerGroupQuota);
    }

    [Fact]
    public void Prefix_list_references_count_their_max_entries_and_group_references_count_in_both_families()
    {
        var config = new AwsConfigBuilder().Vpc()
            .PrefixList("pl-big", 50, "192.0.2.0/24")
            .Group("sg-1", g => g.Out("tcp", "443", "pl-big").Out("tcp", "80", "sg-1")
                .Out("tcp", "8080", "10.0.0.0/16").Out("tcp", "8081", "10.0.0.0/16").Out("tcp", "8082", "10.0.0.0/16")
                .Out("tcp", "8083", "10.0.0.0/16").Out("tcp", "8084", "10.0.0.0/16").Out("tcp", "8085", "10.0.0.0/16")
                .Out("tcp", "8086", "10.0.0.0/16").Out("tcp", "8087", "10.0.0.0/16").Out("tcp", "8088", "10.0.0.0/16").Out("tcp", "8089", "10.0.0.0/16"))
            .Eni("eni-1", "10.0.1.10", "sg-1")
            .Build();
        var f = Single(RunLint(config), LintRules.RulesPerGroupQuota);
        Assert.Contains("has 61 outbound IPv4 rules", f.Message, StringComparison.Ordinal); // 50 + 1 + 10; IPv6 has only the group reference
    }

    [Fact]
    public void Six_groups_on_an_eni_is_a_warning_and_seventeen_an_error()
    {
        string[] six = Enumerable.Range(1, 6).Select(i => "sg-" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        string[] seventeen = Enumerable.Range(1, 17).Select(i => "sg-" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var b = new AwsConfigBuilder().Vpc();
        foreach (string id in seventeen)
        {
            b.Group(id);
        }

        var config = b.Eni("eni-6", "10.0.1.6", six).Eni("eni-17", "10.0.1.17", seventeen).Build();
        var findings = RunLint(config).Of(LintRules.GroupsPerEniQuota);
        Assert.Equal(2, findings.Count);
        var warning = Assert.Single(findings, f => f.ResourceId == "eni-6");
        Assert.Equal("FWS013", warning.RuleId);
        Assert.Equal(LintSeverity.Warning, warning.Severity);
        Assert.Contains("eni-6 has 6 security groups", warning.Message, StringComparison.Ordinal);
        Assert.Equal(config.NetworkInterfaces["eni-6"].Source, warning.Location);
        var error = Assert.Single(findings, f => f.ResourceId == "eni-17");
        Assert.Equal(LintSeverity.Error, error.Severity);
    }

    [Fact]
    public void Five_groups_on_an_eni_is_fine()
    {
        var b = new AwsConfigBuilder().Vpc();
        string[] five = { "sg-1", "sg-2", "sg-3", "sg-4", "sg-5" };
        foreach (string id in five)
        {
            b.Group(id);
        }

        Assert.Empty(RunLint(b.Eni("eni-1", "10.0.1.10", five).Build()));
    }

    [Fact]
    public void Groups_times_rules_above_1000_is_an_error()
    {
        var b = new AwsConfigBuilder().Vpc().PrefixList("pl-200", 200, "192.0.2.0/24");
        string[] ids = { "sg-1", "sg-2", "sg-3", "sg-4", "sg-5", "sg-6" };
        foreach (string id in ids)
        {
            b.Group(id, g => g.In("tcp", "443", "pl-200"));
        }

        var config = b.Eni("eni-1", "10.0.1.10", ids).Build();
        var f = Single(RunLint(config), LintRules.RulesTimesGroupsQuota);
        Assert.Equal("FWS014", f.RuleId);
        Assert.Equal(LintSeverity.Error, f.Severity);
        Assert.Contains("6 × 200 = 1200 exceeds the limit of 1000", f.Message, StringComparison.Ordinal);
        Assert.Equal(config.NetworkInterfaces["eni-1"].Source, f.Location);

        var five = new AwsConfigBuilder().Vpc().PrefixList("pl-200", 200, "192.0.2.0/24");
        foreach (string id in ids[..5])
        {
            five.Group(id, g => g.In("tcp", "443", "pl-200"));
        }

        None(RunLint(five.Eni("eni-1", "10.0.1.10", ids[..5]).Build()), LintRules.RulesTimesGroupsQuota); // 5 × 200 = 1000
    }

    [Fact]
    public void More_than_20_nacl_rules_in_one_direction_and_family_is_a_warning()
    {
        var config = new AwsConfigBuilder().Vpc()
            .Acl("acl-1", a =>
            {
                for (int i = 0; i < 20; i++)
                {
                    a.In(100 + i, "tcp", true, Host(i), "443");
                }

                a.In(32767, "-1", false, "0.0.0.0/0");
            })
            .Build();
        var f = Single(RunLint(config), LintRules.NaclRulesQuota);
        Assert.Equal("FWS015", f.RuleId);
        Assert.Equal(LintSeverity.Warning, f.Severity);
        Assert.Contains("acl-1 has 21 inbound IPv4 rules, the default deny included", f.Message, StringComparison.Ordinal);
        Assert.Equal(config.NetworkAcls["acl-1"].Source, f.Location);
    }

    [Fact]
    public void Nineteen_nacl_rules_plus_the_default_deny_is_fine()
    {
        var config = new AwsConfigBuilder().Vpc()
            .Acl("acl-1", a =>
            {
                for (int i = 0; i < 19; i++)
                {
                    a.In(100 + i, "tcp", true, Host(i), "443").In(200 + i, "tcp", true, Host6(i), "443");
                }
            })
            .Build();
        None(RunLint(config), LintRules.NaclRulesQuota);
    }
}
