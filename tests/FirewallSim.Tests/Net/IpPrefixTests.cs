using FirewallSim.Net;

namespace FirewallSim.Tests.Net;

public class IpPrefixTests
{
    [Theory]
    [InlineData("100.68.0.18/18", "100.68.0.0/18")]
    [InlineData("10.1.2.3/8", "10.0.0.0/8")]
    [InlineData("10.1.2.3/31", "10.1.2.2/31")]
    [InlineData("10.1.2.3/32", "10.1.2.3/32")]
    [InlineData("10.1.2.3/0", "0.0.0.0/0")]
    [InlineData("172.31.255.255/12", "172.16.0.0/12")]
    [InlineData("10.1.2.3", "10.1.2.3/32")]
    [InlineData(" 192.168.7.9/24 ", "192.168.7.0/24")]
    [InlineData("2001:db8:abcd:12::1/48", "2001:db8:abcd::/48")]
    [InlineData("2001:db8::1/64", "2001:db8::/64")]
    [InlineData("2001:db8:1:2:8003:4:5:6/65", "2001:db8:1:2:8000::/65")]
    [InlineData("2001:db8::ff/127", "2001:db8::fe/127")]
    [InlineData("2001:db8::ff/128", "2001:db8::ff/128")]
    [InlineData("ffff::/1", "8000::/1")]
    [InlineData("::1/0", "::/0")]
    [InlineData("2001:db8::7", "2001:db8::7/128")]
    [InlineData("10.0.0.0/08", "10.0.0.0/8")]
    public void HostBitsAreClearedAsAwsDoes(string text, string canonical)
    {
        var p = IpPrefix.Parse(text);

        Assert.Equal(canonical, p.ToString());
        Assert.Equal(p, IpPrefix.Parse(canonical));
    }

    [Fact]
    public void CanonicalisationKeepsLengthAndFamily()
    {
        var p = IpPrefix.Parse("100.68.0.18/18");

        Assert.True(p.IsV4);
        Assert.Equal(18, p.Length);
        Assert.Equal(18 + 96, p.Length128);
        Assert.Equal(IpAddr.Parse("100.68.0.0"), p.Network);
        Assert.Equal(IpAddr.Parse("100.68.63.255"), p.Last);
        Assert.Equal(16384UL, p.Size);
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("2001:db8::/129")]
    [InlineData("10.0.0.0/")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("10.0.0.0/+8")]
    [InlineData("10.0.0.0/a")]
    [InlineData("10.0.0.0/ 8")]
    [InlineData("10.0.0.0/8/8")]
    [InlineData("10.0.0/8")]
    [InlineData("x/8")]
    [InlineData("/8")]
    [InlineData("")]
    public void InvalidPrefixesAreRejectedWithAReason(string text)
    {
        Assert.False(IpPrefix.TryParse(text, out _, out string? error));
        Assert.False(string.IsNullOrEmpty(error));
        Assert.Throws<FormatException>(() => IpPrefix.Parse(text));
    }

