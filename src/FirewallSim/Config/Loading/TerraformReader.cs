using System.Text.RegularExpressions;
using FirewallSim.Net;

namespace FirewallSim.Config.Loading;

/// <summary>
/// Reads <c>terraform show -json</c> output, state (values.root_module) or plan (planned_values, else
/// prior_state), walking child modules (spec 6.7). Managed resources of the AWS provider's networking
/// types become model objects; a resource whose id is not known yet (a plan) is named by its address
/// (aws_security_group.web), and references to such resources are followed through the plan's
/// configuration section. Terraform's quirks are normalised: protocol numbers or names or "all",
/// all-protocol rules with ports 0, ACL ICMP fields present on non-ICMP rules, empty-string CIDRs.
/// </summary>
internal static partial class TerraformReader
{
    public static bool Recognises(MapNode root) =>
        root.Has("format_version") && (root.Has("values") || root.Has("planned_values") || root.Has("prior_state") || root.Has("terraform_version"));

    public static void Read(MapNode root, ConfigBuilder b)
    {
        var d = b.Diagnostics;
        MapNode? module = root.Obj("planned_values", d)?.Obj("root_module", d)
            ?? root.Obj("values", d)?.Obj("root_module", d)
            ?? root.Obj("prior_state", d)?.Obj("values", d)?.Obj("root_module", d);
        var resources = new List<TfResource>();
        if (module is not null)
        {
            Collect(module, resources, d);
        }

        var references = new Dictionary<string, MapNode>(StringComparer.Ordinal);
        if (root.Obj("configuration", d)?.Obj("root_module", d) is { } config)
        {
            CollectExpressions(config, string.Empty, references, d);
        }

        var ctx = new Ctx(b, resources, references);
        foreach (var r in resources)
        {
            switch (r.Type)
            {
                case "aws_security_group":
                case "aws_default_security_group":
                    ReadSecurityGroup(ctx, r);
                    break;
                case "aws_security_group_rule":
                    ReadSecurityGroupRule(ctx, r);
                    break;
                case "aws_vpc_security_group_ingress_rule":
                case "aws_vpc_security_group_egress_rule":
                    ReadVpcSecurityGroupRule(ctx, r, r.Type.EndsWith("egress_rule", StringComparison.Ordinal));
                    break;
                case "aws_network_interface":
                    ReadNetworkInterface(ctx, r);
                    break;
                case "aws_instance":
                    ReadInstance(ctx, r);
                    break;
                case "aws_subnet":
                case "aws_default_subnet":
                    ReadSubnet(ctx, r);
                    break;
                case "aws_vpc":
                case "aws_default_vpc":
                    ReadVpc(ctx, r);
                    break;
                case "aws_vpc_ipv4_cidr_block_association":
                case "aws_vpc_ipv6_cidr_block_association":
                    ReadVpcCidr(ctx, r);
                    break;
                case "aws_network_acl":
                case "aws_default_network_acl":
                    ReadNetworkAcl(ctx, r);
                    break;
                case "aws_network_acl_rule":
                    ReadNetworkAclRule(ctx, r);
                    break;
                case "aws_network_acl_association":
                    if (ctx.Ref(r, "network_acl_id") is { } acl && ctx.Ref(r, "subnet_id") is { } subnet)
                    {
                        b.AssociateAcl(acl, subnet, r.Values.Location);
                    }

                    break;
                case "aws_ec2_managed_prefix_list":
                    ReadPrefixList(ctx, r);
                    break;
                case "aws_ec2_managed_prefix_list_entry":
                    if (ctx.Ref(r, "prefix_list_id") is { } pl && Normalize.TryCidr(r.Values.Str("cidr", d), Family.Any, "cidr", r.Values.Location, d, out var c))
                    {
                        b.AddPrefixListEntries(pl, new[] { new PrefixListEntry(c, Empty(r.Values.Str("description", d))) }, r.Values.Location);
                    }

                    break;
            }
        }
    }

    private static void Collect(MapNode module, List<TfResource> into, DiagnosticBag d)
    {
        foreach (var r in module.Objects("resources", d))
        {
            if (r.Str("mode", d) is "data")
            {
                continue;
            }

            string? address = r.Str("address", d);
            string? type = r.Str("type", d);
            if (address is null || type is null)
            {
                continue;
            }

            var values = r.Obj("values", d) ?? new MapNode(r.File, ConfigNode.ChildPath(r.Path, "values"), r.Line, r.Column);
            into.Add(new TfResource(address, type, values));
        }

        foreach (var child in module.Objects("child_modules", d))
        {
            Collect(child, into, d);
        }
    }

