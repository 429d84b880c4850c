using System.Text.RegularExpressions;
using FirewallSim.Net;

namespace FirewallSim.Config.Loading;

/// <summary>
/// Reads the JSON (or YAML) the AWS CLI prints for describe-security-groups, describe-security-group-rules,
/// describe-network-interfaces, describe-subnets, describe-vpcs, describe-network-acls,
/// describe-managed-prefix-lists, get-managed-prefix-list-entries and describe-prefix-lists (spec section 6).
/// Keys are matched case-insensitively; every list may be missing.
/// </summary>
internal static partial class AwsCliReader
{
    /// <summary>The top-level keys that identify an AWS CLI output.</summary>
    public static readonly string[] TopLevelKeys =
    {
        "SecurityGroups", "SecurityGroupRules", "NetworkInterfaces", "Subnets", "Vpcs", "NetworkAcls", "PrefixLists", "Entries",
    };

    public static bool Recognises(MapNode root) => TopLevelKeys.Any(root.Has);

    public static void Read(MapNode root, string file, ConfigBuilder b)
    {
        var d = b.Diagnostics;
        foreach (var sg in root.Objects("SecurityGroups", d))
        {
            ReadSecurityGroup(sg, b);
        }

        foreach (var rule in root.Objects("SecurityGroupRules", d))
        {
            ReadSecurityGroupRule(rule, b);
        }

        foreach (var eni in root.Objects("NetworkInterfaces", d))
        {
            ReadNetworkInterface(eni, b);
        }

        foreach (var subnet in root.Objects("Subnets", d))
        {
            ReadSubnet(subnet, b);
        }

        foreach (var vpc in root.Objects("Vpcs", d))
        {
            ReadVpc(vpc, b);
        }

        foreach (var acl in root.Objects("NetworkAcls", d))
        {
            ReadNetworkAcl(acl, b);
        }

        foreach (var pl in root.Objects("PrefixLists", d))
        {
            ReadPrefixList(pl, b);
        }

        if (root.GetValue("Entries") is { } entries)
        {
            ReadPrefixListEntries(root, entries, file, b);
        }
    }

    /// <summary>A bare list (aws … --query 'SecurityGroups'): recognised by the keys of its first element.</summary>
    public static string? WrapperKeyForList(SeqNode list)
    {
        if (list.Items.Count == 0 || list.Items[0] is not MapNode first)
        {
            return null;
        }

        if (first.Has("SecurityGroupRuleId") || (first.Has("GroupId") && first.Has("IsEgress")))
        {
            return "SecurityGroupRules";
        }

        if (first.Has("GroupId") && (first.Has("IpPermissions") || first.Has("IpPermissionsEgress")))
        {
            return "SecurityGroups";
        }

        if (first.Has("NetworkInterfaceId"))
        {
            return "NetworkInterfaces";
        }

        if (first.Has("NetworkAclId") && first.Has("Entries"))
        {
            return "NetworkAcls";
        }

        if (first.Has("SubnetId") && first.Has("CidrBlock"))
        {
            return "Subnets";
        }

        if (first.Has("VpcId") && first.Has("CidrBlock"))
        {
            return "Vpcs";
        }

        if (first.Has("PrefixListId"))
        {
            return "PrefixLists";
        }

        return null;
    }

    // ---- security groups ------------------------------------------------------------------------

    private static void ReadSecurityGroup(MapNode sg, ConfigBuilder b)
    {
        var d = b.Diagnostics;
        string? id = sg.Required("GroupId", d, "security group");
        if (id is null)
        {
            return;
        }

        b.DefineGroup(id, sg.Str("GroupName", d), sg.Str("Description", d), sg.Str("VpcId", d), sg.Str("OwnerId", d), sg.Location);
        b.HintRegion(Normalize.RegionOfArn(sg.Str("SecurityGroupArn", d)));
        foreach (var perm in sg.Objects("IpPermissions", d))
        {
            ReadPermission(id, egress: false, perm, b);
        }

        foreach (var perm in sg.Objects("IpPermissionsEgress", d))
        {
            ReadPermission(id, egress: true, perm, b);
        }
    }

