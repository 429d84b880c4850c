using FirewallSim.Net;

namespace FirewallSim.Config.Loading;

/// <summary>
/// The native lab file (docs/config-formats.md): a compact YAML (or JSON) description of VPCs, subnets,
/// interfaces, groups, ACLs and prefix lists for people without an AWS account, marked by a top-level
/// <c>fwsim_lab: 1</c>. It may define only part of a configuration and reference groups or ACLs that
/// other (AWS) files define.
/// </summary>
internal static class LabReader
{
    private static readonly string[] TopKeys = { "fwsim_lab", "account", "region", "vpcs", "subnets", "enis", "network_interfaces", "security_groups", "network_acls", "prefix_lists" };
    private static readonly string[] VpcKeys = { "id", "cidr", "ipv6_cidr", "owner" };
    private static readonly string[] SubnetKeys = { "id", "vpc", "cidr", "ipv6_cidr", "az", "az_id", "nacl", "owner" };
    private static readonly string[] EniKeys = { "id", "subnet", "vpc", "ip", "ips", "ipv6", "ipv4_prefixes", "ipv6_prefixes", "mac", "instance", "groups", "type", "requester_managed", "public_ip", "description", "name", "owner", "conntrack" };
    private static readonly string[] ConntrackKeys = { "tcp_established", "udp", "udp_stream" };
    private static readonly string[] GroupKeys = { "id", "name", "description", "vpc", "owner", "inbound", "outbound" };
    private static readonly string[] RuleKeys = { "proto", "protocol", "ports", "type", "code", "from", "to", "description" };
    private static readonly string[] AclKeys = { "id", "vpc", "default", "owner", "subnets", "inbound", "outbound" };
    private static readonly string[] AclEntryKeys = { "rule", "action", "proto", "protocol", "ports", "type", "code", "cidr" };
    private static readonly string[] PrefixListKeys = { "id", "name", "family", "max_entries", "owner", "entries" };

    public static void Read(MapNode root, ConfigBuilder b)
    {
        var d = b.Diagnostics;
        var version = root.GetValue("fwsim_lab");
        if (version is not ScalarNode { Value: "1" })
        {
            d.Error(ConfigDiagnosticCodes.InvalidValue, $"fwsim_lab must be 1 (the only lab format version), not {(version is null ? "null" : NodeValues.Describe(version))}", version ?? root);
            return;
        }

        CheckKeys(root, TopKeys, "lab file", d);
        if (root.Str("account", d) is { Length: > 0 } account)
        {
            b.SetAccount(account, root.GetValue("account")!.Location);
        }

        if (root.Str("region", d) is { Length: > 0 } region)
        {
            b.SetRegion(region, root.GetValue("region")!.Location);
        }

        var groupIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var g in root.Objects("security_groups", d))
        {
            if (g.Str("id", d) is { Length: > 0 } id)
            {
                groupIds.Add(id);
            }
        }

