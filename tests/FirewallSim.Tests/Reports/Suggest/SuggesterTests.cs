using FirewallSim.Config;
using FirewallSim.Reports.Suggest;
using FirewallSim.Tests.Support;
using static FirewallSim.Decode.TcpFlags;
using static FirewallSim.Tests.Reports.Suggest.VarietyScenario;

namespace FirewallSim.Tests.Reports.Suggest;

/// <summary>What the suggestion holds for built scenarios: narrowing, removal, group references, aggregation, tracking.</summary>
public class SuggesterTests
{
    internal static Suggestion Run(AwsConfig config, string capture, SuggestOptions? options = null) =>
        new Suggester(ConfigTimeline.Single(config), options: options).Run([capture]);

    internal static SuggestedGroup Group(Suggestion s, string id) => s.Groups.Single(g => g.Current.Id == id);

    internal static List<string> Shapes(SecurityGroup g) => g.Inbound.Concat(g.Outbound).Select(r => RuleShape.Of(r).ToString()).ToList();

    private static RuleAssessment Assessment(SuggestedGroup g, bool egress, int index) =>
        g.Assessments.Single(a => a.Current.Egress == egress && a.Current.Index == index);

    [Fact]
    public void VarietyScenarioIsNarrowedRuleByRule()
    {
        using var script = new TrafficScript();
        var s = Run(VarietyScenario.Config(), VarietyScenario.Capture(script));

        var app = Group(s, "sg-app");
        Assert.Equal(["eni-app1", "eni-app2"], app.Members);
        // Peers are the web servers' private addresses, all inside 10.0.1.0/24: a reference to their group.
        Assert.Equal(["inbound tcp 8080-8081 from sg-web"], Assessment(app, false, 0).Replacement.Select(r => RuleShape.Of(r).ToString()));
        Assert.Equal(["inbound tcp 9100 from sg-mon"], Assessment(app, false, 1).Replacement.Select(r => RuleShape.Of(r).ToString()));
        Assert.Equal(RuleFate.Narrow, Assessment(app, true, 0).Fate);
        Assert.Equal(
            ["outbound tcp 5432-5433 to sg-db", "outbound udp 53 to 8.8.8.8/32", "outbound gre to 203.0.113.50/32"],
            Assessment(app, true, 0).Replacement.Select(r => RuleShape.Of(r).ToString()));

        var db = Group(s, "sg-db");
        Assert.Equal(RuleFate.Narrow, Assessment(db, false, 0).Fate);
        Assert.Equal("inbound tcp 5432-5433 from sg-app", RuleShape.Of(Assessment(db, false, 0).Replacement.Single()).ToString());
        var redis = Assessment(db, false, 1);
        Assert.Equal(RuleFate.Remove, redis.Fate);
        Assert.Equal("never hit in the capture", redis.Reason);

        var web = Group(s, "sg-web");
        Assert.Equal(RuleFate.Remove, Assessment(web, false, 2).Fate); // tcp 80
        Assert.Equal(["inbound icmp 3/-1 from 192.0.2.1/32", "inbound icmp 8/-1 from sg-mon"],
            Assessment(web, false, 4).Replacement.Select(r => RuleShape.Of(r).ToString()).Order());
        Assert.Equal("inbound tcp 22 from sg-bastion", RuleShape.Of(Assessment(web, false, 5).Replacement.Single()).ToString());
        var v6Out = Assessment(web, true, 1);
        Assert.Equal(RuleFate.Remove, v6Out.Fate); // only carried responses of the untracked IPv6 flow
        Assert.True(v6Out.UntrackedResponsePackets > 0);
        Assert.Contains("untracked", v6Out.Reason, StringComparison.Ordinal);

        var bastion = Group(s, "sg-bastion");
        Assert.Equal("inbound tcp 22 from 203.0.113.10/32", RuleShape.Of(Assessment(bastion, false, 0).Replacement.Single()).ToString());
        Assert.Equal("outbound tcp 22 to sg-web", RuleShape.Of(Assessment(bastion, true, 0).Replacement.Single()).ToString());

        Assert.Equal(["sg-unused"], s.Unattached.Select(g => g.Id));
        Assert.True(s.Verification!.Holds);
    }

