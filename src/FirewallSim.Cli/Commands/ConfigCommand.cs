using System.Buffers;
using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FirewallSim.Cli.Hosting;
using FirewallSim.Cli.Output;
using FirewallSim.Config;
using FirewallSim.Net;

namespace FirewallSim.Cli.Commands;

/// <summary><c>fwsim config show</c>: the normalised configuration, per version, as text tables or JSON.</summary>
internal static class ConfigCommand
{
    public static Command Create(CommandRunner runner)
    {
        var config = new Command("config", "Work with AWS configurations (security groups, network ACLs, interfaces, subnets, VPCs, prefix lists).");
        config.Subcommands.Add(CreateShow(runner));
        return config;
    }

    private static Command CreateShow(CommandRunner runner)
    {
        var options = new ConfigOptions();
        var json = new Option<bool>("--json") { Description = "The whole normalised configuration as one JSON document." };
        var show = new Command("show", "Load the configuration and print it normalised: VPCs, subnets with their effective NACL, interfaces, " +
                                       "security groups with numbered rules, NACLs with ordered entries, prefix lists; one section per version.")
        {
            json,
        };
        options.AddTo(show);
        runner.Bind(show, (ctx, parse) =>
        {
            var timeline = options.Load(ctx, parse);
            if (parse.GetValue(json))
            {
                WriteJson(ctx.Out, timeline);
            }
            else
            {
                WriteText(ctx.Out, timeline);
            }

            return Task.FromResult(ExitCodes.Ok);
        });
        return show;
    }

    // ---- text ---------------------------------------------------------------------------------------

    private static void WriteText(TextWriter o, ConfigTimeline timeline)
    {
        bool first = true;
        foreach (var version in timeline.Versions)
        {
            if (!first)
            {
                o.WriteLine();
            }

            first = false;
            WriteVersion(o, version, timeline.Versions.Count);
        }
    }