        var listIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in root.Objects("prefix_lists", d))
        {
            if (p.Str("id", d) is { Length: > 0 } id)
            {
                listIds.Add(id);
            }
        }

        foreach (var v in root.Objects("vpcs", d))
        {
            ReadVpc(v, b);
        }

        foreach (var s in root.Objects("subnets", d))
        {
            ReadSubnet(s, b);
        }

        foreach (var e in root.Objects("enis", d).Concat(root.Objects("network_interfaces", d)))
        {
            ReadEni(e, b);
        }

        foreach (var g in root.Objects("security_groups", d))
        {
            ReadGroup(g, b, groupIds, listIds);
        }

        foreach (var a in root.Objects("network_acls", d))
        {
            ReadAcl(a, b);
        }

        foreach (var p in root.Objects("prefix_lists", d))
        {
            ReadPrefixList(p, b);
        }
    }

    private static void CheckKeys(MapNode map, string[] allowed, string what, DiagnosticBag d)
    {
        foreach (var kv in map.Entries)
        {
            if (!allowed.Contains(kv.Key, StringComparer.OrdinalIgnoreCase))
            {
                d.Warning(ConfigDiagnosticCodes.InvalidValue, $"unknown key '{kv.Key}' in {what} (known: {string.Join(", ", allowed)}); ignored", kv.Value);
            }
        }
    }

    private static List<IpPrefix> Cidrs(MapNode map, string key, Family family, DiagnosticBag d)
    {
        var result = new List<IpPrefix>();
        foreach (var s in map.Scalars(key, d))
        {
            if (Normalize.TryCidr(s.Value, family, key, s.Location, d, out var p))
            {
                result.Add(p);
            }
        }

        return result;
    }

    private static List<IpAddr> Addresses(MapNode map, string key, Family family, DiagnosticBag d)
    {
        var result = new List<IpAddr>();
        foreach (var s in map.Scalars(key, d))
        {
            if (Normalize.TryAddress(s.Value, family, key, s.Location, d, out var a) && !result.Contains(a))
            {
                result.Add(a);
            }
        }

        return result;
    }

    private static void ReadVpc(MapNode v, ConfigBuilder b)
    {
        var d = b.Diagnostics;
        CheckKeys(v, VpcKeys, "vpc", d);
        if (v.Required("id", d, "vpc") is not { } id)
        {
            return;
        }

        b.AddVpc(new Vpc
        {
            Id = id,
            OwnerId = v.Str("owner", d) ?? b.Account,
            CidrBlocks = Cidrs(v, "cidr", Family.V4, d).ToArray(),
            Ipv6CidrBlocks = Cidrs(v, "ipv6_cidr", Family.V6, d).ToArray(),
            Source = v.Location,
        });
    }

    private static void ReadSubnet(MapNode s, ConfigBuilder b)
    {
        var d = b.Diagnostics;
        CheckKeys(s, SubnetKeys, "subnet", d);
        if (s.Required("id", d, "subnet") is not { } id)
        {
            return;
        }

        var v4 = Cidrs(s, "cidr", Family.V4, d);
        if (v4.Count > 1)
        {
            d.Error(ConfigDiagnosticCodes.InvalidValue, "a subnet has one IPv4 CIDR block", s.GetValue("cidr"));
        }

        b.AddSubnet(new Subnet
        {
            Id = id,
            VpcId = s.Str("vpc", d),
            CidrBlock = v4.Count > 0 ? v4[0] : null,
            Ipv6CidrBlocks = Cidrs(s, "ipv6_cidr", Family.V6, d).ToArray(),
            AvailabilityZone = s.Str("az", d),
            AvailabilityZoneId = s.Str("az_id", d),
            OwnerId = s.Str("owner", d) ?? b.Account,
            Source = s.Location,
        });
        if (s.Str("nacl", d) is { Length: > 0 } nacl)
        {
            b.AssociateAcl(nacl, id, s.GetValue("nacl")!.Location);
        }
    }

    private static void ReadEni(MapNode e, ConfigBuilder b)
    {
        var d = b.Diagnostics;
        CheckKeys(e, EniKeys, "eni", d);
        if (e.Required("id", d, "eni") is not { } id)
        {
            return;
        }

        var v4 = Addresses(e, "ip", Family.V4, d);
        foreach (var a in Addresses(e, "ips", Family.V4, d))
        {
            if (!v4.Contains(a))
            {
                v4.Add(a);
            }
        }

        Normalize.TryMac(e.Str("mac", d), e.GetValue("mac")?.Location, d, out var mac);
        IpAddr? publicIp = null;
        if (e.Str("public_ip", d) is { Length: > 0 } pub && Normalize.TryAddress(pub, Family.V4, "public_ip", e.GetValue("public_ip")!.Location, d, out var pa))
        {
            publicIp = pa;
        }

        ConnectionTrackingSettings? ct = null;
        if (e.Obj("conntrack", d) is { } c)
        {
            CheckKeys(c, ConntrackKeys, "conntrack", d);
            ct = new ConnectionTrackingSettings(c.Int("tcp_established", d), c.Int("udp", d), c.Int("udp_stream", d));
        }

        b.AddEni(new NetworkInterface
        {
            Id = id,
            OwnerId = e.Str("owner", d) ?? b.Account,
            InterfaceType = e.Str("type", d) is { Length: > 0 } t ? t : "interface",
            RequesterManaged = e.Bool("requester_managed", d) ?? false,
            Mac = mac,
            SubnetId = e.Str("subnet", d),
            VpcId = e.Str("vpc", d),
            PrimaryIpv4 = v4.Count > 0 ? v4[0] : null,
            PrivateIpv4Addresses = v4.ToArray(),
            Ipv6Addresses = Addresses(e, "ipv6", Family.V6, d).ToArray(),
            Ipv4Prefixes = Cidrs(e, "ipv4_prefixes", Family.V4, d).ToArray(),
            Ipv6Prefixes = Cidrs(e, "ipv6_prefixes", Family.V6, d).ToArray(),
            PublicIp = publicIp,
            InstanceId = e.Str("instance", d),
            GroupIds = e.Scalars("groups", d).Select(s => s.Value).Distinct(StringComparer.Ordinal).ToArray(),
            ConnectionTracking = ct,
            Description = e.Str("description", d),
            Name = e.Str("name", d),
            Source = e.Location,
        });
    }

    private static void ReadGroup(MapNode g, ConfigBuilder b, HashSet<string> groupIds, HashSet<string> listIds)
    {
        var d = b.Diagnostics;
        CheckKeys(g, GroupKeys, "security group", d);
        if (g.Required("id", d, "security group") is not { } id)
        {
            return;
        }

        b.DefineGroup(id, g.Str("name", d), g.Str("description", d), g.Str("vpc", d), g.Str("owner", d) ?? b.Account, g.Location);
        foreach (var (key, egress) in new[] { ("inbound", false), ("outbound", true) })
        {
            foreach (var r in g.Objects(key, d))
            {
                ReadRule(id, egress, r, b, groupIds, listIds);
            }
        }
    }

    private static void ReadRule(string groupId, bool egress, MapNode r, ConfigBuilder b, HashSet<string> groupIds, HashSet<string> listIds)
    {
        var d = b.Diagnostics;
        CheckKeys(r, RuleKeys, egress ? "outbound rule" : "inbound rule", d);
        string peerKey = egress ? "to" : "from";
        string wrongKey = egress ? "from" : "to";
        if (r.Has(wrongKey) && !r.Has(peerKey))
        {
            d.Error(ConfigDiagnosticCodes.InvalidValue, $"{(egress ? "an outbound" : "an inbound")} rule names its peer with '{peerKey}', not '{wrongKey}'", r);
            return;
        }

        string? protoText = r.Str("proto", d) ?? r.Str("protocol", d);
        if (protoText is null)
        {
            d.Error(ConfigDiagnosticCodes.MissingField, "rule has no proto (tcp, udp, icmp, icmpv6, all or a number)", r);
            return;
        }

        if (!Normalize.TryProtocol(protoText, "proto", r.Location, d, out int protocol))
        {
            return;
        }

        int? from = null, to = null;
        if (IpProtocol.IsIcmpFamily(protocol))
        {
            if (r.Has("ports"))
            {
                d.Error(ConfigDiagnosticCodes.InvalidValue, "ICMP rules take type and code, not ports", r.GetValue("ports"));
                return;
            }

            from = r.Int("type", d);
            to = r.Int("code", d);
        }
        else if (r.GetValue("ports") is { } ports && !TryPorts(ports, d, out from, out to))
        {
            return;
        }

        if (!Normalize.SgPorts(protocol, from, to, r.Location, d, out int f, out int t))
        {
            return;
        }

        var peers = r.Scalars(peerKey, d).ToList();
        if (peers.Count == 0)
        {
            d.Error(ConfigDiagnosticCodes.MissingField, $"rule has no '{peerKey}' (a CIDR, sg-…, pl-… or self)", r);
            return;
        }

        foreach (var p in peers)
        {
            if (Peer(p, groupId, groupIds, listIds, d) is { } peer)
            {
                b.AddRule(Rules.Make(groupId, egress, protocol, f, t, peer, r.Str("description", d), null, p.Location));
            }
        }
    }

    private static SecurityGroupPeer? Peer(ScalarNode p, string self, HashSet<string> groupIds, HashSet<string> listIds, DiagnosticBag d)
    {
        string v = p.Value.Trim();
        if (v == "self")
        {
            return SecurityGroupPeer.ForGroup(self);
        }

        if (v.StartsWith("sg-", StringComparison.Ordinal) || groupIds.Contains(v))
        {
            return SecurityGroupPeer.ForGroup(v);
        }

        if (v.StartsWith("pl-", StringComparison.Ordinal) || listIds.Contains(v))
        {
            return SecurityGroupPeer.ForPrefixList(v);
        }

        if (v.Contains('/', StringComparison.Ordinal) || IpAddr.TryParse(v, out _) || v.Contains(':', StringComparison.Ordinal) || (v.Length > 0 && char.IsAsciiDigit(v[0])))
        {
            return Normalize.TryCidr(v, Family.Any, "peer", p.Location, d, out var cidr) ? SecurityGroupPeer.ForCidr(cidr) : null;
        }

        d.Error(ConfigDiagnosticCodes.InvalidValue, $"peer '{v}' is not a CIDR block, a group (sg-… or a group of this file), a prefix list (pl-…) or self", p);
        return null;
    }

    /// <summary>443, "8000-8080", "all".</summary>
    private static bool TryPorts(ConfigNode node, DiagnosticBag d, out int? from, out int? to)
    {
        from = to = null;
        if (node is ScalarNode s)
        {
            string v = s.Value.Trim();
            if (v.Equals("all", StringComparison.OrdinalIgnoreCase) || v == "-1")
            {
                return true;
            }

            int dash = v.IndexOf('-', 1);
            if (dash < 0 && NodeValues.TryInt(v, out int single))
            {
                from = to = single;
                return true;
            }

            if (dash > 0 && NodeValues.TryInt(v[..dash], out int a) && NodeValues.TryInt(v[(dash + 1)..], out int z))
            {
                from = a;
                to = z;
                return true;
            }
        }

        d.Error(ConfigDiagnosticCodes.InvalidPort, $"ports must be a port (443), a range (8000-8080) or all, not {NodeValues.Describe(node)}", node);
        return false;
    }

    private static void ReadAcl(MapNode a, ConfigBuilder b)
    {
        var d = b.Diagnostics;
        CheckKeys(a, AclKeys, "network ACL", d);
        if (a.Required("id", d, "network ACL") is not { } id)
        {
            return;
        }

        b.DefineAcl(id, a.Str("vpc", d), a.Bool("default", d), a.Str("owner", d) ?? b.Account, a.Location);
        foreach (var s in a.Scalars("subnets", d))
        {
            b.AssociateAcl(id, s.Value, s.Location);
        }

        foreach (var (key, egress) in new[] { ("inbound", false), ("outbound", true) })
        {
            foreach (var e in a.Objects(key, d))
            {
                ReadAclEntry(id, egress, e, b);
            }
        }
    }

    private static void ReadAclEntry(string aclId, bool egress, MapNode e, ConfigBuilder b)
    {
        var d = b.Diagnostics;
        CheckKeys(e, AclEntryKeys, "network ACL entry", d);
        int? number = e.Int("rule", d);
        string? action = e.Str("action", d);
        string? proto = e.Str("proto", d) ?? e.Str("protocol", d);
        string? cidrText = e.Str("cidr", d);
        foreach (var (v, k) in new (object?, string)[] { (number, "rule"), (action, "action"), (proto, "proto"), (cidrText, "cidr") })
        {
            if (v is null)
            {
                d.Error(ConfigDiagnosticCodes.MissingField, $"network ACL entry has no {k}", e);
            }
        }

        if (number is null || action is null || proto is null || cidrText is null)
        {
            return;
        }

        if (!Normalize.TryProtocol(proto, "proto", e.Location, d, out int protocol) ||
            !Rules.TryAction(action, e.Location, d, out bool allow) ||
            !Normalize.TryCidr(cidrText, Family.Any, "cidr", e.Location, d, out var cidr))
        {
            return;
        }

        int? from = null, to = null;
        if (e.GetValue("ports") is { } ports && !TryPorts(ports, d, out from, out to))
        {
            return;
        }

        b.AddAclEntry(aclId, Rules.AclEntry(number.Value, egress, protocol, allow, cidr, from, to, e.Int("type", d), e.Int("code", d), e.Location));
    }

    private static void ReadPrefixList(MapNode p, ConfigBuilder b)
    {
        var d = b.Diagnostics;
        CheckKeys(p, PrefixListKeys, "prefix list", d);
        if (p.Required("id", d, "prefix list") is not { } id)
        {
            return;
        }

        b.DefinePrefixList(id, p.Str("name", d), p.Str("family", d), p.Str("owner", d) ?? b.Account, p.Int("max_entries", d), null, p.Location);
        var entries = new List<PrefixListEntry>();
        if (p.GetValue("entries") is SeqNode seq)
        {
            foreach (var item in seq.Items)
            {
                string? cidr = item is ScalarNode s ? s.Value : (item as MapNode)?.Str("cidr", d);
                string? description = (item as MapNode)?.Str("description", d);
                if (Normalize.TryCidr(cidr, Family.Any, "entries element", item.Location, d, out var c))
                {
                    entries.Add(new PrefixListEntry(c, description));
                }
            }
        }
        else if (p.GetValue("entries") is { } other)
        {
            d.Error(ConfigDiagnosticCodes.InvalidValue, $"entries must be a list, not {other.KindName}", other);
        }

        b.AddPrefixListEntries(id, entries, p.Location);
    }
}
