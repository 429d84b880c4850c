using System.Globalization;
using FirewallSim.Config.Loading;
using FirewallSim.Net;

namespace FirewallSim.Config.Validation;

/// <summary>
/// Checks a loaded configuration and returns every problem at once, each with its place: port and
/// ICMP ranges, NACL rule numbers, addresses owned by two interfaces, references to groups and prefix
/// lists that are not in the files (warnings, errors with strict), interfaces without groups (D16).
/// </summary>
public static class ConfigValidator
{
    private static readonly HashSet<string> TypesWithoutGroups = new(StringComparer.OrdinalIgnoreCase)
    {
        "natGateway", "transit_gateway", "gateway_load_balancer", "gateway_load_balancer_endpoint",
    };

    public static IReadOnlyList<ConfigDiagnostic> Validate(AwsConfig config, bool strict = false)
    {
        var d = new List<ConfigDiagnostic>();
        var missingGroups = new Dictionary<string, Reference>(StringComparer.Ordinal);
        var missingLists = new Dictionary<string, Reference>(StringComparer.Ordinal);

        foreach (var group in config.SecurityGroups.Values)
        {
            foreach (var rule in group.Inbound.Concat(group.Outbound))
            {
                CheckRule(rule, d);
                var peer = rule.Peer;
                if (peer.Kind == PeerKind.SecurityGroup && peer.GroupId is { } gid)
                {
                    if (peer.IsStale)
                    {
                        d.Add(new(DiagnosticSeverity.Note, ConfigDiagnosticCodes.StaleReference,
                            $"{Describe(rule)} references {gid} through a deleted peering connection: the reference is stale and matches nothing", rule.Source));
                    }
                    else if (!config.SecurityGroups.ContainsKey(gid))
                    {
                        Note(missingGroups, gid, rule.Source).Rules++;
                    }
                }
                else if (peer.Kind == PeerKind.PrefixList && peer.PrefixListId is { } pl)
                {
                    if (!config.PrefixLists.TryGetValue(pl, out var list) || !list.EntriesKnown)
                    {
                        Note(missingLists, pl, rule.Source).Rules++;
                    }
                }
            }
        }

        var owners = new Dictionary<IpAddr, NetworkInterface>();
        foreach (var eni in config.NetworkInterfaces.Values)
        {
            foreach (string gid in eni.GroupIds)
            {
                if (!config.SecurityGroups.ContainsKey(gid))
                {
                    Note(missingGroups, gid, eni.Source).Interfaces++;
                }
            }

            if (eni.GroupIds.Count == 0 && !eni.RequesterManaged && !TypesWithoutGroups.Contains(eni.InterfaceType))
            {
                d.Add(new(DiagnosticSeverity.Warning, ConfigDiagnosticCodes.EniWithoutGroups,
                    $"network interface {eni.Id} ({eni.InterfaceType}) has no security groups: it denies all traffic (D16); an instance's interface always has at least one group, so the input may be incomplete",
                    eni.Source));
            }

            if (eni.PrivateIpv4Addresses.Count == 0 && eni.Ipv6Addresses.Count == 0)
            {
                d.Add(new(DiagnosticSeverity.Warning, ConfigDiagnosticCodes.EniWithoutAddress,
                    $"network interface {eni.Id} has no private IPv4 or IPv6 address: no packet can be attributed to it", eni.Source));
            }

            if (eni.SubnetId is { } sid && config.Subnets.TryGetValue(sid, out var subnet))
            {
                foreach (var address in eni.Addresses)
                {
                    bool knownFamily = address.IsV4 ? subnet.CidrBlock is not null : subnet.Ipv6CidrBlocks.Count > 0;
                    if (knownFamily && !subnet.Contains(address))
                    {
                        d.Add(new(DiagnosticSeverity.Warning, ConfigDiagnosticCodes.AddressOutsideSubnet,
                            $"network interface {eni.Id} has address {address}, which is outside its subnet {sid} ({string.Join(", ", new[] { subnet.CidrBlock?.ToString() }.Concat(subnet.Ipv6CidrBlocks.Select(p => p.ToString())).Where(x => x is not null))})",
                            eni.Source));
                    }
                }
            }

            foreach (var address in eni.Addresses.Distinct())
            {
                if (!owners.TryGetValue(address, out var other))
                {
                    owners.Add(address, eni);
                    continue;
                }

                bool sameVpc = other.VpcId is null || eni.VpcId is null || other.VpcId == eni.VpcId;
                d.Add(sameVpc
                    ? new(DiagnosticSeverity.Error, ConfigDiagnosticCodes.DuplicateEniAddress,
                        $"address {address} belongs to network interfaces {other.Id} and {eni.Id}{(eni.VpcId is null ? "" : " in " + eni.VpcId)}; an address can be assigned to one interface only",
                        eni.Source)
                    : new(DiagnosticSeverity.Warning, ConfigDiagnosticCodes.DuplicateEniAddress,
                        $"address {address} belongs to network interfaces {other.Id} ({other.VpcId}) and {eni.Id} ({eni.VpcId}); packets to or from it are attributed to both",
                        eni.Source));
            }
        }

        var subnetAcl = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var acl in config.NetworkAcls.Values)
        {
            var seen = new HashSet<(bool, int)>();
            foreach (var e in acl.Entries)
            {
                CheckAclEntry(acl, e, d);
                if (!seen.Add((e.Egress, e.RuleNumber)))
                {
                    d.Add(new(DiagnosticSeverity.Error, ConfigDiagnosticCodes.DuplicateNaclRule,
                        string.Create(CultureInfo.InvariantCulture,
                            $"network ACL {acl.Id} has two {(e.Egress ? "outbound" : "inbound")} rules numbered {e.RuleNumber}; rule numbers are unique per direction"),
                        e.Source));
                }
            }

            foreach (string subnet in acl.SubnetIds)
            {
                if (subnetAcl.TryGetValue(subnet, out string? other) && other != acl.Id)
                {
                    d.Add(new(DiagnosticSeverity.Error, ConfigDiagnosticCodes.SubnetAclConflict,
                        $"subnet {subnet} is associated with network ACLs {other} and {acl.Id}; a subnet has exactly one", acl.Source));
                }
                else
                {
                    subnetAcl[subnet] = acl.Id;
                }
            }
        }

