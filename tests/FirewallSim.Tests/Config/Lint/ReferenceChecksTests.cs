using FirewallSim.Config;
using FirewallSim.Config.Lint;
using static FirewallSim.Tests.Config.Lint.LintAssert;

namespace FirewallSim.Tests.Config.Lint;

public class ReferenceChecksTests
{
    [Fact]
    public void A_default_group_with_rules_attached_to_an_eni_is_a_warning()
    {
        var config = new AwsConfigBuilder().Vpc()
            .DefaultGroup("sg-def", g => g.In("-1", "", "sg-def").Out("-1", "", "0.0.0.0/0"))
            .Eni("eni-1", "10.0.1.10", "sg-def")
            .Build();
        var f = Single(RunLint(config), LintRules.DefaultGroupInUse);
        Assert.Equal("FWS006", f.RuleId);
        Assert.Equal(LintSeverity.Warning, f.Severity);
        Assert.Contains("default security group sg-def of vpc-1 has 1 inbound and 1 outbound rules and is attached to eni-1", f.Message, StringComparison.Ordinal);
        Assert.Equal(config.SecurityGroups["sg-def"].Source, f.Location);
    }

    [Fact]
    public void A_default_group_without_rules_in_use_is_fine()
    {
        var config = new AwsConfigBuilder().Vpc().DefaultGroup("sg-def").Eni("eni-1", "10.0.1.10", "sg-def").Build();
        None(RunLint(config), LintRules.DefaultGroupInUse);
    }

    [Fact]
    public void A_default_group_with_rules_that_nothing_uses_is_fine()
    {
        var config = new AwsConfigBuilder().Vpc()
            .DefaultGroup("sg-def", g => g.In("-1", "", "sg-def"))
            .Group("sg-web", g => g.In("tcp", "443", "0.0.0.0/0"))
            .Eni("eni-1", "10.0.1.10", "sg-web")
            .Build();
        var findings = RunLint(config);
        None(findings, LintRules.DefaultGroupInUse);
        None(findings, LintRules.UnattachedGroup); // default groups cannot be deleted: not reported
    }

    [Fact]
    public void A_group_no_eni_carries_is_a_note()
    {
        var config = new AwsConfigBuilder().Vpc()
            .Group("sg-used", g => g.In("tcp", "443", "0.0.0.0/0"))
            .Group("sg-orphan", g => g.In("tcp", "8443", "10.0.0.0/16"))
            .Eni("eni-1", "10.0.1.10", "sg-used")
            .Build();
        var f = Single(RunLint(config), LintRules.UnattachedGroup);
        Assert.Equal("FWS007", f.RuleId);
        Assert.Equal(LintSeverity.Note, f.Severity);
        Assert.Contains("sg-orphan (sg-orphan-name)", f.Message, StringComparison.Ordinal);
        Assert.Equal(config.SecurityGroups["sg-orphan"].Source, f.Location);
    }

    [Fact]
    public void Unattached_groups_are_not_reported_when_no_enis_were_given()
    {
        var config = new AwsConfigBuilder().Vpc().Group("sg-1", g => g.In("tcp", "443", "0.0.0.0/0")).Build();
        None(RunLint(config), LintRules.UnattachedGroup);
    }

    [Fact]
    public void A_reference_to_a_group_no_eni_carries_matches_nothing()
    {
        var config = new AwsConfigBuilder().Vpc()
            .Group("sg-db", g => g.In("tcp", "5432", "sg-app"))
            .Group("sg-app")
            .Eni("eni-db", "10.0.1.10", "sg-db")
            .Build();
        var f = Single(RunLint(config), LintRules.ReferenceWithoutMembers);
        Assert.Equal("FWS008", f.RuleId);
        Assert.Equal(LintSeverity.Warning, f.Severity);
        Assert.Contains("sg-db inbound[0] tcp 5432 from sg-app references sg-app (sg-app-name)", f.Message, StringComparison.Ordinal);
        Assert.Equal(config.InRule("sg-db", 0).Source, f.Location);
    }

    [Fact]
    public void A_reference_to_a_group_an_eni_carries_is_fine()
    {
        var config = new AwsConfigBuilder().Vpc()
            .Group("sg-db", g => g.In("tcp", "5432", "sg-app"))
            .Group("sg-app")
            .Eni("eni-db", "10.0.1.10", "sg-db")
            .Eni("eni-app", "10.0.1.11", "sg-app")
            .Build();
        var findings = RunLint(config);
        None(findings, LintRules.ReferenceWithoutMembers);
        None(findings, LintRules.UnknownReference);
    }

    [Fact]
    public void References_are_not_judged_by_membership_when_no_enis_were_given()
    {
        var config = new AwsConfigBuilder().Vpc().Group("sg-db", g => g.In("tcp", "5432", "sg-app")).Group("sg-app").Build();
        None(RunLint(config), LintRules.ReferenceWithoutMembers);
    }

