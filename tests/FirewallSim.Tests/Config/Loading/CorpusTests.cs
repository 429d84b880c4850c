using FirewallSim.Config;
using FirewallSim.Config.Loading;
using FirewallSim.Net;
using FirewallSim.Tests.Support;
using static FirewallSim.Tests.Config.Loading.Load;

namespace FirewallSim.Tests.Config.Loading;

/// <summary>
/// Every file of ../shared/corpus/aws (real exports and templates written by others, MANIFEST.tsv) loads
/// with exactly the expected objects, or fails with the expected error. The table below is the expectation;
/// the files are read from ../shared, never copied into the project.
/// </summary>
public class CorpusTests
{
    /// <summary>What loading one corpus file alone must give.</summary>
    public sealed record Expect(
        string File,
        string? Error = null,
        int Groups = 0,
        int Inbound = 0,
        int Outbound = 0,
        int Enis = 0,
        int Acls = 0,
        int AclEntries = 0,
        int PrefixLists = 0,
        int PrefixListEntries = 0,
        int Vpcs = 0,
        int Subnets = 0,
        string[]? Warnings = null)
    {
        public override string ToString() => File;
    }

    private static readonly Expect[] Expectations =
    {
        new("aws-cli__describe-managed-prefix-lists__output1.json", PrefixLists: 2),
        new("aws-cli__describe-network-acls__output1.json", Acls: 2, AclEntries: 12),
        new("aws-cli__describe-network-interfaces__output1.json", Enis: 2, Warnings: new[] { ConfigDiagnosticCodes.UnknownGroup }),
        new("aws-cli__describe-security-group-rules__output1.json", Groups: 1, Inbound: 1, Outbound: 2),
        new("aws-cli__describe-security-groups__output1.json", Groups: 1, Inbound: 2, Outbound: 1),
        new("aws-cli__get-managed-prefix-list-entries__output1.json", Error: ConfigDiagnosticCodes.PrefixListIdUnknown),
        new("aws-cloudformation-templates__EC2_EC2InstanceWithSecurityGroupSample.yaml", Groups: 1, Inbound: 1, Outbound: 2),
        new("aws-cloudformation-templates__ECS_FargateLaunchType_clusters_private-vpc.yaml", Groups: 3, Inbound: 5, Outbound: 6, Vpcs: 1, Subnets: 4,
            Warnings: new[] { ConfigDiagnosticCodes.UnresolvedValue }),
        new("aws-cloudformation-templates__EKS_template.yaml", Groups: 1, Inbound: 1, Outbound: 2, Vpcs: 1, Subnets: 6,
            Warnings: new[] { ConfigDiagnosticCodes.UnresolvedValue }),
        new("aws-cloudformation-templates__ElasticLoadBalancing_ELBWithLockedDownAutoScaledInstances.json", Groups: 1, Inbound: 1, Outbound: 2,
            Warnings: new[] { ConfigDiagnosticCodes.UnresolvedValue }),
        new("aws-cloudformation-templates__Solutions_VPCPeering_templates_VPCPeering-Updates.cfn.yaml",
            Warnings: new[] { ConfigDiagnosticCodes.ConditionSkipped, ConfigDiagnosticCodes.EmptyConfiguration, ConfigDiagnosticCodes.UnresolvedValue }),
        new("aws-cloudformation-templates__VPC_VPC_With_Managed_NAT_And_Private_Subnet.yaml", Acls: 1, AclEntries: 2, Vpcs: 1, Subnets: 4,
            Warnings: new[] { ConfigDiagnosticCodes.UnresolvedValue }),
        new("batfish__NetworkAclIcmpTest.json", Acls: 1, AclEntries: 2),
        new("batfish__NetworkAclV6Test.json", Acls: 1, AclEntries: 1),
        new("batfish__SecurityGroupTest.json", Groups: 10, Inbound: 13, Outbound: 9,
            Warnings: new[] { ConfigDiagnosticCodes.DuplicateDefinition, ConfigDiagnosticCodes.IcmpCodeWithoutType, ConfigDiagnosticCodes.PortWildcard }),
        new("batfish__SecurityGroupTestDeser.json", Groups: 1, Inbound: 1, Outbound: 2, Warnings: new[] { ConfigDiagnosticCodes.UnknownPrefixList }),
        new("batfish__hybrid-cloud-aws__NetworkAcls.json", Acls: 4, AclEntries: 16),
        new("batfish__hybrid-cloud-aws__NetworkInterfaces.json", Enis: 9, Warnings: new[] { ConfigDiagnosticCodes.UnknownGroup }),
        new("batfish__hybrid-cloud-aws__PrefixLists.json", PrefixLists: 2, PrefixListEntries: 4),
        new("batfish__hybrid-cloud-aws__SecurityGroups.json", Groups: 11, Inbound: 32, Outbound: 11, Warnings: new[] { ConfigDiagnosticCodes.UnknownGroup }),
        new("batfish__test-transit-gateway-multi-table__SecurityGroups.json", Groups: 5, Inbound: 7, Outbound: 5),
        new("checkov__SecurityGroupUnrestrictedIngress22-FAILED-3.yaml", Groups: 1, Inbound: 1, Outbound: 2),
        new("cloud-custodian__test_appelb_add_security_group__ec2.DescribeSecurityGroups_1.json", Groups: 3, Inbound: 4, Outbound: 4,
            Warnings: new[] { ConfigDiagnosticCodes.UnknownPrefixList }),
        new("cloud-custodian__test_prefix_list_entry__ec2.DescribeManagedPrefixLists_1.json", PrefixLists: 4),
        new("cloud-custodian__test_security_group_self_reference__ec2.DescribeSecurityGroups_2.json", Groups: 42, Inbound: 38, Outbound: 43),
        new("cloud-custodian__test_security_group_used__ec2.DescribeNetworkInterfaces_1.json", Enis: 4, Warnings: new[] { ConfigDiagnosticCodes.UnknownGroup }),
        new("cloud-custodian__test_sg_config_patch_pitr__ec2.DescribeSecurityGroups_1.json", Groups: 10, Inbound: 13, Outbound: 12),
        new("cloudmapper__ec2-describe-network-interfaces.json", Enis: 1, Warnings: new[] { ConfigDiagnosticCodes.UnknownGroup }),
        new("cloudmapper__ec2-describe-security-groups.json", Groups: 8, Inbound: 11, Outbound: 8),
    };

