using FirewallSim.Net;

namespace FirewallSim.Config.Loading;

/// <summary>
/// Reads the EC2 networking resources of a CloudFormation template (YAML or JSON, spec 6.6):
/// SecurityGroup (inline ingress/egress), SecurityGroupIngress/Egress, NetworkInterface, Subnet, VPC,
/// VPCCidrBlock, NetworkAcl, NetworkAclEntry, SubnetNetworkAclAssociation and PrefixList. Resources
/// reference each other by logical id (a Ref to WebSg is the group id "WebSg"). A value the template does
/// not fix is reported where it is written; a rule whose protocol, ports or peer is unknown is dropped
/// with a warning, and the rest of the template still loads.
/// </summary>
internal static class CloudFormationReader
{
    private static readonly HashSet<string> Types = new(StringComparer.Ordinal)
    {
        "AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress", "AWS::EC2::NetworkInterface",
        "AWS::EC2::Subnet", "AWS::EC2::VPC", "AWS::EC2::VPCCidrBlock", "AWS::EC2::NetworkAcl", "AWS::EC2::NetworkAclEntry",
        "AWS::EC2::SubnetNetworkAclAssociation", "AWS::EC2::PrefixList",
    };

    private static readonly string[] IngressPeers = { "CidrIp", "CidrIpv6", "SourcePrefixListId", "SourceSecurityGroupId", "SourceSecurityGroupName" };
    private static readonly string[] EgressPeers = { "CidrIp", "CidrIpv6", "DestinationPrefixListId", "DestinationSecurityGroupId" };

    public static bool LooksLikeTemplate(MapNode root) =>
        root.GetValue("Resources") is MapNode res && res.Entries.Count > 0 &&
        res.Entries.All(e => e.Value is MapNode m && m.GetValue("Type") is ScalarNode t && t.Value.Contains("::", StringComparison.Ordinal));

