using FirewallSim.Config;
using FirewallSim.Config.Loading;
using FirewallSim.Net;
using static FirewallSim.Tests.Config.Loading.Load;

namespace FirewallSim.Tests.Config.Loading;

/// <summary>Round trips of the hand-written minimal examples of aws-semantics.md section 6: load → exact model values.</summary>
public class SpecExampleTests
{
    internal const string DescribeSecurityGroups = """
        {
          "SecurityGroups": [
            {
              "GroupId": "sg-0aaaaaaaaaaaaaaa1",
              "GroupName": "web",
              "Description": "web tier",
              "OwnerId": "111122223333",
              "VpcId": "vpc-0bbbbbbbbbbbbbbb1",
              "IpPermissions": [
                {
                  "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                  "IpRanges": [ { "CidrIp": "0.0.0.0/0", "Description": "https v4" } ],
                  "Ipv6Ranges": [ { "CidrIpv6": "::/0" } ],
                  "PrefixListIds": [], "UserIdGroupPairs": []
                },
                {
                  "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                  "IpRanges": [], "Ipv6Ranges": [],
                  "PrefixListIds": [ { "PrefixListId": "pl-0ccccccccccccccc1" } ],
                  "UserIdGroupPairs": []
                },
                {
                  "IpProtocol": "-1",
                  "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [],
                  "UserIdGroupPairs": [ { "GroupId": "sg-0aaaaaaaaaaaaaaa1", "UserId": "111122223333" } ]
                },
                {
                  "IpProtocol": "icmp", "FromPort": 8, "ToPort": -1,
                  "IpRanges": [ { "CidrIp": "10.0.0.0/8" } ],
                  "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []
                },
                {
                  "IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                  "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [],
                  "UserIdGroupPairs": [ { "GroupId": "sg-0ddddddddddddddd1", "UserId": "444455556666",
                                          "VpcId": "vpc-0eeeeeeeeeeeeeee1",
                                          "VpcPeeringConnectionId": "pcx-0fffffffffffffff1",
                                          "PeeringStatus": "active" } ]
                }
              ],
              "IpPermissionsEgress": [
                {
                  "IpProtocol": "-1",
                  "IpRanges": [ { "CidrIp": "0.0.0.0/0" } ],
                  "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []
                }
              ],
              "Tags": [ { "Key": "Name", "Value": "web" } ]
            }
          ]
        }
        """;

    internal const string DescribeSecurityGroupRules = """
        {
          "SecurityGroupRules": [
            { "SecurityGroupRuleId": "sgr-0a00000000000000a", "GroupId": "sg-0aaaaaaaaaaaaaaa1",
              "GroupOwnerId": "111122223333", "IsEgress": false,
              "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIpv4": "0.0.0.0/0",
              "Description": "https v4", "Tags": [] },
            { "SecurityGroupRuleId": "sgr-0a00000000000000b", "GroupId": "sg-0aaaaaaaaaaaaaaa1",
              "GroupOwnerId": "111122223333", "IsEgress": false,
              "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "PrefixListId": "pl-0ccccccccccccccc1", "Tags": [] },
            { "SecurityGroupRuleId": "sgr-0a00000000000000c", "GroupId": "sg-0aaaaaaaaaaaaaaa1",
              "GroupOwnerId": "111122223333", "IsEgress": false,
              "IpProtocol": "-1", "FromPort": -1, "ToPort": -1,
              "ReferencedGroupInfo": { "GroupId": "sg-0aaaaaaaaaaaaaaa1", "UserId": "111122223333" }, "Tags": [] },
            { "SecurityGroupRuleId": "sgr-0a00000000000000d", "GroupId": "sg-0aaaaaaaaaaaaaaa1",
              "GroupOwnerId": "111122223333", "IsEgress": true,
              "IpProtocol": "-1", "FromPort": -1, "ToPort": -1, "CidrIpv6": "::/0", "Tags": [] }
          ]
        }
        """;

    internal const string DescribeNetworkInterfaces = """
        {
          "NetworkInterfaces": [
            {
              "NetworkInterfaceId": "eni-0123456789abcdef0",
              "InterfaceType": "interface",
              "Status": "in-use",
              "VpcId": "vpc-0bbbbbbbbbbbbbbb1",
              "SubnetId": "subnet-0aaaaaaaaaaaaaaa1",
              "AvailabilityZone": "eu-west-1a",
              "OwnerId": "111122223333",
              "MacAddress": "0a:1b:2c:3d:4e:5f",
              "RequesterManaged": false,
              "SourceDestCheck": true,
              "PrivateIpAddress": "10.0.1.10",
              "PrivateIpAddresses": [
                { "PrivateIpAddress": "10.0.1.10", "Primary": true,
                  "Association": { "PublicIp": "203.0.113.25", "IpOwnerId": "amazon" } },
                { "PrivateIpAddress": "10.0.1.11", "Primary": false }
              ],
              "Ipv6Addresses": [ { "Ipv6Address": "2001:db8:1234:1a00::10", "IsPrimaryIpv6": false } ],
              "Groups": [ { "GroupId": "sg-0aaaaaaaaaaaaaaa1", "GroupName": "web" } ],
              "Attachment": { "AttachmentId": "eni-attach-0123456789abcdef0", "InstanceId": "i-0123456789abcdef0",
                              "InstanceOwnerId": "111122223333", "DeviceIndex": 0, "Status": "attached",
                              "DeleteOnTermination": true },
              "ConnectionTrackingConfiguration": { "TcpEstablishedTimeout": 3600, "UdpStreamTimeout": 180, "UdpTimeout": 30 },
              "TagSet": []
            }
          ]
        }
        """;

