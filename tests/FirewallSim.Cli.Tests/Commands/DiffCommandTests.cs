using System.Text.Json;
using System.Text.Json.Nodes;
using FirewallSim.Cli.Tests.Support;
using FirewallSim.Tests.Support;

namespace FirewallSim.Cli.Tests.Commands;

public sealed class DiffCommandTests : IDisposable
{
    private readonly TempCaptures _temp = new();

    private static string Capture => Path.Combine(TestPaths.Samples, "pcaps", "three-tier.pcap");

    private static string Config => Path.Combine(TestPaths.Samples, "config", "three-tier");

    public void Dispose() => _temp.Dispose();

    /// <summary>A copy of the sample configuration with its security groups changed by <paramref name="edit"/>.</summary>
    private string Modified(string name, Action<JsonArray> edit)
    {
        string dir = _temp.PathOf(name);
        Directory.CreateDirectory(dir);
        foreach (string f in Directory.GetFiles(Config))
        {
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        }

        string sgFile = Path.Combine(dir, "describe-security-groups.json");
        var root = JsonNode.Parse(File.ReadAllText(sgFile))!;
        edit(root["SecurityGroups"]!.AsArray());
        File.WriteAllText(sgFile, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return dir;
    }

    private static JsonObject Group(JsonArray groups, string name) =>
        groups.Select(g => g!.AsObject()).Single(g => g["GroupName"]!.GetValue<string>() == name);

    private string WithoutBastionSsh() => Modified("no-ssh", g => Group(g, "bastion")["IpPermissions"] = new JsonArray());

    private string WithPingToApp() => Modified("ping", g => Group(g, "app")["IpPermissions"]!.AsArray().Add(JsonNode.Parse(
        """{ "IpProtocol": "icmp", "FromPort": 8, "ToPort": -1, "UserIdGroupPairs": [ { "GroupId": "sg-0web00000000000001" } ] }""")));

    [Fact]
    public async Task RemovingTheBastionsSshRuleBreaksTheAdminSessionAndExits4()
    {
        var r = await Fwsim.RunAsync("diff", Capture, "--config", Config, "--config-b", WithoutBastionSsh());
        Assert.True(r.ExitCode == ExitCodes.Findings, r.ToString());
        Assert.Contains("WOULD BREAK: 2 flows", r.Out);
        Assert.Contains("eni-0bastion00000001 ingress tcp 203.0.113.10:51000 -> 10.0.1.5:22", r.Out);
        Assert.Contains("A  ACCEPT    allowed by sg-0bastion000000001 inbound[0] tcp 22 from 203.0.113.0/24 [tracked]", r.Out);
        Assert.Contains("B  REJECT    no inbound rule of sg-0bastion000000001 matches", r.Out);
        Assert.Contains("never sent: B refused the connection's SYN at frame 1", r.Out);
        Assert.Contains("WOULD OPEN: nothing", r.Out);
        Assert.Contains("Result: 2 flows would break.", r.Out);
    }

    [Fact]
    public async Task JsonNamesTheFlowTheRulesAndTheCounts()
    {
        var r = await Fwsim.RunAsync("diff", Capture, "--config", Config, "--config-b", WithoutBastionSsh(), "--json");
        Assert.True(r.ExitCode == ExitCodes.Findings, r.ToString());
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        var summary = root.GetProperty("summary");
        Assert.True(summary.GetProperty("would_break").GetBoolean());
        Assert.Equal(2, summary.GetProperty("broken_flows").GetInt32());
        Assert.Equal(0, summary.GetProperty("opened_flows").GetInt32());
        Assert.Equal(109, summary.GetProperty("packets_replayed").GetInt64());
        var f = root.GetProperty("would_break").EnumerateArray().Single(x => x.GetProperty("direction").GetString() == "ingress");
        Assert.Equal("eni-0bastion00000001", f.GetProperty("eni").GetString());
        Assert.Equal("tcp", f.GetProperty("protocol").GetString());
        Assert.Equal("203.0.113.10", f.GetProperty("src").GetString());
        Assert.Equal(51000, f.GetProperty("src_port").GetInt32());
        Assert.Equal(22, f.GetProperty("dst_port").GetInt32());
        Assert.Equal(8, f.GetProperty("changed_packets").GetInt32());
        Assert.Equal(8, f.GetProperty("a").GetProperty("accepted_packets").GetInt32());
        Assert.Equal(1, f.GetProperty("b").GetProperty("rejected_packets").GetInt32());
        Assert.Equal(7, f.GetProperty("b").GetProperty("not_sent_packets").GetInt32());
        var a = f.GetProperty("decision_a");
        Assert.Equal("ACCEPT", a.GetProperty("action").GetString());
        Assert.Equal("sg-0bastion000000001", a.GetProperty("group").GetString());
        Assert.Equal("inbound", a.GetProperty("rule_direction").GetString());
        Assert.Equal(0, a.GetProperty("rule_index").GetInt32());
        Assert.Equal("tracked", a.GetProperty("tracking").GetString());
        Assert.Equal(1, a.GetProperty("frame").GetInt64());
        Assert.Equal("rejected-no-matching-rule", f.GetProperty("decision_b").GetProperty("reason").GetString());
        Assert.EndsWith("three-tier", root.GetProperty("config_a")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddingARuleOpensAFlowAndExits0()
    {
        var r = await Fwsim.RunAsync("diff", Capture, "--config", Config, "--config-b", WithPingToApp());
        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        Assert.Contains("WOULD BREAK: nothing", r.Out);
        Assert.Contains("WOULD OPEN: 1 flow, 1 packet, 84 bytes", r.Out);
        Assert.Contains("eni-0app0000000000001 ingress icmp 10.0.1.10 -> 10.0.2.20", r.Out);
        Assert.Contains("B  ACCEPT    allowed by sg-0app00000000000001 inbound[2] icmp 8/-1 from sg-0web00000000000001 [tracked]", r.Out);
        Assert.Contains("Result: nothing would break; 1 flow would open.", r.Out);
    }

    [Fact]
    public async Task MarkdownIsATableForAPullRequest()
    {
        var r = await Fwsim.RunAsync("diff", Capture, "--config", Config, "--config-b", WithoutBastionSsh(), "--markdown");
        Assert.True(r.ExitCode == ExitCodes.Findings, r.ToString());
        Assert.StartsWith("## fwsim diff: :x: 2 flows would break", r.Out, StringComparison.Ordinal);
        Assert.Contains("### Would break (2)", r.Out);
        Assert.Contains("| `eni-0bastion00000001 ingress tcp 203.0.113.10:51000 -> 10.0.1.5:22` | 8 of 8 |", r.Out);
    }

    [Fact]
    public async Task TheSameConfigurationChangesNothing()
    {
        var r = await Fwsim.RunAsync("diff", Capture, "--config", Config, "--config-b", Config);
        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        Assert.Contains("Result: no observed flow changes its action.", r.Out);
        Assert.Contains("TRACKING CHANGES: none", r.Out);
    }

    [Fact]
    public async Task SideBCanBeATimeline()
    {
        // From 12:01 on, app no longer admits SSH from the bastion: the 12:03:10 hop breaks, the 12:00:20 one to web does not.
        string noAppSsh = Modified("no-app-ssh", g => Group(g, "app")["IpPermissions"]!.AsArray().RemoveAt(1));
        var r = await Fwsim.RunAsync("diff", Capture, "--config", Config, "--config-b", Config, "--config-b", noAppSsh + "@2024-05-01T12:01:00Z", "--json");
        Assert.True(r.ExitCode == ExitCodes.Findings, r.ToString());
        using var doc = JsonDocument.Parse(r.Out);
        var flows = doc.RootElement.GetProperty("would_break").EnumerateArray().ToList();
        Assert.All(flows, f => Assert.Contains(f.GetProperty("eni").GetString(), new[] { "eni-0app0000000000001", "eni-0bastion00000001" }));
        Assert.Contains(flows, f => f.GetProperty("eni").GetString() == "eni-0app0000000000001" && f.GetProperty("src").GetString() == "10.0.1.5" && f.GetProperty("dst_port").GetInt32() == 22);
        Assert.DoesNotContain(flows, f => f.GetProperty("dst").GetString() == "10.0.1.10");
    }

    [Theory]
    [InlineData("--json", "--markdown")]
    [InlineData("--config-b", "/no/such/dir")]
    public async Task BadInputExits2(string option, string value)
    {
        var args = new List<string> { "diff", Capture, "--config", Config, option, value };
        if (option != "--config-b")
        {
            args.AddRange(["--config-b", Config]);
        }

        var r = await Fwsim.RunAsync([.. args]);
        Assert.True(r.ExitCode == ExitCodes.BadInput, r.ToString());
        Assert.Contains("fwsim: error:", r.Err);
    }

    [Fact]
    public async Task MissingConfigBOrCaptureExits2()
    {
        Assert.Equal(ExitCodes.BadInput, (await Fwsim.RunAsync("diff", Capture, "--config", Config)).ExitCode);
        Assert.Equal(ExitCodes.BadInput, (await Fwsim.RunAsync("diff", "--config", Config, "--config-b", Config)).ExitCode);
        var r = await Fwsim.RunAsync("diff", _temp.PathOf("missing.pcap"), "--config", Config, "--config-b", Config);
        Assert.True(r.ExitCode == ExitCodes.BadInput, r.ToString());
    }
}