    /// <summary>Built from the table only, so discovery never touches the disk (the corpus may be absent).</summary>
    public static TheoryData<Expect> Files()
    {
        var data = new TheoryData<Expect>();
        foreach (var e in Expectations)
        {
            data.Add(e);
        }

        return data;
    }

    private static ConfigLoadResult LoadCorpus(params string[] files) =>
        ConfigLoader.Load(files.Select(f => new ConfigSource(Path.Combine(TestPaths.CorpusAws, f))).ToArray());

    [SharedCorpusTheory]
    [MemberData(nameof(Files))]
    public void CorpusFile_LoadsWithTheExpectedObjectsOrFailsWithTheExpectedError(Expect expect)
    {
        var r = LoadCorpus(expect.File);
        if (expect.Error is not null)
        {
            Assert.Null(r.Timeline);
            var error = Assert.Single(r.Errors);
            Assert.Equal(expect.Error, error.Code);
            Assert.EndsWith(expect.File, error.Location!.File, StringComparison.Ordinal);
            return;
        }

        var c = Ok(r);
        Assert.Equal(expect.Groups, c.SecurityGroups.Count);
        Assert.Equal(expect.Inbound, c.SecurityGroups.Values.Sum(g => g.Inbound.Count));
        Assert.Equal(expect.Outbound, c.SecurityGroups.Values.Sum(g => g.Outbound.Count));
        Assert.Equal(expect.Enis, c.NetworkInterfaces.Count);
        Assert.Equal(expect.Acls, c.NetworkAcls.Count);
        Assert.Equal(expect.AclEntries, c.NetworkAcls.Values.Sum(a => a.Entries.Count));
        Assert.Equal(expect.PrefixLists, c.PrefixLists.Count);
        Assert.Equal(expect.PrefixListEntries, c.PrefixLists.Values.Sum(p => p.Entries.Count));
        Assert.Equal(expect.Vpcs, c.Vpcs.Count);
        Assert.Equal(expect.Subnets, c.Subnets.Count);
        Assert.Equal(expect.Warnings ?? Array.Empty<string>(), r.Warnings.Select(w => w.Code).Distinct().Order(StringComparer.Ordinal));

        // Every object knows where it came from.
        Assert.All(c.SecurityGroups.Values.SelectMany(g => g.Inbound.Concat(g.Outbound)), x => Assert.EndsWith(expect.File, x.Source!.File, StringComparison.Ordinal));
        Assert.All(c.NetworkInterfaces.Values, x => Assert.True(x.Source!.Line > 0));
    }