    private static void CollectExpressions(MapNode module, string prefix, Dictionary<string, MapNode> into, DiagnosticBag d)
    {
        foreach (var r in module.Objects("resources", d))
        {
            if (r.Str("address", d) is { } address && r.Obj("expressions", d) is { } expressions)
            {
                into[prefix + address] = expressions;
            }
        }

        if (module.Obj("module_calls", d) is { } calls)
        {
            foreach (var (name, call) in calls.Entries)
            {
                if (call is MapNode c && c.Obj("module", d) is { } child)
                {
                    CollectExpressions(child, prefix + "module." + name + ".", into, d);
                }
            }
        }
    }

    private static string? Empty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    // ---- security groups ------------------------------------------------------------------------

    private static void ReadSecurityGroup(Ctx c, TfResource r)
    {
        var d = c.D;
        var v = r.Values;
        string id = c.Id(r);
        c.B.DefineGroup(id, Empty(v.Str("name", d)), Empty(v.Str("description", d)), c.Ref(r, "vpc_id"), Empty(v.Str("owner_id", d)), v.Location);
        c.B.HintRegion(Normalize.RegionOfArn(v.Str("arn", d)));
        foreach (var (key, egress) in new[] { ("ingress", false), ("egress", true) })
        {
            foreach (var rule in v.Objects(key, d))
            {
                string? proto = rule.Str("protocol", d);
                if (proto is null)
                {
                    d.Error(ConfigDiagnosticCodes.MissingField, $"{r.Address} {key} rule has no protocol", rule);
                    continue;
                }

                if (!Normalize.TryProtocol(proto, "protocol", rule.Location, d, out int protocol) ||
                    !Normalize.SgPorts(protocol, rule.Int("from_port", d), rule.Int("to_port", d), rule.Location, d, out int f, out int t))
                {
                    continue;
                }

                string? description = Empty(rule.Str("description", d));
                foreach (var peer in Peers(c, rule, id, "cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids", "security_groups", "self"))
                {
                    c.B.AddRule(Rules.Make(id, egress, protocol, f, t, peer, description, null, rule.Location));
                }
            }
        }
    }

    private static List<SecurityGroupPeer> Peers(Ctx c, MapNode rule, string self, string cidrs, string cidrs6, string lists, string groups, string selfKey, string? extraGroupId = null)
    {
        var d = c.D;
        var peers = new List<SecurityGroupPeer>();
        foreach (var s in rule.Scalars(cidrs, d))
        {
            if (Normalize.TryCidr(s.Value, Family.V4, cidrs, s.Location, d, out var p))
            {
                peers.Add(SecurityGroupPeer.ForCidr(p));
            }
        }

        foreach (var s in rule.Scalars(cidrs6, d))
        {
            if (Normalize.TryCidr(s.Value, Family.V6, cidrs6, s.Location, d, out var p))
            {
                peers.Add(SecurityGroupPeer.ForCidr(p));
            }
        }

        foreach (var s in rule.Scalars(lists, d))
        {
            peers.Add(SecurityGroupPeer.ForPrefixList(s.Value));
        }

        foreach (var s in rule.Scalars(groups, d))
        {
            peers.Add(GroupPeer(s.Value));
        }

        if (rule.Bool(selfKey, d) == true)
        {
            peers.Add(SecurityGroupPeer.ForGroup(self));
        }

        if (extraGroupId is not null)
        {
            peers.Add(GroupPeer(extraGroupId));
        }

        if (peers.Count == 0)
        {
            d.Warning(ConfigDiagnosticCodes.RuleDropped, "the rule names no peer (no CIDR block, prefix list, security group or self); it allows nothing", rule);
        }

        return peers;
    }

    /// <summary>"sg-123" or "111122223333/sg-123" (a group of another account).</summary>
    private static SecurityGroupPeer GroupPeer(string value)
    {
        int slash = value.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? SecurityGroupPeer.ForGroup(value[(slash + 1)..], value[..slash]) : SecurityGroupPeer.ForGroup(value);
    }