    [Fact]
    public void TwentyClientsAreAggregatedIntoFewBlocksNoWiderThanTheLimit()
    {
        using var script = new TrafficScript();
        var s = Run(VarietyScenario.Config(), VarietyScenario.Capture(script), new SuggestOptions { MaxCidrs = 4 });
        var https = Assessment(Group(s, "sg-web"), false, 0).Replacement;
        Assert.InRange(https.Count, 1, 4);
        Assert.All(https, r => Assert.True(r.Peer.Cidr.Length >= 24, r.ToString()));
        Assert.All(Clients, c => Assert.Contains(https, r => r.Peer.Cidr.Contains(FirewallSim.Net.IpAddr.Parse(c))));
        Assert.All(https, r => Assert.Equal(443, r.FromPort));

        // With room for every peer, only lossless joins happen: the blocks hold exactly the twenty clients.
        var exact = Assessment(Group(Run(VarietyScenario.Config(), script.Write("again.pcap"), new SuggestOptions { MaxCidrs = 50 }), "sg-web"), false, 0).Replacement;
        Assert.Equal(20UL, exact.Aggregate(0UL, (n, r) => n + r.Peer.Cidr.Size));
        Assert.Contains(exact, r => r.Peer.Cidr.ToString() == "198.51.100.8/29");
    }

    [Fact]
    public void UntrackedResponsesNeedNoRuleButAFlowResumedAfterItsTimeoutIsFoundByVerification()
    {
        using var script = new TrafficScript();
        var s = Run(VarietyScenario.Config(), VarietyScenario.Capture(script));
        Assert.True(s.Stats.UntrackedResponsePackets > 0);
        Assert.Equal(2, s.Verification!.Rounds);
        Assert.True(s.Verification.Holds);
        var web = Group(s, "sg-web");
        Assert.Contains("outbound udp 5000 to 198.51.100.200/32", Shapes(web.Suggested));
        Assert.DoesNotContain(Shapes(web.Suggested), x => x.StartsWith("outbound tcp 41", StringComparison.Ordinal)); // no rules for the HTTPS responses
        Assert.Contains(s.Notes, n => n.Contains("untracked", StringComparison.Ordinal) && n.Contains("initiating direction", StringComparison.Ordinal));
        Assert.Contains(s.Notes, n => n.Contains("conntrack allowance", StringComparison.Ordinal));
        Assert.True(s.Verification.Report.Summary.PeakTrackedB > s.Verification.Report.Summary.PeakTrackedA);
    }

    [Fact]
    public void WithoutGroupReferencesPeersAreCidrs()
    {
        using var script = new TrafficScript();
        var s = Run(VarietyScenario.Config(), VarietyScenario.Capture(script), new SuggestOptions { GroupReferences = false });
        var app = Group(s, "sg-app");
        Assert.Equal(["inbound tcp 8080 from 10.0.1.10/32", "inbound tcp 8081 from 10.0.1.11/32"],
            Assessment(app, false, 0).Replacement.Select(r => RuleShape.Of(r).ToString()).Order());
        Assert.True(s.Verification!.Holds);
    }

    [Fact]
    public void AGroupWithMembersOutsideTheCurrentCidrIsNotReferenced()
    {
        // sg-web also has a member in 10.0.3.0/24: a reference would admit it, the current 10.0.1.0/24 rule does not.
        var config = VarietyScenario.Config();
        var extra = new TestVpc().Subnet("subnet-x", "10.0.3.0/24").Eni("eni-web3", "subnet-x", ["10.0.3.10"], ["sg-web"]).Build();
        config = config with
        {
            Subnets = config.Subnets.Concat(extra.Subnets).ToDictionary(),
            NetworkInterfaces = config.NetworkInterfaces.Concat(extra.NetworkInterfaces).ToDictionary(),
        };
        using var script = new TrafficScript();
        var s = Run(config, VarietyScenario.Capture(script));
        Assert.Equal(["inbound tcp 8080 from 10.0.1.10/32", "inbound tcp 8081 from 10.0.1.11/32"],
            Assessment(Group(s, "sg-app"), false, 0).Replacement.Select(r => RuleShape.Of(r).ToString()).Order());
        // The /16 rule contains every member, so monitoring still becomes a reference.
        Assert.Equal("inbound tcp 9100 from sg-mon", RuleShape.Of(Assessment(Group(s, "sg-app"), false, 1).Replacement.Single()).ToString());
    }

