using FirewallSim.Net;
using FirewallSim.Replay;
using FirewallSim.Reports;

namespace FirewallSim.Tests.Reports;

public sealed class ReplayRulesAnalysisTests
{
    private static SgRuleSummary Rule(int id, string protocol, int from, int to, string ports, string peer, long matched, RuleUsageSummary? usage,
        string direction = "inbound", string peerKind = "cidr") =>
        new(id, "sg-0web", "web", direction, id, null, protocol, from, to, ports, peerKind, peer, null, true, matched, 0, matched > 0 ? 1 : 0,
            matched > 0 ? 1_714_564_801_500_000_000 : null, matched > 0 ? 1_714_564_802_000_000_000 : null, usage);

    private static RuleUsageSummary Usage(int[] keys, params string[] peers) =>
        new(keys.Length, keys, peers.Length, false, peers, ReplaySummary.Cover(peers.Select(IpAddr.Parse).ToList())?.ToString());

    private static ReplaySummary Summary(IReadOnlyList<SgRuleSummary> rules, IReadOnlyList<NaclEntrySummary>? nacls = null, int? conntrackMax = null) => new()
    {
        Inputs = Array.Empty<InputSummary>(),
        ConfigVersions = Array.Empty<ConfigVersionSummary>(),
        Counts = new CountsSummary(10, 10, 0, 0, 0, 0, 2, 0, 3, 250, conntrackMax),
        Reasons = new Dictionary<string, long> { ["allowed-by-rule"] = 8 },
        Exempt = new Dictionary<string, long> { ["amazon-dns"] = 2 },
        Enis = Array.Empty<EniSummary>(),
        SecurityGroupRules = rules,
        NaclEntries = nacls ?? Array.Empty<NaclEntrySummary>(),
    };

    [Fact]
    public void AWideRuleSaysWhatItsTrafficUsed()
    {
        var rule = Rule(0, "tcp", 0, 65535, "tcp 0-65535", "0.0.0.0/0", 40, Usage(new[] { 443, 8443 }, "198.51.100.10", "198.51.100.20", "198.51.100.200"));
        var report = ReplayRulesAnalysis.Build(Summary(new[] { rule }), "replay.json", new ReportOptions());
        var o = Assert.Single(report.OverBroad);
        Assert.Equal("tcp 0-65535 from 0.0.0.0/0: only 443 and 8443 from 3 peers (198.51.100.10, 198.51.100.20, 198.51.100.200) within 198.51.100.0/24", o.Summary);
        Assert.Equal(new[] { "65536 ports allowed, 2 used", "0.0.0.0/0 allowed, 3 peers used" }, o.Broad);
        Assert.Equal("2024-05-01T12:00:01.5Z", report.SecurityGroupRules[0].FirstHit);
    }

    [Fact]
    public void NarrowRulesAndWellUsedWideRulesAreNotOverBroad()
    {
        var narrow = Rule(0, "tcp", 443, 443, "tcp 443", "203.0.113.0/24", 5, Usage(new[] { 443 }, "203.0.113.7"));
        var ports = Enumerable.Range(8000, 50).ToArray();
        var wellUsed = Rule(1, "tcp", 8000, 8099, "tcp 8000-8099", "10.0.0.0/24", 5, Usage(ports, "10.0.0.7"));
        var peers = Enumerable.Range(0, 40).Select(i => $"{i * 6}.1.2.3").ToArray();
        var spread = Rule(2, "tcp", 443, 443, "tcp 443", "0.0.0.0/0", 50, Usage(new[] { 443 }, peers));
        var report = ReplayRulesAnalysis.Build(Summary(new[] { narrow, wellUsed, spread }), "replay.json", new ReportOptions());
        Assert.Empty(report.OverBroad);
    }

    [Fact]
    public void ThresholdsAreOptions()
    {
        var rule = Rule(0, "tcp", 8000, 8049, "tcp 8000-8049", "10.0.0.0/8", 5, Usage(new[] { 8000 }, "10.1.2.3"));
        Assert.Empty(ReplayRulesAnalysis.Build(Summary(new[] { rule }), "r", new ReportOptions { BroadPrefixV4 = 7 }).OverBroad);
        var o = Assert.Single(ReplayRulesAnalysis.Build(Summary(new[] { rule }), "r", new ReportOptions { BroadPorts = 50, BroadPrefixV4 = 7 }).OverBroad);
        Assert.Equal("tcp 8000-8049 from 10.0.0.0/8: only 8000 from 1 peer (10.1.2.3)", o.Summary);
    }

    [Fact]
    public void IcmpKeysReadAsTypeAndCodeAndLongPortListsAreSummarised()
    {
        var icmp = Rule(0, "icmp", -1, -1, "icmp -1/-1", "sg-0app", 3, Usage(new[] { 8 << 8, (3 << 8) | 4 }, "10.0.0.1"), peerKind: "securitygroup");
        var many = Rule(1, "tcp", 1024, 65535, "tcp 1024-65535", "0.0.0.0/0", 30, Usage(new[] { 2000, 2001, 2002, 3000, 4000, 5000, 6000, 7000 }, "192.0.2.1"),
            direction: "outbound");
        var report = ReplayRulesAnalysis.Build(Summary(new[] { icmp, many }), "r", new ReportOptions());
        Assert.Equal("ICMP 8/0 and 3/4 from 1 peer (10.0.0.1)", report.SecurityGroupRules[0].Used);
        Assert.Equal("tcp 1024-65535 to 0.0.0.0/0: only 8 ports (2000-2002, 3000, 4000, 5000, 6000, …) to 1 peer (192.0.2.1)", Assert.Single(report.OverBroad).Summary);
    }

    [Fact]
    public void NeverHitRulesReasonsExemptionsAndConntrackUse()
    {
        var hit = Rule(0, "tcp", 22, 22, "tcp 22", "203.0.113.0/24", 4, Usage(new[] { 22 }, "203.0.113.9"));
        var idle = Rule(1, "tcp", 80, 80, "tcp 80", "0.0.0.0/0", 0, null);
        var nacls = new[]
        {
            new NaclEntrySummary(0, "acl-1", "inbound", "100", "allow", "all", "0.0.0.0/0", null, 9, 1, 2),
            new NaclEntrySummary(1, "acl-1", "inbound", "110", "allow", "tcp", "0.0.0.0/0", "80", 0, null, null),
            new NaclEntrySummary(2, "acl-1", "inbound", "*", "deny", "all", "0.0.0.0/0", null, 0, null, null),
        };
        var report = ReplayRulesAnalysis.Build(Summary(new[] { hit, idle }, nacls, conntrackMax: 1000), "OUT/replay.json", new ReportOptions());
        Assert.Equal(1, Assert.Single(report.NeverHit.SecurityGroupRules).Index);
        Assert.Equal("110", Assert.Single(report.NeverHit.NaclEntries).RuleNumber);
        Assert.Equal(1, report.NeverHit.DefaultNaclEntriesNotListed);
        Assert.Equal(new ConntrackReport(250, 1000, 25.0, 3), report.Conntrack);
        Assert.Equal(2, report.ExemptTotal);
        Assert.Equal(8, report.Reasons["allowed-by-rule"]);
        Assert.Equal("OUT/replay.json", report.File);
        Assert.Null(report.SecurityGroupRules[1].FirstHit);
    }
}