    private static void ReadSecurityGroupRule(Ctx c, TfResource r)
    {
        var d = c.D;
        var v = r.Values;
        string? type = v.Str("type", d);
        string? groupId = c.Ref(r, "security_group_id");
        string? proto = v.Str("protocol", d);
        if (type is not ("ingress" or "egress") || groupId is null || proto is null)
        {
            d.Warning(ConfigDiagnosticCodes.RuleDropped, $"{r.Address}: type (ingress/egress), security_group_id and protocol must be known; the rule is dropped", v);
            return;
        }

        if (!Normalize.TryProtocol(proto, "protocol", v.Location, d, out int protocol) ||
            !Normalize.SgPorts(protocol, v.Int("from_port", d), v.Int("to_port", d), v.Location, d, out int f, out int t))
        {
            return;
        }

        var peers = Peers(c, v, groupId, "cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids", "__none__", "self", c.Ref(r, "source_security_group_id"));
        c.B.EnsureGroup(groupId, null, v.Location);
        foreach (var peer in peers)
        {
            c.B.AddRule(Rules.Make(groupId, type == "egress", protocol, f, t, peer, Empty(v.Str("description", d)), Empty(v.Str("security_group_rule_id", d)), v.Location));
        }
    }

    private static void ReadVpcSecurityGroupRule(Ctx c, TfResource r, bool egress)
    {
        var d = c.D;
        var v = r.Values;
        string? groupId = c.Ref(r, "security_group_id");
        string? proto = v.Str("ip_protocol", d);
        if (groupId is null || proto is null)
        {
            d.Warning(ConfigDiagnosticCodes.RuleDropped, $"{r.Address}: security_group_id and ip_protocol must be known; the rule is dropped", v);
            return;
        }

        if (!Normalize.TryProtocol(proto, "ip_protocol", v.Location, d, out int protocol) ||
            !Normalize.SgPorts(protocol, v.Int("from_port", d), v.Int("to_port", d), v.Location, d, out int f, out int t))
        {
            return;
        }

        var peers = new List<SecurityGroupPeer>();
        if (Empty(v.Str("cidr_ipv4", d)) is { } c4 && Normalize.TryCidr(c4, Family.V4, "cidr_ipv4", v.Location, d, out var p4))
        {
            peers.Add(SecurityGroupPeer.ForCidr(p4));
        }

        if (Empty(v.Str("cidr_ipv6", d)) is { } c6 && Normalize.TryCidr(c6, Family.V6, "cidr_ipv6", v.Location, d, out var p6))
        {
            peers.Add(SecurityGroupPeer.ForCidr(p6));
        }

        if (c.Ref(r, "prefix_list_id") is { } pl)
        {
            peers.Add(SecurityGroupPeer.ForPrefixList(pl));
        }

        if (c.Ref(r, "referenced_security_group_id") is { } group)
        {
            peers.Add(GroupPeer(group));
        }

        if (peers.Count != 1)
        {
            d.Error(peers.Count == 0 ? ConfigDiagnosticCodes.MissingField : ConfigDiagnosticCodes.InvalidValue,
                $"{r.Address} must name exactly one of cidr_ipv4, cidr_ipv6, prefix_list_id, referenced_security_group_id", v);
            return;
        }

        c.B.EnsureGroup(groupId, null, v.Location);
        c.B.AddRule(Rules.Make(groupId, egress, protocol, f, t, peers[0], Empty(v.Str("description", d)), Empty(v.Str("security_group_rule_id", d)), v.Location));
    }

    // ---- interfaces, instances, subnets, VPCs ----------------------------------------------------