    [Fact]
    public void KeepOpenPeersNarrowsOnlyPortsOfPublicRules()
    {
        using var script = new TrafficScript();
        var s = Run(VarietyScenario.Config(), VarietyScenario.Capture(script), new SuggestOptions { KeepOpenPeers = true });
        var web = Group(s, "sg-web");
        Assert.Equal(RuleFate.Keep, Assessment(web, false, 0).Fate); // tcp 443 from 0.0.0.0/0 stays
        Assert.Equal("inbound udp 3478 from 0.0.0.0/0", RuleShape.Of(Assessment(web, false, 3).Replacement.Single()).ToString());
        Assert.True(s.Verification!.Holds);
        Assert.DoesNotContain(s.Notes, n => n.Contains("--keep-open-peers", StringComparison.Ordinal));
    }

    [Fact]
    public void AllAttemptedAddsRulesForRejectedAttemptsAndStillBreaksNothing()
    {
        using var script = new TrafficScript();
        var s = Run(VarietyScenario.Config(), VarietyScenario.Capture(script), new SuggestOptions { AllAttempted = true });
        var web = Group(s, "sg-web");
        Assert.Contains(web.Rules, r => r.Origin == RuleOrigin.Added && RuleShape.Of(r.Rule).ToString() == "inbound tcp 22 from 45.33.32.156/32");
        Assert.Contains("inbound tcp 3389 from 45.33.32.156/32", Shapes(Group(s, "sg-app").Suggested));
        Assert.True(s.Verification!.Holds);
        Assert.True(s.Verification.Report.Summary.OpenedFlows >= 2);
    }

    [Fact]
    public void TooManyPeersKeepTheRulesPeerAndNarrowOnlyThePorts()
    {
        using var script = new TrafficScript();
        var s = Run(VarietyScenario.Config(), VarietyScenario.Capture(script), new SuggestOptions { MaxPeersPerRule = 5 });
        var https = Assessment(Group(s, "sg-web"), false, 0);
        Assert.Equal(RuleFate.Keep, https.Fate);
        Assert.Contains("more than 5 distinct peers, so its peer is kept", https.Reason, StringComparison.Ordinal);
        Assert.True(s.Verification!.Holds);
    }

    [Fact]
    public void AcceptedOnlyOpensNothingNew()
    {
        using var script = new TrafficScript();
        var s = Run(VarietyScenario.Config(), VarietyScenario.Capture(script));
        Assert.Equal(0, s.Verification!.Report.Summary.OpenedFlows);
    }

    [Fact]
    public void AnAllProtocolRuleSplitsIntoTheProtocolsSeenAndAKeptRuleStaysAsItIs()
    {
        var config = TestVpc.Standard("in tcp 22 203.0.113.10/32", "in all 10.0.0.0/8").Build();
        using var script = new TrafficScript();
        script.Session(1, "203.0.113.10", 50000, "10.0.1.10", 22)
            .Session(2, "10.9.0.1", 50001, "10.0.1.10", 443).Session(3, "10.9.0.1", 50002, "10.0.1.10", 444)
            .Udp(4, "10.9.0.2", 123, "10.0.1.10", 123).Echo(5, "10.9.0.3", "10.0.1.10", 9);
        var s = Run(config, script.Write());
        var g = Group(s, "sg-e");
        Assert.Equal(RuleFate.Keep, Assessment(g, false, 0).Fate);
        var kept = g.Rules.Single(r => r.Origin == RuleOrigin.Kept).Rule;
        Assert.Equal(config.SecurityGroups["sg-e"].Inbound[0], kept with { Index = 0 });
        var all = Assessment(g, false, 1);
        Assert.Equal(RuleFate.Narrow, all.Fate);
        Assert.Equal(["inbound tcp 443-444 from 10.9.0.1/32", "inbound udp 123 from 10.9.0.2/32", "inbound icmp 8/-1 from 10.9.0.3/32"],
            all.Replacement.Select(r => RuleShape.Of(r).ToString()));
        Assert.True(s.Verification!.Holds);
    }

    [Fact]
    public void ATcpSynIsTheOnlyPacketATrackedConnectionNeedsARuleFor()
    {
        var config = TestVpc.Standard("in tcp 22 0.0.0.0/0").Build(); // no outbound rules at all
        using var script = new TrafficScript();
        script.Session(1, "203.0.113.10", 50000, "10.0.1.10", 22).Tcp(2, "203.0.113.66", 1, "10.0.1.10", 23, Syn);
        var s = Run(config, script.Write());
        var g = Group(s, "sg-e");
        Assert.Equal(["inbound tcp 22 from 203.0.113.10/32"], Shapes(g.Suggested));
        Assert.Empty(g.Suggested.Outbound);
    }
}
