using FirewallSim.Config;
using FirewallSim.Config.Loading;
using FirewallSim.Net;
using static FirewallSim.Tests.Config.Loading.Load;

namespace FirewallSim.Tests.Config.Loading;

/// <summary>The AWS CLI readers beyond the spec's minimal examples: subnets, VPCs, pagination and the leniency real exports need.</summary>
public class AwsCliFormatTests
{
    [Fact]
    public void DescribeSubnetsAndVpcs_ReadBlocksZonesAndSkipDisassociatedBlocks()
    {
        const string subnets = """
            { "Subnets": [ { "SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24", "AvailabilityZone": "us-east-1-bos-1a",
                             "AvailabilityZoneId": "use1-bos1-az1", "OwnerId": "111122223333",
                             "Ipv6CidrBlockAssociationSet": [
                               { "Ipv6CidrBlock": "2600:1f18:1:100::/64", "Ipv6CidrBlockState": { "State": "associated" } },
                               { "Ipv6CidrBlock": "2600:1f18:1:200::/64", "Ipv6CidrBlockState": { "State": "disassociated" } } ] } ] }
            """;
        const string vpcs = """
            { "Vpcs": [ { "VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "OwnerId": "111122223333", "IsDefault": false,
                          "CidrBlockAssociationSet": [
                            { "CidrBlock": "10.0.0.0/16", "CidrBlockState": { "State": "associated" } },
                            { "CidrBlock": "100.64.0.0/16", "CidrBlockState": { "State": "associated" } } ],
                          "Ipv6CidrBlockAssociationSet": [ { "Ipv6CidrBlock": "2600:1f18:1:100::/56", "Ipv6CidrBlockState": { "State": "associated" } } ] } ] }
            """;
        var c = Ok(Texts(false, ("subnets.json", subnets), ("vpcs.json", vpcs)));
        var s = c.Subnets["subnet-1"];
        Assert.Equal((P("10.0.1.0/24"), "us-east-1-bos-1a", "use1-bos1-az1", "vpc-1"), (s.CidrBlock!.Value, s.AvailabilityZone, s.AvailabilityZoneId, s.VpcId));
        Assert.Equal(new[] { P("2600:1f18:1:100::/64") }, s.Ipv6CidrBlocks);
        var v = c.Vpcs["vpc-1"];
        Assert.Equal(new[] { P("10.0.0.0/16"), P("100.64.0.0/16") }, v.CidrBlocks);
        Assert.Equal(new[] { P("2600:1f18:1:100::/56") }, v.Ipv6CidrBlocks);
        Assert.Equal("us-east-1", c.Region);
    }

    [Fact]
    public void Pages_OfOneCommand_Merge()
    {
        const string page1 = """
            { "SecurityGroups": [
                { "GroupId": "sg-1", "GroupName": "a", "IpPermissions": [ { "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [ { "CidrIp": "10.0.0.0/8" } ] } ] },
                { "GroupId": "sg-2", "GroupName": "b" } ],
              "NextToken": "abc" }
            """;
        const string page2 = """
            { "SecurityGroups": [
                { "GroupId": "sg-3", "GroupName": "c" },
                { "GroupId": "sg-1", "GroupName": "a", "IpPermissions": [
                    { "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [ { "CidrIp": "10.0.0.0/8" } ] },
                    { "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [ { "CidrIp": "0.0.0.0/0" } ] } ] } ] }
            """;
        var r = Texts(false, ("page1.json", page1), ("page2.json", page2));
        var c = Ok(r);
        Assert.Equal(new[] { "sg-1", "sg-2", "sg-3" }, c.SecurityGroups.Keys);
        Assert.Equal(new[] { 22, 443 }, c.SecurityGroups["sg-1"].Inbound.Select(x => x.FromPort));
        Assert.Empty(r.Warnings);
        Assert.Equal(new[] { "page1.json", "page2.json" }, c.Files);
    }

    [Fact]
    public void YamlOutputOfTheCli_ReadsLikeJson()
    {
        const string yaml = """
            SecurityGroups:
            - GroupId: sg-1
              GroupName: web
              VpcId: vpc-1
              IpPermissions:
              - FromPort: 443
                IpProtocol: tcp
                IpRanges:
                - CidrIp: 0.0.0.0/0
                  Description: https
                ToPort: 443
              IpPermissionsEgress:
              - IpProtocol: '-1'
                IpRanges:
                - CidrIp: 0.0.0.0/0
            """;
        var g = Ok("sgs.yaml", yaml).SecurityGroups["sg-1"];
        Assert.Equal((443, "https", 9), (g.Inbound[0].FromPort, g.Inbound[0].Description, g.Inbound[0].Source!.Line));
        Assert.Equal(RuleProtocol.All, g.Outbound[0].Protocol);
    }

    [Fact]
    public void KeysAreCaseInsensitive_CommentsAndTrailingCommasAreAccepted()
    {
        const string json = """
            // exported by hand
            { "securitygroups": [ { "groupid": "sg-1", /* inline */ "ippermissions": [ { "ipprotocol": "TCP", "fromport": 22, "toport": 22,
                "ipranges": [ { "cidrip": "10.0.0.0/8", }, ], }, ], }, ], }
            """;
        var rule = Assert.Single(Ok("sgs.json", json).SecurityGroups["sg-1"].Inbound);
        Assert.Equal((IpProtocol.Tcp, 22, P("10.0.0.0/8")), (rule.Protocol, rule.FromPort, rule.Peer.Cidr));
    }