    internal const string DescribeNetworkAcls = """
        {
          "NetworkAcls": [
            {
              "NetworkAclId": "acl-0aaaaaaaaaaaaaaa1",
              "VpcId": "vpc-0bbbbbbbbbbbbbbb1",
              "IsDefault": false,
              "OwnerId": "111122223333",
              "Associations": [
                { "NetworkAclAssociationId": "aclassoc-0aaaaaaaaaaaaaaa1",
                  "NetworkAclId": "acl-0aaaaaaaaaaaaaaa1", "SubnetId": "subnet-0aaaaaaaaaaaaaaa1" }
              ],
              "Entries": [
                { "RuleNumber": 100, "Egress": false, "Protocol": "6", "RuleAction": "allow",
                  "CidrBlock": "0.0.0.0/0", "PortRange": { "From": 443, "To": 443 } },
                { "RuleNumber": 110, "Egress": false, "Protocol": "6", "RuleAction": "allow",
                  "CidrBlock": "0.0.0.0/0", "PortRange": { "From": 1024, "To": 65535 } },
                { "RuleNumber": 120, "Egress": false, "Protocol": "1", "RuleAction": "allow",
                  "CidrBlock": "0.0.0.0/0", "IcmpTypeCode": { "Type": 3, "Code": 4 } },
                { "RuleNumber": 32767, "Egress": false, "Protocol": "-1", "RuleAction": "deny", "CidrBlock": "0.0.0.0/0" },
                { "RuleNumber": 32768, "Egress": false, "Protocol": "-1", "RuleAction": "deny", "Ipv6CidrBlock": "::/0" },
                { "RuleNumber": 100, "Egress": true, "Protocol": "-1", "RuleAction": "allow", "CidrBlock": "0.0.0.0/0" },
                { "RuleNumber": 32767, "Egress": true, "Protocol": "-1", "RuleAction": "deny", "CidrBlock": "0.0.0.0/0" }
              ],
              "Tags": []
            }
          ]
        }
        """;

    internal const string DescribeManagedPrefixLists = """
        { "PrefixLists": [ { "PrefixListId": "pl-0ccccccccccccccc1", "PrefixListName": "admin-nets",
            "AddressFamily": "IPv4", "State": "create-complete", "MaxEntries": 10, "Version": 3,
            "OwnerId": "111122223333", "Tags": [] } ] }
        """;

    internal const string PrefixListEntries = """
        { "Entries": [ { "Cidr": "198.51.100.0/24", "Description": "office" },
                       { "Cidr": "192.0.2.16/28" } ] }
        """;

    internal const string CloudFormationJson = """
        {
          "Resources": {
            "WebSg": {
              "Type": "AWS::EC2::SecurityGroup",
              "Properties": {
                "GroupDescription": "web tier",
                "VpcId": "vpc-0bbbbbbbbbbbbbbb1",
                "SecurityGroupIngress": [
                  { "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0" },
                  { "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "SourcePrefixListId": "pl-0ccccccccccccccc1" },
                  { "IpProtocol": "icmpv6", "FromPort": -1, "ToPort": -1, "CidrIpv6": "::/0" }
                ],
                "SecurityGroupEgress": [
                  { "IpProtocol": "-1", "CidrIp": "0.0.0.0/0" }
                ]
              }
            },
            "WebSelfIngress": {
              "Type": "AWS::EC2::SecurityGroupIngress",
              "Properties": { "GroupId": { "Ref": "WebSg" }, "IpProtocol": "-1",
                              "SourceSecurityGroupId": { "Ref": "WebSg" } }
            },
            "DbEgress": {
              "Type": "AWS::EC2::SecurityGroupEgress",
              "Properties": { "GroupId": { "Ref": "WebSg" }, "IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                              "DestinationSecurityGroupId": "sg-0ddddddddddddddd1" }
            },
            "WebEni": {
              "Type": "AWS::EC2::NetworkInterface",
              "Properties": {
                "SubnetId": "subnet-0aaaaaaaaaaaaaaa1",
                "GroupSet": [ { "Ref": "WebSg" } ],
                "PrivateIpAddresses": [ { "PrivateIpAddress": "10.0.1.10", "Primary": true } ],
                "Ipv6Addresses": [ { "Ipv6Address": "2001:db8:1234:1a00::10" } ],
                "ConnectionTrackingSpecification": { "TcpEstablishedTimeout": 3600, "UdpStreamTimeout": 120, "UdpTimeout": 30 }
              }
            }
          }
        }
        """;