    /// <summary>One IpPermission: one rule per peer, each keeping its own description (spec 6.1).</summary>
    private static void ReadPermission(string groupId, bool egress, MapNode perm, ConfigBuilder b)
    {
        var d = b.Diagnostics;
        string? protoText = perm.Str("IpProtocol", d);
        if (protoText is null)
        {
            d.Error(ConfigDiagnosticCodes.MissingField, "IpPermission has no IpProtocol", perm);
            return;
        }

        if (!Normalize.TryProtocol(protoText, "IpProtocol", perm.Location, d, out int protocol))
        {
            return;
        }

        if (!Normalize.SgPorts(protocol, perm.Int("FromPort", d), perm.Int("ToPort", d), perm.Location, d, out int from, out int to))
        {
            return;
        }

        int elements = 0;
        foreach (string key in new[] { "IpRanges", "Ipv6Ranges", "PrefixListIds", "UserIdGroupPairs" })
        {
            elements += perm.GetValue(key) is SeqNode seq ? seq.Items.Count : 0;
        }

        void Add(SecurityGroupPeer peer, string? description, ConfigNode at)
        {
            b.AddRule(Rules.Make(groupId, egress, protocol, from, to, peer, description, null, at.Location));
        }

        foreach (var r in perm.Objects("IpRanges", d))
        {
            if (Normalize.TryCidr(r.Str("CidrIp", d), Family.V4, "CidrIp", r.Location, d, out var cidr))
            {
                Add(SecurityGroupPeer.ForCidr(cidr), r.Str("Description", d), r);
            }
        }

        foreach (var r in perm.Objects("Ipv6Ranges", d))
        {
            if (Normalize.TryCidr(r.Str("CidrIpv6", d), Family.V6, "CidrIpv6", r.Location, d, out var cidr))
            {
                Add(SecurityGroupPeer.ForCidr(cidr), r.Str("Description", d), r);
            }
        }

        foreach (var r in perm.Objects("PrefixListIds", d))
        {
            if (r.Required("PrefixListId", d, "PrefixListIds element") is { } pl)
            {
                Add(SecurityGroupPeer.ForPrefixList(pl), r.Str("Description", d), r);
            }
        }

        foreach (var r in perm.Objects("UserIdGroupPairs", d))
        {
            string? gid = r.Str("GroupId", d);
            string? gname = r.Str("GroupName", d);
            if (string.IsNullOrWhiteSpace(gid) && string.IsNullOrWhiteSpace(gname))
            {
                d.Error(ConfigDiagnosticCodes.MissingField, "UserIdGroupPairs element has no GroupId", r);
                continue;
            }

            var peer = SecurityGroupPeer.ForGroup(string.IsNullOrWhiteSpace(gid) ? ConfigBuilder.NameRefPrefix + gname : gid.Trim(), r.Str("UserId", d)) with
            {
                VpcId = r.Str("VpcId", d),
                VpcPeeringConnectionId = r.Str("VpcPeeringConnectionId", d),
                PeeringStatus = r.Str("PeeringStatus", d),
            };
            Add(peer, r.Str("Description", d), r);
        }

        if (elements == 0)
        {
            d.Warning(ConfigDiagnosticCodes.RuleDropped, "IpPermission names no peer (IpRanges, Ipv6Ranges, PrefixListIds and UserIdGroupPairs are all empty); it allows nothing", perm);
        }
    }

