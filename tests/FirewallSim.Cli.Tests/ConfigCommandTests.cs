using System.Text.Json;
using FirewallSim.Cli;
using FirewallSim.Tests.Support;

namespace FirewallSim.Cli.Tests;

/// <summary><c>fwsim config show</c>, run in process.</summary>
public sealed class ConfigCommandTests : IDisposable
{
    private readonly string _dir;

    public ConfigCommandTests()
    {
        _dir = Path.Combine(Path.GetTempPath(), "fwsim-cli-config-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Lab => Path.Combine(TestPaths.Samples, "lab", "lab.yaml");

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exit = await FwsimApp.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task ShowText_PrintsEveryObjectOfTheLab()
    {
        var (exit, output, err) = await Run("config", "show", "--config", Lab);
        Assert.Equal(0, exit);
        Assert.DoesNotContain("warning", err, StringComparison.Ordinal);
        string[] lines = output.Split('\n');
        Assert.StartsWith("== configuration base (from the beginning)", lines[0], StringComparison.Ordinal);
        Assert.Contains("account: 111122223333   region: eu-west-1", output, StringComparison.Ordinal);
        Assert.Contains("VPCs (1)", output, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("subnet-db", StringComparison.Ordinal) && l.TrimEnd().EndsWith("acl-default (VPC default)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  eni-web1 ", StringComparison.Ordinal) && l.Contains("10.0.1.10, 10.0.1.11 (public 203.0.113.10)", StringComparison.Ordinal)
                                    && l.Contains("tcp 350s, udp 30s, stream 180s", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  eni-nat ", StringComparison.Ordinal) && l.Contains("natGateway (requester-managed)", StringComparison.Ordinal));
        Assert.Contains("  sg-web \"web\"  vpc vpc-lab  owner 111122223333", output, StringComparison.Ordinal);
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^      2  tcp\s+22\s+sg-bastion\s+ssh from the bastion$"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^      3  icmp\s+type 8, all codes\s+10\.0\.0\.0/8"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^      90\s+deny\s+tcp\s+3389\s+0\.0\.0\.0/0$"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^      \*\s+deny\s+all\s+-\s+::/0\s+implicit \(32768\)$"));
        Assert.Contains(lines, l => l.StartsWith("  pl-admin ", StringComparison.Ordinal) && l.Contains("198.51.100.0/24, 192.0.2.16/28", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ShowJson_IsTheWholeNormalisedConfiguration()
    {
        var (exit, output, _) = await Run("config", "show", "--config", Lab, "--json");
        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(output);
        var version = Assert.Single(doc.RootElement.GetProperty("versions").EnumerateArray());
        Assert.Equal("base", version.GetProperty("label").GetString());
        Assert.Equal(JsonValueKind.Null, version.GetProperty("effective_from_ns").ValueKind);
        Assert.Equal("111122223333", version.GetProperty("account").GetString());

        var web = version.GetProperty("security_groups").EnumerateArray().Single(g => g.GetProperty("id").GetString() == "sg-web");
        var rules = web.GetProperty("inbound").EnumerateArray().ToList();
        Assert.Equal(5, rules.Count);
        Assert.Equal(2, rules[2].GetProperty("index").GetInt32());
        Assert.Equal(("tcp", 22, 22), (rules[2].GetProperty("protocol_name").GetString(), rules[2].GetProperty("from_port").GetInt32(), rules[2].GetProperty("to_port").GetInt32()));
        Assert.Equal(("security-group", "sg-bastion"), (rules[2].GetProperty("peer").GetProperty("kind").GetString(), rules[2].GetProperty("peer").GetProperty("group_id").GetString()));
        Assert.EndsWith("lab.yaml", rules[2].GetProperty("source").GetProperty("file").GetString(), StringComparison.Ordinal);
        Assert.True(rules[2].GetProperty("source").GetProperty("line").GetInt32() > 0);

        var eni = version.GetProperty("network_interfaces").EnumerateArray().First();
        Assert.Equal(350, eni.GetProperty("connection_tracking").GetProperty("tcp_established_timeout").GetInt32());
        Assert.Equal("10.0.1.10", eni.GetProperty("primary_ipv4").GetString());

        var subnetDb = version.GetProperty("subnets").EnumerateArray().Single(s => s.GetProperty("id").GetString() == "subnet-db");
        Assert.Equal(("acl-default", false), (subnetDb.GetProperty("network_acl_id").GetString(), subnetDb.GetProperty("network_acl_explicit").GetBoolean()));

        var aclWeb = version.GetProperty("network_acls").EnumerateArray().Single(a => a.GetProperty("id").GetString() == "acl-web");
        var inbound = aclWeb.GetProperty("inbound").EnumerateArray().ToList();
        Assert.Equal(new[] { 90, 100, 101, 110, 120, 130, 32767, 32768 }, inbound.Select(e => e.GetProperty("rule_number").GetInt32()));
        Assert.True(inbound[^1].GetProperty("implicit").GetBoolean());
        Assert.Equal("deny", inbound[0].GetProperty("action").GetString());
    }

    [Fact]
    public async Task Errors_ListEveryOneAndExitWith2()
    {
        string bad = Write("bad.json", """
            { "SecurityGroups": [ { "GroupId": "sg-1", "IpPermissions": [
                { "IpProtocol": "tcp", "FromPort": 443, "ToPort": 80, "IpRanges": [ { "CidrIp": "10.0.0.0/8" } ] },
                { "IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "IpRanges": [ { "CidrIp": "10.0.0.0/40" } ] } ] } ] }
            """);
        string broken = Write("broken.yaml", "fwsim_lab: 1\nvpcs: [\n");
        var (exit, output, err) = await Run("config", "show", "--config", bad, "--config", broken);
        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, output);
        var errors = err.Split('\n').Where(l => l.StartsWith("fwsim: error: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, errors.Count);
        Assert.Contains(errors, l => l.Contains("bad.json:2:", StringComparison.Ordinal) && l.Contains("[inverted-port-range]", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.Contains("bad.json:3:", StringComparison.Ordinal) && l.Contains("[invalid-cidr]", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.Contains("broken.yaml:", StringComparison.Ordinal) && l.Contains("[invalid-yaml]", StringComparison.Ordinal));
        Assert.Contains("the configuration has 3 errors", errors[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Warnings_GoToStderr_AndStrictMakesThemErrors()
    {
        string enis = Write("enis.json", """{ "NetworkInterfaces": [ { "NetworkInterfaceId": "eni-1", "PrivateIpAddress": "10.0.1.10", "Groups": [ { "GroupId": "sg-missing" } ] } ] }""");
        var (exit, output, err) = await Run("config", "show", "--config", enis);
        Assert.Equal(0, exit);
        Assert.Contains("eni-1", output, StringComparison.Ordinal);
        Assert.Contains("fwsim: warning: ", err, StringComparison.Ordinal);
        Assert.Contains("sg-missing", err, StringComparison.Ordinal);

        var strict = await Run("config", "show", "--config", enis, "--strict");
        Assert.Equal(2, strict.Exit);
        Assert.Contains("fwsim: error: ", strict.Err, StringComparison.Ordinal);
        Assert.Contains("[unknown-group]", strict.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TimedVersions_AreShownInTimeOrder()
    {
        string before = Write("before/sgs.json", """{ "SecurityGroups": [ { "GroupId": "sg-1", "IpPermissions": [ { "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [ { "CidrIp": "10.0.0.0/8" } ] } ] } ] }""");
        string after = Write("after/sgs.json", """{ "SecurityGroups": [ { "GroupId": "sg-1", "IpPermissions": [] } ] }""");
        var (exit, output, _) = await Run("config", "show", "--config", Path.GetDirectoryName(after)! + "@2024-05-01T12:00:00Z", "--config", Path.GetDirectoryName(before)!);
        Assert.Equal(0, exit);
        var headers = output.Split('\n').Where(l => l.StartsWith("== configuration", StringComparison.Ordinal)).ToList();
        Assert.Equal(new[]
        {
            "== configuration base (from the beginning; 2 versions)",
            "== configuration @2024-05-01T12:00:00Z (from 2024-05-01T12:00:00.000000000Z; 2 versions)",
        }, headers);

        var json = await Run("config", "show", "--config", Path.GetDirectoryName(before)!, "--config", Path.GetDirectoryName(after)! + "@1714564800", "--json");
        using var doc = JsonDocument.Parse(json.Out);
        var versions = doc.RootElement.GetProperty("versions").EnumerateArray().ToList();
        Assert.Equal(1_714_564_800_000_000_000L, versions[1].GetProperty("effective_from_ns").GetInt64());
        Assert.Empty(versions[1].GetProperty("security_groups")[0].GetProperty("inbound").EnumerateArray());
    }

    [Fact]
    public async Task MissingConfigOption_IsAUsageError()
    {
        var (exit, _, err) = await Run("config", "show");
        Assert.Equal(2, exit);
        Assert.Contains("--config", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadConfigArgument_IsAnError_ReportedWithTheOtherFilesProblems()
    {
        string bad = Write("bad.json", "{ \"Foo\": 1 }");
        var (exit, output, err) = await Run("config", "show", "--config", Path.Combine(_dir, "nope") + "@soon", "--config", bad);
        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, output);
        Assert.Contains("[invalid-time]", err, StringComparison.Ordinal);
        Assert.Contains("[unknown-format]", err, StringComparison.Ordinal);
    }

    [SharedCorpusFact]
    public async Task CorpusDirectory_NamesTheFilesThatAreNotConfigurations()
    {
        var (exit, _, err) = await Run("config", "show", "--config", TestPaths.CorpusAws);
        Assert.Equal(2, exit);
        Assert.Contains(err.Split('\n'), l => l.StartsWith("fwsim: error: ", StringComparison.Ordinal) && l.Contains("MANIFEST.tsv", StringComparison.Ordinal) && l.Contains("[unknown-format]", StringComparison.Ordinal));
        Assert.Contains(err.Split('\n'), l => l.Contains("aws-cli__get-managed-prefix-list-entries__output1.json", StringComparison.Ordinal) && l.Contains("[prefix-list-id-unknown]", StringComparison.Ordinal));
    }
}
