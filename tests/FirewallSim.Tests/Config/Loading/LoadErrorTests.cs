using FirewallSim.Config;
using FirewallSim.Config.Loading;
using FirewallSim.Net;
using static FirewallSim.Tests.Config.Loading.Load;

namespace FirewallSim.Tests.Config.Loading;

/// <summary>Bad input: every kind gives a clear diagnostic with its file and place; all of them at once; nothing to simulate.</summary>
public class LoadErrorTests
{
    private static string Sg(string permission, string egress = "[]") => $$"""
        {
          "SecurityGroups": [
            {
              "GroupId": "sg-1", "GroupName": "g", "VpcId": "vpc-1",
              "IpPermissions": [ {{permission}} ],
              "IpPermissionsEgress": {{egress}}
            }
          ]
        }
        """;

    private static string Acl(string entries) => $$"""
        { "NetworkAcls": [ { "NetworkAclId": "acl-1", "VpcId": "vpc-1", "IsDefault": false, "Associations": [], "Entries": [ {{entries}} ] } ] }
        """;

    private static string Eni(string id, string ip, string vpc = "vpc-1", string groups = """[{"GroupId": "sg-1"}]""", string type = "interface") => $$"""
        { "NetworkInterfaceId": "{{id}}", "InterfaceType": "{{type}}", "VpcId": "{{vpc}}", "SubnetId": "subnet-1",
          "PrivateIpAddress": "{{ip}}", "PrivateIpAddresses": [ { "PrivateIpAddress": "{{ip}}", "Primary": true } ], "Groups": {{groups}} }
        """;

    private static ConfigDiagnostic OnlyError(ConfigLoadResult r)
    {
        Assert.Null(r.Timeline);
        return Assert.Single(r.Errors);
    }

    [Fact]
    public void UnreadableFile_IsAnErrorNamingIt()
    {
        string path = Path.Combine(Path.GetTempPath(), "fwsim-no-such-dir-" + Guid.NewGuid().ToString("N"), "sgs.json");
        var e = OnlyError(ConfigLoader.Load(new ConfigSource(path)));
        Assert.Equal(ConfigDiagnosticCodes.UnreadableFile, e.Code);
        Assert.Equal(path, e.Location!.File);
    }

