using FirewallSim.Config;
using FirewallSim.Config.Lint;
using static FirewallSim.Tests.Config.Lint.LintAssert;

namespace FirewallSim.Tests.Config.Lint;

public class ExposureChecksTests
{
    private static AwsConfig OneGroup(Action<AwsConfigBuilder.GroupBuilder> rules) =>
        new AwsConfigBuilder().Vpc().Group("sg-1", rules).Eni("eni-1", "10.0.1.10", "sg-1").Build();

    [Fact]
    public void Ssh_from_anywhere_is_an_error_naming_the_rule_and_its_place()
    {
        var config = OneGroup(g => g.In("tcp", "22", "0.0.0.0/0"));
        var f = Single(RunLint(config), LintRules.OpenRemoteAccess);
        Assert.Equal("FWS001", f.RuleId);
        Assert.Equal(LintSeverity.Error, f.Severity);
        Assert.Contains("sg-1 inbound[0] tcp 22 from 0.0.0.0/0", f.Message, StringComparison.Ordinal);
        Assert.Contains("SSH (tcp 22)", f.Message, StringComparison.Ordinal);
        Assert.Equal(config.InRule("sg-1", 0).Source, f.Location);
        Assert.Equal("sg-1", f.ResourceId);
        Assert.Equal("sg-1/inbound[0]", f.LogicalName);
    }

