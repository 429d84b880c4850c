using System.Text.Json;
using FirewallSim.Cli.Tests.Support;
using FirewallSim.Config.Loading;
using FirewallSim.Tests.Support;

namespace FirewallSim.Cli.Tests.Commands;

public sealed class SuggestCommandTests : IDisposable
{
    private readonly TempCaptures _temp = new();

    private static string Capture => Path.Combine(TestPaths.Samples, "pcaps", "three-tier.pcap");

    private static string Config => Path.Combine(TestPaths.Samples, "config", "three-tier");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task ReportNamesFatesReplacementsAndTheVerification()
    {
        var r = await Fwsim.RunAsync("suggest", Capture, "--config", Config);
        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        Assert.Contains("accepted traffic (--accepted-only)", r.Out);
        Assert.Contains("NARROW  inbound[0]   inbound tcp 22 from 203.0.113.0/24", r.Out);
        Assert.Contains("-> inbound tcp 22 from 203.0.113.10/32", r.Out);
        Assert.Contains("-> outbound tcp 22 to sg-0web00000000000001", r.Out);
        Assert.Contains("REMOVE  inbound[2]   inbound tcp 80 from 0.0.0.0/0", r.Out);
        Assert.Contains("never hit in the capture", r.Out);
        Assert.Contains("sg-0db000000000000001 (db) on eni-0db00000000000001: no change", r.Out);
        Assert.Contains("Verification (1 round)", r.Out);
        Assert.Contains("every packet accepted now is accepted with the suggestion", r.Out);
        Assert.Contains("--keep-open-peers", r.Out);
    }

    [Fact]
    public async Task JsonOutputLoadsAsConfiguration()
    {
        var r = await Fwsim.RunAsync("suggest", Capture, "--config", Config, "--output-format", "json");
        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        var loaded = ConfigLoader.Load(new ConfigSource("suggested.json") { Text = r.Out });
        Assert.False(loaded.HasErrors, string.Join("\n", loaded.Errors));
        Assert.Equal(4, loaded.Timeline!.Initial.SecurityGroups.Count);
        Assert.Empty(loaded.Timeline.Initial.SecurityGroups["sg-0db000000000000001"].Outbound);
    }

    [Fact]
    public async Task CloudFormationAndCliOutputs()
    {
        var cfn = await Fwsim.RunAsync("suggest", Capture, "--config", Config, "--output-format", "cloudformation");
        Assert.True(cfn.ExitCode == ExitCodes.Ok, cfn.ToString());
        using (var doc = JsonDocument.Parse(cfn.Out))
        {
            var resources = doc.RootElement.GetProperty("Resources");
            Assert.Equal("AWS::EC2::SecurityGroup", resources.GetProperty("SgBastion").GetProperty("Type").GetString());
        }

        var cli = await Fwsim.RunAsync("suggest", Capture, "--config", Config, "--output-format", "cli");
        Assert.True(cli.ExitCode == ExitCodes.Ok, cli.ToString());
        Assert.StartsWith("#!/bin/sh", cli.Out, StringComparison.Ordinal);
        Assert.Contains("aws ec2 authorize-security-group-ingress --group-id sg-0bastion000000001 --ip-permissions '[{\"IpProtocol\":\"tcp\",\"FromPort\":22,\"ToPort\":22,\"IpRanges\":[{\"CidrIp\":\"203.0.113.10/32\",\"Description\":\"office\"}]}]'", cli.OutLines);
        Assert.Contains("aws ec2 revoke-security-group-ingress --group-id sg-0bastion000000001 --ip-permissions '[{\"IpProtocol\":\"tcp\",\"FromPort\":22,\"ToPort\":22,\"IpRanges\":[{\"CidrIp\":\"203.0.113.0/24\"}]}]'", cli.OutLines);
    }

    [Fact]
    public async Task OutDirectoryGetsEveryForm()
    {
        string dir = _temp.PathOf("out");
        var r = await Fwsim.RunAsync("suggest", Capture, "--config", Config, "--out", dir, "--output-format", "cli");
        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        foreach (string f in new[] { "report.txt", "suggest.json", "security-groups.json", "cloudformation.json", "commands.sh" })
        {
            Assert.True(File.Exists(Path.Combine(dir, f)), f);
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "suggest.json")));
        Assert.True(doc.RootElement.GetProperty("verification").GetProperty("holds").GetBoolean());
        Assert.Equal(3, doc.RootElement.GetProperty("summary").GetProperty("rules_removed").GetInt32());
        Assert.Contains("Verification", File.ReadAllText(Path.Combine(dir, "report.txt")));
    }

    [Fact]
    public async Task KeepOpenPeersKeepsThePublicHttpsRule()
    {
        var r = await Fwsim.RunAsync("suggest", Capture, "--config", Config, "--keep-open-peers");
        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        Assert.Contains("KEEP    inbound[0]   inbound tcp 443 from 0.0.0.0/0", r.Out);
    }

    [Theory]
    [InlineData("--accepted-only", "--all-attempted")]
    [InlineData("--max-cidrs", "0")]
    [InlineData("--min-prefix-v4", "33")]
    [InlineData("--output-format", "yaml")]
    public async Task BadOptionsExit2(string a, string b)
    {
        var r = await Fwsim.RunAsync("suggest", Capture, "--config", Config, a, b);
        Assert.True(r.ExitCode == ExitCodes.BadInput, r.ToString());
    }

    [Fact]
    public async Task StandardInputIsRefusedBecauseTheCaptureIsReadSeveralTimes()
    {
        var r = await Fwsim.RunAsync("suggest", "-", "--config", Config);
        Assert.True(r.ExitCode == ExitCodes.BadInput, r.ToString());
        Assert.Contains("several times", r.Err);
    }
}
