using FirewallSim.Reports.Suggest;

namespace FirewallSim.Tests.Reports.Suggest;

public class PortRangesTests
{
    private static string Text(IEnumerable<PortRange> ranges) => string.Join(",", ranges);

    [Theory]
    [InlineData(new[] { 443 }, "443")]
    [InlineData(new[] { 443, 443, 443 }, "443")]
    [InlineData(new[] { 8081, 8080, 8082 }, "8080-8082")]
    [InlineData(new[] { 22, 80, 443 }, "22,80,443")]
    [InlineData(new[] { 5432, 5433, 6379, 6380, 9000 }, "5432-5433,6379-6380,9000")]
    [InlineData(new[] { 0, 65535 }, "0,65535")]
    public void ContiguousPortsFormOneRangeOthersStayApart(int[] ports, string expected) =>
        Assert.Equal(expected, Text(PortRanges.Merge(ports)));

    [Fact]
    public void EmptyGivesNoRange() => Assert.Empty(PortRanges.Merge([]));

    [Fact]
    public void GapJoinsRangesSeparatedByFewUnusedPorts()
    {
        Assert.Equal("8080-8083,9000", Text(PortRanges.Merge([8080, 8081, 8083, 9000], gap: 1)));
        Assert.Equal("8080-8081,8083,9000", Text(PortRanges.Merge([8080, 8081, 8083, 9000], gap: 0)));
    }

    [Fact]
    public void TooManyRangesJoinTheClosestFirst()
    {
        // Gaps: 1000→1002 (1 unused), 1002→1010 (7), 1010→2000 (989), 2000→2001 contiguous, 2001→3000 (998).
        var r = PortRanges.Merge([1000, 1002, 1010, 2000, 2001, 3000], maxRanges: 3);
        Assert.Equal("1000-1010,2000-2001,3000", Text(r));
        Assert.Equal("1000-3000", Text(PortRanges.Merge([1000, 1002, 1010, 2000, 2001, 3000], maxRanges: 1)));
    }

    [Fact]
    public void RangesNeverReachBeyondThePortsSeen()
    {
        var ports = new[] { 30000, 30500, 31000, 45000, 60000 };
        foreach (int max in new[] { 1, 2, 3, 8 })
        {
            var r = PortRanges.Merge(ports, maxRanges: max);
            Assert.True(r.Count <= max);
            Assert.Equal(30000, r[0].From);
            Assert.Equal(60000, r[^1].To);
            Assert.All(ports, p => Assert.Contains(r, x => x.From <= p && p <= x.To));
            Assert.All(r, x => Assert.Contains(x.From, ports));
            Assert.All(r, x => Assert.Contains(x.To, ports));
        }
    }
}
