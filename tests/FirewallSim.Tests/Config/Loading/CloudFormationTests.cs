using FirewallSim.Config;
using FirewallSim.Config.Loading;
using FirewallSim.Net;
using static FirewallSim.Tests.Config.Loading.Load;

namespace FirewallSim.Tests.Config.Loading;

/// <summary>CloudFormation intrinsic functions: what the template fixes is resolved, the rest is reported where it is written.</summary>
public class CloudFormationTests
{
    private const string Template = """
        AWSTemplateFormatVersion: "2010-09-09"
        Parameters:
          Env: {Type: String, Default: prod}
          AdminCidrs: {Type: CommaDelimitedList, Default: "198.51.100.0/24, 203.0.113.0/24"}
          AppPort: {Type: Number, Default: 8443}
          NoDefault: {Type: String}
        Mappings:
          Ports:
            prod: {Db: 5432}
            test: {Db: 15432}
        Conditions:
          IsProd: !Equals [!Ref Env, prod]
          IsTest: !Not [!Condition IsProd]
          Unknown: !Equals [!Ref NoDefault, x]
        Resources:
          Vpc:
            Type: AWS::EC2::VPC
            Properties: {CidrBlock: 10.20.0.0/16}
          Cidr6:
            Type: AWS::EC2::VPCCidrBlock
            Properties: {VpcId: !Ref Vpc, Ipv6CidrBlock: "2001:db8:20::/56"}
          Web:
            Type: AWS::EC2::Subnet
            Properties:
              VpcId: !Ref Vpc
              CidrBlock: !Select [1, !Cidr [!GetAtt Vpc.CidrBlock, 4, 8]]
              AvailabilityZone: !Sub "${AWS::Region}a"
          App:
            Type: AWS::EC2::SecurityGroup
            Properties:
              GroupName: !Sub "${Env}-app"
              GroupDescription: !Join [" ", [app, tier, in, !Ref Env]]
              VpcId: !GetAtt Web.VpcId
              SecurityGroupIngress:
                - {IpProtocol: tcp, FromPort: !Ref AppPort, ToPort: !Ref AppPort, CidrIp: !Select [0, !Ref AdminCidrs]}
                - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: !Select [1, !Ref AdminCidrs]}
                - !If [IsProd, {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}, !Ref AWS::NoValue]
                - !If [IsTest, {IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 0.0.0.0/0}, !Ref AWS::NoValue]
                - {IpProtocol: tcp, FromPort: 9000, ToPort: 9000, CidrIp: !Ref NoDefault}
                - {IpProtocol: tcp, FromPort: 9100, ToPort: 9100, SourceSecurityGroupName: db-tier}
          Db:
            Type: AWS::EC2::SecurityGroup
            Properties:
              GroupName: db-tier
              GroupDescription: db
              VpcId: !Ref Vpc
              SecurityGroupEgress: []
          DbIngress:
            Type: AWS::EC2::SecurityGroupIngress
            Properties:
              GroupId: !GetAtt Db.GroupId
              IpProtocol: tcp
              FromPort: !FindInMap [Ports, !Ref Env, Db]
              ToPort: !FindInMap [Ports, !Ref Env, Db]
              SourceSecurityGroupId: !Ref App
          TestOnly:
            Type: AWS::EC2::SecurityGroup
            Condition: IsTest
            Properties: {GroupDescription: only in test}
          Maybe:
            Type: AWS::EC2::SecurityGroup
            Condition: Unknown
            Properties: {GroupDescription: depends on a parameter without default}
          External:
            Type: AWS::EC2::SecurityGroupIngress
            Properties: {GroupId: sg-0123external, IpProtocol: udp, FromPort: 53, ToPort: 53, CidrIp: 10.20.0.0/16}
          Eni:
            Type: AWS::EC2::NetworkInterface
            Properties:
              SubnetId: !Ref Web
              GroupSet: [!Ref App, !GetAtt Db.GroupId]
              PrivateIpAddress: 10.20.1.10
              SecondaryPrivateIpAddressCount: 2
          Acl:
            Type: AWS::EC2::NetworkAcl
            Properties: {VpcId: !Ref Vpc}
          AclIn:
            Type: AWS::EC2::NetworkAclEntry
            Properties: {NetworkAclId: !Ref Acl, RuleNumber: 100, Protocol: 6, RuleAction: allow, CidrBlock: 0.0.0.0/0, PortRange: {From: 443, To: 443}}
          AclPing:
            Type: AWS::EC2::NetworkAclEntry
            Properties: {NetworkAclId: !Ref Acl, RuleNumber: 110, Protocol: 1, RuleAction: allow, Egress: true, CidrBlock: 10.0.0.0/8, Icmp: {Type: 8, Code: -1}}
          AclAssoc:
            Type: AWS::EC2::SubnetNetworkAclAssociation
            Properties: {SubnetId: !Ref Web, NetworkAclId: !Ref Acl}
          Office:
            Type: AWS::EC2::PrefixList
            Properties:
              PrefixListName: office
              AddressFamily: IPv4
              MaxEntries: 5
              Entries: [{Cidr: 192.0.2.0/24, Description: hq}]
        """;