    [SharedCorpusFact]
    public void EveryCorpusFile_HasAnExpectation()
    {
        var files = Directory.GetFiles(TestPaths.CorpusAws).Select(Path.GetFileName).Where(f => f != "MANIFEST.tsv").Order(StringComparer.Ordinal);
        Assert.Equal(files, Expectations.Select(e => e.File).Order(StringComparer.Ordinal));
    }

    [SharedCorpusFact]
    public void TrailingCommaInTheAwsCliExample_IsAccepted()
    {
        var g = Assert.Single(Ok(LoadCorpus("aws-cli__describe-security-groups__output1.json")).SecurityGroups.Values);
        Assert.Equal(("sg-903004f8", "MySecurityGroup", "vpc-1a2b3c4d"), (g.Id, g.Name, g.VpcId));
        Assert.Equal((PeerKind.SecurityGroup, "sg-903004f8", "123456789012"), (g.Inbound[0].Peer.Kind, g.Inbound[0].Peer.GroupId, g.Inbound[0].Peer.UserId));
        Assert.Equal((IpProtocol.Tcp, 22, 22, P("203.0.113.0/24"), "Access from NY office"),
            (g.Inbound[1].Protocol, g.Inbound[1].FromPort, g.Inbound[1].ToPort, g.Inbound[1].Peer.Cidr, g.Inbound[1].Description));
    }

    [SharedCorpusFact]
    public void PlaceboStatusCodeDataWrapper_IsUnwrapped()
    {
        var file = "cloud-custodian__test_appelb_add_security_group__ec2.DescribeSecurityGroups_1.json";
        var r = LoadCorpus(file);
        var c = Ok(r);
        var g = c.SecurityGroups["sg-01a19f602ecaf25f4"];
        Assert.Equal("test-isolation-group", g.Name);

        // 192.168.0.1/31 has a host bit set: canonicalised as AWS does, with a note.
        Assert.Equal(P("192.168.0.0/31"), g.Inbound[0].Peer.Cidr);
        Assert.Equal("testcidr", g.Inbound[0].Description);
        var note = One(r, ConfigDiagnosticCodes.CidrCanonicalised);
        Assert.Equal(DiagnosticSeverity.Note, note.Severity);
        Assert.Equal("$.data.SecurityGroups[0].IpPermissions[0].IpRanges[0]", note.Location!.Path);
        Assert.Equal("pl-63a5400b", g.Inbound[1].Peer.PrefixListId);

        var controllers = c.SecurityGroups["sg-c573e6b3"];
        Assert.Equal((IpProtocol.Udp, 443), (controllers.Inbound[0].Protocol, controllers.Inbound[0].FromPort));
        Assert.Equal(new[] { "10.0.0.0/8", "123412341234/sg-c573e6b3" }, controllers.Outbound.Select(x => x.Peer.ToString()));
    }