    private static void WriteVersion(TextWriter o, ConfigVersion version, int count)
    {
        var c = version.Config;
        string from = version.EffectiveFromNs == long.MinValue ? "from the beginning" : "from " + TimeText.Iso(version.EffectiveFromNs);
        o.WriteLine($"== configuration {version.Label} ({from}{(count > 1 ? "; " + count.ToString(CultureInfo.InvariantCulture) + " versions" : "")})");
        o.WriteLine($"account: {c.AccountId ?? "-"}   region: {c.Region ?? "-"}");
        o.WriteLine($"files:   {(c.Files.Count == 0 ? "-" : string.Join(", ", c.Files))}");

        o.WriteLine();
        o.WriteLine(Count("VPCs", c.Vpcs.Count));
        var vpcs = new Table("ID", "IPV4 CIDR BLOCKS", "IPV6 CIDR BLOCKS", "OWNER");
        foreach (var v in c.Vpcs.Values)
        {
            vpcs.Add(v.Id, Join(v.CidrBlocks), Join(v.Ipv6CidrBlocks), v.OwnerId ?? "-");
        }

        vpcs.WriteTo(o);

        o.WriteLine();
        o.WriteLine(Count("Subnets", c.Subnets.Count));
        var subnets = new Table("ID", "VPC", "IPV4 CIDR", "IPV6 CIDR", "ZONE", "ZONE ID", "NETWORK ACL");
        foreach (var s in c.Subnets.Values)
        {
            subnets.Add(s.Id, s.VpcId ?? "-", s.CidrBlock?.ToString() ?? "-", Join(s.Ipv6CidrBlocks), s.AvailabilityZone ?? "-", s.AvailabilityZoneId ?? "-", AclText(c, s.Id));
        }

        subnets.WriteTo(o);

        o.WriteLine();
        o.WriteLine(Count("Network interfaces", c.NetworkInterfaces.Count));
        var enis = new Table("ID", "TYPE", "SUBNET", "PRIVATE IPV4 (PRIMARY FIRST)", "IPV6", "MAC", "GROUPS", "INSTANCE", "CONNTRACK TIMEOUTS");
        foreach (var e in c.NetworkInterfaces.Values)
        {
            string type = e.InterfaceType + (e.RequesterManaged ? " (requester-managed)" : string.Empty);
            string v4 = Join(e.PrivateIpv4Addresses) + (e.Ipv4Prefixes.Count > 0 ? " + prefixes " + Join(e.Ipv4Prefixes) : string.Empty) +
                        (e.PublicIp is { } pub ? " (public " + pub + ")" : string.Empty);
            string v6 = Join(e.Ipv6Addresses) + (e.Ipv6Prefixes.Count > 0 ? " + prefixes " + Join(e.Ipv6Prefixes) : string.Empty);
            enis.Add(e.Id, type, e.SubnetId ?? "-", v4, v6, e.Mac.IsNone ? "-" : e.Mac.ToString(), e.GroupIds.Count == 0 ? "(none)" : string.Join(", ", e.GroupIds),
                e.InstanceId ?? "-", ConntrackText(e.ConnectionTracking));
        }

        enis.WriteTo(o);

        o.WriteLine();
        o.WriteLine(Count("Security groups", c.SecurityGroups.Count));
        if (c.SecurityGroups.Count == 0)
        {
            o.WriteLine("  (none)");
        }

        foreach (var g in c.SecurityGroups.Values)
        {
            var head = new StringBuilder("  ").Append(g.Id);
            if (g.Name is not null)
            {
                head.Append(" \"").Append(g.Name).Append('"');
            }

            head.Append("  vpc ").Append(g.VpcId ?? "-").Append("  owner ").Append(g.OwnerId ?? "-");
            o.WriteLine(head.ToString());
            foreach (bool egress in new[] { false, true })
            {
                var rules = g.Rules(egress);
                o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {(egress ? "outbound" : "inbound")} ({rules.Count}):"));
                if (rules.Count == 0)
                {
                    continue;
                }

                var t = new Table("#", "PROTOCOL", "PORTS / ICMP", egress ? "DESTINATION" : "SOURCE", "DESCRIPTION", "RULE ID");
                foreach (var r in rules)
                {
                    t.Add(r.Index.ToString(CultureInfo.InvariantCulture), RuleProtocol.Name(r.Protocol), RulePorts(r), PeerText(r.Peer), r.Description ?? "", r.RuleId ?? "");
                }

                t.WriteTo(o, "      ");
            }
        }

        o.WriteLine();
        o.WriteLine(Count("Network ACLs", c.NetworkAcls.Count));
        if (c.NetworkAcls.Count == 0)
        {
            o.WriteLine("  (none)");
        }

        foreach (var a in c.NetworkAcls.Values)
        {
            o.WriteLine($"  {a.Id}  vpc {a.VpcId ?? "-"}  {(a.IsDefault ? "default" : "custom")}  subnets {(a.SubnetIds.Count == 0 ? "-" : string.Join(", ", a.SubnetIds))}");
            foreach (bool egress in new[] { false, true })
            {
                o.WriteLine($"    {(egress ? "outbound" : "inbound")}:");
                var t = new Table("RULE", "ACTION", "PROTOCOL", "PORTS / ICMP", "CIDR", "");
                foreach (var e in a.Entries.Where(e => e.Egress == egress).OrderBy(e => e.RuleNumber))
                {
                    t.Add(e.RuleNumber >= 32767 ? "*" : e.RuleNumber.ToString(CultureInfo.InvariantCulture), e.Allow ? "allow" : "deny", RuleProtocol.Name(e.Protocol), AclPorts(e), e.Cidr.ToString(), e.RuleNumber >= 32767 ? "catch-all" : "");
                }

                foreach (var (cidr, number) in ImplicitCatchAll(a, egress))
                {
                    t.Add("*", "deny", "all", "-", cidr.ToString(), string.Create(CultureInfo.InvariantCulture, $"implicit ({number})"));
                }

                t.WriteTo(o, "      ");
            }
        }

        o.WriteLine();
        o.WriteLine(Count("Prefix lists", c.PrefixLists.Count));
        var pls = new Table("ID", "NAME", "FAMILY", "OWNER", "MAX", "VERSION", "ENTRIES");
        foreach (var p in c.PrefixLists.Values)
        {
            pls.Add(p.Id, p.Name ?? "-", p.AddressFamily ?? "-", p.OwnerId ?? "-", p.MaxEntries?.ToString(CultureInfo.InvariantCulture) ?? "-",
                p.Version?.ToString(CultureInfo.InvariantCulture) ?? "-",
                p.EntriesKnown ? (p.Entries.Count == 0 ? "(empty)" : string.Join(", ", p.Entries.Select(e => e.Cidr.ToString()))) : "(not in the files)");
        }

        pls.WriteTo(o);
    }

