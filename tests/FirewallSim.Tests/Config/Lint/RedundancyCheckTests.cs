using FirewallSim.Config.Lint;
using static FirewallSim.Tests.Config.Lint.LintAssert;

namespace FirewallSim.Tests.Config.Lint;

public class RedundancyCheckTests
{
    [Fact]
    public void A_rule_contained_in_a_rule_of_another_group_on_the_same_eni_is_redundant()
    {
        var config = new AwsConfigBuilder().Vpc()
            .Group("sg-a", g => g.In("tcp", "8080", "10.0.1.0/24"))
            .Group("sg-b", g => g.In("tcp", "8000-9000", "10.0.0.0/16"))
            .Eni("eni-1", "10.0.1.10", "sg-a", "sg-b")
            .Build();
        var f = Single(RunLint(config), LintRules.RedundantRule);
        Assert.Equal("FWS011", f.RuleId);
        Assert.Equal(LintSeverity.Note, f.Severity);
        Assert.Equal(
            "sg-a inbound[0] tcp 8080 from 10.0.1.0/24 is redundant: sg-b inbound[0] tcp 8000-9000 from 10.0.0.0/16 already allows everything it allows on eni-1",
            f.Message);
        Assert.Equal(config.InRule("sg-a", 0).Source, f.Location);
        var related = Assert.Single(f.Related);
        Assert.Equal(config.InRule("sg-b", 0).Source, related.Location);
        Assert.Equal("sg-b/inbound[0]", related.LogicalName);
    }

    [Fact]
    public void The_same_groups_on_other_enis_are_reported_once_naming_every_eni()
    {
        var config = new AwsConfigBuilder().Vpc()
            .Group("sg-a", g => g.In("tcp", "22", "10.0.1.5/32"))
            .Group("sg-b", g => g.In("tcp", "22", "10.0.0.0/16"))
            .Eni("eni-1", "10.0.1.10", "sg-a", "sg-b")
            .Eni("eni-2", "10.0.1.11", "sg-b", "sg-a")
            .Build();
        var f = Single(RunLint(config), LintRules.RedundantRule);
        Assert.EndsWith("on eni-1 and eni-2", f.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_of_groups_that_never_share_an_eni_are_not_compared()
    {
        var config = new AwsConfigBuilder().Vpc()
            .Group("sg-a", g => g.In("tcp", "22", "10.0.1.5/32"))
            .Group("sg-b", g => g.In("tcp", "22", "10.0.0.0/16"))
            .Eni("eni-1", "10.0.1.10", "sg-a")
            .Eni("eni-2", "10.0.1.11", "sg-b")
            .Build();
        None(RunLint(config), LintRules.RedundantRule);
    }

    [Fact]
    public void A_narrow_rule_beside_an_open_one_is_a_warning()
    {
        var config = new AwsConfigBuilder().Vpc()
            .Group("sg-admin", g => g.In("tcp", "443", "203.0.113.1/32"))
            .Group("sg-web", g => g.In("tcp", "443", "0.0.0.0/0"))
            .Eni("eni-1", "10.0.1.10", "sg-admin", "sg-web")
            .Build();
        var f = Single(RunLint(config), LintRules.RedundantRule);
        Assert.Equal(LintSeverity.Warning, f.Severity);
        Assert.Contains("restricts nothing", f.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Identical_rules_in_two_groups_are_one_duplicate_finding()
    {
        var config = new AwsConfigBuilder().Vpc()
            .Group("sg-a", g => g.Out("tcp", "443", "pl-s3"))
            .Group("sg-b", g => g.Out("tcp", "443", "pl-s3"))
            .PrefixList("pl-s3", 1, "52.216.0.0/15")
            .Eni("eni-1", "10.0.1.10", "sg-a", "sg-b")
            .Build();
        var f = Single(RunLint(config), LintRules.RedundantRule);
        Assert.Equal("sg-b outbound[0] tcp 443 to pl-s3 duplicates sg-a outbound[0] tcp 443 to pl-s3 on eni-1", f.Message);
    }

    [Fact]
    public void An_all_protocol_rule_covers_specific_ones_and_reports_the_widest()
    {
        var config = new AwsConfigBuilder().Vpc()
            .Group("sg-a", g => g.In("tcp", "22", "10.0.1.0/24").In("tcp", "0-65535", "10.0.0.0/16").In("-1", "", "10.0.0.0/8"))
            .Eni("eni-1", "10.0.1.10", "sg-a")
            .Build();
        var findings = RunLint(config).Of(LintRules.RedundantRule);
        Assert.Equal(2, findings.Count);
        Assert.All(findings, f => Assert.Contains("sg-a inbound[2] all from 10.0.0.0/8 already allows", f.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Within_a_group_no_eni_carries_the_group_is_named()
    {
        var config = new AwsConfigBuilder().Vpc()
            .Group("sg-a", g => g.In("icmp", "8/0", "10.0.0.0/16").In("icmp", "-1", "10.0.0.0/16"))
            .Build();
        var f = Single(RunLint(config), LintRules.RedundantRule);
        Assert.EndsWith("within sg-a (sg-a-name)", f.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tcp", "22", "10.0.0.0/16", "udp", "22", "10.0.0.0/8")] // other protocol
    [InlineData("tcp", "22-23", "10.0.0.0/16", "tcp", "22", "10.0.0.0/8")] // ports not contained
    [InlineData("tcp", "22", "10.0.0.0/16", "tcp", "22", "10.1.0.0/16")] // peers disjoint
    [InlineData("tcp", "22", "sg-x", "tcp", "22", "0.0.0.0/0")] // group peers compare only with the same group
    [InlineData("tcp", "22", "pl-x", "tcp", "22", "0.0.0.0/0")] // prefix lists likewise
    [InlineData("tcp", "22", "2001:db8::/64", "tcp", "22", "0.0.0.0/0")] // other family
    [InlineData("-1", "", "10.0.1.0/24", "tcp", "0-65535", "10.0.0.0/8")] // all protocols is more than tcp
    [InlineData("icmp", "8/0", "10.0.0.0/16", "icmp", "0/-1", "10.0.0.0/16")] // other ICMP type
    public void Rules_that_are_not_contained_are_fine(string p1, string ports1, string peer1, string p2, string ports2, string peer2)
    {
        var config = new AwsConfigBuilder().Vpc()
            .Group("sg-a", g => g.In(p1, ports1, peer1))
            .Group("sg-b", g => g.In(p2, ports2, peer2))
            .Group("sg-x")
            .PrefixList("pl-x", 1, "192.0.2.0/24")
            .Eni("eni-1", "10.0.1.10", "sg-a", "sg-b", "sg-x")
            .Build();
        None(RunLint(config), LintRules.RedundantRule);
    }

    [Fact]
    public void Inbound_and_outbound_rules_are_never_compared()
    {
        var config = new AwsConfigBuilder().Vpc()
            .Group("sg-a", g => g.In("tcp", "443", "10.0.0.0/16").Out("-1", "", "0.0.0.0/0"))
            .Eni("eni-1", "10.0.1.10", "sg-a")
            .Build();
        None(RunLint(config), LintRules.RedundantRule);
    }
}