    /// <summary>The same template in YAML with short-form tags.</summary>
    internal const string CloudFormationYaml = """
        AWSTemplateFormatVersion: "2010-09-09"
        Resources:
          WebSg:
            Type: AWS::EC2::SecurityGroup
            Properties:
              GroupDescription: web tier
              VpcId: vpc-0bbbbbbbbbbbbbbb1
              SecurityGroupIngress:
                - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}
                - {IpProtocol: tcp, FromPort: 22, ToPort: 22, SourcePrefixListId: pl-0ccccccccccccccc1}
                - {IpProtocol: icmpv6, FromPort: -1, ToPort: -1, CidrIpv6: "::/0"}
              SecurityGroupEgress:
                - IpProtocol: "-1"
                  CidrIp: 0.0.0.0/0
          WebSelfIngress:
            Type: AWS::EC2::SecurityGroupIngress
            Properties:
              GroupId: !Ref WebSg
              IpProtocol: "-1"
              SourceSecurityGroupId: !GetAtt WebSg.GroupId
          DbEgress:
            Type: AWS::EC2::SecurityGroupEgress
            Properties:
              GroupId: !GetAtt [WebSg, GroupId]
              IpProtocol: tcp
              FromPort: 5432
              ToPort: 5432
              DestinationSecurityGroupId: sg-0ddddddddddddddd1
          WebEni:
            Type: AWS::EC2::NetworkInterface
            Properties:
              SubnetId: subnet-0aaaaaaaaaaaaaaa1
              GroupSet: [!Ref WebSg]
              PrivateIpAddresses:
                - PrivateIpAddress: 10.0.1.10
                  Primary: true
              Ipv6Addresses:
                - Ipv6Address: "2001:db8:1234:1a00::10"
              ConnectionTrackingSpecification:
                TcpEstablishedTimeout: 3600
                UdpStreamTimeout: 120
                UdpTimeout: 30
        """;