    [SharedCorpusFact]
    public void RepeatedGroupId_MergesItsRules_AndTcpPortMinusOneMeansAnOpenEnd()
    {
        var r = LoadCorpus("batfish__SecurityGroupTest.json");
        var c = Ok(r);
        var icmp = c.SecurityGroups["sg-0de0ddfa8a5a12348"];
        Assert.Equal("ICMP types with just type", icmp.Name);
        Assert.Equal(new[] { "icmp 8/-1 0.0.0.0/0", "icmp 8/-1 ::/0", "icmp 8/9 0.0.0.0/0", "icmp 8/9 ::/0" },
            icmp.Inbound.Select(x => $"{x.PortText} {x.Peer}"));
        Assert.Equal(2, All(r, ConfigDiagnosticCodes.DuplicateDefinition).Count);

        // ICMP type -1 with code 9 is invalid in AWS: dropped with a warning naming the place.
        var dropped = One(r, ConfigDiagnosticCodes.IcmpCodeWithoutType);
        Assert.Equal("$.SecurityGroups[11].IpPermissions[0]", dropped.Location!.Path);

        // FromPort -1 / ToPort 50 and 30 / -1: -1 is an open end.
        var start = Assert.Single(c.SecurityGroups["sg-0de0ddfa8a5a12345"].Inbound);
        Assert.Equal((0, 50), (start.FromPort, start.ToPort));
        var end = Assert.Single(c.SecurityGroups["sg-0de0ddfa8a5a12346"].Inbound);
        Assert.Equal((30, 65535), (end.FromPort, end.ToPort));
        Assert.Equal(2, All(r, ConfigDiagnosticCodes.PortWildcard).Count);

        var full = Assert.Single(c.SecurityGroups["sg-057ea5382cba4725d"].Inbound);
        Assert.True(full.CoversAllPorts);
        Assert.Equal("tcp all ports", full.PortText);
    }

    [SharedCorpusFact]
    public void HybridCloudExport_LoadsTogether_WithGroupsNaclsAndInterfacesLinked()
    {
        var r = LoadCorpus("batfish__hybrid-cloud-aws__NetworkAcls.json", "batfish__hybrid-cloud-aws__NetworkInterfaces.json",
            "batfish__hybrid-cloud-aws__PrefixLists.json", "batfish__hybrid-cloud-aws__SecurityGroups.json");
        var c = Ok(r);
        Assert.Equal((11, 9, 4, 2), (c.SecurityGroups.Count, c.NetworkInterfaces.Count, c.NetworkAcls.Count, c.PrefixLists.Count));

        // Only the jump host's group (another export) is missing now.
        var unknown = Assert.Single(r.Warnings);
        Assert.Equal(ConfigDiagnosticCodes.UnknownGroup, unknown.Code);
        Assert.Contains("sg-cf3f86b3", unknown.Message, StringComparison.Ordinal);

        var arista = c.SecurityGroups["sg-331ad04e"];
        Assert.Equal(7, arista.Inbound.Count);
        Assert.Equal(new[] { "38.140.26.4/32", "38.140.26.5/32", "38.140.26.6/32", "38.140.26.7/32", "0.0.0.0/0" },
            arista.Inbound.Where(x => x.Protocol == IpProtocol.Tcp).Select(x => x.Peer.ToString()));
        Assert.Equal(7, c.NetworkInterfaces.Values.Count(e => e.GroupIds.Contains("sg-331ad04e")));
        Assert.Equal("acl-7b78771d", c.AclForSubnet("subnet-1641fa70")!.Id);
        Assert.Equal(new[] { P("54.231.160.0/19"), P("52.218.128.0/17"), P("52.92.32.0/22") }, c.PrefixLists["pl-68a54001"].Entries.Select(e => e.Cidr));
        Assert.Equal(("118292266645", "us-west-2"), (c.AccountId, c.Region));

        var mysql = c.NetworkAcls["acl-4db39c28"].Entries.Single(e => !e.Egress && e.RuleNumber == 100);
        Assert.Equal((IpProtocol.Tcp, 3306, 3306, P("162.243.144.192/32")), (mysql.Protocol, mysql.PortFrom!.Value, mysql.PortTo!.Value, mysql.Cidr));
    }

