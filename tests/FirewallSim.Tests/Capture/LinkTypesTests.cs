using FirewallSim.Capture;

namespace FirewallSim.Tests.Capture;

public class LinkTypesTests
{
    [Theory]
    [InlineData(0, "NULL", true)]
    [InlineData(1, "EN10MB", true)]
    [InlineData(9, "PPP", false)]
    [InlineData(101, "RAW", true)]
    [InlineData(107, "FRELAY", false)]
    [InlineData(108, "LOOP", true)]
    [InlineData(113, "LINUX_SLL", true)]
    [InlineData(228, "IPV4", true)]
    [InlineData(229, "IPV6", true)]
    [InlineData(239, "NFLOG", false)]
    [InlineData(276, "LINUX_SLL2", true)]
    [InlineData(147, "LINKTYPE_147", false)]
    [InlineData(105, "LINKTYPE_105", false)]
    public void NamesAndSupport(int linkType, string name, bool supported)
    {
        Assert.Equal(name, LinkTypes.Name(linkType));
        Assert.Equal(supported, LinkTypes.IsSupported(linkType));
    }
}