    public static void Read(MapNode root, ConfigBuilder b)
    {
        var d = b.Diagnostics;
        var resolver = new CfnResolver(root, name => Pseudo(name, b), d);
        var resources = root.Obj("Resources", d);
        if (resources is null)
        {
            return;
        }

        var groups = new List<(string Id, SourceLocation At)>();
        var inlineEgress = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, node) in resources.Entries)
        {
            if (node is not MapNode res)
            {
                d.Error(ConfigDiagnosticCodes.InvalidValue, $"resource {id} must be an object, not {node.KindName}", node);
                continue;
            }

            string? type = res.Str("Type", d);
            if (type is null || !Types.Contains(type))
            {
                continue;
            }

            if (res.GetValue("Condition") is ScalarNode cond)
            {
                var (value, reason, _) = resolver.Condition(cond.Value, cond);
                if (value == false)
                {
                    d.Note(ConfigDiagnosticCodes.ConditionSkipped, $"{type} {id} is not created: its condition {cond.Value} is false with the parameters' defaults", cond);
                    continue;
                }

                if (value is null)
                {
                    d.Warning(ConfigDiagnosticCodes.ConditionSkipped,
                        $"{type} {id} is left out: its condition {cond.Value} cannot be evaluated ({reason})", cond);
                    continue;
                }
            }

            var props = res.GetValue("Properties") as MapNode ?? new MapNode(res.File, ConfigNode.ChildPath(res.Path, "Properties"), res.Line, res.Column);
            var ctx = new Ctx(resolver, b, id, res);
            switch (type)
            {
                case "AWS::EC2::SecurityGroup":
                    groups.Add((id, res.Location));
                    if (ReadSecurityGroup(ctx, props))
                    {
                        inlineEgress.Add(id);
                    }

                    break;
                case "AWS::EC2::SecurityGroupIngress":
                case "AWS::EC2::SecurityGroupEgress":
                    ReadStandaloneRule(ctx, props, egress: type.EndsWith("Egress", StringComparison.Ordinal));
                    break;
                case "AWS::EC2::NetworkInterface":
                    ReadNetworkInterface(ctx, props);
                    break;
                case "AWS::EC2::Subnet":
                    ReadSubnet(ctx, props);
                    break;
                case "AWS::EC2::VPC":
                    ReadVpc(ctx, props);
                    break;
                case "AWS::EC2::VPCCidrBlock":
                    ReadVpcCidrBlock(ctx, props);
                    break;
                case "AWS::EC2::NetworkAcl":
                    ctx.Str(props, "VpcId", semantic: true, "the ACL's VPC is unknown", out string? vpc);
                    b.DefineAcl(id, vpc, false, null, res.Location);
                    break;
                case "AWS::EC2::NetworkAclEntry":
                    ReadAclEntry(ctx, props);
                    break;
                case "AWS::EC2::SubnetNetworkAclAssociation":
                    if (ctx.Str(props, "SubnetId", true, "the association is left out", out string? subnet) &&
                        ctx.Str(props, "NetworkAclId", true, "the association is left out", out string? acl))
                    {
                        if (subnet is null || acl is null)
                        {
                            d.Error(ConfigDiagnosticCodes.MissingField, $"{id} needs SubnetId and NetworkAclId", props);
                        }
                        else
                        {
                            b.AssociateAcl(acl, subnet, props.Location);
                        }
                    }

                    break;
                case "AWS::EC2::PrefixList":
                    ReadPrefixList(ctx, props);
                    break;
            }
        }

        // AWS::EC2::SecurityGroup: with no SecurityGroupEgress property, AWS adds allow-all egress (IPv4 and IPv6).
        foreach (var (id, at) in groups)
        {
            if (inlineEgress.Contains(id))
            {
                continue;
            }

            b.AddRule(Rules.Make(id, true, RuleProtocol.All, -1, -1, SecurityGroupPeer.ForCidr(IpPrefix.AllV4), null, null, at));
            b.AddRule(Rules.Make(id, true, RuleProtocol.All, -1, -1, SecurityGroupPeer.ForCidr(IpPrefix.AllV6), null, null, at));
            d.Note(ConfigDiagnosticCodes.DefaultEgress,
                $"security group {id} declares no SecurityGroupEgress, so AWS gives it the default outbound rules: all traffic to 0.0.0.0/0 and to ::/0 (stand-alone SecurityGroupEgress resources do not remove them)",
                at);
        }
    }

    private static string? Pseudo(string name, ConfigBuilder b)
    {
        if (b.Options.PseudoParameters.TryGetValue(name, out string? value))
        {
            return value;
        }

        return name switch
        {
            "AWS::AccountId" => b.Account,
            "AWS::Region" => b.Region,
            _ => null,
        };
    }

    /// <summary>Returns true when the group declares inline egress rules.</summary>
    private static bool ReadSecurityGroup(Ctx c, MapNode props)
    {
        c.Str(props, "GroupName", false, "the name is left unknown", out string? name);
        c.Str(props, "GroupDescription", false, "the description is left unknown", out string? description);
        c.Str(props, "VpcId", true, "the group's VPC is left unknown", out string? vpc);
        c.B.DefineGroup(c.Id, name, description, vpc, null, c.Resource.Location);
        foreach (var (key, egress) in new[] { ("SecurityGroupIngress", false), ("SecurityGroupEgress", true) })
        {
            if (!c.List(props, key, "its rules are left out", out var items))
            {
                if (egress)
                {
                    return true;
                }

                continue;
            }

            int n = 0;
            foreach (var item in items)
            {
                switch (item)
                {
                    case CfnMap m:
                        n++;
                        ReadRule(c, c.Id, egress, m.Node);
                        break;
                    case CfnUnresolved u:
                        n++;
                        c.D.Warning(ConfigDiagnosticCodes.RuleDropped, $"{c.Id}.{key}: {u.Reason}; the rule is dropped", u.At);
                        break;
                    case CfnString s:
                        c.D.Error(ConfigDiagnosticCodes.InvalidValue, $"{c.Id}.{key}: each rule must be an object, not '{s.Value}'", s.At);
                        break;
                }
            }

            if (egress && n > 0)
            {
                return true;
            }
        }

        return false;
    }

    private static void ReadStandaloneRule(Ctx c, MapNode props, bool egress)
    {
        string? groupId = null;
        if (props.GetValue("GroupId") is not null)
        {
            if (!c.Str(props, "GroupId", true, "the rule is dropped", out groupId))
            {
                return;
            }
        }
        else if (!egress && props.GetValue("GroupName") is not null)
        {
            if (!c.Str(props, "GroupName", true, "the rule is dropped", out string? groupName))
            {
                return;
            }

            groupId = groupName is null ? null : ConfigBuilder.NameRefPrefix + groupName;
        }

        if (string.IsNullOrEmpty(groupId))
        {
            c.D.Error(ConfigDiagnosticCodes.MissingField, $"{c.Id} names no GroupId", props);
            return;
        }

        c.B.EnsureGroup(groupId, null, c.Resource.Location);
        ReadRule(c, groupId, egress, props);
    }

    private static void ReadRule(Ctx c, string groupId, bool egress, MapNode r)
    {
        const string Dropped = "the rule is dropped";
        if (!c.Str(r, "IpProtocol", true, Dropped, out string? protoText) ||
            !c.Int(r, "FromPort", Dropped, out int? from) ||
            !c.Int(r, "ToPort", Dropped, out int? to))
        {
            return;
        }

        if (protoText is null)
        {
            c.D.Error(ConfigDiagnosticCodes.MissingField, $"{c.Id}: rule has no IpProtocol", r);
            return;
        }

        if (!Normalize.TryProtocol(protoText, "IpProtocol", r.Location, c.D, out int protocol) ||
            !Normalize.SgPorts(protocol, from, to, r.Location, c.D, out int f, out int t))
        {
            return;
        }

        var keys = egress ? EgressPeers : IngressPeers;
        var found = new List<(string Key, string Value, ConfigNode At)>();
        foreach (string key in keys)
        {
            if (r.GetValue(key) is null)
            {
                continue;
            }

            if (!c.Str(r, key, true, Dropped, out string? value))
            {
                return;
            }

            if (value is not null)
            {
                found.Add((key, value, r.GetValue(key)!));
            }
        }

        if (found.Count != 1)
        {
            c.D.Error(found.Count == 0 ? ConfigDiagnosticCodes.MissingField : ConfigDiagnosticCodes.InvalidValue,
                $"{c.Id}: a rule names exactly one of {string.Join(", ", keys)}{(found.Count == 0 ? "; this one names none" : "; this one names " + string.Join(" and ", found.Select(x => x.Key)))}",
                r);
            return;
        }

        var (peerKey, peerValue, peerAt) = found[0];
        SecurityGroupPeer peer;
        switch (peerKey)
        {
            case "CidrIp":
            case "CidrIpv6":
                if (!Normalize.TryCidr(peerValue, peerKey == "CidrIp" ? Family.V4 : Family.V6, $"{c.Id}.{peerKey}", peerAt.Location, c.D, out var cidr))
                {
                    return;
                }

                peer = SecurityGroupPeer.ForCidr(cidr);
                break;
            case "SourcePrefixListId":
            case "DestinationPrefixListId":
                peer = SecurityGroupPeer.ForPrefixList(peerValue);
                break;
            case "SourceSecurityGroupName":
                peer = SecurityGroupPeer.ForGroup(ConfigBuilder.NameRefPrefix + peerValue);
                break;
            default:
                peer = SecurityGroupPeer.ForGroup(peerValue);
                break;
        }

        if (!egress && r.GetValue("SourceSecurityGroupOwnerId") is not null &&
            c.Str(r, "SourceSecurityGroupOwnerId", true, "the rule is kept without the owner account", out string? owner) && owner is not null)
        {
            peer = peer with { UserId = owner };
        }

        c.Str(r, "Description", false, "the description is left out", out string? description);
        c.B.AddRule(Rules.Make(groupId, egress, protocol, f, t, peer, description, null, r.Location));
    }

    private static void ReadNetworkInterface(Ctx c, MapNode props)
    {
        const string Unknown = "left out";
        c.Str(props, "SubnetId", true, "the interface's subnet is unknown", out string? subnet);
        c.Str(props, "InterfaceType", true, "the type is taken as interface", out string? type);
        c.Str(props, "Description", false, Unknown, out string? description);
        var v4 = new List<IpAddr>();
        if (c.Str(props, "PrivateIpAddress", true, "the address is left out", out string? primary) && primary is not null &&
            Normalize.TryAddress(primary, Family.V4, $"{c.Id}.PrivateIpAddress", props.GetValue("PrivateIpAddress")!.Location, c.D, out var pa))
        {
            v4.Add(pa);
        }

        if (c.List(props, "PrivateIpAddresses", "those addresses are left out", out var addrs))
        {
            foreach (var m in c.Maps(addrs, "PrivateIpAddresses"))
            {
                if (c.Str(m, "PrivateIpAddress", true, "the address is left out", out string? a) && a is not null &&
                    Normalize.TryAddress(a, Family.V4, $"{c.Id}.PrivateIpAddress", m.Location, c.D, out var addr) && !v4.Contains(addr))
                {
                    c.Bool(m, "Primary", "taken as secondary", out bool? isPrimary);
                    if (isPrimary == true)
                    {
                        v4.Insert(0, addr);
                    }
                    else
                    {
                        v4.Add(addr);
                    }
                }
            }
        }

        var v6 = ReadAddressList(c, props, "Ipv6Addresses", "Ipv6Address");
        var p4 = ReadPrefixList(c, props, "Ipv4Prefixes", "Ipv4Prefix", Family.V4);
        var p6 = ReadPrefixList(c, props, "Ipv6Prefixes", "Ipv6Prefix", Family.V6);
        foreach (string count in new[] { "SecondaryPrivateIpAddressCount", "Ipv6AddressCount", "Ipv4PrefixCount", "Ipv6PrefixCount" })
        {
            if (props.GetValue(count) is { } node)
            {
                c.D.Warning(ConfigDiagnosticCodes.CountBasedAddresses,
                    $"{c.Id}.{count}: AWS picks these addresses when the stack is deployed, so they cannot be simulated; list them explicitly or load describe-network-interfaces output",
                    node);
            }
        }

        var groups = new List<string>();
        if (c.List(props, "GroupSet", "the interface's groups are left out", out var set))
        {
            foreach (var item in set)
            {
                if (item is CfnString s)
                {
                    groups.Add(s.Value);
                }
                else if (item is CfnUnresolved u)
                {
                    c.D.Warning(ConfigDiagnosticCodes.UnresolvedValue, $"{c.Id}.GroupSet: {u.Reason}; that group is left out", u.At);
                }
            }
        }

        ConnectionTrackingSettings? ct = null;
        if (c.Map(props, "ConnectionTrackingSpecification", "the documented defaults apply", out var spec) && spec is not null)
        {
            c.Int(spec, "TcpEstablishedTimeout", "the default applies", out int? tcp);
            c.Int(spec, "UdpTimeout", "the default applies", out int? udp);
            c.Int(spec, "UdpStreamTimeout", "the default applies", out int? stream);
            ct = new ConnectionTrackingSettings(tcp, udp, stream);
        }

        c.B.AddEni(new NetworkInterface
        {
            Id = c.Id,
            InterfaceType = string.IsNullOrEmpty(type) ? "interface" : type,
            SubnetId = subnet,
            PrimaryIpv4 = v4.Count > 0 ? v4[0] : null,
            PrivateIpv4Addresses = v4.ToArray(),
            Ipv6Addresses = v6.ToArray(),
            Ipv4Prefixes = p4.ToArray(),
            Ipv6Prefixes = p6.ToArray(),
            GroupIds = groups.Distinct(StringComparer.Ordinal).ToArray(),
            ConnectionTracking = ct,
            Description = description,
            Source = c.Resource.Location,
        });
    }

    private static List<IpAddr> ReadAddressList(Ctx c, MapNode props, string key, string field)
    {
        var result = new List<IpAddr>();
        if (c.List(props, key, "those addresses are left out", out var items))
        {
            foreach (var m in c.Maps(items, key))
            {
                if (c.Str(m, field, true, "the address is left out", out string? a) && a is not null &&
                    Normalize.TryAddress(a, Family.V6, $"{c.Id}.{field}", m.Location, c.D, out var addr) && !result.Contains(addr))
                {
                    result.Add(addr);
                }
            }
        }

        return result;
    }

    private static List<IpPrefix> ReadPrefixList(Ctx c, MapNode props, string key, string field, Family family)
    {
        var result = new List<IpPrefix>();
        if (c.List(props, key, "those prefixes are left out", out var items))
        {
            foreach (var m in c.Maps(items, key))
            {
                if (c.Str(m, field, true, "the prefix is left out", out string? p) && p is not null &&
                    Normalize.TryCidr(p, family, $"{c.Id}.{field}", m.Location, c.D, out var prefix))
                {
                    result.Add(prefix);
                }
            }
        }

        return result;
    }

    private static void ReadSubnet(Ctx c, MapNode props)
    {
        c.Str(props, "VpcId", true, "the subnet's VPC is unknown", out string? vpc);
        c.Str(props, "AvailabilityZone", true, "the availability zone is left unknown", out string? az);
        c.Str(props, "AvailabilityZoneId", true, "the zone id is left unknown", out string? azId);
        IpPrefix? v4 = null;
        if (c.Str(props, "CidrBlock", true, "the subnet's IPv4 block is unknown", out string? cidr) && cidr is not null &&
            Normalize.TryCidr(cidr, Family.V4, $"{c.Id}.CidrBlock", props.GetValue("CidrBlock")!.Location, c.D, out var p))
        {
            v4 = p;
        }

        var v6 = new List<IpPrefix>();
        if (c.Str(props, "Ipv6CidrBlock", true, "the subnet's IPv6 block is unknown", out string? cidr6) && cidr6 is not null &&
            Normalize.TryCidr(cidr6, Family.V6, $"{c.Id}.Ipv6CidrBlock", props.GetValue("Ipv6CidrBlock")!.Location, c.D, out var p6))
        {
            v6.Add(p6);
        }

        c.B.AddSubnet(new Subnet
        {
            Id = c.Id,
            VpcId = vpc,
            CidrBlock = v4,
            Ipv6CidrBlocks = v6.ToArray(),
            AvailabilityZone = az,
            AvailabilityZoneId = azId,
            Source = c.Resource.Location,
        });
    }

    private static void ReadVpc(Ctx c, MapNode props)
    {
        var v4 = new List<IpPrefix>();
        if (c.Str(props, "CidrBlock", true, "the VPC's IPv4 block is unknown", out string? cidr) && cidr is not null &&
            Normalize.TryCidr(cidr, Family.V4, $"{c.Id}.CidrBlock", props.GetValue("CidrBlock")!.Location, c.D, out var p))
        {
            v4.Add(p);
        }
        else if (cidr is null && props.GetValue("Ipv4IpamPoolId") is { } ipam)
        {
            c.D.Warning(ConfigDiagnosticCodes.UnresolvedValue, $"{c.Id}: the VPC's IPv4 block is allocated from an IPAM pool when the stack is deployed; it is unknown", ipam);
        }

        c.B.AddVpc(new Vpc { Id = c.Id, CidrBlocks = v4.ToArray(), Source = c.Resource.Location });
    }

    private static void ReadVpcCidrBlock(Ctx c, MapNode props)
    {
        if (!c.Str(props, "VpcId", true, "the block is left out", out string? vpc) || vpc is null)
        {
            return;
        }

        var v4 = new List<IpPrefix>();
        var v6 = new List<IpPrefix>();
        if (c.Str(props, "CidrBlock", true, "the block is left out", out string? cidr) && cidr is not null &&
            Normalize.TryCidr(cidr, Family.V4, $"{c.Id}.CidrBlock", props.GetValue("CidrBlock")!.Location, c.D, out var p))
        {
            v4.Add(p);
        }

        if (c.Str(props, "Ipv6CidrBlock", true, "the block is left out", out string? cidr6) && cidr6 is not null &&
            Normalize.TryCidr(cidr6, Family.V6, $"{c.Id}.Ipv6CidrBlock", props.GetValue("Ipv6CidrBlock")!.Location, c.D, out var p6))
        {
            v6.Add(p6);
        }

        if (props.GetValue("AmazonProvidedIpv6CidrBlock") is { } amazon && cidr6 is null)
        {
            c.D.Warning(ConfigDiagnosticCodes.UnresolvedValue, $"{c.Id}: AWS assigns the Amazon-provided IPv6 block when the stack is deployed; it is unknown", amazon);
        }

        c.B.AddVpc(new Vpc { Id = vpc, CidrBlocks = v4.ToArray(), Ipv6CidrBlocks = v6.ToArray(), Source = c.Resource.Location });
    }

    private static void ReadAclEntry(Ctx c, MapNode props)
    {
        const string Dropped = "the entry is dropped";
        if (!c.Str(props, "NetworkAclId", true, Dropped, out string? acl) ||
            !c.Int(props, "RuleNumber", Dropped, out int? number) ||
            !c.Str(props, "Protocol", true, Dropped, out string? proto) ||
            !c.Str(props, "RuleAction", true, Dropped, out string? action) ||
            !c.Bool(props, "Egress", Dropped, out bool? egress) ||
            !c.Str(props, "CidrBlock", true, Dropped, out string? v4) ||
            !c.Str(props, "Ipv6CidrBlock", true, Dropped, out string? v6) ||
            !c.Map(props, "PortRange", Dropped, out var ports) ||
            !c.Map(props, "Icmp", Dropped, out var icmp))
        {
            return;
        }

        int? from = null, to = null, type = null, code = null;
        if ((ports is not null && (!c.Int(ports, "From", Dropped, out from) || !c.Int(ports, "To", Dropped, out to))) ||
            (icmp is not null && (!c.Int(icmp, "Type", Dropped, out type) || !c.Int(icmp, "Code", Dropped, out code))))
        {
            return;
        }

        foreach (var (v, k) in new (object?, string)[] { (acl, "NetworkAclId"), (number, "RuleNumber"), (proto, "Protocol"), (action, "RuleAction") })
        {
            if (v is null)
            {
                c.D.Error(ConfigDiagnosticCodes.MissingField, $"{c.Id} has no {k}", props);
                return;
            }
        }

        if ((v4 is null) == (v6 is null))
        {
            c.D.Error(v4 is null ? ConfigDiagnosticCodes.MissingField : ConfigDiagnosticCodes.InvalidValue, $"{c.Id} needs exactly one of CidrBlock and Ipv6CidrBlock", props);
            return;
        }

        bool ok = Normalize.TryProtocol(proto, "Protocol", props.GetValue("Protocol")!.Location, c.D, out int protocol);
        ok &= Rules.TryAction(action, props.GetValue("RuleAction")!.Location, c.D, out bool allow);
        ok &= v4 is not null
            ? Normalize.TryCidr(v4, Family.V4, $"{c.Id}.CidrBlock", props.GetValue("CidrBlock")!.Location, c.D, out var cidr)
            : Normalize.TryCidr(v6, Family.V6, $"{c.Id}.Ipv6CidrBlock", props.GetValue("Ipv6CidrBlock")!.Location, c.D, out cidr);
        if (!ok)
        {
            return;
        }

        c.B.AddAclEntry(acl!, Rules.AclEntry(number!.Value, egress ?? false, protocol, allow, cidr, from, to, type, code, c.Resource.Location));
    }

    private static void ReadPrefixList(Ctx c, MapNode props)
    {
        c.Str(props, "PrefixListName", false, "the name is left unknown", out string? name);
        c.Str(props, "AddressFamily", true, "the family is left unknown", out string? family);
        c.Int(props, "MaxEntries", "left unknown", out int? max);
        c.B.DefinePrefixList(c.Id, name, family, null, max, null, c.Resource.Location);
        var entries = new List<PrefixListEntry>();
        if (c.List(props, "Entries", "the entries are unknown", out var items))
        {
            foreach (var m in c.Maps(items, "Entries"))
            {
                if (c.Str(m, "Cidr", true, "the entry is left out", out string? cidr) && cidr is not null &&
                    Normalize.TryCidr(cidr, Family.Any, $"{c.Id}.Cidr", m.Location, c.D, out var p))
                {
                    c.Str(m, "Description", false, "left out", out string? description);
                    entries.Add(new PrefixListEntry(p, description));
                }
            }

            c.B.AddPrefixListEntries(c.Id, entries, c.Resource.Location);
        }
    }

    /// <summary>Typed, resolved reads of one resource's properties; unresolved values are reported with their place.</summary>
    private sealed class Ctx
    {
        public Ctx(CfnResolver resolver, ConfigBuilder builder, string id, MapNode resource)
        {
            R = resolver;
            B = builder;
            Id = id;
            Resource = resource;
        }

        public CfnResolver R { get; }

        public ConfigBuilder B { get; }

        public DiagnosticBag D => B.Diagnostics;

        public string Id { get; }

        public MapNode Resource { get; }

        /// <summary>
        /// Resolves a string property. Returns false when it cannot be resolved (reported: a warning when
        /// <paramref name="semantic"/>, else a note) or has the wrong type (error); true with null when absent.
        /// </summary>
        public bool Str(MapNode props, string key, bool semantic, string consequence, out string? value)
        {
            value = null;
            var node = props.GetValue(key);
            if (node is null)
            {
                return true;
            }

            switch (R.Eval(node))
            {
                case CfnString s:
                    value = s.Value;
                    return true;
                case CfnNoValue:
                    return true;
                case CfnUnresolved u:
                    string message = $"{Id}.{key}: {u.Reason}; {consequence}";
                    if (semantic)
                    {
                        D.Warning(ConfigDiagnosticCodes.UnresolvedValue, message, u.At);
                    }
                    else
                    {
                        D.Note(ConfigDiagnosticCodes.UnresolvedValue, message, u.At);
                    }

                    return false;
                default:
                    D.Error(ConfigDiagnosticCodes.InvalidValue, $"{Id}.{key} must be a string", node);
                    return false;
            }
        }

        public bool Int(MapNode props, string key, string consequence, out int? value)
        {
            value = null;
            if (!Str(props, key, true, consequence, out string? s))
            {
                return false;
            }

            if (s is null)
            {
                return true;
            }

            if (!NodeValues.TryInt(s, out int v))
            {
                D.Error(ConfigDiagnosticCodes.InvalidValue, $"{Id}.{key} must be an integer, not '{s}'", props.GetValue(key));
                return false;
            }

            value = v;
            return true;
        }

        public bool Bool(MapNode props, string key, string consequence, out bool? value)
        {
            value = null;
            if (!Str(props, key, true, consequence, out string? s))
            {
                return false;
            }

            if (s is null)
            {
                return true;
            }

            value = NodeValues.ToBool(new ScalarNode(props.File, props.Path, props.Line, props.Column, s, ScalarKind.String), $"{Id}.{key}", D);
            return value is not null;
        }

        public bool List(MapNode props, string key, string consequence, out List<CfnValue> items)
        {
            items = new List<CfnValue>();
            var node = props.GetValue(key);
            if (node is null)
            {
                return true;
            }

            switch (R.Eval(node))
            {
                case CfnList l:
                    items = l.Items;
                    return true;
                case CfnNoValue:
                    return true;
                case CfnUnresolved u:
                    D.Warning(ConfigDiagnosticCodes.UnresolvedValue, $"{Id}.{key}: {u.Reason}; {consequence}", u.At);
                    return false;
                default:
                    D.Error(ConfigDiagnosticCodes.InvalidValue, $"{Id}.{key} must be a list", node);
                    return false;
            }
        }

        public bool Map(MapNode props, string key, string consequence, out MapNode? map)
        {
            map = null;
            var node = props.GetValue(key);
            if (node is null)
            {
                return true;
            }

            switch (R.Eval(node))
            {
                case CfnMap m:
                    map = m.Node;
                    return true;
                case CfnNoValue:
                    return true;
                case CfnUnresolved u:
                    D.Warning(ConfigDiagnosticCodes.UnresolvedValue, $"{Id}.{key}: {u.Reason}; {consequence}", u.At);
                    return false;
                default:
                    D.Error(ConfigDiagnosticCodes.InvalidValue, $"{Id}.{key} must be an object", node);
                    return false;
            }
        }

        /// <summary>The object elements of a resolved list; unresolved elements are reported and skipped.</summary>
        public IEnumerable<MapNode> Maps(List<CfnValue> items, string key)
        {
            foreach (var item in items)
            {
                switch (item)
                {
                    case CfnMap m:
                        yield return m.Node;
                        break;
                    case CfnUnresolved u:
                        D.Warning(ConfigDiagnosticCodes.UnresolvedValue, $"{Id}.{key}: {u.Reason}; that element is left out", u.At);
                        break;
                    case CfnString s:
                        D.Error(ConfigDiagnosticCodes.InvalidValue, $"{Id}.{key}: each element must be an object, not '{s.Value}'", s.At);
                        break;
                }
            }
        }
    }
}
