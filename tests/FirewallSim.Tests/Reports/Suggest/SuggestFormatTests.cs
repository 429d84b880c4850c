using System.Text.Json;
using System.Text.RegularExpressions;
using FirewallSim.Config;
using FirewallSim.Config.Loading;
using FirewallSim.Net;
using FirewallSim.Reports.Suggest;

namespace FirewallSim.Tests.Reports.Suggest;

/// <summary>Every output form read back: the JSON and the CloudFormation by the configuration loader, the CLI commands structurally.</summary>
public sealed class SuggestFormatTests : IDisposable
{
    private readonly TrafficScript _script = new();
    private readonly Suggestion _suggestion;

    public SuggestFormatTests()
    {
        _suggestion = new Suggester(ConfigTimeline.Single(VarietyScenario.Config())).Run([VarietyScenario.Capture(_script)]);
    }

    public void Dispose() => _script.Dispose();

    private IReadOnlyList<SecurityGroup> Suggested => _suggestion.Groups.Select(g => g.Suggested).ToList();

    private static HashSet<RuleShape> Shapes(SecurityGroup g, Func<string, string>? peerMap = null) =>
        g.Inbound.Concat(g.Outbound)
            .Select(RuleShape.Of)
            .Where(s => s.Peer != CloudFormationSnippet.NoTrafficCidr)
            .Select(s => s.PeerKind == PeerKind.SecurityGroup && peerMap is not null ? s with { Peer = peerMap(s.Peer) } : s)
            .ToHashSet();

    [Fact]
    public void DescribeSecurityGroupsJsonLoadsBackToTheSameGroups()
    {
        string json = SecurityGroupJson.ToJson(Suggested);
        var loaded = ConfigLoader.Load(new ConfigSource("suggested.json") { Text = json });
        Assert.False(loaded.HasErrors, string.Join("\n", loaded.Errors));
        var groups = loaded.Timeline!.Initial.SecurityGroups;
        Assert.Equal(Suggested.Select(g => g.Id).Order(), groups.Keys.Order());
        foreach (var g in Suggested)
        {
            var back = groups[g.Id];
            Assert.Equal(g.Name, back.Name);
            Assert.Equal(g.VpcId, back.VpcId);
            Assert.Equal(Shapes(g), Shapes(back));
            Assert.Equal(g.Inbound.Select(r => r.Description).Order(), back.Inbound.Select(r => r.Description).Order());
        }

        // The shape AWS prints: one IpPermission per protocol and ports, with all four peer lists.
        using var doc = JsonDocument.Parse(json);
        var web = doc.RootElement.GetProperty("SecurityGroups").EnumerateArray().Single(g => g.GetProperty("GroupId").GetString() == "sg-web");
        var https = web.GetProperty("IpPermissions").EnumerateArray().Where(p => p.TryGetProperty("FromPort", out var f) && f.GetInt32() == 443).ToList();
        Assert.Single(https);
        Assert.True(https[0].GetProperty("IpRanges").GetArrayLength() >= 1);
        Assert.Equal(1, https[0].GetProperty("Ipv6Ranges").GetArrayLength());
        var gre = doc.RootElement.GetProperty("SecurityGroups").EnumerateArray().Single(g => g.GetProperty("GroupId").GetString() == "sg-app")
            .GetProperty("IpPermissionsEgress").EnumerateArray().Single(p => p.GetProperty("IpProtocol").GetString() == "47");
        Assert.False(gre.TryGetProperty("FromPort", out _));
    }

    [Fact]
    public void CloudFormationTemplateLoadsBackToTheSameRules()
    {
        string template = CloudFormationSnippet.ToJson(Suggested);
        var loaded = ConfigLoader.Load(new ConfigSource("suggested.cfn.json") { Text = template });
        Assert.False(loaded.HasErrors, string.Join("\n", loaded.Errors));
        var ids = CloudFormationSnippet.LogicalIds(Suggested);
        var real = ids.ToDictionary(kv => kv.Value, kv => kv.Key);
        var groups = loaded.Timeline!.Initial.SecurityGroups;
        foreach (var g in Suggested)
        {
            var back = groups[ids[g.Id]];
            Assert.Equal(g.Description ?? "suggested by fwsim", back.Description); // GroupDescription is required
            Assert.Equal(Shapes(g), Shapes(back, peer => real.GetValueOrDefault(peer, peer)));
        }

        // A group without outbound rules keeps CloudFormation from adding allow-all egress.
        var db = groups[ids["sg-db"]];
        Assert.Equal(CloudFormationSnippet.NoTrafficCidr, Assert.Single(db.Outbound).Peer.Cidr.ToString());
        Assert.DoesNotContain(loaded.Diagnostics, d => d.Code == ConfigDiagnosticCodes.DefaultEgress);

        // Rules between groups are stand-alone resources referring to the groups with Ref.
        using var doc = JsonDocument.Parse(template);
        var resources = doc.RootElement.GetProperty("Resources");
        var standalone = resources.EnumerateObject().Where(r => r.Value.GetProperty("Type").GetString() == "AWS::EC2::SecurityGroupIngress").ToList();
        Assert.NotEmpty(standalone);
        Assert.All(standalone, r => Assert.Equal(JsonValueKind.Object, r.Value.GetProperty("Properties").GetProperty("SourceSecurityGroupId").ValueKind));
    }