        var severity = strict ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning;
        foreach (var (gid, r) in missingGroups)
        {
            d.Add(new(severity, ConfigDiagnosticCodes.UnknownGroup,
                $"security group {gid} is {r.Text("referenced by")} but not in the given files: references to it match no address{(r.Interfaces > 0 ? " and the interfaces carrying it get no rules from it" : "")}",
                r.First));
        }

        foreach (var (pl, r) in missingLists)
        {
            bool known = config.PrefixLists.ContainsKey(pl);
            d.Add(new(severity, known ? ConfigDiagnosticCodes.PrefixListEntriesUnknown : ConfigDiagnosticCodes.UnknownPrefixList,
                known
                    ? $"prefix list {pl} is {r.Text("referenced by")} but its entries are not in the given files (add get-managed-prefix-list-entries output): it matches no address"
                    : $"prefix list {pl} is {r.Text("referenced by")} but not in the given files: it matches no address",
                r.First));
        }

        if (config.SecurityGroups.Count == 0 && config.NetworkInterfaces.Count == 0 && config.NetworkAcls.Count == 0 &&
            config.Subnets.Count == 0 && config.Vpcs.Count == 0 && config.PrefixLists.Count == 0)
        {
            d.Add(new(DiagnosticSeverity.Warning, ConfigDiagnosticCodes.EmptyConfiguration,
                $"the configuration is empty: {(config.Files.Count == 0 ? "no files" : string.Join(", ", config.Files))} defined no VPC, subnet, interface, group, ACL or prefix list",
                config.Files.Count == 1 ? new SourceLocation(config.Files[0]) : null));
        }