    /// <summary>The catch-all deny rules AWS always has; shown when the input did not list them (CloudFormation, Terraform, lab).</summary>
    private static IEnumerable<(IpPrefix Cidr, int Number)> ImplicitCatchAll(NetworkAcl acl, bool egress)
    {
        var entries = acl.Entries.Where(e => e.Egress == egress).ToList();
        if (!entries.Exists(e => e.RuleNumber == 32767))
        {
            yield return (IpPrefix.AllV4, 32767);
        }

        if (!entries.Exists(e => e.RuleNumber == 32768))
        {
            yield return (IpPrefix.AllV6, 32768);
        }
    }

    private static string Count(string what, int n) => string.Create(CultureInfo.InvariantCulture, $"{what} ({n})");

    private static string Join<T>(IEnumerable<T> items)
    {
        string s = string.Join(", ", items);
        return s.Length == 0 ? "-" : s;
    }

    private static string AclText(AwsConfig c, string subnetId)
    {
        var acl = c.AclForSubnet(subnetId);
        if (acl is null)
        {
            return "(none known)";
        }

        return acl.SubnetIds.Contains(subnetId) ? acl.Id : acl.Id + " (VPC default)";
    }

    private static string ConntrackText(ConnectionTrackingSettings? ct)
    {
        if (ct is null || (ct.TcpEstablishedTimeout is null && ct.UdpTimeout is null && ct.UdpStreamTimeout is null))
        {
            return "defaults";
        }

        static string V(int? v) => v?.ToString(CultureInfo.InvariantCulture) + (v is null ? "default" : "s");
        return $"tcp {V(ct.TcpEstablishedTimeout)}, udp {V(ct.UdpTimeout)}, stream {V(ct.UdpStreamTimeout)}";
    }

    private static string RulePorts(SecurityGroupRule r)
    {
        if (r.PortsApply)
        {
            if (r.FromPort <= 0 && r.ToPort >= 65535)
            {
                return "all";
            }

            return r.FromPort == r.ToPort
                ? r.FromPort.ToString(CultureInfo.InvariantCulture)
                : string.Create(CultureInfo.InvariantCulture, $"{r.FromPort}-{r.ToPort}");
        }

        if (r.IcmpApplies)
        {
            return IcmpText(r.FromPort, r.ToPort);
        }

        return "-";
    }

    private static string AclPorts(NetworkAclEntry e)
    {
        if (e.PortFrom is { } f && e.PortTo is { } t)
        {
            if (f <= 0 && t >= 65535)
            {
                return "all";
            }

            return f == t ? f.ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{f}-{t}");
        }

        return e.IcmpType is { } type ? IcmpText(type, e.IcmpCode ?? -1) : "-";
    }

    private static string IcmpText(int type, int code) => type == -1
        ? "all types"
        : code == -1
            ? string.Create(CultureInfo.InvariantCulture, $"type {type}, all codes")
            : string.Create(CultureInfo.InvariantCulture, $"type {type} code {code}");

    private static string PeerText(SecurityGroupPeer p)
    {
        string s = p.ToString();
        if (p.Kind == PeerKind.SecurityGroup && p.PeeringStatus is { } status)
        {
            s += $" (peering {p.VpcPeeringConnectionId ?? "?"} {status})";
        }

        return s;
    }

    /// <summary>A left-aligned text table.</summary>
    private sealed class Table
    {
        private readonly string[] _header;
        private readonly List<string[]> _rows = new();

        public Table(params string[] header) => _header = header;

        public void Add(params string[] row) => _rows.Add(row);

        public void WriteTo(TextWriter o, string indent = "  ")
        {
            if (_rows.Count == 0)
            {
                o.WriteLine(indent + "(none)");
                return;
            }

            var widths = new int[_header.Length];
            foreach (var row in _rows.Prepend(_header))
            {
                for (int i = 0; i < row.Length; i++)
                {
                    widths[i] = Math.Max(widths[i], row[i].Length);
                }
            }

            foreach (var row in _rows.Prepend(_header))
            {
                var sb = new StringBuilder(indent);
                for (int i = 0; i < row.Length; i++)
                {
                    sb.Append(i == row.Length - 1 ? row[i] : row[i].PadRight(widths[i] + 2));
                }

                o.WriteLine(sb.ToString().TrimEnd());
            }
        }
    }

    // ---- JSON ---------------------------------------------------------------------------------------

    private static void WriteJson(TextWriter o, ConfigTimeline timeline)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("versions");
            foreach (var v in timeline.Versions)
            {
                WriteVersionJson(w, v);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        o.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
        o.Write('\n');
    }

