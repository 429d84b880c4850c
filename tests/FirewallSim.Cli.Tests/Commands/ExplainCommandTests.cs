using FirewallSim.Cli.Tests.Support;
using FirewallSim.Tests.Support;

namespace FirewallSim.Cli.Tests.Commands;

public class ExplainCommandTests
{
    private static string Capture => Path.Combine(TestPaths.Samples, "pcaps", "three-tier.pcap");

    private static string Config => Path.Combine(TestPaths.Samples, "config", "three-tier");

    [Fact]
    public async Task FrameOfTheSampleShowsTheExpiredEntryAndTheUndeliveredReceiver()
    {
        var r = await Fwsim.RunAsync("explain", Capture, "--frame", "88", "--config", Config);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("Frame 88 at 2024-05-01T12:01:15.000000000Z: 10.0.2.30:5432 -> 10.0.2.20:46000 tcp [ACK,PSH]", r.Out);
        Assert.Contains("entry expired", r.Out);
        Assert.Contains("(ESTABLISHED) idled out", r.Out);
        Assert.Contains("no outbound rule of sg-0db000000000000001 matches", r.Out);
        Assert.Contains("eni-0db00000000000001  egress   REJECT rejected-no-matching-rule", r.Out);
        Assert.Contains("eni-0app0000000000001  ingress  DROP   not-delivered", r.Out);
    }

    [Fact]
    public async Task NaclEntryThatDecidedIsNamed()
    {
        var r = await Fwsim.RunAsync("explain", Capture, "--frame", "61", "--config", Config);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("acl-0public0000000001 entry 90: inbound 90 deny tcp 22 192.0.2.0/24", r.Out);
        Assert.Contains("REJECT rejected-by-nacl by acl-0public0000000001 inbound 90 deny", r.Out);
        Assert.DoesNotContain("SG inbound", r.Out); // D14: the security group never sees a NACL-denied packet
    }

    [Fact]
    public async Task HypotheticalPacketNamesTheAllowingRuleAndTracking()
    {
        var r = await Fwsim.RunAsync("explain", "--config", Config, "--proto", "tcp", "--src", "203.0.113.9:50000", "--dst", "10.0.1.5:22", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = System.Text.Json.JsonDocument.Parse(r.Out);
        var v = doc.RootElement.GetProperty("verdicts")[0];
        Assert.Equal("eni-0bastion00000001", v.GetProperty("eni").GetString());
        Assert.Equal("ACCEPT", v.GetProperty("verdict").GetString());
        Assert.Equal("allowed-by-rule", v.GetProperty("reason").GetString());
        Assert.Equal("sg-0bastion000000001", v.GetProperty("group").GetString());
        Assert.Equal(0, v.GetProperty("rule_index").GetInt32());
        Assert.Equal("tracked", v.GetProperty("tracking").GetString());
        Assert.Equal("SYN_SENT", v.GetProperty("conntrack").GetString());
    }

    [Fact]
    public async Task ExemptHypotheticalPacketSaysSo()
    {
        var r = await Fwsim.RunAsync("explain", "--config", Config, "--proto", "udp", "--src", "10.0.2.20:40000", "--dst", "10.0.0.2:53");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("exempt (amazon-dns): no verdict, no flow-log record", r.Out);
    }

    [Theory]
    [InlineData("--frame", "0")]
    [InlineData("--frame", "5000")]
    public async Task BadFrameNumbersAreUsageErrors(string option, string value)
    {
        var r = await Fwsim.RunAsync("explain", Capture, option, value, "--config", Config);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("fwsim: error:", r.Err);
    }

    [Fact]
    public async Task HypotheticalPacketNeedsAddresses()
    {
        var r = await Fwsim.RunAsync("explain", "--config", Config, "--proto", "tcp", "--dst", "10.0.1.5:22");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--src", r.Err);
    }
}
