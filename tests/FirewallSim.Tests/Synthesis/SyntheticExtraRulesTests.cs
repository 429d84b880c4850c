using System.Text.RegularExpressions;
using FirewallSim.Config;
using FirewallSim.Config.Loading;
using FirewallSim.Net;
using FirewallSim.Synthesis;

namespace FirewallSim.Tests.Synthesis;

public class SyntheticExtraRulesTests
{
    private static AwsConfig Load(string yaml)
    {
        var result = ConfigLoader.Load([new ConfigSource("lab.yaml") { Text = yaml }], new ConfigLoadOptions { Strict = true });
        Assert.True(!result.HasErrors, "unexpected errors:\n" + string.Join("\n", result.Errors));
        Assert.Empty(result.Warnings);
        return result.Timeline!.Initial;
    }

    private static List<SecurityGroupRule> Rules(AwsConfig config) =>
        config.SecurityGroups.Values.SelectMany(g => g.Inbound.Concat(g.Outbound)).ToList();

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1_000)]
    [InlineData(10_000)]
    public void TheConfigurationHasExactlyTheRulesAskedForMore(int extra)
    {
        int baseRules = Rules(Load(SyntheticLabConfig.Yaml())).Count;
        Assert.Equal(21, baseRules);
        var config = Load(SyntheticLabConfig.Yaml(extra, seed: 3));
        Assert.Equal(baseRules + extra, Rules(config).Count);
    }

    [Fact]
    public void NarrowWebOutboundOnlyAllowsWhatTheWebTierStarts()
    {
        var open = Load(SyntheticLabConfig.Yaml()).SecurityGroups["sg-web"];
        var narrow = Load(SyntheticLabConfig.Yaml(webOutbound: SyntheticWebOutbound.Narrow)).SecurityGroups["sg-web"];
        Assert.Equal(open.Inbound.Select(r => r with { Source = null }), narrow.Inbound.Select(r => r with { Source = null }));
        Assert.Contains(open.Outbound, r => r.Peer.IsOpenCidr && r.Protocol == RuleProtocol.All);
        Assert.Equal(5, narrow.Outbound.Count);
        Assert.DoesNotContain(narrow.Outbound, r => r.Peer.IsOpenCidr && (r.Protocol is RuleProtocol.All or IpProtocol.Tcp));
        Assert.Contains(narrow.Outbound, r => r.Protocol == IpProtocol.Tcp && r.FromPort == 8080 && r.Peer.GroupId == "sg-app");
        Assert.Equal(1_024, Rules(Load(SyntheticLabConfig.Yaml(1_000, seed: 2, SyntheticWebOutbound.Narrow))).Count);
    }

    [Fact]
    public void RulesAreSpreadOverTheGroupsAndKeepTheBaseRulesFirst()
    {
        var plain = Load(SyntheticLabConfig.Yaml());
        var config = Load(SyntheticLabConfig.Yaml(3_000, seed: 1));
        foreach (var g in plain.SecurityGroups.Values)
        {
            var big = config.SecurityGroups[g.Id];
            Assert.Equal(1_000, big.Inbound.Count + big.Outbound.Count - g.Inbound.Count - g.Outbound.Count);
            Assert.InRange(big.Outbound.Count - g.Outbound.Count, 150, 350); // about a quarter outbound
            for (int i = 0; i < g.Inbound.Count; i++)
            {
                Assert.Equal(g.Inbound[i] with { Source = null }, big.Inbound[i] with { Source = null });
            }

            for (int i = 0; i < g.Outbound.Count; i++)
            {
                Assert.Equal(g.Outbound[i] with { Source = null }, big.Outbound[i] with { Source = null });
            }
        }
    }

    [Fact]
    public void TheMixHasEveryKindOfPeer()
    {
        var config = Load(SyntheticLabConfig.Yaml(10_000, seed: 1));
        var extra = Rules(config).Where(r => r.Description?.StartsWith("extra-", StringComparison.Ordinal) == true).ToList();
        Assert.Equal(10_000, extra.Count);
        var cidrs = extra.Where(r => r.Peer.Kind == PeerKind.Cidr).Select(r => r.Peer.Cidr).ToList();
        Assert.Contains(cidrs, c => c.IsV4 && c.Length == 32);
        Assert.Contains(cidrs, c => c.IsV4 && c.Length == 24);
        Assert.Contains(cidrs, c => c.IsV4 && c.Length == 16);
        Assert.Contains(cidrs, c => !c.IsV4 && c.Length == 128);
        Assert.Contains(cidrs, c => !c.IsV4 && c.Length == 64);
        Assert.Contains(cidrs, c => !c.IsV4 && c.Length == 48);
        Assert.InRange(cidrs.Count(c => !c.IsV4), 1_500, 2_400);
        Assert.InRange(extra.Count(r => r.Peer.Kind == PeerKind.PrefixList), 400, 800);
        Assert.InRange(extra.Count(r => r.Peer.Kind == PeerKind.SecurityGroup), 500, 900);
        Assert.Contains(extra, r => r.PortsApply && r.FromPort != r.ToPort);
        Assert.Contains(extra, r => r.Protocol == IpProtocol.Udp);
        Assert.Contains(extra, r => r.Protocol == IpProtocol.Icmp);
        Assert.Contains(extra, r => r.Protocol == IpProtocol.Icmpv6);
        Assert.Contains(extra, r => r.Protocol == RuleProtocol.All);
        Assert.Equal(SyntheticExtraRules.PrefixListCount, config.PrefixLists.Count);
    }

    [Fact]
    public void NoTwoRulesOfAGroupDirectionAreTheSame()
    {
        var config = Load(SyntheticLabConfig.Yaml(30_000, seed: 5));
        foreach (var g in config.SecurityGroups.Values)
        {
            foreach (var rules in new[] { g.Inbound, g.Outbound })
            {
                var keys = rules.Select(r => (r.Protocol, r.FromPort, r.ToPort, r.Peer.ToString())).ToList();
                Assert.Equal(keys.Count, keys.Distinct().Count());
            }
        }
    }

    [Fact]
    public void EvenTheLargestSetHasNoDuplicate()
    {
        var set = SyntheticExtraRules.Generate(SyntheticExtraRules.Max, seed: 1);
        var description = new Regex(", description: extra-[0-9]+}$", RegexOptions.CultureInvariant);
        int total = 0;
        for (int g = 0; g < 3; g++)
        {
            foreach (bool egress in new[] { false, true })
            {
                var rules = set.For(g, egress);
                total += rules.Count;
                var stripped = new HashSet<string>(rules.Select(r => description.Replace(r, "}")), StringComparer.Ordinal);
                Assert.Equal(rules.Count, stripped.Count);
            }
        }

        Assert.Equal(SyntheticExtraRules.Max, total);
    }

    [Fact]
    public void SameCountAndSeedGiveTheSameText()
    {
        Assert.Equal(SyntheticLabConfig.Yaml(2_000, seed: 9), SyntheticLabConfig.Yaml(2_000, seed: 9));
        Assert.NotEqual(SyntheticLabConfig.Yaml(2_000, seed: 9), SyntheticLabConfig.Yaml(2_000, seed: 10));
        Assert.Equal(SyntheticLabConfig.Yaml(), SyntheticLabConfig.Yaml(0, seed: 10));
        Assert.DoesNotContain("prefix_lists", SyntheticLabConfig.Yaml(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(SyntheticExtraRules.Max + 1)]
    public void CountsOutOfRangeAreRefused(int count)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticLabConfig.Yaml(count));
    }

    /// <summary>
    /// The reason the extra rules change no verdict: every address they name lies in ranges the generator never
    /// uses, none is an open CIDR (so no flow becomes untracked), and group references only open ports no
    /// flow between two servers uses.
    /// </summary>
    [Fact]
    public void NoPacketOfAGeneratedCaptureCanMatchAnExtraRule()
    {
        var config = Load(SyntheticLabConfig.Yaml(20_000, seed: GeneratedCapture.Options.Seed));
        var extra = Rules(config).Where(r => r.Description?.StartsWith("extra-", StringComparison.Ordinal) == true).ToList();
        var unused = SyntheticExtraRules.UnusedIpv4.Concat(SyntheticExtraRules.UnusedIpv6).ToList();
        bool InUnused(IpPrefix p) => unused.Any(u => u.Contains(p));

        var blocks = new List<IpPrefix>();
        foreach (var r in extra)
        {
            switch (r.Peer.Kind)
            {
                case PeerKind.Cidr:
                    Assert.False(r.Peer.IsOpenCidr);
                    blocks.Add(r.Peer.Cidr);
                    break;
                case PeerKind.PrefixList:
                    blocks.AddRange(config.PrefixLists[r.Peer.PrefixListId!].Entries.Select(e => e.Cidr));
                    break;
                default:
                    Assert.Equal(PeerKind.SecurityGroup, r.Peer.Kind);
                    Assert.True(r.Protocol is IpProtocol.Tcp or IpProtocol.Udp, r.ToString());
                    Assert.InRange(r.FromPort, 1, SyntheticNetworkPlan.LinuxEphemeralFirst - 1);
                    Assert.InRange(r.ToPort, 1, SyntheticNetworkPlan.LinuxEphemeralFirst - 1);
                    foreach (int used in new[] { 53, 80, 443, SyntheticNetworkPlan.AppPort, SyntheticNetworkPlan.DbPort })
                    {
                        Assert.False(r.FromPort <= used && used <= r.ToPort, r.ToString());
                    }

                    break;
            }
        }

        Assert.All(blocks, b => Assert.True(InUnused(b), $"{b} is outside the unused ranges"));
        Assert.All(unused, u => Assert.DoesNotContain(SyntheticNetworkPlan.Enis, e => u.Contains(e.Ipv4) || u.Contains(e.Ipv6)));

        var plannedOutside = new[]
        {
            SyntheticNetworkPlan.VpcResolverIpv4, SyntheticNetworkPlan.VpcResolverIpv6, SyntheticNetworkPlan.PublicDnsIpv4,
            SyntheticNetworkPlan.PublicDnsIpv6,
        }.Concat(SyntheticNetworkPlan.Scanners);
        foreach (var a in plannedOutside)
        {
            Assert.DoesNotContain(unused, u => u.Contains(a));
        }

        foreach (var p in GeneratedCapture.Packets)
        {
            foreach (var a in new[] { p.Src, p.Dst })
            {
                if (unused.Any(u => u.Contains(a)))
                {
                    Assert.Fail($"frame {p.Frame}: {a} lies in a range of the extra rules");
                }
            }
        }
    }
}