    internal const string TerraformState = """
        {
          "format_version": "1.0",
          "terraform_version": "1.9.5",
          "values": {
            "root_module": {
              "resources": [
                {
                  "address": "aws_security_group.web", "mode": "managed", "type": "aws_security_group", "name": "web",
                  "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 1,
                  "values": {
                    "id": "sg-0aaaaaaaaaaaaaaa1", "name": "web", "description": "web tier", "vpc_id": "vpc-0bbbbbbbbbbbbbbb1",
                    "owner_id": "111122223333", "arn": "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0aaaaaaaaaaaaaaa1",
                    "ingress": [
                      { "protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"],
                        "ipv6_cidr_blocks": ["::/0"], "prefix_list_ids": [], "security_groups": [], "self": false, "description": "https" },
                      { "protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": [], "ipv6_cidr_blocks": [],
                        "prefix_list_ids": [], "security_groups": [], "self": true, "description": "" }
                    ],
                    "egress": [
                      { "protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": [],
                        "prefix_list_ids": [], "security_groups": [], "self": false, "description": "" }
                    ]
                  }
                },
                {
                  "address": "aws_vpc_security_group_ingress_rule.ssh", "mode": "managed", "type": "aws_vpc_security_group_ingress_rule", "name": "ssh",
                  "values": { "id": "sgr-0a00000000000000b", "security_group_rule_id": "sgr-0a00000000000000b",
                              "security_group_id": "sg-0aaaaaaaaaaaaaaa1", "ip_protocol": "6", "from_port": 22, "to_port": 22,
                              "cidr_ipv4": null, "cidr_ipv6": null, "prefix_list_id": "pl-0ccccccccccccccc1",
                              "referenced_security_group_id": null, "description": "ssh" }
                },
                {
                  "address": "aws_vpc_security_group_egress_rule.all6", "mode": "managed", "type": "aws_vpc_security_group_egress_rule", "name": "all6",
                  "values": { "id": "sgr-0a00000000000000d", "security_group_id": "sg-0aaaaaaaaaaaaaaa1", "ip_protocol": "-1",
                              "from_port": null, "to_port": null, "cidr_ipv4": null, "cidr_ipv6": "::/0",
                              "prefix_list_id": null, "referenced_security_group_id": null, "description": null }
                },
                {
                  "address": "aws_security_group_rule.db", "mode": "managed", "type": "aws_security_group_rule", "name": "db",
                  "values": { "type": "ingress", "security_group_id": "sg-0aaaaaaaaaaaaaaa1", "protocol": "tcp",
                              "from_port": 5432, "to_port": 5432, "cidr_blocks": null, "ipv6_cidr_blocks": null,
                              "prefix_list_ids": [], "source_security_group_id": "sg-0ddddddddddddddd1", "self": false,
                              "description": "db" }
                },
                {
                  "address": "data.aws_vpc.other", "mode": "data", "type": "aws_vpc", "name": "other",
                  "values": { "id": "vpc-0999", "cidr_block": "172.16.0.0/16" }
                }
              ],
              "child_modules": [
                {
                  "address": "module.net",
                  "resources": [
                    {
                      "address": "module.net.aws_vpc.main", "mode": "managed", "type": "aws_vpc", "name": "main",
                      "values": { "id": "vpc-0bbbbbbbbbbbbbbb1", "cidr_block": "10.0.0.0/16", "ipv6_cidr_block": "2001:db8:1234:1a00::/56",
                                  "owner_id": "111122223333" }
                    },
                    {
                      "address": "module.net.aws_subnet.web", "mode": "managed", "type": "aws_subnet", "name": "web",
                      "values": { "id": "subnet-0aaaaaaaaaaaaaaa1", "vpc_id": "vpc-0bbbbbbbbbbbbbbb1", "cidr_block": "10.0.1.0/24",
                                  "ipv6_cidr_block": "", "availability_zone": "eu-west-1a", "availability_zone_id": "euw1-az1" }
                    },
                    {
                      "address": "module.net.aws_network_acl.web", "mode": "managed", "type": "aws_network_acl", "name": "web",
                      "values": {
                        "id": "acl-0aaaaaaaaaaaaaaa1", "vpc_id": "vpc-0bbbbbbbbbbbbbbb1", "subnet_ids": ["subnet-0aaaaaaaaaaaaaaa1"],
                        "ingress": [
                          { "rule_no": 100, "action": "allow", "protocol": "tcp", "from_port": 443, "to_port": 443,
                            "cidr_block": "0.0.0.0/0", "ipv6_cidr_block": "", "icmp_type": 0, "icmp_code": 0 },
                          { "rule_no": 120, "action": "allow", "protocol": "1", "from_port": 0, "to_port": 0,
                            "cidr_block": "0.0.0.0/0", "ipv6_cidr_block": "", "icmp_type": 3, "icmp_code": 4 }
                        ],
                        "egress": [
                          { "rule_no": 100, "action": "allow", "protocol": "-1", "from_port": 0, "to_port": 0,
                            "cidr_block": "0.0.0.0/0", "ipv6_cidr_block": "", "icmp_type": 0, "icmp_code": 0 }
                        ]
                      }
                    },
                    {
                      "address": "module.net.aws_network_acl_rule.deny_rdp", "mode": "managed", "type": "aws_network_acl_rule", "name": "deny_rdp",
                      "values": { "network_acl_id": "acl-0aaaaaaaaaaaaaaa1", "rule_number": 90, "egress": false, "protocol": "6",
                                  "rule_action": "deny", "cidr_block": "0.0.0.0/0", "ipv6_cidr_block": null,
                                  "from_port": 3389, "to_port": 3389, "icmp_type": null, "icmp_code": null }
                    },
                    {
                      "address": "module.net.aws_network_interface.web", "mode": "managed", "type": "aws_network_interface", "name": "web",
                      "values": { "id": "eni-0123456789abcdef0", "subnet_id": "subnet-0aaaaaaaaaaaaaaa1", "private_ip": "10.0.1.10",
                                  "private_ips": ["10.0.1.11", "10.0.1.10"], "ipv6_addresses": ["2001:db8:1234:1a00::10"],
                                  "security_groups": ["sg-0aaaaaaaaaaaaaaa1"], "mac_address": "0a:1b:2c:3d:4e:5f",
                                  "interface_type": "interface", "attachment": [ { "instance": "i-0123456789abcdef0", "device_index": 0 } ],
                                  "owner_id": "111122223333" }
                    },
                    {
                      "address": "module.net.aws_ec2_managed_prefix_list.admin", "mode": "managed", "type": "aws_ec2_managed_prefix_list", "name": "admin",
                      "values": { "id": "pl-0ccccccccccccccc1", "name": "admin-nets", "address_family": "IPv4", "max_entries": 10, "version": 3,
                                  "owner_id": "111122223333",
                                  "entry": [ { "cidr": "198.51.100.0/24", "description": "office" }, { "cidr": "192.0.2.16/28", "description": null } ] }
                    }
                  ]
                }
              ]
            }
          }
        }
        """;

