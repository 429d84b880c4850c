using FirewallSim.Config.Lint;
using static FirewallSim.Tests.Config.Lint.LintAssert;

namespace FirewallSim.Tests.Config.Lint;

public class NaclChecksTests
{
    [Fact]
    public void A_deny_after_an_allow_that_covers_it_is_a_warning()
    {
        var config = new AwsConfigBuilder().Vpc()
            .Acl("acl-1", a => a.In(100, "tcp", true, "0.0.0.0/0", "0-65535").In(200, "tcp", false, "198.51.100.0/24", "22"))
            .Build();
        var f = Single(RunLint(config), LintRules.NaclEntryShadowed);
        Assert.Equal("FWS017", f.RuleId);
        Assert.Equal(LintSeverity.Warning, f.Severity);
        Assert.Contains("acl-1 inbound 200 deny tcp 22 198.51.100.0/24 can never match: the lower-numbered entry 100", f.Message, StringComparison.Ordinal);
        Assert.Contains("this deny has no effect", f.Message, StringComparison.Ordinal);
        Assert.Equal(config.NetworkAcls["acl-1"].Entries[1].Source, f.Location);
        Assert.Equal("acl-1/inbound/200", f.LogicalName);
        Assert.Equal(config.NetworkAcls["acl-1"].Entries[0].Source, Assert.Single(f.Related).Location);
    }

    [Fact]
    public void A_same_action_entry_after_a_covering_one_is_a_note()
    {
        var config = new AwsConfigBuilder().Vpc()
            .Acl("acl-1", a => a.Out(100, "-1", true, "0.0.0.0/0").Out(110, "udp", true, "10.0.0.0/8", "53"))
            .Build();
        Assert.Equal(LintSeverity.Note, Single(RunLint(config), LintRules.NaclEntryShadowed).Severity);
    }

    [Fact]
    public void A_deny_before_a_wider_allow_is_the_right_order()
    {
        var config = new AwsConfigBuilder().Vpc()
            .Acl("acl-1", a => a
                .In(90, "tcp", false, "198.51.100.0/24", "22")
                .In(100, "tcp", true, "0.0.0.0/0", "0-65535")
                .In(110, "udp", true, "0.0.0.0/0", "1024-65535")
                .In(120, "-1", true, "::/0")
                .In(32767, "-1", false, "0.0.0.0/0")
                .In(32768, "-1", false, "::/0"))
            .Build();
        Assert.Empty(RunLint(config));
    }

    [Fact]
    public void Icmp_entries_compare_type_and_code()
    {
        var shadowed = new AwsConfigBuilder().Vpc()
            .Acl("acl-1", a => a.In(100, "icmp", true, "0.0.0.0/0", "-1/-1").In(110, "icmp", false, "0.0.0.0/0", "8/0"))
            .Build();
        Single(RunLint(shadowed), LintRules.NaclEntryShadowed);

        var distinct = new AwsConfigBuilder().Vpc()
            .Acl("acl-1", a => a.In(100, "icmp", true, "0.0.0.0/0", "0/-1").In(110, "icmp", false, "0.0.0.0/0", "8/0"))
            .Build();
        None(RunLint(distinct), LintRules.NaclEntryShadowed);
    }
}