    /// <summary>describe-security-group-rules: one peer per element; groups known only from here are created (spec 6.2).</summary>
    private static void ReadSecurityGroupRule(MapNode r, ConfigBuilder b)
    {
        var d = b.Diagnostics;
        string? groupId = r.Required("GroupId", d, "security group rule");
        bool? egress = r.Bool("IsEgress", d);
        string? protoText = r.Str("IpProtocol", d);
        if (egress is null)
        {
            d.Error(ConfigDiagnosticCodes.MissingField, "security group rule has no IsEgress", r);
        }

        if (protoText is null)
        {
            d.Error(ConfigDiagnosticCodes.MissingField, "security group rule has no IpProtocol", r);
        }

        if (groupId is null || egress is null || protoText is null || !Normalize.TryProtocol(protoText, "IpProtocol", r.Location, d, out int protocol))
        {
            return;
        }

        if (!Normalize.SgPorts(protocol, r.Int("FromPort", d), r.Int("ToPort", d), r.Location, d, out int from, out int to))
        {
            return;
        }

        var peers = new List<SecurityGroupPeer>();
        if (r.Str("CidrIpv4", d) is { } v4 && Normalize.TryCidr(v4, Family.V4, "CidrIpv4", r.Location, d, out var c4))
        {
            peers.Add(SecurityGroupPeer.ForCidr(c4));
        }

        if (r.Str("CidrIpv6", d) is { } v6 && Normalize.TryCidr(v6, Family.V6, "CidrIpv6", r.Location, d, out var c6))
        {
            peers.Add(SecurityGroupPeer.ForCidr(c6));
        }

        if (r.Str("PrefixListId", d) is { Length: > 0 } pl)
        {
            peers.Add(SecurityGroupPeer.ForPrefixList(pl));
        }

        if (r.Obj("ReferencedGroupInfo", d) is { } rg)
        {
            if (rg.Required("GroupId", d, "ReferencedGroupInfo") is { } gid)
            {
                peers.Add(SecurityGroupPeer.ForGroup(gid, rg.Str("UserId", d)) with
                {
                    VpcId = rg.Str("VpcId", d),
                    VpcPeeringConnectionId = rg.Str("VpcPeeringConnectionId", d),
                    PeeringStatus = rg.Str("PeeringStatus", d),
                });
            }
        }

        if (peers.Count != 1)
        {
            if (peers.Count > 1)
            {
                d.Error(ConfigDiagnosticCodes.InvalidValue, "security group rule names more than one peer (CidrIpv4, CidrIpv6, PrefixListId, ReferencedGroupInfo); it must name exactly one", r);
            }
            else if (!r.Has("CidrIpv4") && !r.Has("CidrIpv6") && !r.Has("ReferencedGroupInfo"))
            {
                d.Error(ConfigDiagnosticCodes.MissingField, "security group rule names no peer (CidrIpv4, CidrIpv6, PrefixListId or ReferencedGroupInfo)", r);
            }

            return;
        }

        b.EnsureGroup(groupId, r.Str("GroupOwnerId", d), r.Location);
        b.AddRule(Rules.Make(groupId, egress.Value, protocol, from, to, peers[0], r.Str("Description", d), r.Str("SecurityGroupRuleId", d), r.Location));
    }

    // ---- network interfaces ---------------------------------------------------------------------

