using System.Text.RegularExpressions;
using FirewallSim.Config;
using FirewallSim.Config.Loading;
using FirewallSim.Net;
using FirewallSim.Tests.Support;
using static FirewallSim.Tests.Config.Loading.Load;

namespace FirewallSim.Tests.Config.Loading;

/// <summary>The native lab file (docs/config-formats.md) and samples/lab.</summary>
public class LabFormatTests
{
    /// <summary>The compact form from the issue, with unquoted IPv6 blocks and MACs in flow mappings.</summary>
    private const string Compact = """
        fwsim_lab: 1
        account: "111122223333"
        region: eu-west-1
        vpcs: [{id: vpc-lab, cidr: 10.0.0.0/16, ipv6_cidr: 2600:1f18:1234:5600::/56}]
        subnets: [{id: subnet-web, vpc: vpc-lab, cidr: 10.0.1.0/24, ipv6_cidr: 2600:1f18:1234:5601::/64, az: eu-west-1a, az_id: euw1-az1, nacl: acl-web}]
        enis:
          - {id: eni-web1, subnet: subnet-web, ips: [10.0.1.10, 10.0.1.11], ipv6: [2600:1f18:1234:5601::10], mac: 0e:00:00:01:00:10, instance: i-web1, groups: [sg-web], type: interface, conntrack: {tcp_established: 350, udp: 30, udp_stream: 180}}
        security_groups:
          - id: sg-web
            name: web
            vpc: vpc-lab
            inbound:  [{proto: tcp, ports: 443, from: 0.0.0.0/0}, {proto: tcp, ports: 22, from: sg-bastion}, {proto: icmp, type: 8, code: -1, from: 10.0.0.0/8}, {proto: tcp, ports: 8000-8080, from: pl-admin}]
            outbound: [{proto: all, to: 0.0.0.0/0}]
        network_acls:
          - {id: acl-web, vpc: vpc-lab, subnets: [subnet-web], inbound: [{rule: 100, action: allow, proto: tcp, ports: 443, cidr: 0.0.0.0/0}], outbound: [{rule: 100, action: allow, proto: all, cidr: 0.0.0.0/0}]}
        prefix_lists: [{id: pl-admin, name: admin-nets, entries: [198.51.100.0/24]}]
        """;