    [Fact]
    public void CliCommandsTurnTheCurrentGroupsIntoTheSuggestedOnes()
    {
        string script = AwsCliScript.ToText(_suggestion);
        var lines = script.Split('\n');
        Assert.Equal("#!/bin/sh", lines[0]);
        Assert.Contains("set -eu", lines);
        var command = new Regex(@"^aws ec2 (authorize|revoke)-security-group-(ingress|egress) --group-id (sg-[\w-]+) --ip-permissions '(.*)'$");
        var commands = lines.Where(l => l.StartsWith("aws ", StringComparison.Ordinal)).Select(l => command.Match(l)).ToList();
        Assert.NotEmpty(commands);
        Assert.All(commands, m => Assert.True(m.Success, m.Value));

        // Every authorize before every revoke.
        int lastAuthorize = commands.FindLastIndex(m => m.Groups[1].Value == "authorize");
        int firstRevoke = commands.FindIndex(m => m.Groups[1].Value == "revoke");
        Assert.True(firstRevoke < 0 || lastAuthorize < firstRevoke);

        // Applying the commands to the current groups gives exactly the suggested ones.
        var state = _suggestion.Groups.ToDictionary(g => g.Current.Id, g => Shapes(g.Current));
        foreach (var m in commands)
        {
            bool egress = m.Groups[2].Value == "egress";
            var shapes = Parse(m.Groups[4].Value, m.Groups[3].Value, egress).ToList();
            Assert.NotEmpty(shapes);
            foreach (var s in shapes)
            {
                if (m.Groups[1].Value == "authorize")
                {
                    Assert.True(state[m.Groups[3].Value].Add(s), "authorizes an existing rule: " + s);
                }
                else
                {
                    Assert.True(state[m.Groups[3].Value].Remove(s), "revokes a rule that is not there: " + s);
                }
            }
        }

        foreach (var g in _suggestion.Groups)
        {
            Assert.Equal(Shapes(g.Suggested), state[g.Current.Id]);
        }

        Assert.Contains(commands, m => m.Value.StartsWith("aws ec2 revoke-security-group-ingress --group-id sg-web ", StringComparison.Ordinal));
    }

    /// <summary>An --ip-permissions list as rule shapes (what AWS would match).</summary>
    private static IEnumerable<RuleShape> Parse(string json, string group, bool egress)
    {
        using var doc = JsonDocument.Parse(json);
        foreach (var p in doc.RootElement.EnumerateArray())
        {
            Assert.True(RuleProtocol.TryParse(p.GetProperty("IpProtocol").GetString(), out int protocol));
            int from = p.TryGetProperty("FromPort", out var f) ? f.GetInt32() : -1;
            int to = p.TryGetProperty("ToPort", out var t) ? t.GetInt32() : -1;
            var peers = new List<SecurityGroupPeer>();
            foreach (var (list, key) in new[] { ("IpRanges", "CidrIp"), ("Ipv6Ranges", "CidrIpv6"), ("PrefixListIds", "PrefixListId"), ("UserIdGroupPairs", "GroupId") })
            {
                if (!p.TryGetProperty(list, out var items))
                {
                    continue;
                }

                foreach (var item in items.EnumerateArray())
                {
                    string value = item.GetProperty(key).GetString()!;
                    peers.Add(key switch
                    {
                        "CidrIp" or "CidrIpv6" => SecurityGroupPeer.ForCidr(IpPrefix.Parse(value)),
                        "PrefixListId" => SecurityGroupPeer.ForPrefixList(value),
                        _ => SecurityGroupPeer.ForGroup(value),
                    });
                }
            }

            foreach (var peer in peers)
            {
                yield return RuleShape.Of(new SecurityGroupRule { GroupId = group, Egress = egress, Protocol = protocol, FromPort = from, ToPort = to, Peer = peer });
            }
        }
    }

    [Fact]
    public void ReportAndAnalysisJsonNameEveryFate()
    {
        using var sw = new StringWriter();
        SuggestReportWriter.WriteText(sw, _suggestion);
        string text = sw.ToString();
        Assert.Contains("NARROW", text, StringComparison.Ordinal);
        Assert.Contains("REMOVE", text, StringComparison.Ordinal);
        Assert.Contains("-> inbound tcp 8080-8081 from sg-web", text, StringComparison.Ordinal);
        Assert.Contains("Verification (2 rounds)", text, StringComparison.Ordinal);
        Assert.Contains("every packet accepted now is accepted with the suggestion", text, StringComparison.Ordinal);

        using var ms = new MemoryStream();
        SuggestReportWriter.WriteJson(ms, _suggestion);
        using var doc = JsonDocument.Parse(ms.ToArray());
        var root = doc.RootElement;
        Assert.True(root.GetProperty("verification").GetProperty("holds").GetBoolean());
        Assert.Equal("sg-unused", root.GetProperty("unattached_groups")[0].GetString());
        var db = root.GetProperty("groups").EnumerateArray().Single(g => g.GetProperty("group_id").GetString() == "sg-db");
        var redis = db.GetProperty("current_rules").EnumerateArray().Single(r => r.GetProperty("rule").GetString() == "inbound tcp 6379 from sg-app");
        Assert.Equal("remove", redis.GetProperty("fate").GetString());
        Assert.Equal(0, redis.GetProperty("hit_packets").GetInt64());
        var narrowed = db.GetProperty("current_rules")[0];
        Assert.Equal("narrow", narrowed.GetProperty("fate").GetString());
        Assert.Equal("inbound tcp 5432-5433 from sg-app", narrowed.GetProperty("replacement")[0].GetString());
    }
}