        return d;
    }

    private static void CheckRule(SecurityGroupRule rule, List<ConfigDiagnostic> d)
    {
        if (rule.PortsApply)
        {
            if (!InRange(rule.FromPort, 0, 65535) || !InRange(rule.ToPort, 0, 65535))
            {
                d.Add(new(DiagnosticSeverity.Error, ConfigDiagnosticCodes.InvalidPort,
                    string.Create(CultureInfo.InvariantCulture, $"{Describe(rule)}: ports {rule.FromPort}-{rule.ToPort} are outside 0–65535"), rule.Source));
            }
            else if (rule.FromPort > rule.ToPort)
            {
                d.Add(new(DiagnosticSeverity.Error, ConfigDiagnosticCodes.InvertedPortRange,
                    string.Create(CultureInfo.InvariantCulture, $"{Describe(rule)}: FromPort {rule.FromPort} is greater than ToPort {rule.ToPort}"), rule.Source));
            }
        }
        else if (rule.IcmpApplies && (!InRange(rule.FromPort, -1, 255) || !InRange(rule.ToPort, -1, 255)))
        {
            d.Add(new(DiagnosticSeverity.Error, ConfigDiagnosticCodes.InvalidIcmp,
                string.Create(CultureInfo.InvariantCulture, $"{Describe(rule)}: ICMP type {rule.FromPort} / code {rule.ToPort} must be -1 (all) or 0–255"), rule.Source));
        }
    }

    private static void CheckAclEntry(NetworkAcl acl, NetworkAclEntry e, List<ConfigDiagnostic> d)
    {
        string what = string.Create(CultureInfo.InvariantCulture, $"network ACL {acl.Id} {(e.Egress ? "outbound" : "inbound")} rule {e.RuleNumber}");
        if (e.RuleNumber is < 1 or > 32768)
        {
            d.Add(new(DiagnosticSeverity.Error, ConfigDiagnosticCodes.NaclRuleNumber,
                $"{what}: rule numbers are 1–32766 (32767 and 32768 are AWS's catch-all deny rules)", e.Source));
        }
        else if (e.RuleNumber >= 32767 && e.Allow)
        {
            d.Add(new(DiagnosticSeverity.Error, ConfigDiagnosticCodes.NaclRuleNumber,
                $"{what}: 32767 and 32768 are AWS's catch-all deny rules and cannot allow; user rules are numbered 1–32766", e.Source));
        }

        if (e.PortFrom is { } f && e.PortTo is { } t)
        {
            if (!InRange(f, 0, 65535) || !InRange(t, 0, 65535))
            {
                d.Add(new(DiagnosticSeverity.Error, ConfigDiagnosticCodes.InvalidPort,
                    string.Create(CultureInfo.InvariantCulture, $"{what}: ports {f}-{t} are outside 0–65535"), e.Source));
            }
            else if (f > t)
            {
                d.Add(new(DiagnosticSeverity.Error, ConfigDiagnosticCodes.InvertedPortRange,
                    string.Create(CultureInfo.InvariantCulture, $"{what}: port range From {f} is greater than To {t}"), e.Source));
            }
        }

        if ((e.IcmpType is { } ty && !InRange(ty, -1, 255)) || (e.IcmpCode is { } co && !InRange(co, -1, 255)))
        {
            d.Add(new(DiagnosticSeverity.Error, ConfigDiagnosticCodes.InvalidIcmp,
                $"{what}: ICMP type and code must be -1 (all) or 0–255", e.Source));
        }
    }

    private static bool InRange(int v, int lo, int hi) => v >= lo && v <= hi;

    private static string Describe(SecurityGroupRule r) =>
        $"security group {r.GroupId} {(r.Egress ? "outbound" : "inbound")} rule {r.PortText} {(r.Egress ? "to" : "from")} {r.Peer}";

    private static Reference Note(Dictionary<string, Reference> map, string id, SourceLocation? at)
    {
        if (!map.TryGetValue(id, out var r))
        {
            r = new Reference { First = at };
            map.Add(id, r);
        }

        return r;
    }

    private sealed class Reference
    {
        public SourceLocation? First { get; init; }

        public int Rules { get; set; }

        public int Interfaces { get; set; }

        public string Text(string verb)
        {
            var parts = new List<string>();
            if (Rules > 0)
            {
                parts.Add(Rules == 1 ? "1 rule" : string.Create(CultureInfo.InvariantCulture, $"{Rules} rules"));
            }

            string s = parts.Count > 0 ? $"{verb} {parts[0]}" : string.Empty;
            if (Interfaces > 0)
            {
                string carried = Interfaces == 1 ? "carried by 1 network interface" : string.Create(CultureInfo.InvariantCulture, $"carried by {Interfaces} network interfaces");
                s = s.Length == 0 ? carried : s + " and " + carried;
            }

            return s;
        }
    }
}