    private static int LineOf(string text) => Template.Split('\n').ToList().FindIndex(l => l.Contains(text, StringComparison.Ordinal)) + 1;

    private static (ConfigLoadResult Result, AwsConfig Config) LoadTemplate()
    {
        var r = Text("stack.yaml", Template);
        return (r, Ok(r));
    }

    [Fact]
    public void ParametersMappingsAndFunctions_AreResolved()
    {
        var (_, c) = LoadTemplate();
        Assert.Equal(new[] { P("10.20.0.0/16") }, c.Vpcs["Vpc"].CidrBlocks);
        Assert.Equal(new[] { P("2001:db8:20::/56") }, c.Vpcs["Vpc"].Ipv6CidrBlocks);
        Assert.Equal(P("10.20.1.0/24"), c.Subnets["Web"].CidrBlock); // !Select [1, !Cidr [10.20.0.0/16, 4, 8]]

        var app = c.SecurityGroups["App"];
        Assert.Equal(("prod-app", "app tier in prod", "Vpc"), (app.Name, app.Description, app.VpcId));
        Assert.Equal(new[] { "tcp 8443 from 198.51.100.0/24", "tcp 22 from 203.0.113.0/24", "tcp 443 from 0.0.0.0/0", "tcp 9100 from Db" },
            app.Inbound.Select(x => $"{x.PortText} from {x.Peer}"));

        var db = c.SecurityGroups["Db"];
        var dbIn = Assert.Single(db.Inbound);
        Assert.Equal((5432, 5432, "App"), (dbIn.FromPort, dbIn.ToPort, dbIn.Peer.GroupId));
    }