    [SharedCorpusFact]
    public void NaclFixtures_ReadIcmpWildcardsAndIpv6Entries()
    {
        var icmp = Assert.Single(Ok(LoadCorpus("batfish__NetworkAclIcmpTest.json")).NetworkAcls.Values);
        Assert.Equal(new (int?, int?)[] { (-1, -1), (0, 1) }, icmp.Entries.Select(e => (e.IcmpType, e.IcmpCode)));
        var v6 = Assert.Single(Assert.Single(Ok(LoadCorpus("batfish__NetworkAclV6Test.json")).NetworkAcls.Values).Entries);
        Assert.Equal((true, RuleProtocol.All, P("::/0"), 100), (v6.Egress, v6.Protocol, v6.Cidr, v6.RuleNumber));
    }

    [SharedCorpusFact]
    public void PrefixListEntries_LoadWhenTheFileNameNamesTheList()
    {
        string entries = File.ReadAllText(Path.Combine(TestPaths.CorpusAws, "aws-cli__get-managed-prefix-list-entries__output1.json"));
        var r = ConfigLoader.Load(
            new ConfigSource(Path.Combine(TestPaths.CorpusAws, "aws-cli__describe-managed-prefix-lists__output1.json")),
            new ConfigSource("entries-pl-0123456abcabcabc1.json") { Text = entries });
        var pl = Ok(r).PrefixLists["pl-0123456abcabcabc1"];
        Assert.Equal(("vpc-cidrs", "IPv4", 10), (pl.Name, pl.AddressFamily, pl.MaxEntries!.Value));
        Assert.Equal(new[] { new PrefixListEntry(P("10.0.0.0/16"), "vpc-a"), new PrefixListEntry(P("10.2.0.0/16"), "vpc-b") }, pl.Entries);
    }

    [SharedCorpusFact]
    public void EntriesWithoutAListId_FailWithTheirPlace()
    {
        var error = Assert.Single(LoadCorpus("aws-cli__get-managed-prefix-list-entries__output1.json").Errors);
        Assert.Equal(("$.Entries", 2), (error.Location!.Path, error.Location.Line));
    }

    [SharedCorpusFact]
    public void InterfaceTypes_AndRequesterManagedInterfaces_AreKept()
    {
        var c = Ok(LoadCorpus("cloud-custodian__test_security_group_used__ec2.DescribeNetworkInterfaces_1.json"));
        var endpoint = c.NetworkInterfaces["eni-04b74850b90891a7c"];
        Assert.Equal(("vpc_endpoint", true), (endpoint.InterfaceType, endpoint.RequesterManaged));
        Assert.Equal(new[] { "sg-f9cc4d9f", "sg-0a2cb503a229c31c1" }, endpoint.GroupIds);
        Assert.Equal("branch", c.NetworkInterfaces["eni-05f8e0f783bfe84f0"].InterfaceType);
        var instance = c.NetworkInterfaces["eni-caa070b4"];
        Assert.Equal((A("172.31.26.53"), A("35.162.52.140"), "i-017cf4e2a33b853fe"), (instance.PrimaryIpv4!.Value, instance.PublicIp!.Value, instance.InstanceId));
        Assert.Equal("us-west-2", c.Region);
    }