    [Fact]
    public void Rdp_from_ipv6_anywhere_is_an_error()
    {
        var f = Single(RunLint(OneGroup(g => g.In("tcp", "3389", "::/0"))), LintRules.OpenRemoteAccess);
        Assert.Contains("RDP (tcp 3389)", f.Message, StringComparison.Ordinal);
        Assert.Contains("::/0", f.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.0/8")]
    [InlineData("203.0.113.7/32")]
    [InlineData("sg-1")]
    [InlineData("2001:db8::/32")]
    public void Ssh_from_a_narrower_source_is_fine(string peer)
    {
        var findings = RunLint(OneGroup(g => g.In("tcp", "22", peer)));
        None(findings, LintRules.OpenRemoteAccess);
    }

    [Fact]
    public void Ssh_outbound_to_anywhere_is_not_an_exposure()
    {
        None(RunLint(OneGroup(g => g.Out("tcp", "22", "0.0.0.0/0"))), LintRules.OpenRemoteAccess);
    }

    [Fact]
    public void A_wide_range_covering_ssh_and_databases_is_reported_per_category()
    {
        var findings = RunLint(OneGroup(g => g.In("tcp", "0-65535", "0.0.0.0/0")));
        Assert.Contains("SSH (tcp 22)", Single(findings, LintRules.OpenRemoteAccess).Message, StringComparison.Ordinal);
        var db = Single(findings, LintRules.OpenDatabasePort);
        Assert.Contains("PostgreSQL (tcp 5432)", db.Message, StringComparison.Ordinal);
        Assert.Contains("more", db.Message, StringComparison.Ordinal); // the list is shortened
        Assert.Equal(LintSeverity.Error, Single(findings, LintRules.OpenAdminPort).Severity);
    }

    [Fact]
    public void An_all_protocol_rule_from_anywhere_exposes_everything()
    {
        var findings = RunLint(OneGroup(g => g.In("-1", "", "0.0.0.0/0")));
        Assert.Contains("RDP (tcp 3389, udp 3389)", Single(findings, LintRules.OpenRemoteAccess).Message, StringComparison.Ordinal);
        Single(findings, LintRules.OpenDatabasePort);
        Single(findings, LintRules.OpenAdminPort);
        var all = Single(findings, LintRules.AllProtocolInbound);
        Assert.Equal(LintSeverity.Error, all.Severity);
        None(findings, LintRules.WidePortRange); // all-protocol rules are FWS005's
    }

    [Theory]
    [InlineData("tcp", "5432", "PostgreSQL (tcp 5432)")]
    [InlineData("tcp", "3306", "MySQL/MariaDB/Aurora (tcp 3306)")]
    [InlineData("tcp", "7001", "Cassandra (tcp 7000-7001)")]
    [InlineData("udp", "11211", "Memcached (udp 11211)")]
    [InlineData("6", "27017", "MongoDB (tcp 27017-27019)")]
    public void Database_ports_from_anywhere_are_errors(string protocol, string ports, string expected)
    {
        var f = Single(RunLint(OneGroup(g => g.In(protocol, ports, "0.0.0.0/0"))), LintRules.OpenDatabasePort);
        Assert.Equal("FWS002", f.RuleId);
        Assert.Equal(LintSeverity.Error, f.Severity);
        Assert.Contains(expected, f.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Database_port_from_the_app_group_is_fine()
    {
        var findings = RunLint(OneGroup(g => g.In("tcp", "5432", "sg-1").In("tcp", "3306", "10.0.0.0/16")));
        None(findings, LintRules.OpenDatabasePort);
    }

    [Fact]
    public void Udp_to_a_tcp_only_database_port_is_fine()
    {
        None(RunLint(OneGroup(g => g.In("udp", "5432", "0.0.0.0/0"))), LintRules.OpenDatabasePort);
    }

    [Theory]
    [InlineData("23", "Telnet")]
    [InlineData("2375", "Docker API")]
    [InlineData("5900", "VNC")]
    [InlineData("10250", "kubelet")]
    [InlineData("6443", "Kubernetes API")]
    [InlineData("9090", "Prometheus")]
    [InlineData("445", "SMB")]
    public void Admin_ports_from_anywhere_are_errors(string port, string service)
    {
        var f = Single(RunLint(OneGroup(g => g.In("tcp", port, "::/0"))), LintRules.OpenAdminPort);
        Assert.Equal("FWS003", f.RuleId);
        Assert.Contains(service, f.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Web_ports_from_anywhere_are_fine()
    {
        var findings = RunLint(OneGroup(g => g.In("tcp", "443", "0.0.0.0/0").In("tcp", "80", "::/0")));
        Assert.Empty(findings);
    }

    [Fact]
    public void A_prefix_list_holding_0_0_0_0_slash_0_counts_as_open()
    {
        var config = new AwsConfigBuilder().Vpc()
            .PrefixList("pl-open", 2, "0.0.0.0/0")
            .Group("sg-1", g => g.In("tcp", "22", "pl-open"))
            .Eni("eni-1", "10.0.1.10", "sg-1")
            .Build();
        var f = Single(RunLint(config), LintRules.OpenRemoteAccess);
        Assert.Contains("prefix list pl-open holds 0.0.0.0/0", f.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wide_range_from_anywhere_is_a_warning()
    {
        var config = OneGroup(g => g.In("tcp", "1024-65535", "0.0.0.0/0"));
        var f = Single(RunLint(config), LintRules.WidePortRange);
        Assert.Equal("FWS004", f.RuleId);
        Assert.Equal(LintSeverity.Warning, f.Severity);
        Assert.Contains("opens 64512 tcp ports (1024-65535)", f.Message, StringComparison.Ordinal);
        Assert.Equal(config.InRule("sg-1", 0).Source, f.Location);
    }

    [Fact]
    public void A_wide_range_from_a_large_block_is_a_note()
    {
        var f = Single(RunLint(OneGroup(g => g.In("udp", "1000-3000", "10.0.0.0/8"))), LintRules.WidePortRange);
        Assert.Equal(LintSeverity.Note, f.Severity);
        Assert.Contains("the large block 10.0.0.0/8", f.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1000-1999", "0.0.0.0/0")] // exactly 1000 ports: at the threshold, not above
    [InlineData("1024-65535", "10.0.1.0/24")] // wide, but from a small block
    [InlineData("1024-65535", "sg-1")]
    public void Narrow_ranges_or_small_sources_are_fine(string ports, string peer)
    {
        None(RunLint(OneGroup(g => g.In("tcp", ports, peer))), LintRules.WidePortRange);
    }

    [Fact]
    public void The_wide_range_threshold_is_configurable()
    {
        var config = OneGroup(g => g.In("tcp", "8000-8100", "0.0.0.0/0"));
        None(RunLint(config), LintRules.WidePortRange);
        Single(RunLint(config, new LintOptions { WidePortRangeThreshold = 100 }), LintRules.WidePortRange);
    }

    [Theory]
    [InlineData("10.0.0.0/16", LintSeverity.Warning)]
    [InlineData("10.0.1.0/24", LintSeverity.Note)]
    [InlineData("sg-1", LintSeverity.Note)]
    public void All_protocol_inbound_from_narrower_sources_is_less_severe(string peer, LintSeverity expected)
    {
        var config = OneGroup(g => g.In("-1", "", peer));
        var f = Single(RunLint(config), LintRules.AllProtocolInbound);
        Assert.Equal("FWS005", f.RuleId);
        Assert.Equal(expected, f.Severity);
        Assert.Contains("sg-1 inbound[0] all from " + peer, f.Message, StringComparison.Ordinal);
        Assert.Equal(config.InRule("sg-1", 0).Source, f.Location);
    }

    [Fact]
    public void All_protocol_outbound_is_fine()
    {
        None(RunLint(OneGroup(g => g.Out("-1", "", "0.0.0.0/0").Out("-1", "", "::/0"))), LintRules.AllProtocolInbound);
    }

    [Fact]
    public void The_aws_rule_id_is_part_of_the_message_when_known()
    {
        var config = OneGroup(g => g.In("tcp", "22", "0.0.0.0/0", r => r with { RuleId = "sgr-0123" }));
        Assert.Contains("(sgr-0123)", Single(RunLint(config), LintRules.OpenRemoteAccess).Message, StringComparison.Ordinal);
    }
}