    [Fact]
    public void ConditionsDecideWhichResourcesExist()
    {
        var (r, c) = LoadTemplate();
        Assert.DoesNotContain("TestOnly", c.SecurityGroups.Keys);
        Assert.Contains(r.Notes, n => n.Code == ConfigDiagnosticCodes.ConditionSkipped && n.Message.Contains("TestOnly", StringComparison.Ordinal));
        Assert.DoesNotContain("Maybe", c.SecurityGroups.Keys);
        var skipped = Assert.Single(r.Warnings, w => w.Code == ConfigDiagnosticCodes.ConditionSkipped);
        Assert.Contains("NoDefault has no Default", skipped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnresolvableValues_AreReportedWithTheirPlace_NotGuessed()
    {
        var (r, c) = LoadTemplate();
        var unresolved = All(r, ConfigDiagnosticCodes.UnresolvedValue);
        var cidr = Assert.Single(unresolved, d => d.Message.Contains("NoDefault", StringComparison.Ordinal));
        Assert.Equal(DiagnosticSeverity.Warning, cidr.Severity);
        Assert.Contains("the rule is dropped", cidr.Message, StringComparison.Ordinal);
        Assert.Equal("stack.yaml", cidr.Location!.File);
        Assert.Equal(LineOf("FromPort: 9000"), cidr.Location.Line);

        var zone = Assert.Single(unresolved, d => d.Message.Contains("AWS::Region", StringComparison.Ordinal));
        Assert.Null(c.Subnets["Web"].AvailabilityZone);
        Assert.Equal(LineOf("AvailabilityZone: !Sub"), zone.Location!.Line);
        Assert.DoesNotContain(c.SecurityGroups["App"].Inbound, x => x.FromPort == 9000);
    }

    [Fact]
    public void DefaultEgress_IsAddedOnlyWithoutASecurityGroupEgressProperty()
    {
        var (r, c) = LoadTemplate();
        Assert.Equal(new[] { P("0.0.0.0/0"), P("::/0") }, c.SecurityGroups["App"].Outbound.Select(x => x.Peer.Cidr));
        Assert.All(c.SecurityGroups["App"].Outbound, x => Assert.Equal(RuleProtocol.All, x.Protocol));
        Assert.Contains(r.Notes, n => n.Code == ConfigDiagnosticCodes.DefaultEgress && n.Message.Contains("App", StringComparison.Ordinal));

        // SecurityGroupEgress: [] names no rule: CloudFormation treats it like an absent property, the default is added.
        Assert.Equal(2, c.SecurityGroups["Db"].Outbound.Count);
        Assert.Contains(r.Notes, n => n.Code == ConfigDiagnosticCodes.DefaultEgress && n.Message.StartsWith("security group Db ", StringComparison.Ordinal));
    }

    [Fact]
    public void StandaloneIngressToAGroupOutsideTheTemplate_CreatesARulesOnlyGroup()
    {
        var (r, c) = LoadTemplate();
        var external = c.SecurityGroups["sg-0123external"];
        Assert.Null(external.Name);
        Assert.Equal((IpProtocol.Udp, 53, P("10.20.0.0/16")), (external.Inbound[0].Protocol, external.Inbound[0].FromPort, external.Inbound[0].Peer.Cidr));
        Assert.Empty(external.Outbound);
        Assert.DoesNotContain(r.Notes, n => n.Code == ConfigDiagnosticCodes.DefaultEgress && n.Message.Contains("sg-0123external", StringComparison.Ordinal));
    }

    [Fact]
    public void InterfacesAclsAndPrefixLists_AreRead()
    {
        var (r, c) = LoadTemplate();
        var eni = c.NetworkInterfaces["Eni"];
        Assert.Equal(("Web", "Vpc"), (eni.SubnetId, eni.VpcId));
        Assert.Equal(new[] { "App", "Db" }, eni.GroupIds);
        Assert.Equal(new[] { A("10.20.1.10") }, eni.PrivateIpv4Addresses);
        Assert.Contains("SecondaryPrivateIpAddressCount", One(r, ConfigDiagnosticCodes.CountBasedAddresses).Message, StringComparison.Ordinal);

        var acl = c.NetworkAcls["Acl"];
        Assert.Equal(new[] { "Web" }, acl.SubnetIds);
        Assert.Equal(new[] { "inbound 100 allow tcp 443 0.0.0.0/0", "outbound 110 allow icmp 8/-1 10.0.0.0/8" }, acl.Entries.Select(e => e.ToString()));
        Assert.Same(acl, c.AclForSubnet("Web"));

        var office = c.PrefixLists["Office"];
        Assert.Equal(("office", "IPv4", 5, true), (office.Name, office.AddressFamily, office.MaxEntries!.Value, office.EntriesKnown));
        Assert.Equal(new[] { new PrefixListEntry(P("192.0.2.0/24"), "hq") }, office.Entries);
    }

    [Fact]
    public void PseudoParameters_ResolveFromTheOptionsOrALabInTheSameVersion()
    {
        var withOptions = ConfigLoader.Load(new[] { new ConfigSource("stack.yaml") { Text = Template } },
            new ConfigLoadOptions { PseudoParameters = new Dictionary<string, string> { ["AWS::Region"] = "eu-west-1" } });
        Assert.Equal("eu-west-1a", Ok(withOptions).Subnets["Web"].AvailabilityZone);

        var withLab = Texts(false, ("lab.yaml", "fwsim_lab: 1\nregion: eu-central-1\n"), ("stack.yaml", Template));
        Assert.Equal("eu-central-1a", Ok(withLab).Subnets["Web"].AvailabilityZone);
    }

    [Fact]
    public void CloudFormationJsonTemplate_UsesLongFormFunctions()
    {
        const string json = """
            {
              "Parameters": { "Port": { "Type": "Number", "Default": "8080" } },
              "Resources": {
                "Sg": { "Type": "AWS::EC2::SecurityGroup", "Properties": {
                  "GroupDescription": { "Fn::Join": ["-", ["a", "b"]] },
                  "SecurityGroupIngress": [ { "IpProtocol": "tcp", "FromPort": { "Ref": "Port" }, "ToPort": { "Ref": "Port" },
                                              "CidrIp": { "Fn::Sub": ["${Net}/8", { "Net": "10.0.0.0" }] } } ],
                  "SecurityGroupEgress": [ { "IpProtocol": "-1", "DestinationPrefixListId": "pl-1" } ] } }
              }
            }
            """;
        var r = Text("t.json", json);
        var sg = Ok(r).SecurityGroups["Sg"];
        Assert.Equal("a-b", sg.Description);
        Assert.Equal((8080, P("10.0.0.0/8")), (sg.Inbound[0].FromPort, sg.Inbound[0].Peer.Cidr));
        Assert.Equal("pl-1", Assert.Single(sg.Outbound).Peer.PrefixListId);
    }

    [Fact]
    public void RuleWithTwoPeers_IsAnError()
    {
        const string yaml = """
            Resources:
              Sg:
                Type: AWS::EC2::SecurityGroup
                Properties:
                  GroupDescription: x
                  SecurityGroupIngress:
                    - {IpProtocol: tcp, FromPort: 1, ToPort: 2, CidrIp: 10.0.0.0/8, SourceSecurityGroupId: sg-1}
            """;
        var e = Assert.Single(Text("t.yaml", yaml).Errors);
        Assert.Equal((ConfigDiagnosticCodes.InvalidValue, 7), (e.Code, e.Location!.Line));
    }

    [Fact]
    public void IngressByGroupName_LandsOnTheGroupWithThatName()
    {
        const string yaml = """
            Resources:
              Web:
                Type: AWS::EC2::SecurityGroup
                Properties: {GroupName: web, GroupDescription: web}
              ByName:
                Type: AWS::EC2::SecurityGroupIngress
                Properties: {GroupName: web, IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 0.0.0.0/0}
              Orphan:
                Type: AWS::EC2::SecurityGroupIngress
                Properties: {GroupName: elsewhere, IpProtocol: tcp, FromPort: 81, ToPort: 81, CidrIp: 0.0.0.0/0}
            """;
        var r = Text("t.yaml", yaml);
        var c = Ok(r);
        Assert.Equal(80, Assert.Single(c.SecurityGroups["Web"].Inbound).FromPort);
        Assert.Equal(81, Assert.Single(c.SecurityGroups["elsewhere"].Inbound).FromPort);
        Assert.Contains(r.Warnings, w => w.Code == ConfigDiagnosticCodes.UnknownGroup && w.Message.Contains("'elsewhere'", StringComparison.Ordinal));
    }
}