    private static void ReadNetworkInterface(MapNode n, ConfigBuilder b)
    {
        var d = b.Diagnostics;
        string? id = n.Required("NetworkInterfaceId", d, "network interface");
        if (id is null)
        {
            return;
        }

        var v4 = new List<IpAddr>();
        IpAddr? primary = null;
        IpAddr? primaryPublic = null;
        if (n.Str("PrivateIpAddress", d) is { Length: > 0 } p && Normalize.TryAddress(p, Family.V4, "PrivateIpAddress", n.Location, d, out var pa))
        {
            primary = pa;
        }

        foreach (var a in n.Objects("PrivateIpAddresses", d))
        {
            if (!Normalize.TryAddress(a.Str("PrivateIpAddress", d), Family.V4, "PrivateIpAddress", a.Location, d, out var addr))
            {
                continue;
            }

            if (a.Bool("Primary", d) == true)
            {
                primary ??= addr;
                if (a.Obj("Association", d)?.Str("PublicIp", d) is { Length: > 0 } ppub &&
                    Normalize.TryAddress(ppub, Family.V4, "PublicIp", a.Location, d, out var ppubAddr))
                {
                    primaryPublic = ppubAddr;
                }
            }

            if (!v4.Contains(addr))
            {
                v4.Add(addr);
            }
        }

        if (primary is { } pr)
        {
            v4.Remove(pr);
            v4.Insert(0, pr);
        }

        var v6 = new List<IpAddr>();
        foreach (var a in n.Objects("Ipv6Addresses", d))
        {
            if (Normalize.TryAddress(a.Str("Ipv6Address", d), Family.V6, "Ipv6Address", a.Location, d, out var addr) && !v6.Contains(addr))
            {
                v6.Add(addr);
            }
        }

        if (n.Str("Ipv6Address", d) is { Length: > 0 } six && Normalize.TryAddress(six, Family.V6, "Ipv6Address", n.Location, d, out var sixAddr) && !v6.Contains(sixAddr))
        {
            v6.Add(sixAddr);
        }

        var p4 = new List<IpPrefix>();
        foreach (var a in n.Objects("Ipv4Prefixes", d))
        {
            if (Normalize.TryCidr(a.Str("Ipv4Prefix", d), Family.V4, "Ipv4Prefix", a.Location, d, out var pfx))
            {
                p4.Add(pfx);
            }
        }

        var p6 = new List<IpPrefix>();
        foreach (var a in n.Objects("Ipv6Prefixes", d))
        {
            if (Normalize.TryCidr(a.Str("Ipv6Prefix", d), Family.V6, "Ipv6Prefix", a.Location, d, out var pfx))
            {
                p6.Add(pfx);
            }
        }

        // The interface's Association is that of its primary address; older outputs carry it only inside PrivateIpAddresses.
        IpAddr? publicIp = primaryPublic;
        if (n.Obj("Association", d) is { } assoc && assoc.Str("PublicIp", d) is { Length: > 0 } pub && Normalize.TryAddress(pub, Family.V4, "PublicIp", assoc.Location, d, out var pubAddr))
        {
            publicIp = pubAddr;
        }

        Normalize.TryMac(n.Str("MacAddress", d), n.Location, d, out var mac);
        var groups = new List<string>();
        foreach (var g in n.Objects("Groups", d))
        {
            if (g.Required("GroupId", d, "Groups element") is { } gid && !groups.Contains(gid))
            {
                groups.Add(gid);
            }
        }

        ConnectionTrackingSettings? ct = null;
        if (n.Obj("ConnectionTrackingConfiguration", d) is { } c)
        {
            ct = new ConnectionTrackingSettings(c.Int("TcpEstablishedTimeout", d), c.Int("UdpTimeout", d), c.Int("UdpStreamTimeout", d));
        }

        string? name = null;
        foreach (var tag in n.Objects("TagSet", d).Concat(n.Objects("Tags", d)))
        {
            if (string.Equals(tag.Str("Key", d), "Name", StringComparison.Ordinal))
            {
                name = tag.Str("Value", d);
            }
        }

        b.AddEni(new NetworkInterface
        {
            Id = id,
            OwnerId = n.Str("OwnerId", d),
            InterfaceType = n.Str("InterfaceType", d) is { Length: > 0 } t ? t : "interface",
            RequesterManaged = n.Bool("RequesterManaged", d) ?? false,
            Mac = mac,
            SubnetId = n.Str("SubnetId", d),
            VpcId = n.Str("VpcId", d),
            AvailabilityZone = n.Str("AvailabilityZone", d),
            AvailabilityZoneId = n.Str("AvailabilityZoneId", d),
            PrimaryIpv4 = v4.Count > 0 ? v4[0] : null,
            PrivateIpv4Addresses = v4.ToArray(),
            Ipv6Addresses = v6.ToArray(),
            Ipv4Prefixes = p4.ToArray(),
            Ipv6Prefixes = p6.ToArray(),
            PublicIp = publicIp,
            InstanceId = n.Obj("Attachment", d)?.Str("InstanceId", d),
            GroupIds = groups.ToArray(),
            ConnectionTracking = ct,
            Description = string.IsNullOrEmpty(n.Str("Description", d)) ? null : n.Str("Description", d),
            Name = string.IsNullOrEmpty(name) ? null : name,
            Source = n.Location,
        });
    }

    // ---- subnets and VPCs -----------------------------------------------------------------------

    private static void ReadSubnet(MapNode s, ConfigBuilder b)
    {
        var d = b.Diagnostics;
        string? id = s.Required("SubnetId", d, "subnet");
        if (id is null)
        {
            return;
        }

        IpPrefix? v4 = null;
        if (s.Str("CidrBlock", d) is { Length: > 0 } c && Normalize.TryCidr(c, Family.V4, "CidrBlock", s.Location, d, out var p))
        {
            v4 = p;
        }

        var v6 = new List<IpPrefix>();
        foreach (var a in s.Objects("Ipv6CidrBlockAssociationSet", d))
        {
            if (IsDisassociated(a, "Ipv6CidrBlockState", d))
            {
                continue;
            }

            if (Normalize.TryCidr(a.Str("Ipv6CidrBlock", d), Family.V6, "Ipv6CidrBlock", a.Location, d, out var p6))
            {
                v6.Add(p6);
            }
        }

        b.HintRegion(Normalize.RegionOfArn(s.Str("SubnetArn", d)));
        b.AddSubnet(new Subnet
        {
            Id = id,
            VpcId = s.Str("VpcId", d),
            CidrBlock = v4,
            Ipv6CidrBlocks = v6.ToArray(),
            AvailabilityZone = s.Str("AvailabilityZone", d),
            AvailabilityZoneId = s.Str("AvailabilityZoneId", d),
            OwnerId = s.Str("OwnerId", d),
            Source = s.Location,
        });
    }