    private static void WriteVersionJson(Utf8JsonWriter w, ConfigVersion version)
    {
        var c = version.Config;
        w.WriteStartObject();
        w.WriteString("label", version.Label);
        if (version.EffectiveFromNs == long.MinValue)
        {
            w.WriteNull("effective_from_ns");
            w.WriteNull("effective_from");
        }
        else
        {
            w.WriteNumber("effective_from_ns", version.EffectiveFromNs);
            w.WriteString("effective_from", TimeText.Iso(version.EffectiveFromNs));
        }

        Str(w, "account", c.AccountId);
        Str(w, "region", c.Region);
        Strings(w, "files", c.Files);

        w.WriteStartArray("vpcs");
        foreach (var v in c.Vpcs.Values)
        {
            w.WriteStartObject();
            w.WriteString("id", v.Id);
            Str(w, "owner_id", v.OwnerId);
            Strings(w, "cidr_blocks", v.CidrBlocks);
            Strings(w, "ipv6_cidr_blocks", v.Ipv6CidrBlocks);
            Source(w, v.Source);
            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartArray("subnets");
        foreach (var s in c.Subnets.Values)
        {
            w.WriteStartObject();
            w.WriteString("id", s.Id);
            Str(w, "vpc_id", s.VpcId);
            Str(w, "cidr_block", s.CidrBlock?.ToString());
            Strings(w, "ipv6_cidr_blocks", s.Ipv6CidrBlocks);
            Str(w, "availability_zone", s.AvailabilityZone);
            Str(w, "availability_zone_id", s.AvailabilityZoneId);
            Str(w, "owner_id", s.OwnerId);
            var acl = c.AclForSubnet(s.Id);
            Str(w, "network_acl_id", acl?.Id);
            w.WriteBoolean("network_acl_explicit", acl is not null && acl.SubnetIds.Contains(s.Id));
            Source(w, s.Source);
            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartArray("network_interfaces");
        foreach (var e in c.NetworkInterfaces.Values)
        {
            w.WriteStartObject();
            w.WriteString("id", e.Id);
            w.WriteString("interface_type", e.InterfaceType);
            w.WriteBoolean("requester_managed", e.RequesterManaged);
            Str(w, "owner_id", e.OwnerId);
            Str(w, "subnet_id", e.SubnetId);
            Str(w, "vpc_id", e.VpcId);
            Str(w, "availability_zone", e.AvailabilityZone);
            Str(w, "availability_zone_id", e.AvailabilityZoneId);
            Str(w, "mac", e.Mac.IsNone ? null : e.Mac.ToString());
            Str(w, "primary_ipv4", e.PrimaryIpv4?.ToString());
            Strings(w, "private_ipv4", e.PrivateIpv4Addresses);
            Strings(w, "ipv6", e.Ipv6Addresses);
            Strings(w, "ipv4_prefixes", e.Ipv4Prefixes);
            Strings(w, "ipv6_prefixes", e.Ipv6Prefixes);
            Str(w, "public_ip", e.PublicIp?.ToString());
            Str(w, "instance_id", e.InstanceId);
            Strings(w, "groups", e.GroupIds);
            if (e.ConnectionTracking is { } ct)
            {
                w.WriteStartObject("connection_tracking");
                Int(w, "tcp_established_timeout", ct.TcpEstablishedTimeout);
                Int(w, "udp_timeout", ct.UdpTimeout);
                Int(w, "udp_stream_timeout", ct.UdpStreamTimeout);
                w.WriteEndObject();
            }
            else
            {
                w.WriteNull("connection_tracking");
            }

            Str(w, "description", e.Description);
            Str(w, "name", e.Name);
            Source(w, e.Source);
            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartArray("security_groups");
        foreach (var g in c.SecurityGroups.Values)
        {
            w.WriteStartObject();
            w.WriteString("id", g.Id);
            Str(w, "name", g.Name);
            Str(w, "description", g.Description);
            Str(w, "vpc_id", g.VpcId);
            Str(w, "owner_id", g.OwnerId);
            Source(w, g.Source);
            foreach (bool egress in new[] { false, true })
            {
                w.WriteStartArray(egress ? "outbound" : "inbound");
                foreach (var r in g.Rules(egress))
                {
                    w.WriteStartObject();
                    w.WriteNumber("index", r.Index);
                    w.WriteNumber("protocol", r.Protocol);
                    w.WriteString("protocol_name", RuleProtocol.Name(r.Protocol));
                    w.WriteNumber("from_port", r.FromPort);
                    w.WriteNumber("to_port", r.ToPort);
                    w.WriteString("ports", RulePorts(r));
                    w.WriteStartObject("peer");
                    var p = r.Peer;
                    w.WriteString("kind", p.Kind switch { PeerKind.Cidr => "cidr", PeerKind.PrefixList => "prefix-list", _ => "security-group" });
                    switch (p.Kind)
                    {
                        case PeerKind.Cidr:
                            w.WriteString("cidr", p.Cidr.ToString());
                            break;
                        case PeerKind.PrefixList:
                            Str(w, "prefix_list_id", p.PrefixListId);
                            break;
                        default:
                            Str(w, "group_id", p.GroupId);
                            Str(w, "user_id", p.UserId);
                            Str(w, "vpc_id", p.VpcId);
                            Str(w, "vpc_peering_connection_id", p.VpcPeeringConnectionId);
                            Str(w, "peering_status", p.PeeringStatus);
                            break;
                    }

                    w.WriteEndObject();
                    Str(w, "description", r.Description);
                    Str(w, "rule_id", r.RuleId);
                    Source(w, r.Source);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartArray("network_acls");
        foreach (var a in c.NetworkAcls.Values)
        {
            w.WriteStartObject();
            w.WriteString("id", a.Id);
            Str(w, "vpc_id", a.VpcId);
            w.WriteBoolean("is_default", a.IsDefault);
            Str(w, "owner_id", a.OwnerId);
            Strings(w, "subnets", a.SubnetIds);
            Source(w, a.Source);
            foreach (bool egress in new[] { false, true })
            {
                w.WriteStartArray(egress ? "outbound" : "inbound");
                foreach (var e in a.Entries.Where(e => e.Egress == egress).OrderBy(e => e.RuleNumber))
                {
                    w.WriteStartObject();
                    w.WriteNumber("rule_number", e.RuleNumber);
                    w.WriteString("action", e.Allow ? "allow" : "deny");
                    w.WriteNumber("protocol", e.Protocol);
                    w.WriteString("protocol_name", RuleProtocol.Name(e.Protocol));
                    w.WriteString("cidr", e.Cidr.ToString());
                    Int(w, "port_from", e.PortFrom);
                    Int(w, "port_to", e.PortTo);
                    Int(w, "icmp_type", e.IcmpType);
                    Int(w, "icmp_code", e.IcmpCode);
                    w.WriteBoolean("implicit", false);
                    Source(w, e.Source);
                    w.WriteEndObject();
                }

                foreach (var (cidr, number) in ImplicitCatchAll(a, egress))
                {
                    w.WriteStartObject();
                    w.WriteNumber("rule_number", number);
                    w.WriteString("action", "deny");
                    w.WriteNumber("protocol", RuleProtocol.All);
                    w.WriteString("protocol_name", "all");
                    w.WriteString("cidr", cidr.ToString());
                    w.WriteNull("port_from");
                    w.WriteNull("port_to");
                    w.WriteNull("icmp_type");
                    w.WriteNull("icmp_code");
                    w.WriteBoolean("implicit", true);
                    w.WriteNull("source");
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartArray("prefix_lists");
        foreach (var p in c.PrefixLists.Values)
        {
            w.WriteStartObject();
            w.WriteString("id", p.Id);
            Str(w, "name", p.Name);
            Str(w, "address_family", p.AddressFamily);
            Str(w, "owner_id", p.OwnerId);
            Int(w, "max_entries", p.MaxEntries);
            if (p.Version is { } listVersion)
            {
                w.WriteNumber("version", listVersion);
            }
            else
            {
                w.WriteNull("version");
            }

            w.WriteBoolean("entries_known", p.EntriesKnown);
            w.WriteStartArray("entries");
            foreach (var e in p.Entries)
            {
                w.WriteStartObject();
                w.WriteString("cidr", e.Cidr.ToString());
                Str(w, "description", e.Description);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            Source(w, p.Source);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Str(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void Int(Utf8JsonWriter w, string name, int? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void Strings<T>(Utf8JsonWriter w, string name, IEnumerable<T> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v?.ToString());
        }

        w.WriteEndArray();
    }

    private static void Source(Utf8JsonWriter w, SourceLocation? s)
    {
        if (s is null)
        {
            w.WriteNull("source");
            return;
        }

        w.WriteStartObject("source");
        w.WriteString("file", s.File);
        Str(w, "path", s.Path);
        if (s.Line > 0)
        {
            w.WriteNumber("line", s.Line);
            w.WriteNumber("column", s.Column);
        }

        w.WriteEndObject();
    }
}