    [Fact]
    public void ConstructorRejectsLengthsOutsideTheFamily()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new IpPrefix(IpAddr.Parse("10.0.0.0"), 33));
        Assert.Throws<ArgumentOutOfRangeException>(() => new IpPrefix(IpAddr.Parse("2001:db8::"), 129));
        Assert.Throws<ArgumentOutOfRangeException>(() => new IpPrefix(IpAddr.Parse("10.0.0.0"), -1));
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.0.0.0", true)]
    [InlineData("10.0.0.0/8", "10.255.255.255", true)]
    [InlineData("10.0.0.0/8", "11.0.0.0", false)]
    [InlineData("10.0.0.0/8", "9.255.255.255", false)]
    [InlineData("100.68.0.0/18", "100.68.63.255", true)]
    [InlineData("100.68.0.0/18", "100.68.64.0", false)]
    [InlineData("10.0.0.5/32", "10.0.0.5", true)]
    [InlineData("10.0.0.5/32", "10.0.0.4", false)]
    [InlineData("0.0.0.0/0", "1.2.3.4", true)]
    [InlineData("0.0.0.0/0", "255.255.255.255", true)]
    [InlineData("2001:db8::/32", "2001:db8:ffff:ffff::1", true)]
    [InlineData("2001:db8::/32", "2001:db9::", false)]
    [InlineData("2001:db8::/64", "2001:db8::ffff:ffff:ffff:ffff", true)]
    [InlineData("2001:db8::/64", "2001:db8:0:1::", false)]
    [InlineData("2001:db8::/65", "2001:db8::7fff:ffff:ffff:ffff", true)]
    [InlineData("2001:db8::/65", "2001:db8::8000:0:0:0", false)]
    [InlineData("::/0", "2001:db8::1", true)]
    [InlineData("::/0", "::", true)]
    [InlineData("::1/128", "::1", true)]
    [InlineData("::1/128", "::2", false)]
    // across families: never
    [InlineData("::/0", "1.2.3.4", false)]
    [InlineData("::/0", "0.0.0.0", false)]
    [InlineData("::/0", "255.255.255.255", false)]
    [InlineData("::/96", "1.2.3.4", false)]
    [InlineData("::/96", "::1.2.3.4", true)]
    [InlineData("0.0.0.0/0", "::", false)]
    [InlineData("0.0.0.0/0", "::1", false)]
    [InlineData("0.0.0.0/0", "::1.2.3.4", false)]
    [InlineData("0.0.0.0/0", "2001:db8::1", false)]
    [InlineData("1.2.3.4/32", "::1.2.3.4", false)]
    public void ContainsChecksFamilyAndMask(string prefix, string address, bool expected)
    {
        Assert.Equal(expected, IpPrefix.Parse(prefix).Contains(IpAddr.Parse(address)));
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.1.0.0/16", true)]
    [InlineData("10.1.0.0/16", "10.0.0.0/8", false)]
    [InlineData("10.0.0.0/8", "10.0.0.0/8", true)]
    [InlineData("0.0.0.0/0", "192.168.0.0/16", true)]
    [InlineData("::/0", "0.0.0.0/0", false)]
    [InlineData("0.0.0.0/0", "::/0", false)]
    [InlineData("::/0", "2001:db8::/32", true)]
    [InlineData("2001:db8::/32", "2001:db8:8000::/33", true)]
    public void ContainsPrefix(string outer, string inner, bool expected)
    {
        Assert.Equal(expected, IpPrefix.Parse(outer).Contains(IpPrefix.Parse(inner)));
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.1.0.0/16", true)]
    [InlineData("10.1.0.0/16", "10.0.0.0/8", true)]
    [InlineData("10.0.0.0/16", "10.1.0.0/16", false)]
    [InlineData("0.0.0.0/0", "::/0", false)]
    public void Overlaps(string a, string b, bool expected)
    {
        Assert.Equal(expected, IpPrefix.Parse(a).Overlaps(IpPrefix.Parse(b)));
    }

    [Theory]
    [InlineData("10.0.0.0/24", 256UL, "10.0.0.255")]
    [InlineData("10.0.0.7/32", 1UL, "10.0.0.7")]
    [InlineData("0.0.0.0/0", 4_294_967_296UL, "255.255.255.255")]
    [InlineData("2001:db8::/127", 2UL, "2001:db8::1")]
    [InlineData("2001:db8::/96", 4_294_967_296UL, "2001:db8::ffff:ffff")]
    [InlineData("2001:db8::/65", 9_223_372_036_854_775_808UL, "2001:db8::7fff:ffff:ffff:ffff")]
    [InlineData("2001:db8::/64", ulong.MaxValue, "2001:db8::ffff:ffff:ffff:ffff")]
    [InlineData("2001:db8::/32", ulong.MaxValue, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")]
    [InlineData("::/0", ulong.MaxValue, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    public void SizeSaturatesAndLastIsTheTopAddress(string prefix, ulong size, string last)
    {
        var p = IpPrefix.Parse(prefix);

        Assert.Equal(size, p.Size);
        Assert.Equal(IpAddr.Parse(last), p.Last);
        Assert.True(p.Contains(p.Last));
    }

    [Fact]
    public void AllAndHostPrefixes()
    {
        Assert.Equal("0.0.0.0/0", IpPrefix.AllV4.ToString());
        Assert.Equal("::/0", IpPrefix.AllV6.ToString());
        Assert.True(IpPrefix.AllV4.IsAll);
        Assert.True(IpPrefix.AllV4.IsV4);
        Assert.False(IpPrefix.AllV6.IsV4);
        Assert.NotEqual(IpPrefix.AllV4, IpPrefix.AllV6);
        Assert.Equal("192.0.2.1/32", IpPrefix.Host(IpAddr.Parse("192.0.2.1")).ToString());
        Assert.Equal("2001:db8::1/128", IpPrefix.Host(IpAddr.Parse("2001:db8::1")).ToString());
    }

    [Fact]
    public void EqualPrefixesHashAlike()
    {
        var a = IpPrefix.Parse("10.9.8.7/16");
        var b = IpPrefix.Parse("10.9.0.0/16");

        Assert.True(a == b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.True(IpPrefix.Parse("10.9.0.0/17") != b);
    }
}
