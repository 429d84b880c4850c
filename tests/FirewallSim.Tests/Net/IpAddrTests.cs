using FirewallSim.Net;

namespace FirewallSim.Tests.Net;

public class IpAddrTests
{
    [Theory]
    [InlineData("0.0.0.0", 0x0000_0000u)]
    [InlineData("10.0.0.1", 0x0A00_0001u)]
    [InlineData("100.68.0.18", 0x6444_0012u)]
    [InlineData("255.255.255.255", 0xFFFF_FFFFu)]
    [InlineData(" 192.168.1.1 ", 0xC0A8_0101u)]
    public void Ipv4ParsesToItsNumber(string text, uint value)
    {
        Assert.True(IpAddr.TryParse(text, out var a));

        Assert.True(a.IsV4);
        Assert.Equal(value, a.V4);
        Assert.Equal(IpAddr.FromV4(value), a);
        Assert.Equal(text.Trim(), a.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("1.2.3")]
    [InlineData("1.2.3.4.5")]
    [InlineData("256.1.1.1")]
    [InlineData("1.2.3.256")]
    [InlineData("1..2.3")]
    [InlineData("1.2.3.")]
    [InlineData(".1.2.3")]
    [InlineData("a.b.c.d")]
    [InlineData("1.2.3.-4")]
    [InlineData("+1.2.3.4")]
    [InlineData("1234.1.1.1")]
    [InlineData("1.2.3.4/24")]
    [InlineData("1.2.3.4 5")]
    [InlineData("0x0A.0.0.1")]
    public void InvalidIpv4IsRejected(string text)
    {
        Assert.False(IpAddr.TryParse(text, out var a));
        Assert.True(a.IsNone);
        Assert.Throws<FormatException>(() => IpAddr.Parse(text));
    }

    [Theory]
    // RFC 5952 §4.2.1: the longest run of zero groups becomes "::"
    [InlineData("2001:db8:0:0:0:0:2:1", "2001:db8::2:1")]
    [InlineData("2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1")]
    // §4.2.2: a single zero group is not compressed
    [InlineData("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1")]
    [InlineData("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0")]
    [InlineData("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8")]
    // §4.2.3: the longest run wins; between equal runs, the first
    [InlineData("2001:0:0:1:0:0:0:1", "2001:0:0:1::1")]
    [InlineData("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1")]
    [InlineData("1:0:0:0:1:0:0:0", "1::1:0:0:0")]
    [InlineData("0:0:1:0:0:0:1:0", "0:0:1::1:0")]
    // leading, trailing and whole runs
    [InlineData("0:0:0:0:0:0:0:1", "::1")]
    [InlineData("0:0:0:1:2:3:4:5", "::1:2:3:4:5")]
    [InlineData("1:0:0:0:0:0:0:0", "1::")]
    [InlineData("1:2:3:4:5:0:0:0", "1:2:3:4:5::")]
    [InlineData("0:0:0:0:0:0:0:0", "::")]
    [InlineData("::", "::")]
    // §4.1 leading zeros dropped; §4.3 lower case
    [InlineData("FE80::ABCD:00EF", "fe80::abcd:ef")]
    [InlineData("2001:DB8:AAAA:BBBB:CCCC:DDDD:EEEE:1", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1")]
    [InlineData("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]
    // embedded IPv4 (other than IPv4-mapped) is printed in hex
    [InlineData("::1.2.3.4", "::102:304")]
    [InlineData("64:ff9b::192.0.2.33", "64:ff9b::c000:221")]
    [InlineData("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304")]
    [InlineData("::ffff:0:1.2.3.4", "::ffff:0:102:304")]
    public void Ipv6FormatsAsRfc5952(string text, string canonical)
    {
        var a = IpAddr.Parse(text);

        Assert.False(a.IsV4);
        Assert.Equal(canonical, a.ToString());
        Assert.Equal(canonical, Utf8Text(a));
        Assert.Equal(a, IpAddr.Parse(canonical));
    }

    [Fact]
    public void Ipv6ParsesToItsBits()
    {
        var a = IpAddr.Parse("2001:db8:1:2:3:4:5:6");

        Assert.Equal(0x2001_0db8_0001_0002UL, a.Hi);
        Assert.Equal(0x0003_0004_0005_0006UL, a.Lo);
        Assert.Equal(new UInt128(0x2001_0db8_0001_0002UL, 0x0003_0004_0005_0006UL), a.ToUInt128());
        Assert.Equal(a, IpAddr.FromUInt128(a.ToUInt128()));
    }

    [Theory]
    [InlineData(":::")]
    [InlineData("1:::2")]
    [InlineData("1::2::3")]
    [InlineData("::1::")]
    [InlineData(":1::")]
    [InlineData(":1:2:3:4:5:6:7:8")]
    [InlineData("1::2:")]
    [InlineData("1:2:3:4:5:6:7:8:")]
    [InlineData(":")]
    [InlineData("1:")]
    [InlineData("1:2:3:4:5:6:7")]
    [InlineData("1:2:3:4:5:6:7:8:9")]
    [InlineData("1:2:3:4:5:6:7:8::")]
    [InlineData("::1:2:3:4:5:6:7:8")]
    [InlineData("1:2:3:4::5:6:7:8")]
    [InlineData("12345::")]
    [InlineData("g::")]
    [InlineData("-1::")]
    [InlineData("+1::")]
    [InlineData("1: :2")]
    [InlineData("fe80::1%eth0")]
    [InlineData("[::1]")]
    [InlineData("1.2.3.4::")]
    [InlineData("::1.2.3")]
    [InlineData("::256.1.1.1")]
    [InlineData("::1.2.3.4:5")]
    [InlineData("1:2:3:4:5:6:7:1.2.3.4")]
    [InlineData("::1.2.3.4.5")]
    public void InvalidIpv6IsRejected(string text)
    {
        Assert.False(IpAddr.TryParse(text, out _));
        Assert.Throws<FormatException>(() => IpAddr.Parse(text));
    }

    [Fact]
    public void Ipv4AndIpv6AddressesWithTheSameLowBitsDiffer()
    {
        var v4 = IpAddr.Parse("1.2.3.4");
        var compatible = IpAddr.Parse("::1.2.3.4");
        var v6Zero = IpAddr.Parse("::");
        var v4Zero = IpAddr.Parse("0.0.0.0");

        Assert.NotEqual(v4, compatible);
        Assert.NotEqual(v4Zero, v6Zero);
        Assert.True(v4Zero.IsV4);
        Assert.False(v6Zero.IsV4);
        Assert.False(v4Zero.IsNone);
        Assert.True(v6Zero.IsNone);
    }

    [Fact]
    public void Ipv4SortsBeforeIpv6AndNumericallyWithinAFamily()
    {
        var sorted = new[] { "2001:db8::1", "10.0.0.2", "::1", "9.255.255.255", "10.0.0.10", "::", "255.255.255.255", "fe80::1" }
            .Select(IpAddr.Parse)
            .Order()
            .Select(a => a.ToString());

        Assert.Equal(new[] { "9.255.255.255", "10.0.0.2", "10.0.0.10", "255.255.255.255", "::", "::1", "2001:db8::1", "fe80::1" }, sorted);
        Assert.True(IpAddr.Parse("255.255.255.255") < IpAddr.Parse("::"));
        Assert.True(IpAddr.Parse("10.0.0.10") > IpAddr.Parse("10.0.0.9"));
    }

    [Fact]
    public void ReadAndWriteBytesRoundTrip()
    {
        byte[] v4 = [192, 0, 2, 200];
        byte[] v6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef];

        var a = IpAddr.ReadV4(v4);
        var b = IpAddr.ReadV6(v6);
        byte[] outV4 = new byte[4];
        byte[] outV6 = new byte[16];
        a.WriteBytes(outV4);
        b.WriteBytes(outV6);

        Assert.Equal("192.0.2.200", a.ToString());
        Assert.Equal("2001:db8::dead:beef", b.ToString());
        Assert.Equal(v4, outV4);
        Assert.Equal(v6, outV6);
    }

    /// <summary>Flow-log lines format addresses straight into UTF-8: the same text as the chars, for every shape of address.</summary>
    [Fact]
    public void Utf8TextIsTheSameAsTheCharText()
    {
        var random = new Random(11);
        for (int i = 0; i < 20_000; i++)
        {
            IpAddr a;
            if (i % 2 == 0)
            {
                // Octets of one, two and three digits, zero and 255 often.
                uint v = 0;
                for (int o = 0; o < 4; o++)
                {
                    int pick = random.Next(5);
                    v = (v << 8) | (uint)(pick == 0 ? 0 : pick == 1 ? 255 : pick == 2 ? random.Next(10) : random.Next(256));
                }

                a = IpAddr.FromV4(v);
            }
            else
            {
                // Runs of zero words anywhere, words of one to four hex digits.
                ulong hi = 0, lo = 0;
                for (int k = 0; k < 8; k++)
                {
                    int pick = random.Next(4);
                    ulong word = pick < 2 ? 0 : pick == 2 ? (ulong)random.Next(1, 16) : (ulong)random.Next(65536);
                    if (k < 4)
                    {
                        hi = (hi << 16) | word;
                    }
                    else
                    {
                        lo = (lo << 16) | word;
                    }
                }

                a = new IpAddr(hi, lo);
            }

            Assert.Equal(a.ToString(), Utf8Text(a));
        }
    }

    private static string Utf8Text(IpAddr a)
    {
        var bytes = new byte[39];
        Assert.True(a.TryFormat(bytes, out int n));
        return System.Text.Encoding.ASCII.GetString(bytes, 0, n);
    }

    [Fact]
    public void TryFormatReportsAShortDestination()
    {
        var v6 = IpAddr.Parse("2001:db8::1");
        var v4 = IpAddr.Parse("192.168.100.200");

        Assert.False(v6.TryFormat(new char[5], out _));
        Assert.False(v4.TryFormat(new char[10], out _));
        Assert.True(v4.TryFormat(new char[15], out int n));
        Assert.Equal(15, n);
        Assert.False(v4.TryFormat(new byte[14], out _));
        Assert.False(v6.TryFormat(new byte[38], out _));
        Assert.True(IpAddr.Parse("10.0.0.1").TryFormat(new char[8], out n));
        Assert.Equal(8, n);
        Assert.False(IpAddr.Parse("10.0.0.1").TryFormat(new char[7], out _));
        Assert.Equal("192.168.100.200", $"{v4}");
    }
}