    private static bool IsDisassociated(MapNode association, string stateKey, DiagnosticBag d)
    {
        string? state = association.Obj(stateKey, d)?.Str("State", d);
        return state is "disassociated" or "disassociating" or "failed";
    }

    private static void ReadVpc(MapNode v, ConfigBuilder b)
    {
        var d = b.Diagnostics;
        string? id = v.Required("VpcId", d, "VPC");
        if (id is null)
        {
            return;
        }

        var v4 = new List<IpPrefix>();
        if (v.Str("CidrBlock", d) is { Length: > 0 } c && Normalize.TryCidr(c, Family.V4, "CidrBlock", v.Location, d, out var primary))
        {
            v4.Add(primary);
        }

        foreach (var a in v.Objects("CidrBlockAssociationSet", d))
        {
            if (!IsDisassociated(a, "CidrBlockState", d) && Normalize.TryCidr(a.Str("CidrBlock", d), Family.V4, "CidrBlock", a.Location, d, out var p) && !v4.Contains(p))
            {
                v4.Add(p);
            }
        }

        var v6 = new List<IpPrefix>();
        foreach (var a in v.Objects("Ipv6CidrBlockAssociationSet", d))
        {
            if (!IsDisassociated(a, "Ipv6CidrBlockState", d) && Normalize.TryCidr(a.Str("Ipv6CidrBlock", d), Family.V6, "Ipv6CidrBlock", a.Location, d, out var p) && !v6.Contains(p))
            {
                v6.Add(p);
            }
        }

        b.AddVpc(new Vpc { Id = id, OwnerId = v.Str("OwnerId", d), CidrBlocks = v4.ToArray(), Ipv6CidrBlocks = v6.ToArray(), Source = v.Location });
    }

    // ---- network ACLs ---------------------------------------------------------------------------

    private static void ReadNetworkAcl(MapNode a, ConfigBuilder b)
    {
        var d = b.Diagnostics;
        string? id = a.Required("NetworkAclId", d, "network ACL");
        if (id is null)
        {
            return;
        }

        b.DefineAcl(id, a.Str("VpcId", d), a.Bool("IsDefault", d), a.Str("OwnerId", d), a.Location);
        foreach (var assoc in a.Objects("Associations", d))
        {
            if (assoc.Str("SubnetId", d) is { Length: > 0 } subnet)
            {
                b.AssociateAcl(id, subnet, assoc.Location);
            }
        }

        foreach (var e in a.Objects("Entries", d))
        {
            ReadAclEntry(id, e, b);
        }
    }