    [Fact]
    public void DescribeSecurityGroups_ExpandsEveryPeerIntoItsOwnRule()
    {
        var r = Text("sgs.json", DescribeSecurityGroups);
        var c = Ok(r);
        var g = Assert.Single(c.SecurityGroups.Values);
        Assert.Equal("sg-0aaaaaaaaaaaaaaa1", g.Id);
        Assert.Equal("web", g.Name);
        Assert.Equal("web tier", g.Description);
        Assert.Equal("vpc-0bbbbbbbbbbbbbbb1", g.VpcId);
        Assert.Equal("111122223333", g.OwnerId);
        Assert.Equal("111122223333", c.AccountId);
        Assert.Equal(6, g.Inbound.Count);

        var https4 = g.Inbound[0];
        Assert.Equal((IpProtocol.Tcp, 443, 443, PeerKind.Cidr, P("0.0.0.0/0"), "https v4"), (https4.Protocol, https4.FromPort, https4.ToPort, https4.Peer.Kind, https4.Peer.Cidr, https4.Description));
        Assert.True(https4.Peer.IsOpenCidr);
        Assert.Equal(P("::/0"), g.Inbound[1].Peer.Cidr);
        Assert.Null(g.Inbound[1].Description);
        Assert.Equal(("pl-0ccccccccccccccc1", 22), (g.Inbound[2].Peer.PrefixListId, g.Inbound[2].FromPort));

        var self = g.Inbound[3];
        Assert.Equal((RuleProtocol.All, -1, -1), (self.Protocol, self.FromPort, self.ToPort));
        Assert.Equal((PeerKind.SecurityGroup, "sg-0aaaaaaaaaaaaaaa1", "111122223333"), (self.Peer.Kind, self.Peer.GroupId, self.Peer.UserId));

        var ping = g.Inbound[4];
        Assert.Equal((IpProtocol.Icmp, 8, -1, P("10.0.0.0/8")), (ping.Protocol, ping.FromPort, ping.ToPort, ping.Peer.Cidr));

        var peer = g.Inbound[5].Peer;
        Assert.Equal(("sg-0ddddddddddddddd1", "444455556666", "vpc-0eeeeeeeeeeeeeee1", "pcx-0fffffffffffffff1", "active"),
            (peer.GroupId, peer.UserId, peer.VpcId, peer.VpcPeeringConnectionId, peer.PeeringStatus));
        Assert.False(peer.IsStale);

        var egress = Assert.Single(g.Outbound);
        Assert.Equal((RuleProtocol.All, P("0.0.0.0/0"), true, 0), (egress.Protocol, egress.Peer.Cidr, egress.Egress, egress.Index));
        Assert.Equal(Enumerable.Range(0, 6), g.Inbound.Select(x => x.Index));
        Assert.All(g.Inbound, x => Assert.Equal("sg-0aaaaaaaaaaaaaaa1", x.GroupId));

        Assert.Equal("$.SecurityGroups[0].IpPermissions[0].IpRanges[0]", https4.Source!.Path);
        Assert.Equal("sgs.json", https4.Source.File);
        Assert.True(https4.Source.Line > 0);

        // The prefix list and the peered group are not in the file: warnings, the rules stay (matching no address).
        Assert.Equal(DiagnosticSeverity.Warning, One(r, ConfigDiagnosticCodes.UnknownPrefixList).Severity);
        Assert.Contains("sg-0ddddddddddddddd1", One(r, ConfigDiagnosticCodes.UnknownGroup).Message);
    }

    [Fact]
    public void DescribeSecurityGroupRules_BuildsTheGroupFromItsRules()
    {
        var c = Ok("rules.json", DescribeSecurityGroupRules);
        var g = Assert.Single(c.SecurityGroups.Values);
        Assert.Equal("sg-0aaaaaaaaaaaaaaa1", g.Id);
        Assert.Null(g.VpcId);
        Assert.Equal("111122223333", g.OwnerId);
        Assert.Equal(new[] { "sgr-0a00000000000000a", "sgr-0a00000000000000b", "sgr-0a00000000000000c" }, g.Inbound.Select(x => x.RuleId));
        Assert.Equal((RuleProtocol.All, -1, -1), (g.Inbound[2].Protocol, g.Inbound[2].FromPort, g.Inbound[2].ToPort));
        var e = Assert.Single(g.Outbound);
        Assert.Equal(("sgr-0a00000000000000d", P("::/0")), (e.RuleId, e.Peer.Cidr));
    }

    [Fact]
    public void GroupsAndRulesOfBothCommands_MergeWithoutDuplicates()
    {
        var c = Ok(Texts(false, ("sgs.json", DescribeSecurityGroups), ("rules.json", DescribeSecurityGroupRules)));
        var g = Assert.Single(c.SecurityGroups.Values);
        Assert.Equal("vpc-0bbbbbbbbbbbbbbb1", g.VpcId);
        Assert.Equal(6, g.Inbound.Count);
        Assert.Equal("sgr-0a00000000000000a", g.Inbound[0].RuleId);
        Assert.Equal("https v4", g.Inbound[0].Description);
        Assert.Equal("sgr-0a00000000000000b", g.Inbound[2].RuleId);
        Assert.Equal("sgr-0a00000000000000c", g.Inbound[3].RuleId);
        Assert.Equal(new[] { P("0.0.0.0/0"), P("::/0") }, g.Outbound.Select(x => x.Peer.Cidr));
        Assert.Equal(new[] { 0, 1 }, g.Outbound.Select(x => x.Index));
    }