    [Fact]
    public void CompactLab_LoadsEveryObjectExactly()
    {
        var r = Text("lab.yaml", Compact);
        var c = Ok(r);
        Assert.Equal(("111122223333", "eu-west-1"), (c.AccountId, c.Region));

        var vpc = c.Vpcs["vpc-lab"];
        Assert.Equal(new[] { P("10.0.0.0/16") }, vpc.CidrBlocks);
        Assert.Equal(new[] { P("2600:1f18:1234:5600::/56") }, vpc.Ipv6CidrBlocks);
        Assert.Equal("111122223333", vpc.OwnerId);

        var subnet = c.Subnets["subnet-web"];
        Assert.Equal((P("10.0.1.0/24"), "eu-west-1a", "euw1-az1", "vpc-lab"), (subnet.CidrBlock!.Value, subnet.AvailabilityZone, subnet.AvailabilityZoneId, subnet.VpcId));
        Assert.Equal(new[] { P("2600:1f18:1234:5601::/64") }, subnet.Ipv6CidrBlocks);
        Assert.Equal("acl-web", c.AclForSubnet("subnet-web")!.Id);

        var eni = c.NetworkInterfaces["eni-web1"];
        Assert.Equal(new[] { A("10.0.1.10"), A("10.0.1.11") }, eni.PrivateIpv4Addresses);
        Assert.Equal(A("10.0.1.10"), eni.PrimaryIpv4);
        Assert.Equal(new[] { A("2600:1f18:1234:5601::10") }, eni.Ipv6Addresses);
        Assert.Equal("0e:00:00:01:00:10", eni.Mac.ToString());
        Assert.Equal(("i-web1", "interface", "vpc-lab", "eu-west-1a", "111122223333"), (eni.InstanceId, eni.InterfaceType, eni.VpcId, eni.AvailabilityZone, eni.OwnerId));
        Assert.Equal(new[] { "sg-web" }, eni.GroupIds);
        Assert.Equal(new ConnectionTrackingSettings(350, 30, 180), eni.ConnectionTracking);

        var sg = c.SecurityGroups["sg-web"];
        Assert.Equal(new[] { "tcp 443 from 0.0.0.0/0", "tcp 22 from sg-bastion", "icmp 8/-1 from 10.0.0.0/8", "tcp 8000-8080 from pl-admin" },
            sg.Inbound.Select(x => $"{x.PortText} from {x.Peer}"));
        Assert.Equal((PeerKind.SecurityGroup, PeerKind.PrefixList), (sg.Inbound[1].Peer.Kind, sg.Inbound[3].Peer.Kind));
        Assert.Equal((RuleProtocol.All, P("0.0.0.0/0")), (sg.Outbound[0].Protocol, sg.Outbound[0].Peer.Cidr));

        var acl = c.NetworkAcls["acl-web"];
        Assert.Equal(new[] { "inbound 100 allow tcp 443 0.0.0.0/0", "outbound 100 allow all 0.0.0.0/0" }, acl.Entries.Select(e => e.ToString()));
        Assert.Equal(new[] { new PrefixListEntry(P("198.51.100.0/24"), null) }, c.PrefixLists["pl-admin"].Entries);

        // sg-bastion is referenced but not defined: a warning, as for AWS files.
        Assert.Contains("sg-bastion", One(r, ConfigDiagnosticCodes.UnknownGroup).Message, StringComparison.Ordinal);

        // YAML places: line and column of each object.
        Assert.Equal((7, 5), (eni.Source!.Line, eni.Source.Column));
        Assert.Equal("$.enis[0]", eni.Source.Path);
    }

    [Fact]
    public void SampleLab_LoadsWithoutWarnings()
    {
        var r = ConfigLoader.Load(new ConfigSource(Path.Combine(TestPaths.Samples, "lab", "lab.yaml")));
        var c = Ok(r);
        Assert.Empty(r.Warnings);
        Assert.Equal((1, 3, 4, 3, 2, 1), (c.Vpcs.Count, c.Subnets.Count, c.NetworkInterfaces.Count, c.SecurityGroups.Count, c.NetworkAcls.Count, c.PrefixLists.Count));
        Assert.Equal("acl-default", c.AclForSubnet("subnet-db")!.Id);
        Assert.Equal("acl-web", c.AclForSubnet("subnet-mgmt")!.Id);
        Assert.Equal(new[] { "sg-db" }, c.SecurityGroups["sg-db"].Inbound.Where(x => x.Protocol == RuleProtocol.All).Select(x => x.Peer.GroupId));
        Assert.Empty(c.SecurityGroups["sg-db"].Outbound);
        Assert.Equal(2, c.SecurityGroups["sg-web"].Inbound.Count(x => x.FromPort == 443));
    }