    private static void ReadAclEntry(string aclId, MapNode e, ConfigBuilder b)
    {
        var d = b.Diagnostics;
        int? number = e.Int("RuleNumber", d);
        bool? egress = e.Bool("Egress", d);
        string? proto = e.Str("Protocol", d);
        string? action = e.Str("RuleAction", d);
        foreach (var (value, key) in new (object?, string)[] { (number, "RuleNumber"), (egress, "Egress"), (proto, "Protocol"), (action, "RuleAction") })
        {
            if (value is null && !e.Has(key))
            {
                d.Error(ConfigDiagnosticCodes.MissingField, $"network ACL entry has no {key}", e);
            }
        }

        string? v4 = e.Str("CidrBlock", d), v6 = e.Str("Ipv6CidrBlock", d);
        IpPrefix cidr = default;
        bool cidrOk;
        if (!string.IsNullOrEmpty(v4) && !string.IsNullOrEmpty(v6))
        {
            d.Error(ConfigDiagnosticCodes.InvalidValue, "network ACL entry has both CidrBlock and Ipv6CidrBlock; it must have exactly one", e);
            cidrOk = false;
        }
        else if (!string.IsNullOrEmpty(v4))
        {
            cidrOk = Normalize.TryCidr(v4, Family.V4, "CidrBlock", e.Location, d, out cidr);
        }
        else if (!string.IsNullOrEmpty(v6))
        {
            cidrOk = Normalize.TryCidr(v6, Family.V6, "Ipv6CidrBlock", e.Location, d, out cidr);
        }
        else
        {
            d.Error(ConfigDiagnosticCodes.MissingField, "network ACL entry has neither CidrBlock nor Ipv6CidrBlock", e);
            cidrOk = false;
        }

        int protocol = 0;
        bool allow = false;
        bool ok = number is not null && egress is not null && proto is not null && action is not null && cidrOk
            && Normalize.TryProtocol(proto, "Protocol", e.Location, d, out protocol)
            && Rules.TryAction(action, e.Location, d, out allow);
        var ports = e.Obj("PortRange", d);
        var icmp = e.Obj("IcmpTypeCode", d);
        int? from = ports?.Int("From", d), to = ports?.Int("To", d), type = icmp?.Int("Type", d), code = icmp?.Int("Code", d);
        if (!ok)
        {
            return;
        }

        b.AddAclEntry(aclId, Rules.AclEntry(number!.Value, egress!.Value, protocol, allow, cidr, from, to, type, code, e.Location));
    }

    // ---- prefix lists ---------------------------------------------------------------------------

    private static void ReadPrefixList(MapNode p, ConfigBuilder b)
    {
        var d = b.Diagnostics;
        string? id = p.Required("PrefixListId", d, "prefix list");
        if (id is null)
        {
            return;
        }

        b.HintRegion(Normalize.RegionOfArn(p.Str("PrefixListArn", d)));
        b.DefinePrefixList(id, p.Str("PrefixListName", d), p.Str("AddressFamily", d), p.Str("OwnerId", d), p.Int("MaxEntries", d), p.Long("Version", d), p.Location);
        if (p.GetValue("Cidrs") is not null)
        {
            // Legacy describe-prefix-lists: the entries come with the list.
            var entries = new List<PrefixListEntry>();
            foreach (var c in p.Scalars("Cidrs", d))
            {
                if (Normalize.TryCidr(c.Value, Family.Any, "Cidrs element", c.Location, d, out var cidr))
                {
                    entries.Add(new PrefixListEntry(cidr, null));
                }
            }

            b.AddPrefixListEntries(id, entries, p.Location);
        }
    }

    /// <summary>get-managed-prefix-list-entries: the list id comes from a PrefixListId beside Entries, else from the file name.</summary>
    private static void ReadPrefixListEntries(MapNode root, ConfigNode entriesNode, string file, ConfigBuilder b)
    {
        var d = b.Diagnostics;
        string? id = root.Str("PrefixListId", d);
        if (string.IsNullOrWhiteSpace(id))
        {
            var m = PrefixListIdInName().Match(Path.GetFileName(file));
            id = m.Success ? m.Value : null;
        }

        if (id is null)
        {
            d.Error(ConfigDiagnosticCodes.PrefixListIdUnknown,
                "get-managed-prefix-list-entries output does not say which prefix list it lists: add \"PrefixListId\": \"pl-…\" beside \"Entries\", or put the id in the file name (entries-pl-0123abcd.json)",
                entriesNode);
            return;
        }

        var entries = new List<PrefixListEntry>();
        foreach (var e in Objects(entriesNode, d))
        {
            if (Normalize.TryCidr(e.Str("Cidr", d), Family.Any, "Cidr", e.Location, d, out var cidr))
            {
                string? desc = e.Str("Description", d);
                entries.Add(new PrefixListEntry(cidr, string.IsNullOrEmpty(desc) ? null : desc));
            }
        }

        var pl = b.DefinePrefixList(id.Trim(), null, null, null, null, root.Long("Version", d), root.Location);
        b.AddPrefixListEntries(pl.Id, entries, root.Location);
    }

    private static IEnumerable<MapNode> Objects(ConfigNode node, DiagnosticBag d) => NodeValues.Objects(node, "Entries", d);

    [GeneratedRegex(@"(?<![A-Za-z0-9])pl-[0-9A-Za-z]+")]
    private static partial Regex PrefixListIdInName();
}