    [Fact]
    public void InvalidJson_ReportsLineAndColumn()
    {
        var e = OnlyError(Text("sgs.json", "{\n  \"SecurityGroups\": [\n    { \"GroupId\": \"sg-1\" \"GroupName\": \"x\" }\n  ]\n}"));
        Assert.Equal(ConfigDiagnosticCodes.InvalidJson, e.Code);
        Assert.Equal(("sgs.json", 3), (e.Location!.File, e.Location.Line));
        Assert.True(e.Location.Column > 1);
        Assert.StartsWith("sgs.json:3:", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidYaml_ReportsLineAndColumn()
    {
        var e = OnlyError(Text("lab.yaml", "fwsim_lab: 1\nvpcs:\n  - {id: vpc-1, cidr: 10.0.0.0/16\nsubnets: []\n"));
        Assert.Equal(ConfigDiagnosticCodes.InvalidYaml, e.Code);
        Assert.Equal("lab.yaml", e.Location!.File);
        Assert.InRange(e.Location.Line, 3, 5);
    }

    [Theory]
    [InlineData("other.json", "{ \"Foo\": 1, \"Bar\": [] }", "Foo, Bar")]
    [InlineData("MANIFEST.tsv", "file\tsource_repo\tnotes\na.json\tx/y\tsomething\n", "a string")]
    [InlineData("list.json", "[1, 2, 3]", "a list")]
    public void ContentOfNoKnownFormat_IsAnErrorNamingTheFile(string name, string text, string detail)
    {
        var e = OnlyError(Text(name, text));
        Assert.Equal(ConfigDiagnosticCodes.UnknownFormat, e.Code);
        Assert.Equal(name, e.Location!.File);
        Assert.Contains(detail, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyFile_IsAnError()
    {
        Assert.Equal(ConfigDiagnosticCodes.UnknownFormat, OnlyError(Text("empty.json", "  \n")).Code);
    }

    [Theory]
    [InlineData("10.0.0.300/8")]
    [InlineData("10.0.0.0/33")]
    [InlineData("banana")]
    [InlineData("10.0.0.0/-1")]
    public void MalformedCidr_IsAnErrorAtItsJsonPath(string cidr)
    {
        var e = OnlyError(Text("sgs.json", Sg($$"""{ "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [ { "CidrIp": "{{cidr}}" } ] }""")));
        Assert.Equal(ConfigDiagnosticCodes.InvalidCidr, e.Code);
        Assert.Equal("$.SecurityGroups[0].IpPermissions[0].IpRanges[0]", e.Location!.Path);
        Assert.Equal(5, e.Location.Line);
        Assert.Contains(cidr, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ipv6BlockInAnIpv4Field_IsAnError()
    {
        var e = OnlyError(Text("sgs.json", Sg("""{ "IpProtocol": "-1", "IpRanges": [ { "CidrIp": "::/0" } ] }""")));
        Assert.Equal(ConfigDiagnosticCodes.InvalidCidr, e.Code);
    }

    [Fact]
    public void InvertedPortRange_IsAnError()
    {
        var e = OnlyError(Text("sgs.json", Sg("""{ "IpProtocol": "tcp", "FromPort": 443, "ToPort": 80, "IpRanges": [ { "CidrIp": "0.0.0.0/0" } ] }""")));
        Assert.Equal(ConfigDiagnosticCodes.InvertedPortRange, e.Code);
        Assert.Equal("$.SecurityGroups[0].IpPermissions[0].IpRanges[0]", e.Location!.Path);
        Assert.Contains("443", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tcp", 70000, 70000, ConfigDiagnosticCodes.InvalidPort)]
    [InlineData("udp", -5, 10, ConfigDiagnosticCodes.InvalidPort)]
    [InlineData("icmp", 300, -1, ConfigDiagnosticCodes.InvalidIcmp)]
    public void OutOfRangePortsAndIcmp_AreErrors(string proto, int from, int to, string code)
    {
        var e = OnlyError(Text("sgs.json", Sg($$"""{ "IpProtocol": "{{proto}}", "FromPort": {{from}}, "ToPort": {{to}}, "IpRanges": [ { "CidrIp": "0.0.0.0/0" } ] }""")));
        Assert.Equal(code, e.Code);
    }

    [Fact]
    public void UnknownProtocol_IsAnError()
    {
        var e = OnlyError(Text("sgs.json", Sg("""{ "IpProtocol": "tcpx", "FromPort": 1, "ToPort": 2, "IpRanges": [ { "CidrIp": "0.0.0.0/0" } ] }""")));
        Assert.Equal(ConfigDiagnosticCodes.InvalidProtocol, e.Code);
        Assert.Equal("$.SecurityGroups[0].IpPermissions[0]", e.Location!.Path);
    }

    [Theory]
    [InlineData("tcp", IpProtocol.Tcp)]
    [InlineData("TCP", IpProtocol.Tcp)]
    [InlineData("6", IpProtocol.Tcp)]
    [InlineData("17", IpProtocol.Udp)]
    [InlineData("icmpv6", IpProtocol.Icmpv6)]
    [InlineData("58", IpProtocol.Icmpv6)]
    [InlineData("all", RuleProtocol.All)]
    [InlineData("-1", RuleProtocol.All)]
    [InlineData("47", IpProtocol.Gre)]
    public void Protocols_AreAcceptedAsNamesNumbersOrAll(string text, int expected)
    {
        var c = Ok("sgs.json", Sg($$"""{ "IpProtocol": "{{text}}", "FromPort": 100, "ToPort": 200, "IpRanges": [ { "CidrIp": "10.0.0.0/8" } ] }"""));
        Assert.Equal(expected, Assert.Single(c.SecurityGroups["sg-1"].Inbound).Protocol);
    }

    [Theory]
    [InlineData("\"FromPort\": -1, \"ToPort\": -1,")]
    [InlineData("")]
    public void TcpRuleWithPortMinusOneOrNoPorts_CoversAllPorts(string ports)
    {
        var rule = Assert.Single(Ok("sgs.json", Sg($$"""{ "IpProtocol": "tcp", {{ports}} "IpRanges": [ { "CidrIp": "10.0.0.0/8" } ] }""")).SecurityGroups["sg-1"].Inbound);
        Assert.Equal((0, 65535), (rule.FromPort, rule.ToPort));
        Assert.True(rule.CoversAllPorts);
    }

    [Fact]
    public void OtherProtocols_IgnoreTheirPorts()
    {
        var rule = Assert.Single(Ok("sgs.json", Sg("""{ "IpProtocol": "47", "FromPort": 100, "ToPort": 200, "IpRanges": [ { "CidrIp": "198.51.100.0/24" } ] }""")).SecurityGroups["sg-1"].Inbound);
        Assert.Equal((-1, -1), (rule.FromPort, rule.ToPort));
        Assert.True(rule.CoversAllPorts);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(40000)]
    [InlineData(-3)]
    public void NaclRuleNumberOutOfRange_IsAnError(int number)
    {
        var e = OnlyError(Text("acls.json", Acl($$"""{ "RuleNumber": {{number}}, "Egress": false, "Protocol": "-1", "RuleAction": "allow", "CidrBlock": "0.0.0.0/0" }""")));
        Assert.Equal(ConfigDiagnosticCodes.NaclRuleNumber, e.Code);
        Assert.Equal("$.NetworkAcls[0].Entries[0]", e.Location!.Path);
    }

    [Fact]
    public void CatchAllRuleNumbers_AreAcceptedAsDeny_ButCannotAllow()
    {
        Ok("acls.json", Acl("""
            { "RuleNumber": 32767, "Egress": false, "Protocol": "-1", "RuleAction": "deny", "CidrBlock": "0.0.0.0/0" },
            { "RuleNumber": 32768, "Egress": false, "Protocol": "-1", "RuleAction": "deny", "Ipv6CidrBlock": "::/0" },
            { "RuleNumber": 32766, "Egress": false, "Protocol": "-1", "RuleAction": "allow", "CidrBlock": "0.0.0.0/0" }
            """));
        var e = OnlyError(Text("acls.json", Acl("""{ "RuleNumber": 32767, "Egress": false, "Protocol": "-1", "RuleAction": "allow", "CidrBlock": "0.0.0.0/0" }""")));
        Assert.Equal(ConfigDiagnosticCodes.NaclRuleNumber, e.Code);
    }

    [Fact]
    public void RepeatedNaclRuleNumberInOneDirection_IsAnError()
    {
        var e = OnlyError(Text("acls.json", Acl("""
            { "RuleNumber": 100, "Egress": false, "Protocol": "6", "RuleAction": "allow", "CidrBlock": "0.0.0.0/0", "PortRange": { "From": 80, "To": 80 } },
            { "RuleNumber": 100, "Egress": false, "Protocol": "6", "RuleAction": "deny", "CidrBlock": "0.0.0.0/0", "PortRange": { "From": 22, "To": 22 } },
            { "RuleNumber": 100, "Egress": true, "Protocol": "-1", "RuleAction": "allow", "CidrBlock": "0.0.0.0/0" }
            """)));
        Assert.Equal(ConfigDiagnosticCodes.DuplicateNaclRule, e.Code);
    }

    [Fact]
    public void InvertedNaclPortRange_IsAnError()
    {
        var e = OnlyError(Text("acls.json", Acl("""{ "RuleNumber": 100, "Egress": false, "Protocol": "6", "RuleAction": "allow", "CidrBlock": "0.0.0.0/0", "PortRange": { "From": 65535, "To": 1024 } }""")));
        Assert.Equal(ConfigDiagnosticCodes.InvertedPortRange, e.Code);
    }

    [Fact]
    public void NaclActionOtherThanAllowOrDeny_IsAnError()
    {
        var e = OnlyError(Text("acls.json", Acl("""{ "RuleNumber": 100, "Egress": false, "Protocol": "-1", "RuleAction": "permit", "CidrBlock": "0.0.0.0/0" }""")));
        Assert.Equal(ConfigDiagnosticCodes.InvalidValue, e.Code);
    }

    [Fact]
    public void SameAddressOnTwoInterfacesOfOneVpc_IsAnError()
    {
        var e = OnlyError(Text("enis.json", $$"""{ "NetworkInterfaces": [ {{Eni("eni-1", "10.0.1.10")}}, {{Eni("eni-2", "10.0.1.10")}} ] }"""));
        Assert.Equal(ConfigDiagnosticCodes.DuplicateEniAddress, e.Code);
        Assert.Contains("eni-1", e.Message, StringComparison.Ordinal);
        Assert.Contains("eni-2", e.Message, StringComparison.Ordinal);
        Assert.Equal("$.NetworkInterfaces[1]", e.Location!.Path);
    }

    [Fact]
    public void SameAddressInTwoVpcs_IsAWarning()
    {
        var r = Text("enis.json", $$"""{ "NetworkInterfaces": [ {{Eni("eni-1", "172.31.0.10", "vpc-1")}}, {{Eni("eni-2", "172.31.0.10", "vpc-2")}} ] }""");
        Ok(r);
        Assert.Equal(DiagnosticSeverity.Warning, One(r, ConfigDiagnosticCodes.DuplicateEniAddress).Severity);
    }

    [Fact]
    public void InterfaceWithoutGroups_IsAWarning_UnlessItsTypeHasNone()
    {
        var r = Text("enis.json", $$"""
            { "NetworkInterfaces": [ {{Eni("eni-1", "10.0.1.10", groups: "[]")}}, {{Eni("eni-nat", "10.0.1.5", groups: "[]", type: "natGateway")}} ] }
            """);
        Ok(r);
        var w = One(r, ConfigDiagnosticCodes.EniWithoutGroups);
        Assert.Equal(DiagnosticSeverity.Warning, w.Severity);
        Assert.Contains("eni-1", w.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReferenceToAGroupNotInTheFiles_IsAWarning_OrAnErrorWhenStrict()
    {
        string text = Sg("""{ "IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [ { "GroupId": "sg-elsewhere", "UserId": "444455556666" } ] }""");
        var lenient = Text("sgs.json", text);
        var c = Ok(lenient);
        Assert.Equal("sg-elsewhere", Assert.Single(c.SecurityGroups["sg-1"].Inbound).Peer.GroupId);
        var w = One(lenient, ConfigDiagnosticCodes.UnknownGroup);
        Assert.Equal(DiagnosticSeverity.Warning, w.Severity);
        Assert.Contains("match no address", w.Message, StringComparison.Ordinal);

        var strict = Text("sgs.json", text, strict: true);
        Assert.Null(strict.Timeline);
        Assert.Equal(ConfigDiagnosticCodes.UnknownGroup, Assert.Single(strict.Errors).Code);
    }

    [Fact]
    public void SubnetAssociatedWithTwoAcls_IsAnError()
    {
        const string text = """
            { "NetworkAcls": [
              { "NetworkAclId": "acl-1", "VpcId": "vpc-1", "Associations": [ { "SubnetId": "subnet-1" } ], "Entries": [] },
              { "NetworkAclId": "acl-2", "VpcId": "vpc-1", "Associations": [ { "SubnetId": "subnet-1" } ], "Entries": [] } ] }
            """;
        Assert.Equal(ConfigDiagnosticCodes.SubnetAclConflict, OnlyError(Text("acls.json", text)).Code);
    }

    [Fact]
    public void MissingRequiredFields_AreErrors()
    {
        var r = Text("sgs.json", """{ "SecurityGroups": [ { "GroupName": "no id" } ], "NetworkInterfaces": [ { "SubnetId": "subnet-1" } ] }""");
        Assert.Null(r.Timeline);
        Assert.Equal(2, r.Errors.Count(e => e.Code == ConfigDiagnosticCodes.MissingField));
    }

    [Fact]
    public void EveryErrorOfEveryFile_IsReportedAtOnce()
    {
        var r = Texts(false,
            ("sgs.json", Sg(
                """{ "IpProtocol": "tcp", "FromPort": 443, "ToPort": 80, "IpRanges": [ { "CidrIp": "10.0.0.0/8" }, { "CidrIp": "10.1.0.0/33" } ] }""",
                """[ { "IpProtocol": "bogus", "IpRanges": [ { "CidrIp": "0.0.0.0/0" } ] } ]""")),
            ("enis.json", $$"""{ "NetworkInterfaces": [ {{Eni("eni-1", "10.0.1.10")}}, {{Eni("eni-2", "10.0.1.10")}} ] }"""),
            ("broken.json", "{ \"SecurityGroups\": [ }"),
            ("acls.json", Acl("""{ "RuleNumber": 0, "Egress": false, "Protocol": "-1", "RuleAction": "allow", "CidrBlock": "0.0.0.0/0" }""")));
        Assert.Null(r.Timeline);
        var codes = r.Errors.Select(e => e.Code).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(new[]
        {
            ConfigDiagnosticCodes.DuplicateEniAddress, ConfigDiagnosticCodes.InvalidCidr, ConfigDiagnosticCodes.InvalidJson,
            ConfigDiagnosticCodes.InvalidProtocol, ConfigDiagnosticCodes.InvertedPortRange, ConfigDiagnosticCodes.NaclRuleNumber,
        }, codes);
        Assert.All(r.Errors, e => Assert.False(string.IsNullOrEmpty(e.Location?.File)));
        Assert.All(r.Errors.Where(e => e.Code != ConfigDiagnosticCodes.InvalidJson), e => Assert.StartsWith("$.", e.Location!.Path, StringComparison.Ordinal));
    }
}