    [Fact]
    public void DescribeNetworkInterfaces_ReadsAddressesGroupsAndConntrack()
    {
        var c = Ok("enis.json", DescribeNetworkInterfaces);
        var e = Assert.Single(c.NetworkInterfaces.Values);
        Assert.Equal("eni-0123456789abcdef0", e.Id);
        Assert.Equal("interface", e.InterfaceType);
        Assert.False(e.RequesterManaged);
        Assert.Equal("0a:1b:2c:3d:4e:5f", e.Mac.ToString());
        Assert.Equal(("subnet-0aaaaaaaaaaaaaaa1", "vpc-0bbbbbbbbbbbbbbb1", "eu-west-1a"), (e.SubnetId, e.VpcId, e.AvailabilityZone));
        Assert.Equal(A("10.0.1.10"), e.PrimaryIpv4);
        Assert.Equal(new[] { A("10.0.1.10"), A("10.0.1.11") }, e.PrivateIpv4Addresses);
        Assert.Equal(new[] { A("2001:db8:1234:1a00::10") }, e.Ipv6Addresses);
        Assert.Equal(A("203.0.113.25"), e.PublicIp);
        Assert.Equal("i-0123456789abcdef0", e.InstanceId);
        Assert.Equal(new[] { "sg-0aaaaaaaaaaaaaaa1" }, e.GroupIds);
        Assert.Equal(new ConnectionTrackingSettings(3600, 30, 180), e.ConnectionTracking);
        Assert.Equal("111122223333", e.OwnerId);
        Assert.Equal(("111122223333", "eu-west-1"), (c.AccountId, c.Region));
    }

    [Fact]
    public void DescribeNetworkAcls_KeepsEntriesInEvaluationOrderAndTheAssociation()
    {
        var c = Ok("acls.json", DescribeNetworkAcls);
        var a = Assert.Single(c.NetworkAcls.Values);
        Assert.Equal(("acl-0aaaaaaaaaaaaaaa1", "vpc-0bbbbbbbbbbbbbbb1", false, "111122223333"), (a.Id, a.VpcId, a.IsDefault, a.OwnerId));
        Assert.Equal(new[] { "subnet-0aaaaaaaaaaaaaaa1" }, a.SubnetIds);
        Assert.Equal(7, a.Entries.Count);
        var inbound = a.Entries.Where(e => !e.Egress).ToList();
        Assert.Equal(new[] { 100, 110, 120, 32767, 32768 }, inbound.Select(e => e.RuleNumber));
        Assert.Equal((IpProtocol.Tcp, true, 443, 443, (int?)null), (inbound[0].Protocol, inbound[0].Allow, inbound[0].PortFrom!.Value, inbound[0].PortTo!.Value, inbound[0].IcmpType));
        Assert.Equal((1024, 65535), (inbound[1].PortFrom!.Value, inbound[1].PortTo!.Value));
        Assert.Equal((IpProtocol.Icmp, 3, 4, (int?)null), (inbound[2].Protocol, inbound[2].IcmpType!.Value, inbound[2].IcmpCode!.Value, inbound[2].PortFrom));
        Assert.Equal((RuleProtocol.All, false, P("::/0")), (inbound[4].Protocol, inbound[4].Allow, inbound[4].Cidr));
        Assert.Null(inbound[3].PortFrom);
        Assert.Equal(new[] { 100, 32767 }, a.Entries.Where(e => e.Egress).Select(e => e.RuleNumber));
        Assert.Same(a, c.AclForSubnet("subnet-0aaaaaaaaaaaaaaa1"));
    }

    [Fact]
    public void ManagedPrefixList_TakesItsEntriesFromAWrapperOrTheFileName()
    {
        string wrapped = """{ "PrefixListId": "pl-0ccccccccccccccc1", "Entries": [ { "Cidr": "198.51.100.0/24", "Description": "office" }, { "Cidr": "192.0.2.16/28" } ] }""";
        foreach (var (name, entries) in new[] { ("entries.json", wrapped), ("get-entries-pl-0ccccccccccccccc1.json", PrefixListEntries) })
        {
            var c = Ok(Texts(false, ("lists.json", DescribeManagedPrefixLists), (name, entries)));
            var p = Assert.Single(c.PrefixLists.Values);
            Assert.Equal(("pl-0ccccccccccccccc1", "admin-nets", "IPv4", 10, 3L, "111122223333"), (p.Id, p.Name, p.AddressFamily, p.MaxEntries!.Value, p.Version!.Value, p.OwnerId));
            Assert.True(p.EntriesKnown);
            Assert.Equal(new[] { new PrefixListEntry(P("198.51.100.0/24"), "office"), new PrefixListEntry(P("192.0.2.16/28"), null) }, p.Entries);
        }
    }