    [SharedCorpusFact]
    public void CloudFormationEcsTemplate_ResolvesRefsGetAttAndFindInMap()
    {
        var r = LoadCorpus("aws-cloudformation-templates__ECS_FargateLaunchType_clusters_private-vpc.yaml");
        var c = Ok(r);
        Assert.Equal(new[] { P("10.0.0.0/16") }, c.Vpcs["VPC"].CidrBlocks);
        Assert.Equal(new[] { "10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24" }, c.Subnets.Values.Select(s => s.CidrBlock.ToString()));
        Assert.All(c.Subnets.Values, s => Assert.Equal("VPC", s.VpcId));
        Assert.All(c.Subnets.Values, s => Assert.Null(s.AvailabilityZone));

        var containers = c.SecurityGroups["FargateContainerSecurityGroup"];
        Assert.Equal(new[] { "PublicLoadBalancerSG", "PrivateLoadBalancerSG", "FargateContainerSecurityGroup" }, containers.Inbound.Select(x => x.Peer.GroupId));
        Assert.Equal("Ingress from the public ALB", containers.Inbound[0].Description);
        Assert.Equal("VPC", containers.VpcId);
        Assert.Equal(new[] { P("0.0.0.0/0"), P("::/0") }, containers.Outbound.Select(x => x.Peer.Cidr)); // AWS's default egress
        Assert.Equal(3, All(r, ConfigDiagnosticCodes.DefaultEgress).Count);

        // !Select [0, !GetAZs {Ref: AWS::Region}] cannot be known before deployment: reported where it is written.
        var az = All(r, ConfigDiagnosticCodes.UnresolvedValue);
        Assert.Equal(4, az.Count);
        Assert.All(az, d => Assert.Contains("Fn::GetAZs", d.Message, StringComparison.Ordinal));
        Assert.Equal(("$.Resources.PublicSubnetOne.Properties.AvailabilityZone[1]", 54), (az[0].Location!.Path, az[0].Location!.Line));
    }

    [SharedCorpusFact]
    public void CloudFormationEksTemplate_ResolvesParameterDefaults_AndReportsPseudoParameters()
    {
        var r = LoadCorpus("aws-cloudformation-templates__EKS_template.yaml");
        var c = Ok(r);
        Assert.Equal(new[] { "10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24", "10.0.4.0/24", "10.0.5.0/24", "10.0.6.0/24" },
            c.Subnets.Values.Select(s => s.CidrBlock.ToString()));
        var sg = c.SecurityGroups["ControlPlaneSecurityGroup"];
        Assert.Null(sg.Name); // !Sub ${AWS::StackName}-… is not known: a note, not a guess
        var self = Assert.Single(sg.Inbound);
        Assert.Equal(("ControlPlaneSecurityGroup", (string?)null, RuleProtocol.All), (self.Peer.GroupId, self.Peer.UserId, self.Protocol));
        var owner = Assert.Single(r.Warnings, w => w.Message.Contains("SourceSecurityGroupOwnerId", StringComparison.Ordinal));
        Assert.Contains("AWS::AccountId", owner.Message, StringComparison.Ordinal);
        Assert.Equal(370, owner.Location!.Line);
        Assert.Contains(r.Notes, n => n.Message.Contains("AWS::StackName", StringComparison.Ordinal));
    }

    [SharedCorpusFact]
    public void CloudFormationEksTemplate_TakesTheAccountFromTheOptions()
    {
        var r = ConfigLoader.Load(
            new[] { new ConfigSource(Path.Combine(TestPaths.CorpusAws, "aws-cloudformation-templates__EKS_template.yaml")) },
            new ConfigLoadOptions { PseudoParameters = new Dictionary<string, string> { ["AWS::AccountId"] = "111122223333", ["AWS::StackName"] = "demo" } });
        var sg = Ok(r).SecurityGroups["ControlPlaneSecurityGroup"];
        Assert.Equal("demo-eks-control-plane-sg", sg.Name);
        Assert.Equal("111122223333", sg.Inbound[0].Peer.UserId);
    }

    [SharedCorpusFact]
    public void CloudFormationEc2Sample_UsesTheParameterDefault_Canonicalised()
    {
        var r = LoadCorpus("aws-cloudformation-templates__EC2_EC2InstanceWithSecurityGroupSample.yaml");
        var sg = Ok(r).SecurityGroups["InstanceSecurityGroup"];
        var ssh = Assert.Single(sg.Inbound);

        // Default 192.168.1.0/0 is stored by AWS as 0.0.0.0/0: SSH from anywhere.
        Assert.Equal((IpProtocol.Tcp, 22, P("0.0.0.0/0")), (ssh.Protocol, ssh.FromPort, ssh.Peer.Cidr));
        Assert.Contains(r.Notes, n => n.Code == ConfigDiagnosticCodes.CidrCanonicalised && n.Message.Contains("192.168.1.0/0", StringComparison.Ordinal));
    }