    private static void ReadNetworkInterface(Ctx c, TfResource r)
    {
        var d = c.D;
        var v = r.Values;
        var v4 = new List<IpAddr>();
        void AddV4(string? text, SourceLocation at)
        {
            if (Empty(text) is { } t && Normalize.TryAddress(t, Family.V4, "private_ip", at, d, out var a) && !v4.Contains(a))
            {
                v4.Add(a);
            }
        }

        AddV4(v.Str("private_ip", d), v.Location);
        foreach (var s in v.Scalars("private_ip_list", d))
        {
            AddV4(s.Value, s.Location);
        }

        foreach (var s in v.Scalars("private_ips", d).OrderBy(s => IpAddr.TryParse(s.Value, out var a) ? a : default))
        {
            AddV4(s.Value, s.Location);
        }

        var v6 = new List<IpAddr>();
        foreach (var s in v.Scalars("ipv6_address_list", d).Concat(v.Scalars("ipv6_addresses", d)))
        {
            if (Normalize.TryAddress(s.Value, Family.V6, "ipv6_addresses", s.Location, d, out var a) && !v6.Contains(a))
            {
                v6.Add(a);
            }
        }

        Normalize.TryMac(v.Str("mac_address", d), v.Location, d, out var mac);
        string? instance = null;
        foreach (var a in v.Objects("attachment", d))
        {
            instance ??= Empty(a.Str("instance", d));
        }

        c.B.AddEni(new NetworkInterface
        {
            Id = c.Id(r),
            OwnerId = Empty(v.Str("owner_id", d)),
            InterfaceType = Empty(v.Str("interface_type", d)) ?? "interface",
            Mac = mac,
            SubnetId = c.Ref(r, "subnet_id"),
            PrimaryIpv4 = v4.Count > 0 ? v4[0] : null,
            PrivateIpv4Addresses = v4.ToArray(),
            Ipv6Addresses = v6.ToArray(),
            Ipv4Prefixes = Prefixes(v, "ipv4_prefixes", Family.V4, d),
            Ipv6Prefixes = Prefixes(v, "ipv6_prefixes", Family.V6, d),
            InstanceId = instance,
            GroupIds = c.RefList(r, "security_groups"),
            Description = Empty(v.Str("description", d)),
            Name = Tag(v, "Name", d),
            Source = v.Location,
        });
    }

    private static IpPrefix[] Prefixes(MapNode v, string key, Family family, DiagnosticBag d)
    {
        var result = new List<IpPrefix>();
        foreach (var s in v.Scalars(key, d))
        {
            if (Normalize.TryCidr(s.Value, family, key, s.Location, d, out var p))
            {
                result.Add(p);
            }
        }

        return result.ToArray();
    }

    private static string? Tag(MapNode v, string key, DiagnosticBag d) => Empty(v.Obj("tags", d)?.Str(key, d));

    /// <summary>An aws_instance's primary interface, which Terraform does not list as an aws_network_interface.</summary>
    private static void ReadInstance(Ctx c, TfResource r)
    {
        var d = c.D;
        var v = r.Values;
        var v4 = new List<IpAddr>();
        foreach (var text in new[] { v.Str("private_ip", d) }.Concat(v.Scalars("secondary_private_ips", d).Select(s => s.Value)))
        {
            if (Empty(text) is { } t && Normalize.TryAddress(t, Family.V4, "private_ip", v.Location, d, out var a) && !v4.Contains(a))
            {
                v4.Add(a);
            }
        }

        var v6 = new List<IpAddr>();
        foreach (var s in v.Scalars("ipv6_addresses", d))
        {
            if (Normalize.TryAddress(s.Value, Family.V6, "ipv6_addresses", s.Location, d, out var a))
            {
                v6.Add(a);
            }
        }

        IpAddr? publicIp = null;
        if (Empty(v.Str("public_ip", d)) is { } pub && Normalize.TryAddress(pub, Family.V4, "public_ip", v.Location, d, out var pa))
        {
            publicIp = pa;
        }

        string instanceId = Empty(v.Str("id", d)) ?? r.Address;
        c.B.AddEni(new NetworkInterface
        {
            Id = Empty(v.Str("primary_network_interface_id", d)) ?? r.Address + ".primary_network_interface",
            SubnetId = c.Ref(r, "subnet_id"),
            PrimaryIpv4 = v4.Count > 0 ? v4[0] : null,
            PrivateIpv4Addresses = v4.ToArray(),
            Ipv6Addresses = v6.ToArray(),
            PublicIp = publicIp,
            InstanceId = instanceId,
            GroupIds = c.RefList(r, "vpc_security_group_ids"),
            Name = Tag(v, "Name", d),
            Description = "primary network interface of " + instanceId,
            Source = v.Location,
        });
    }

    private static void ReadSubnet(Ctx c, TfResource r)
    {
        var d = c.D;
        var v = r.Values;
        IpPrefix? v4 = null;
        if (Empty(v.Str("cidr_block", d)) is { } cidr && Normalize.TryCidr(cidr, Family.V4, "cidr_block", v.Location, d, out var p))
        {
            v4 = p;
        }

        var v6 = new List<IpPrefix>();
        if (Empty(v.Str("ipv6_cidr_block", d)) is { } cidr6 && Normalize.TryCidr(cidr6, Family.V6, "ipv6_cidr_block", v.Location, d, out var p6))
        {
            v6.Add(p6);
        }

        c.B.AddSubnet(new Subnet
        {
            Id = c.Id(r),
            VpcId = c.Ref(r, "vpc_id"),
            CidrBlock = v4,
            Ipv6CidrBlocks = v6.ToArray(),
            AvailabilityZone = Empty(v.Str("availability_zone", d)),
            AvailabilityZoneId = Empty(v.Str("availability_zone_id", d)),
            OwnerId = Empty(v.Str("owner_id", d)),
            Source = v.Location,
        });
    }