    [Fact]
    public void BareListFromQuery_IsRecognisedByItsElements()
    {
        const string enis = """[ { "NetworkInterfaceId": "eni-1", "PrivateIpAddress": "10.0.1.10", "Groups": [ { "GroupId": "sg-1" } ] } ]""";
        const string sgs = """[ { "GroupId": "sg-1", "IpPermissions": [], "IpPermissionsEgress": [] } ]""";
        var c = Ok(Texts(false, ("enis.json", enis), ("sgs.json", sgs)));
        Assert.Equal("sg-1", Assert.Single(c.NetworkInterfaces["eni-1"].GroupIds));
        Assert.True(c.SecurityGroups.ContainsKey("sg-1"));
    }

    [Fact]
    public void SeveralOutputsInOneFile_AreAllRead()
    {
        const string json = """
            { "SecurityGroups": [ { "GroupId": "sg-1" } ],
              "NetworkInterfaces": [ { "NetworkInterfaceId": "eni-1", "PrivateIpAddress": "10.0.1.10", "Groups": [ { "GroupId": "sg-1" } ] } ] }
            """;
        var c = Ok("all.json", json);
        Assert.Equal((1, 1), (c.SecurityGroups.Count, c.NetworkInterfaces.Count));
    }

    [Fact]
    public void GroupReferencedByNameOnly_IsResolvedToItsId()
    {
        const string json = """
            { "SecurityGroups": [
                { "GroupId": "sg-1", "GroupName": "app", "VpcId": "vpc-1" },
                { "GroupId": "sg-2", "GroupName": "db", "VpcId": "vpc-1",
                  "IpPermissions": [ { "IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [ { "GroupName": "app" } ] } ] } ] }
            """;
        var rule = Assert.Single(Ok("sgs.json", json).SecurityGroups["sg-2"].Inbound);
        Assert.Equal("sg-1", rule.Peer.GroupId);
    }

    [Fact]
    public void StaleGroupReference_IsANote()
    {
        const string json = """
            { "SecurityGroups": [ { "GroupId": "sg-1", "IpPermissions": [ { "IpProtocol": "-1",
                "UserIdGroupPairs": [ { "GroupId": "sg-peer", "UserId": "444455556666", "PeeringStatus": "deleted", "VpcPeeringConnectionId": "pcx-1" } ] } ] } ] }
            """;
        var r = Text("sgs.json", json);
        var rule = Assert.Single(Ok(r).SecurityGroups["sg-1"].Inbound);
        Assert.True(rule.Peer.IsStale);
        Assert.Equal(DiagnosticSeverity.Note, One(r, ConfigDiagnosticCodes.StaleReference).Severity);
        Assert.Empty(All(r, ConfigDiagnosticCodes.UnknownGroup));
    }

    [Fact]
    public void InterfaceAddressOutsideItsSubnet_IsAWarning()
    {
        const string json = """
            { "Subnets": [ { "SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24" } ],
              "NetworkInterfaces": [ { "NetworkInterfaceId": "eni-1", "SubnetId": "subnet-1", "PrivateIpAddress": "10.0.2.10", "Groups": [ { "GroupId": "sg-1" } ] } ],
              "SecurityGroups": [ { "GroupId": "sg-1" } ] }
            """;
        var r = Text("all.json", json);
        var c = Ok(r);
        Assert.Contains("10.0.2.10", One(r, ConfigDiagnosticCodes.AddressOutsideSubnet).Message, StringComparison.Ordinal);
        Assert.Equal("vpc-1", c.NetworkInterfaces["eni-1"].VpcId);
    }

    [Fact]
    public void SecondaryAddressesPrefixesAndIpv6_AreKeptPrimaryFirst()
    {
        const string json = """
            { "NetworkInterfaces": [ { "NetworkInterfaceId": "eni-1", "InterfaceType": "network_load_balancer", "RequesterManaged": true,
                "PrivateIpAddresses": [ { "PrivateIpAddress": "10.0.1.11", "Primary": false }, { "PrivateIpAddress": "10.0.1.10", "Primary": true } ],
                "Ipv4Prefixes": [ { "Ipv4Prefix": "10.0.1.64/28" } ], "Ipv6Prefixes": [ { "Ipv6Prefix": "2600:1f18:1:100:1::/80" } ],
                "Ipv6Address": "2600:1f18:1:100::5", "Groups": [] } ] }
            """;
        var r = Text("enis.json", json);
        var e = Ok(r).NetworkInterfaces["eni-1"];
        Assert.Equal(new[] { A("10.0.1.10"), A("10.0.1.11") }, e.PrivateIpv4Addresses);
        Assert.Equal(new[] { P("10.0.1.64/28") }, e.Ipv4Prefixes);
        Assert.Equal(new[] { P("2600:1f18:1:100:1::/80") }, e.Ipv6Prefixes);
        Assert.Equal(new[] { A("2600:1f18:1:100::5") }, e.Ipv6Addresses);
        Assert.Empty(All(r, ConfigDiagnosticCodes.EniWithoutGroups)); // requester-managed
        Assert.Null(e.ConnectionTracking);
    }
}