    [SharedCorpusFact]
    public void CloudFormationPeeringTemplate_ReportsUnresolvableParametersAndConditions()
    {
        var r = LoadCorpus("aws-cloudformation-templates__Solutions_VPCPeering_templates_VPCPeering-Updates.cfn.yaml");
        var c = Ok(r);
        Assert.Empty(c.SecurityGroups);
        var unresolved = One(r, ConfigDiagnosticCodes.UnresolvedValue);
        Assert.Contains("parameter SecurityGroupIds has no Default", unresolved.Message, StringComparison.Ordinal);
        Assert.Contains("dropped", unresolved.Message, StringComparison.Ordinal);
        var conditions = All(r, ConfigDiagnosticCodes.ConditionSkipped);
        Assert.Equal(5, conditions.Count);
        Assert.All(conditions, d => Assert.Contains("NumberOfSecurityGroups has no Default", d.Message, StringComparison.Ordinal));
    }

    [SharedCorpusFact]
    public void CloudFormationElbTemplate_DropsTheRuleWhosePeerIsKnownOnlyAfterDeployment()
    {
        var r = LoadCorpus("aws-cloudformation-templates__ElasticLoadBalancing_ELBWithLockedDownAutoScaledInstances.json");
        var sg = Ok(r).SecurityGroups["InstanceSecurityGroup"];
        var ssh = Assert.Single(sg.Inbound);
        Assert.Equal((22, P("0.0.0.0/0")), (ssh.FromPort, ssh.Peer.Cidr)); // "FromPort": "22" as a string
        var dropped = One(r, ConfigDiagnosticCodes.UnresolvedValue);
        Assert.Contains("ElasticLoadBalancer.SourceSecurityGroup.GroupName", dropped.Message, StringComparison.Ordinal);
        Assert.Contains("$.Resources.InstanceSecurityGroup.Properties.SecurityGroupIngress[0]", dropped.Location!.Path, StringComparison.Ordinal);
    }

    [SharedCorpusFact]
    public void CloudFormationNatTemplate_ReadsNaclEntriesAndAssociations()
    {
        var c = Ok(LoadCorpus("aws-cloudformation-templates__VPC_VPC_With_Managed_NAT_And_Private_Subnet.yaml"));
        var acl = c.NetworkAcls["PublicNetworkAcl"];
        Assert.Equal(("VPC", false), (acl.VpcId, acl.IsDefault));
        Assert.Equal(new[] { "PublicSubnet0", "PublicSubnet1" }, acl.SubnetIds);
        Assert.Equal(new[] { (false, 100, true), (true, 100, true) }, acl.Entries.Select(e => (e.Egress, e.RuleNumber, e.Allow)));
        Assert.All(acl.Entries, e => Assert.Equal((RuleProtocol.All, (int?)null), (e.Protocol, e.PortFrom)));
        Assert.Same(acl, c.AclForSubnet("PublicSubnet1"));
        Assert.Null(c.AclForSubnet("PrivateSubnet0"));
    }

    [SharedCorpusFact]
    public void CheckovTemplate_ReadsAFullyExpandedIpv6Default()
    {
        var ssh = Assert.Single(Ok(LoadCorpus("checkov__SecurityGroupUnrestrictedIngress22-FAILED-3.yaml")).SecurityGroups["InstanceSecurityGroup"].Inbound);
        Assert.Equal((P("::/0"), "SSH Ingress"), (ssh.Peer.Cidr, ssh.Description));
        Assert.True(ssh.Peer.IsOpenCidr);
    }

    [SharedCorpusFact]
    public void StrictMode_TurnsMissingReferencesIntoErrors()
    {
        var r = ConfigLoader.Load(new[] { new ConfigSource(Path.Combine(TestPaths.CorpusAws, "batfish__hybrid-cloud-aws__NetworkInterfaces.json")) }, new ConfigLoadOptions { Strict = true });
        Assert.Null(r.Timeline);
        Assert.Equal(3, r.Errors.Count(e => e.Code == ConfigDiagnosticCodes.UnknownGroup));
    }
}