    [Fact]
    public void A_reference_to_a_group_not_in_the_config_is_a_warning_or_with_strict_an_error()
    {
        var config = new AwsConfigBuilder().Vpc()
            .Group("sg-1", g => g.In("tcp", "443", "444455556666/sg-other"))
            .Eni("eni-1", "10.0.1.10", "sg-1")
            .Build();
        var f = Single(RunLint(config), LintRules.UnknownReference);
        Assert.Equal("FWS009", f.RuleId);
        Assert.Equal(LintSeverity.Warning, f.Severity);
        Assert.Contains("references security group sg-other (owned by account 444455556666), which is not in the configuration", f.Message, StringComparison.Ordinal);
        Assert.Equal(config.InRule("sg-1", 0).Source, f.Location);

        var strict = Single(RunLint(config, new LintOptions { Strict = true }), LintRules.UnknownReference);
        Assert.Equal(LintSeverity.Error, strict.Severity);
    }

    [Fact]
    public void A_reference_to_a_prefix_list_not_in_the_config_is_a_warning()
    {
        var config = new AwsConfigBuilder().Vpc()
            .PrefixList("pl-known", 5, "192.0.2.0/24")
            .Group("sg-1", g => g.Out("tcp", "443", "pl-missing").Out("tcp", "443", "pl-known"))
            .Eni("eni-1", "10.0.1.10", "sg-1")
            .Build();
        var f = Single(RunLint(config), LintRules.UnknownReference);
        Assert.Contains("sg-1 outbound[0] tcp 443 to pl-missing references prefix list pl-missing", f.Message, StringComparison.Ordinal);
        Assert.Equal(config.OutRule("sg-1", 0).Source, f.Location);
    }

    [Fact]
    public void An_eni_carrying_a_group_not_in_the_config_is_reported_on_the_eni()
    {
        var config = new AwsConfigBuilder().Vpc().Group("sg-1").Eni("eni-1", "10.0.1.10", "sg-1", "sg-gone").Build();
        var f = Single(RunLint(config), LintRules.UnknownReference);
        Assert.Contains("network interface eni-1 carries security group sg-gone, which is not in the configuration", f.Message, StringComparison.Ordinal);
        Assert.Equal(config.NetworkInterfaces["eni-1"].Source, f.Location);
    }

    [Fact]
    public void A_reference_through_a_deleted_peering_is_stale()
    {
        var config = new AwsConfigBuilder().Vpc()
            .Group("sg-1", g => g.In("tcp", "443", "444455556666/sg-peer",
                r => r with { Peer = r.Peer with { PeeringStatus = "deleted", VpcPeeringConnectionId = "pcx-1" } }))
            .Eni("eni-1", "10.0.1.10", "sg-1")
            .Build();
        var findings = RunLint(config);
        var f = Single(findings, LintRules.StaleReference);
        Assert.Equal("FWS010", f.RuleId);
        Assert.Contains("pcx-1, whose status is 'deleted'", f.Message, StringComparison.Ordinal);
        None(findings, LintRules.UnknownReference); // stale says it all
    }

    [Fact]
    public void An_active_peering_reference_is_not_stale()
    {
        var config = new AwsConfigBuilder().Vpc()
            .Group("sg-1", g => g.In("tcp", "443", "sg-peer", r => r with { Peer = r.Peer with { PeeringStatus = "active" } }))
            .Group("sg-peer")
            .Eni("eni-1", "10.0.1.10", "sg-1")
            .Eni("eni-2", "10.0.1.11", "sg-peer")
            .Build();
        Assert.Empty(RunLint(config));
    }

    [Fact]
    public void An_interface_eni_with_no_groups_is_a_warning()
    {
        var config = new AwsConfigBuilder().Vpc().Eni("eni-bare", "10.0.1.10").Build();
        var f = Single(RunLint(config), LintRules.EniWithoutGroups);
        Assert.Equal("FWS016", f.RuleId);
        Assert.Equal(LintSeverity.Warning, f.Severity);
        Assert.Contains("eni-bare (type interface) has no security groups", f.Message, StringComparison.Ordinal);
        Assert.Equal(config.NetworkInterfaces["eni-bare"].Source, f.Location);
    }

    [Theory]
    [InlineData("natGateway", false)]
    [InlineData("transit_gateway", false)]
    [InlineData("gateway_load_balancer_endpoint", false)]
    [InlineData("interface", true)]
    public void Requester_managed_and_gateway_enis_without_groups_are_fine(string type, bool requesterManaged)
    {
        var config = new AwsConfigBuilder().Vpc()
            .Eni("eni-svc", "10.0.1.10", Array.Empty<string>(), e => e with { InterfaceType = type, RequesterManaged = requesterManaged })
            .Build();
        Assert.Empty(RunLint(config));
    }
}