    [Fact]
    public void ManagedPrefixListMetadataAlone_HasNoEntries()
    {
        var p = Assert.Single(Ok("lists.json", DescribeManagedPrefixLists).PrefixLists.Values);
        Assert.False(p.EntriesKnown);
        Assert.Empty(p.Entries);
    }

    [Theory]
    [InlineData("template.json", CloudFormationJson)]
    [InlineData("template.yaml", CloudFormationYaml)]
    public void CloudFormation_ResolvesLogicalIdsAndReadsEveryResource(string name, string text)
    {
        var r = Text(name, text);
        var c = Ok(r);
        var g = Assert.Single(c.SecurityGroups.Values);
        Assert.Equal(("WebSg", "vpc-0bbbbbbbbbbbbbbb1", "web tier"), (g.Id, g.VpcId, g.Description));
        Assert.Equal(4, g.Inbound.Count);
        Assert.Equal((IpProtocol.Tcp, 443, 443, P("0.0.0.0/0")), (g.Inbound[0].Protocol, g.Inbound[0].FromPort, g.Inbound[0].ToPort, g.Inbound[0].Peer.Cidr));
        Assert.Equal("pl-0ccccccccccccccc1", g.Inbound[1].Peer.PrefixListId);
        Assert.Equal((IpProtocol.Icmpv6, -1, -1, P("::/0")), (g.Inbound[2].Protocol, g.Inbound[2].FromPort, g.Inbound[2].ToPort, g.Inbound[2].Peer.Cidr));
        Assert.Equal((RuleProtocol.All, PeerKind.SecurityGroup, "WebSg"), (g.Inbound[3].Protocol, g.Inbound[3].Peer.Kind, g.Inbound[3].Peer.GroupId));

        // Inline egress suppresses AWS's default; the stand-alone egress adds to it.
        Assert.Equal(2, g.Outbound.Count);
        Assert.Equal((RuleProtocol.All, P("0.0.0.0/0")), (g.Outbound[0].Protocol, g.Outbound[0].Peer.Cidr));
        Assert.Equal((IpProtocol.Tcp, 5432, "sg-0ddddddddddddddd1"), (g.Outbound[1].Protocol, g.Outbound[1].FromPort, g.Outbound[1].Peer.GroupId));
        Assert.Empty(All(r, ConfigDiagnosticCodes.DefaultEgress));

        var e = Assert.Single(c.NetworkInterfaces.Values);
        Assert.Equal(("WebEni", "subnet-0aaaaaaaaaaaaaaa1", "interface"), (e.Id, e.SubnetId, e.InterfaceType));
        Assert.Equal(new[] { "WebSg" }, e.GroupIds);
        Assert.Equal(new[] { A("10.0.1.10") }, e.PrivateIpv4Addresses);
        Assert.Equal(new[] { A("2001:db8:1234:1a00::10") }, e.Ipv6Addresses);
        Assert.Equal(new ConnectionTrackingSettings(3600, 30, 120), e.ConnectionTracking);
        Assert.Equal(name, g.Inbound[0].Source!.File);
        Assert.Contains("WebSg", g.Inbound[0].Source!.Path, StringComparison.Ordinal);
    }