    private static void ReadVpc(Ctx c, TfResource r)
    {
        var d = c.D;
        var v = r.Values;
        var v4 = new List<IpPrefix>();
        if (Empty(v.Str("cidr_block", d)) is { } cidr && Normalize.TryCidr(cidr, Family.V4, "cidr_block", v.Location, d, out var p))
        {
            v4.Add(p);
        }

        var v6 = new List<IpPrefix>();
        if (Empty(v.Str("ipv6_cidr_block", d)) is { } cidr6 && Normalize.TryCidr(cidr6, Family.V6, "ipv6_cidr_block", v.Location, d, out var p6))
        {
            v6.Add(p6);
        }

        c.B.AddVpc(new Vpc { Id = c.Id(r), OwnerId = Empty(v.Str("owner_id", d)), CidrBlocks = v4.ToArray(), Ipv6CidrBlocks = v6.ToArray(), Source = v.Location });
    }

    private static void ReadVpcCidr(Ctx c, TfResource r)
    {
        var d = c.D;
        var v = r.Values;
        if (c.Ref(r, "vpc_id") is not { } vpc)
        {
            return;
        }

        var v4 = new List<IpPrefix>();
        var v6 = new List<IpPrefix>();
        if (Empty(v.Str("cidr_block", d)) is { } cidr && Normalize.TryCidr(cidr, Family.V4, "cidr_block", v.Location, d, out var p))
        {
            v4.Add(p);
        }

        if (Empty(v.Str("ipv6_cidr_block", d)) is { } cidr6 && Normalize.TryCidr(cidr6, Family.V6, "ipv6_cidr_block", v.Location, d, out var p6))
        {
            v6.Add(p6);
        }

        c.B.AddVpc(new Vpc { Id = vpc, CidrBlocks = v4.ToArray(), Ipv6CidrBlocks = v6.ToArray(), Source = v.Location });
    }

    // ---- network ACLs and prefix lists ----------------------------------------------------------

    private static void ReadNetworkAcl(Ctx c, TfResource r)
    {
        var d = c.D;
        var v = r.Values;
        string id = c.Id(r);
        c.B.DefineAcl(id, c.Ref(r, "vpc_id"), r.Type == "aws_default_network_acl", Empty(v.Str("owner_id", d)), v.Location);
        foreach (string subnet in c.RefList(r, "subnet_ids"))
        {
            c.B.AssociateAcl(id, subnet, v.Location);
        }

        foreach (var (key, egress) in new[] { ("ingress", false), ("egress", true) })
        {
            foreach (var e in v.Objects(key, d))
            {
                AclEntry(c, id, egress, e, "rule_no", "action");
            }
        }
    }

    private static void ReadNetworkAclRule(Ctx c, TfResource r)
    {
        if (c.Ref(r, "network_acl_id") is not { } acl)
        {
            c.D.Warning(ConfigDiagnosticCodes.RuleDropped, $"{r.Address}: network_acl_id is not known; the rule is dropped", r.Values);
            return;
        }

        AclEntry(c, acl, r.Values.Bool("egress", c.D) ?? false, r.Values, "rule_number", "rule_action");
    }

    private static void AclEntry(Ctx c, string aclId, bool egress, MapNode e, string numberKey, string actionKey)
    {
        var d = c.D;
        int? number = e.Int(numberKey, d);
        string? proto = e.Str("protocol", d);
        string? action = e.Str(actionKey, d);
        string? v4 = Empty(e.Str("cidr_block", d)), v6 = Empty(e.Str("ipv6_cidr_block", d));
        if (number is null || proto is null || action is null)
        {
            d.Error(ConfigDiagnosticCodes.MissingField, $"network ACL rule needs {numberKey}, protocol and {actionKey}", e);
            return;
        }

        if ((v4 is null) == (v6 is null))
        {
            d.Error(v4 is null ? ConfigDiagnosticCodes.MissingField : ConfigDiagnosticCodes.InvalidValue, "network ACL rule needs exactly one of cidr_block and ipv6_cidr_block", e);
            return;
        }

        if (!Normalize.TryProtocol(proto, "protocol", e.Location, d, out int protocol) ||
            !Rules.TryAction(action, e.Location, d, out bool allow) ||
            !Normalize.TryCidr(v4 ?? v6, v4 is null ? Family.V6 : Family.V4, v4 is null ? "ipv6_cidr_block" : "cidr_block", e.Location, d, out var cidr))
        {
            return;
        }

        c.B.AddAclEntry(aclId, Rules.AclEntry(number.Value, egress, protocol, allow, cidr,
            e.Int("from_port", d), e.Int("to_port", d), e.Int("icmp_type", d), e.Int("icmp_code", d), e.Location));
    }

