using FirewallSim.Net;
using FirewallSim.Reports.Suggest;

namespace FirewallSim.Tests.Reports.Suggest;

public class CidrAggregatorTests
{
    private static IReadOnlyList<IpPrefix> Aggregate(IEnumerable<string> addresses, int maxBlocks = 8, int minLength = 24, string? within = null) =>
        CidrAggregator.Aggregate(addresses.Select(IpAddr.Parse), maxBlocks, minLength, within is null ? null : IpPrefix.Parse(within));

    private static string Text(IEnumerable<IpPrefix> blocks) => string.Join(",", blocks);

    [Fact]
    public void FewPeersStayExactHosts() =>
        Assert.Equal("198.51.100.7/32,203.0.113.10/32", Text(Aggregate(["203.0.113.10", "198.51.100.7", "203.0.113.10"])));

    [Fact]
    public void SiblingsJoinWithoutAddingAnAddress()
    {
        Assert.Equal("10.0.0.0/31", Text(Aggregate(["10.0.0.0", "10.0.0.1"])));
        Assert.Equal("10.0.0.0/30", Text(Aggregate(["10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.3"])));
        Assert.Equal("10.0.0.1/32,10.0.0.2/32", Text(Aggregate(["10.0.0.1", "10.0.0.2"]))); // not siblings: no join
    }

    [Fact]
    public void ManyPeersBecomeFewCoveringBlocks()
    {
        var clients = Enumerable.Range(1, 40).Select(i => $"198.51.100.{i * 3}").ToList(); // .3 … .120
        var blocks = Aggregate(clients, maxBlocks: 4);
        Assert.True(blocks.Count <= 4, Text(blocks));
        Assert.All(clients, c => Assert.Contains(blocks, b => b.Contains(IpAddr.Parse(c))));
        Assert.All(blocks, b => Assert.True(b.Length >= 24));
        Assert.All(blocks, b => Assert.True(IpPrefix.Parse("198.51.100.0/25").Contains(b), Text(blocks))); // no wider than needed
    }

    [Fact]
    public void MinimumLengthWinsOverTheBlockCount()
    {
        // Ten peers in ten different /16s cannot be joined into blocks of /24 or longer.
        var peers = Enumerable.Range(1, 10).Select(i => $"10.{i}.0.1").ToList();
        var blocks = Aggregate(peers, maxBlocks: 2, minLength: 24);
        Assert.Equal(10, blocks.Count);
        Assert.All(blocks, b => Assert.Equal(32, b.Length));

        var wide = Aggregate(peers, maxBlocks: 2, minLength: 12);
        Assert.True(wide.Count <= 2 || wide.All(b => b.Length >= 12));
        Assert.All(peers, p => Assert.Contains(wide, b => b.Contains(IpAddr.Parse(p))));
    }

    [Fact]
    public void CoveringBlocksStayInsideTheCurrentRulesCidr()
    {
        var peers = new[] { "10.0.1.1", "10.0.1.200", "10.0.1.77" };
        Assert.Equal("10.0.1.0/24", Text(Aggregate(peers, maxBlocks: 1, minLength: 16)));
        // Inside a /25 the two halves cannot be joined: the /24 cover would be wider than the current rule.
        var inside = Aggregate(["10.0.1.1", "10.0.1.100"], maxBlocks: 1, minLength: 16, within: "10.0.1.0/25");
        Assert.Equal("10.0.1.0/25", Text(inside));
        var apart = Aggregate(["10.0.1.1", "10.0.1.130"], maxBlocks: 1, minLength: 16, within: "10.0.1.0/25");
        Assert.Equal("10.0.1.1/32,10.0.1.130/32", Text(apart));
    }

    [Fact]
    public void Ipv6PeersAggregateWithTheirOwnLimit()
    {
        var peers = Enumerable.Range(1, 20).Select(i => $"2001:db8:0:1::{i:x}").ToList();
        var blocks = Aggregate(peers, maxBlocks: 2, minLength: 64);
        Assert.True(blocks.Count <= 2, Text(blocks));
        Assert.All(blocks, b => Assert.False(b.IsV4));
        Assert.All(blocks, b => Assert.True(b.Length >= 64));
        Assert.All(peers, p => Assert.Contains(blocks, b => b.Contains(IpAddr.Parse(p))));
        Assert.Equal("2001:db8::1/128", Text(Aggregate(["2001:db8::1"])));
    }

    [Fact]
    public void BothFamiliesAtOnceAreRefused() =>
        Assert.Throws<ArgumentException>(() => Aggregate(["10.0.0.1", "2001:db8::1"]));

    [Fact]
    public void CommonLengthCountsLeadingBitsInTheFamily()
    {
        Assert.Equal(24, CidrAggregator.CommonLength(IpAddr.Parse("10.0.1.1"), IpAddr.Parse("10.0.1.200"), v4: true));
        Assert.Equal(32, CidrAggregator.CommonLength(IpAddr.Parse("10.0.1.1"), IpAddr.Parse("10.0.1.1"), v4: true));
        Assert.Equal(0, CidrAggregator.CommonLength(IpAddr.Parse("10.0.0.0"), IpAddr.Parse("200.0.0.0"), v4: true));
        Assert.Equal(64, CidrAggregator.CommonLength(IpAddr.Parse("2001:db8::1"), IpAddr.Parse("2001:db8::8000:0:0:1"), v4: false));
        Assert.Equal(96, CidrAggregator.CommonLength(IpAddr.Parse("2001:db8::1"), IpAddr.Parse("2001:db8::ffff:1"), v4: false));
    }
}