    [Fact]
    public void TerraformState_ReadsModulesAndNormalisesTerraformQuirks()
    {
        var r = Text("terraform.json", TerraformState);
        var c = Ok(r);
        var g = Assert.Single(c.SecurityGroups.Values);
        Assert.Equal(("sg-0aaaaaaaaaaaaaaa1", "web", "vpc-0bbbbbbbbbbbbbbb1", "111122223333"), (g.Id, g.Name, g.VpcId, g.OwnerId));
        Assert.Equal(5, g.Inbound.Count);
        Assert.Equal((IpProtocol.Tcp, 443, 443, P("0.0.0.0/0"), "https"), (g.Inbound[0].Protocol, g.Inbound[0].FromPort, g.Inbound[0].ToPort, g.Inbound[0].Peer.Cidr, g.Inbound[0].Description));
        Assert.Equal(P("::/0"), g.Inbound[1].Peer.Cidr);

        // protocol -1 with ports 0/0: ports ignored; self → the group's own id; empty description → none.
        var self = g.Inbound[2];
        Assert.Equal((RuleProtocol.All, -1, -1, "sg-0aaaaaaaaaaaaaaa1", (string?)null), (self.Protocol, self.FromPort, self.ToPort, self.Peer.GroupId, self.Description));

        // ip_protocol "6" is tcp.
        Assert.Equal((IpProtocol.Tcp, 22, "pl-0ccccccccccccccc1", "sgr-0a00000000000000b"), (g.Inbound[3].Protocol, g.Inbound[3].FromPort, g.Inbound[3].Peer.PrefixListId, g.Inbound[3].RuleId));
        Assert.Equal(("sg-0ddddddddddddddd1", 5432), (g.Inbound[4].Peer.GroupId, g.Inbound[4].FromPort));
        Assert.Equal(new[] { P("0.0.0.0/0"), P("::/0") }, g.Outbound.Select(x => x.Peer.Cidr));
        Assert.All(g.Outbound, x => Assert.Equal(RuleProtocol.All, x.Protocol));

        var vpc = Assert.Single(c.Vpcs.Values);
        Assert.Equal(new[] { P("10.0.0.0/16") }, vpc.CidrBlocks);
        Assert.Equal(new[] { P("2001:db8:1234:1a00::/56") }, vpc.Ipv6CidrBlocks);
        var subnet = Assert.Single(c.Subnets.Values);
        Assert.Equal((P("10.0.1.0/24"), "eu-west-1a", "euw1-az1"), (subnet.CidrBlock!.Value, subnet.AvailabilityZone, subnet.AvailabilityZoneId));
        Assert.Empty(subnet.Ipv6CidrBlocks);

        var acl = Assert.Single(c.NetworkAcls.Values);
        Assert.Equal(new[] { "subnet-0aaaaaaaaaaaaaaa1" }, acl.SubnetIds);
        Assert.Equal(new[] { 90, 100, 120 }, acl.Entries.Where(e => !e.Egress).Select(e => e.RuleNumber));
        var deny = acl.Entries[0];
        Assert.Equal((false, IpProtocol.Tcp, 3389, 3389), (deny.Allow, deny.Protocol, deny.PortFrom!.Value, deny.PortTo!.Value));
        var https = acl.Entries[1];
        Assert.Null(https.IcmpType); // icmp_type 0 on a tcp rule is ignored
        var icmp = acl.Entries[2];
        Assert.Equal((IpProtocol.Icmp, 3, 4, (int?)null), (icmp.Protocol, icmp.IcmpType!.Value, icmp.IcmpCode!.Value, icmp.PortFrom));
        var outAll = Assert.Single(acl.Entries, e => e.Egress);
        Assert.Equal((RuleProtocol.All, (int?)null), (outAll.Protocol, outAll.PortFrom));

        var eni = Assert.Single(c.NetworkInterfaces.Values);
        Assert.Equal(new[] { A("10.0.1.10"), A("10.0.1.11") }, eni.PrivateIpv4Addresses);
        Assert.Equal(("i-0123456789abcdef0", "vpc-0bbbbbbbbbbbbbbb1"), (eni.InstanceId, eni.VpcId));
        Assert.Equal(new[] { "sg-0aaaaaaaaaaaaaaa1" }, eni.GroupIds);

        var pl = Assert.Single(c.PrefixLists.Values);
        Assert.Equal(2, pl.Entries.Count);
        Assert.True(pl.EntriesKnown);
        Assert.Equal("eu-west-1", c.Region);
        Assert.DoesNotContain("vpc-0999", c.Vpcs.Keys); // data sources are not part of the configuration
        Assert.Equal(new[] { ConfigDiagnosticCodes.UnknownGroup }, r.Warnings.Select(w => w.Code));
    }

    [Fact]
    public void TerraformPlan_NamesUnknownIdsByAddressAndFollowsReferences()
    {
        const string plan = """
            {
              "format_version": "1.2",
              "planned_values": { "root_module": { "resources": [
                { "address": "aws_security_group.app", "mode": "managed", "type": "aws_security_group", "name": "app",
                  "values": { "name": "app", "ingress": [], "egress": [] } },
                { "address": "aws_vpc_security_group_ingress_rule.https", "mode": "managed", "type": "aws_vpc_security_group_ingress_rule", "name": "https",
                  "values": { "ip_protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_ipv4": "0.0.0.0/0" } },
                { "address": "aws_network_interface.app", "mode": "managed", "type": "aws_network_interface", "name": "app",
                  "values": { "subnet_id": "subnet-1", "private_ips": ["10.0.1.20"] } }
              ] } },
              "configuration": { "root_module": { "resources": [
                { "address": "aws_vpc_security_group_ingress_rule.https", "expressions": {
                    "security_group_id": { "references": ["aws_security_group.app.id", "aws_security_group.app"] } } },
                { "address": "aws_network_interface.app", "expressions": {
                    "security_groups": { "references": ["aws_security_group.app.id", "aws_security_group.app"] } } }
              ] } }
            }
            """;
        var c = Ok("plan.json", plan);
        var g = Assert.Single(c.SecurityGroups.Values);
        Assert.Equal("aws_security_group.app", g.Id);
        Assert.Equal(443, Assert.Single(g.Inbound).FromPort);
        Assert.Empty(g.Outbound); // Terraform removes AWS's default egress
        Assert.Equal(new[] { "aws_security_group.app" }, Assert.Single(c.NetworkInterfaces.Values).GroupIds);
    }
}