    [Fact]
    public void DocumentationExample_Loads()
    {
        string doc = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "docs", "config-formats.md"));
        var block = Regex.Match(doc, "```yaml\n(fwsim_lab: 1\n.*?)```", RegexOptions.Singleline);
        Assert.True(block.Success);
        var r = Text("doc.yaml", block.Groups[1].Value);
        var c = Ok(r);
        Assert.Equal(4, c.SecurityGroups["sg-web"].Inbound.Count);
        Assert.Equal(new ConnectionTrackingSettings(350, 30, 180), c.NetworkInterfaces["eni-web1"].ConnectionTracking);
    }

    [Fact]
    public void Lab_ReferencesGroupsAndAclsOfAwsFiles()
    {
        const string lab = """
            fwsim_lab: 1
            subnets: [{id: subnet-1, vpc: vpc-1, cidr: 10.0.1.0/24, nacl: acl-1}]
            enis: [{id: eni-1, subnet: subnet-1, ips: [10.0.1.10], groups: [sg-1]}]
            """;
        const string sgs = """{ "SecurityGroups": [ { "GroupId": "sg-1", "OwnerId": "444455556666", "IpPermissions": [], "IpPermissionsEgress": [] } ] }""";
        const string acls = """{ "NetworkAcls": [ { "NetworkAclId": "acl-1", "VpcId": "vpc-1", "Entries": [] } ] }""";
        var r = Texts(false, ("lab.yaml", lab), ("sgs.json", sgs), ("acls.json", acls));
        var c = Ok(r);
        Assert.Empty(r.Warnings);
        Assert.Equal(new[] { "subnet-1" }, c.NetworkAcls["acl-1"].SubnetIds);
        Assert.Equal(("vpc-1", "444455556666"), (c.NetworkInterfaces["eni-1"].VpcId, c.AccountId));
    }

    [Fact]
    public void Lab_SubnetNamingAnUnknownAcl_IsAWarning_OrAnErrorWhenStrict()
    {
        const string lab = "fwsim_lab: 1\nsubnets: [{id: subnet-1, cidr: 10.0.1.0/24, nacl: acl-nowhere}]\n";
        Assert.Equal(DiagnosticSeverity.Warning, One(Text("lab.yaml", lab), ConfigDiagnosticCodes.UnknownNetworkAcl).Severity);
        Assert.Equal(ConfigDiagnosticCodes.UnknownNetworkAcl, Assert.Single(Text("lab.yaml", lab, strict: true).Errors).Code);
    }

    [Fact]
    public void LabPeers_AreCidrsGroupsPrefixListsSelfOrLists()
    {
        const string lab = """
            fwsim_lab: 1
            prefix_lists: [{id: office, entries: [{cidr: 192.0.2.0/24, description: hq}]}]
            security_groups:
              - id: app
                inbound:
                  - {proto: tcp, ports: all, from: [self, db, office, 10.0.0.0/8, "2001:db8::/32", 192.0.2.7]}
                  - {proto: udp, from: sg-other}
                  - {proto: icmpv6, from: "::/0"}
                outbound:
                  - {proto: 6, ports: "443", to: 0.0.0.0/0, description: https out}
              - {id: db}
            """;
        var r = Text("lab.yaml", lab);
        var app = Ok(r).SecurityGroups["app"];
        Assert.Equal(new[] { "app", "db", "office", "10.0.0.0/8", "2001:db8::/32", "192.0.2.7/32", "sg-other", "::/0" }, app.Inbound.Select(x => x.Peer.ToString()));
        Assert.Equal(new[] { PeerKind.SecurityGroup, PeerKind.SecurityGroup, PeerKind.PrefixList, PeerKind.Cidr }, app.Inbound.Take(4).Select(x => x.Peer.Kind));
        Assert.All(app.Inbound.Take(6), x => Assert.True(x.CoversAllPorts));
        Assert.Equal((IpProtocol.Udp, 0, 65535), (app.Inbound[6].Protocol, app.Inbound[6].FromPort, app.Inbound[6].ToPort));
        Assert.Equal((IpProtocol.Icmpv6, -1, -1), (app.Inbound[7].Protocol, app.Inbound[7].FromPort, app.Inbound[7].ToPort));
        Assert.Equal((IpProtocol.Tcp, 443, "https out"), (app.Outbound[0].Protocol, app.Outbound[0].FromPort, app.Outbound[0].Description));
        Assert.Contains(r.Notes, n => n.Code == ConfigDiagnosticCodes.CidrCanonicalised && n.Message.Contains("192.0.2.7", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("fwsim_lab: 2\n", ConfigDiagnosticCodes.InvalidValue)]
    [InlineData("fwsim_lab: 1\nsecurity_groups: [{id: a, inbound: [{proto: tcp, ports: 22, from: not-a-peer}]}]\n", ConfigDiagnosticCodes.InvalidValue)]
    [InlineData("fwsim_lab: 1\nsecurity_groups: [{id: a, inbound: [{proto: tcp, ports: 22, to: 10.0.0.0/8}]}]\n", ConfigDiagnosticCodes.InvalidValue)]
    [InlineData("fwsim_lab: 1\nsecurity_groups: [{id: a, inbound: [{proto: tcp, ports: 22-x, from: 10.0.0.0/8}]}]\n", ConfigDiagnosticCodes.InvalidPort)]
    [InlineData("fwsim_lab: 1\nsecurity_groups: [{id: a, inbound: [{proto: tcp, ports: 90-80, from: 10.0.0.0/8}]}]\n", ConfigDiagnosticCodes.InvertedPortRange)]
    [InlineData("fwsim_lab: 1\nsecurity_groups: [{id: a, inbound: [{ports: 22, from: 10.0.0.0/8}]}]\n", ConfigDiagnosticCodes.MissingField)]
    [InlineData("fwsim_lab: 1\nenis: [{id: e, ips: [10.0.0.1, 10.0.0.1.1]}]\n", ConfigDiagnosticCodes.InvalidAddress)]
    [InlineData("fwsim_lab: 1\nenis: [{id: e, ips: [10.0.0.1], mac: 0e-00}]\n", ConfigDiagnosticCodes.InvalidMac)]
    [InlineData("fwsim_lab: 1\nnetwork_acls: [{id: a, inbound: [{rule: 100, action: allow, proto: all}]}]\n", ConfigDiagnosticCodes.MissingField)]
    [InlineData("fwsim_lab: 1\nnetwork_acls: [{id: a, inbound: [{rule: 0, action: allow, proto: all, cidr: 0.0.0.0/0}]}]\n", ConfigDiagnosticCodes.NaclRuleNumber)]
    public void BadLabInput_IsAnError(string lab, string code)
    {
        var r = Text("lab.yaml", lab);
        Assert.Null(r.Timeline);
        var e = Assert.Single(r.Errors);
        Assert.Equal(code, e.Code);
        Assert.True(e.Location!.Line > 0);
    }

    [Fact]
    public void UnknownLabKeys_AreWarnings()
    {
        var r = Text("lab.yaml", "fwsim_lab: 1\nsubnet: []\nvpcs: [{id: v, cidr: 10.0.0.0/16, cidrs: x}]\n");
        Ok(r);
        Assert.Equal(2, All(r, ConfigDiagnosticCodes.InvalidValue).Count(d => d.Severity == DiagnosticSeverity.Warning));
    }

    [Fact]
    public void YamlAnchorsAndMergeKeys_AreFollowed()
    {
        const string lab = """
            fwsim_lab: 1
            security_groups:
              - id: a
                inbound: &common
                  - {proto: tcp, ports: 22, from: 10.0.0.0/8}
              - id: b
                inbound: *common
            enis:
              - &base {id: e1, subnet: s, groups: [a]}
              - {<<: *base, id: e2, ips: [10.0.0.2]}
            """;
        var c = Ok("lab.yaml", lab);
        Assert.Equal(22, Assert.Single(c.SecurityGroups["b"].Inbound).FromPort);
        Assert.Equal(new[] { "a" }, c.NetworkInterfaces["e2"].GroupIds);
    }

    [Fact]
    public void LabInJson_IsTheSameFormat()
    {
        var c = Ok("lab.json", """{ "fwsim_lab": 1, "enis": [ { "id": "e", "ips": ["10.0.0.5"], "groups": [] , "type": "natGateway" } ] }""");
        Assert.Equal("natGateway", c.NetworkInterfaces["e"].InterfaceType);
    }
}