    private static void ReadPrefixList(Ctx c, TfResource r)
    {
        var d = c.D;
        var v = r.Values;
        string id = c.Id(r);
        c.B.DefinePrefixList(id, Empty(v.Str("name", d)), Empty(v.Str("address_family", d)), Empty(v.Str("owner_id", d)), v.Int("max_entries", d), v.Long("version", d), v.Location);
        var entries = new List<PrefixListEntry>();
        foreach (var e in v.Objects("entry", d))
        {
            if (Normalize.TryCidr(e.Str("cidr", d), Family.Any, "cidr", e.Location, d, out var p))
            {
                entries.Add(new PrefixListEntry(p, Empty(e.Str("description", d))));
            }
        }

        if (v.GetValue("entry") is not null)
        {
            c.B.AddPrefixListEntries(id, entries, v.Location);
        }
    }

    private sealed record TfResource(string Address, string Type, MapNode Values);

    private sealed partial class Ctx
    {
        private readonly Dictionary<string, TfResource> _byAddress = new(StringComparer.Ordinal);
        private readonly Dictionary<string, MapNode> _expressions;

        public Ctx(ConfigBuilder b, List<TfResource> resources, Dictionary<string, MapNode> expressions)
        {
            B = b;
            _expressions = expressions;
            foreach (var r in resources)
            {
                _byAddress.TryAdd(r.Address, r);
                _byAddress.TryAdd(StripIndexes(r.Address), r);
            }
        }

        public ConfigBuilder B { get; }

        public DiagnosticBag D => B.Diagnostics;

        /// <summary>The resource's id, or its address while the id is not known (plan).</summary>
        public string Id(TfResource r) => Empty(r.Values.Str("id", D)) ?? r.Address;

        /// <summary>An id-valued attribute, following the plan's configuration references when the value is not known yet.</summary>
        public string? Ref(TfResource r, string key)
        {
            if (Empty(r.Values.Str(key, D)) is { } value)
            {
                return value;
            }

            return Referenced(r, key).FirstOrDefault();
        }

        public string[] RefList(TfResource r, string key)
        {
            if (r.Values.GetValue(key) is not null)
            {
                return r.Values.Scalars(key, D).Select(s => s.Value).Distinct(StringComparer.Ordinal).ToArray();
            }

            return Referenced(r, key).Distinct(StringComparer.Ordinal).ToArray();
        }

        private IEnumerable<string> Referenced(TfResource r, string key)
        {
            if (!_expressions.TryGetValue(StripIndexes(r.Address), out var expressions) || expressions.Obj(key, D)?.GetValue("references") is not SeqNode refs)
            {
                yield break;
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            string prefix = ModulePrefix(r.Address);
            foreach (var item in refs.Items.OfType<ScalarNode>())
            {
                string reference = prefix + item.Value;
                while (reference.Length > 0)
                {
                    if (_byAddress.TryGetValue(reference, out var target))
                    {
                        string id = Id(target);
                        if (seen.Add(id))
                        {
                            yield return id;
                        }

                        break;
                    }

                    int dot = reference.LastIndexOf('.');
                    if (dot < 0)
                    {
                        break;
                    }

                    reference = reference[..dot];
                }
            }
        }

        private static string ModulePrefix(string address)
        {
            var m = ModulePrefixPattern().Match(address);
            return m.Success ? StripIndexes(m.Value) : string.Empty;
        }

        private static string StripIndexes(string address) => IndexPattern().Replace(address, string.Empty);

        [GeneratedRegex(@"^(module\.[^.\[]+(\[[^\]]*\])?\.)+")]
        private static partial Regex ModulePrefixPattern();

        [GeneratedRegex(@"\[[^\]]*\]")]
        private static partial Regex IndexPattern();
    }
}
