using FirewallSim.Net;

namespace FirewallSim.Tests.Net;

public class MacAddrTests
{
    [Theory]
    [InlineData("0a:1b:2c:3d:4e:5f", 0x0A1B_2C3D_4E5FUL)]
    [InlineData("0A-1B-2C-3D-4E-5F", 0x0A1B_2C3D_4E5FUL)]
    [InlineData("Ff:fF:ff:FF:ff:ff", 0xFFFF_FFFF_FFFFUL)]
    [InlineData(" 00:00:00:00:00:01 ", 1UL)]
    [InlineData("00:00:00:00:00:00", 0UL)]
    public void ParsesColonOrDashFormsInAnyCase(string text, ulong value)
    {
        Assert.True(MacAddr.TryParse(text, out var mac));

        Assert.Equal(value, mac.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0a:1b:2c:3d:4e")]
    [InlineData("0a:1b:2c:3d:4e:5f:")]
    [InlineData("0a:1b:2c:3d:4e:5f:60")]
    [InlineData("0a:1b:2c:3d:4e:5g")]
    [InlineData("0a1b2c3d4e5f")]
    [InlineData("0a1b.2c3d.4e5f")]
    [InlineData("0a.1b.2c.3d.4e.5f")]
    [InlineData("+a:1b:2c:3d:4e:5f")]
    [InlineData(" a:1b:2c:3d:4e:5f0")]
    [InlineData("a:1b:2c:3d:4e:5f")]
    public void RejectsOtherForms(string text)
    {
        Assert.False(MacAddr.TryParse(text, out var mac));
        Assert.True(mac.IsNone);
    }

    [Theory]
    [InlineData(0x0A1B_2C3D_4E5FUL, "0a:1b:2c:3d:4e:5f")]
    [InlineData(0x0000_0000_0001UL, "00:00:00:00:00:01")]
    [InlineData(0xFFFF_FFFF_FFFFUL, "ff:ff:ff:ff:ff:ff")]
    [InlineData(0x0200_0000_0001UL, "02:00:00:00:00:01")]
    public void FormatsLowerCaseWithColons(ulong value, string text)
    {
        Assert.Equal(text, new MacAddr(value).ToString());
    }

    [Fact]
    public void ReadAndWriteUseNetworkOrder()
    {
        byte[] bytes = [0x00, 0x1b, 0x2c, 0x3d, 0x4e, 0xff, 0x99];

        var mac = MacAddr.Read(bytes);
        byte[] written = new byte[6];
        mac.Write(written);

        Assert.Equal(0x001B_2C3D_4EFFUL, mac.Value);
        Assert.Equal(bytes[..6], written);
    }

    [Theory]
    [InlineData("01:00:5e:00:00:fb", true)]
    [InlineData("33:33:00:00:00:01", true)]
    [InlineData("ff:ff:ff:ff:ff:ff", true)]
    [InlineData("02:00:00:00:00:01", false)]
    [InlineData("00:1b:2c:3d:4e:5f", false)]
    public void MulticastIsTheLowBitOfTheFirstOctet(string text, bool multicast)
    {
        Assert.True(MacAddr.TryParse(text, out var mac));

        Assert.Equal(multicast, mac.IsMulticast);
        Assert.False(mac.IsNone);
    }
}
