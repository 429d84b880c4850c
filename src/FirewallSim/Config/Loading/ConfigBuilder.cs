using System.Globalization;
using FirewallSim.Net;

namespace FirewallSim.Config.Loading;

/// <summary>
/// Collects the objects of one configuration version from all its files and merges them: a group,
/// ACL or prefix list seen in several files (pagination, describe-security-groups plus
/// describe-security-group-rules, the same group id repeated) becomes one object with the union of its
/// rules, identical rules once. <see cref="Build"/> produces the immutable <see cref="AwsConfig"/>.
/// </summary>
internal sealed class ConfigBuilder
{
    /// <summary>Group references by name (SourceSecurityGroupName, UserIdGroupPairs with only GroupName) carry this prefix until <see cref="Build"/> resolves them.</summary>
    public const string NameRefPrefix = "@name:";

    private readonly DiagnosticBag _diag;
    private readonly ConfigLoadOptions _options;
    private readonly Dictionary<string, GroupDraft> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NetworkInterface> _enis = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Vpc> _vpcs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Subnet> _subnets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AclDraft> _acls = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PrefixListDraft> _prefixLists = new(StringComparer.Ordinal);
    private readonly List<(string AclId, string SubnetId, SourceLocation? At)> _associations = new();
    private readonly List<string> _ownerHints = new();
    private readonly List<string> _regionHints = new();
    private readonly List<string> _files = new();

    public ConfigBuilder(DiagnosticBag diag, ConfigLoadOptions options)
    {
        _diag = diag;
        _options = options;
    }

    public string? Account { get; private set; }

    public string? Region { get; private set; }

    public DiagnosticBag Diagnostics => _diag;

    public ConfigLoadOptions Options => _options;

    public void AddFile(string file) => _files.Add(file);

    public void SetAccount(string account, SourceLocation? at)
    {
        if (Account is not null && Account != account)
        {
            _diag.Warning(ConfigDiagnosticCodes.DuplicateDefinition, $"account '{account}' differs from '{Account}' given earlier; keeping '{Account}'", at);
            return;
        }

        Account = account;
    }

    public void SetRegion(string region, SourceLocation? at)
    {
        if (Region is not null && Region != region)
        {
            _diag.Warning(ConfigDiagnosticCodes.DuplicateDefinition, $"region '{region}' differs from '{Region}' given earlier; keeping '{Region}'", at);
            return;
        }

        Region = region;
    }

    public void HintOwner(string? owner)
    {
        if (!string.IsNullOrEmpty(owner) && owner.All(char.IsAsciiDigit))
        {
            _ownerHints.Add(owner);
        }
    }

    public void HintRegion(string? region)
    {
        if (!string.IsNullOrEmpty(region))
        {
            _regionHints.Add(region);
        }
    }

    // ---- security groups ----------------------------------------------------------------------

    /// <summary>Records a group's own definition (name, VPC…); rules are added separately.</summary>
    public GroupDraft DefineGroup(string id, string? name, string? description, string? vpcId, string? ownerId, SourceLocation? at)
    {
        HintOwner(ownerId);
        if (_groups.TryGetValue(id, out var g))
        {
            if (g.Defined)
            {
                var diffs = new List<string>();
                if (name is not null && g.Name is not null && name != g.Name)
                {
                    diffs.Add($"name '{name}' (was '{g.Name}')");
                }

                if (vpcId is not null && g.VpcId is not null && vpcId != g.VpcId)
                {
                    diffs.Add($"VPC {vpcId} (was {g.VpcId})");
                }

                if (diffs.Count > 0)
                {
                    _diag.Warning(ConfigDiagnosticCodes.DuplicateDefinition,
                        $"security group {id} is defined again with {string.Join(", ", diffs)}; keeping the first definition{(g.Source is null ? "" : " (" + g.Source + ")")} and merging the rules",
                        at);
                }
            }

            g.Name ??= name;
            g.Description ??= description;
            g.VpcId ??= vpcId;
            g.OwnerId ??= ownerId;
            if (!g.Defined)
            {
                g.Source = at ?? g.Source;
                g.Defined = true;
            }

            return g;
        }

        g = new GroupDraft(id) { Name = name, Description = description, VpcId = vpcId, OwnerId = ownerId, Source = at, Defined = true };
        _groups.Add(id, g);
        return g;
    }

    /// <summary>A group known only from its rules (describe-security-group-rules, stand-alone ingress resources).</summary>
    public GroupDraft EnsureGroup(string id, string? ownerId, SourceLocation? at)
    {
        HintOwner(ownerId);
        if (!_groups.TryGetValue(id, out var g))
        {
            g = new GroupDraft(id) { OwnerId = ownerId, Source = at };
            _groups.Add(id, g);
        }

        g.OwnerId ??= ownerId;
        return g;
    }

    public bool HasGroup(string id) => _groups.ContainsKey(id);

    public GroupDraft? Group(string id) => _groups.GetValueOrDefault(id);

    /// <summary>Adds a rule to its group (created when unknown); an identical rule already there is merged, not repeated.</summary>
    public void AddRule(SecurityGroupRule rule)
    {
        var g = EnsureGroup(rule.GroupId, null, rule.Source);
        var list = rule.Egress ? g.Outbound : g.Inbound;
        for (int i = 0; i < list.Count; i++)
        {
            var r = list[i];
            if (SameRule(r, rule))
            {
                list[i] = r with
                {
                    Description = r.Description ?? rule.Description,
                    RuleId = r.RuleId ?? rule.RuleId,
                    Peer = r.Peer with
                    {
                        UserId = r.Peer.UserId ?? rule.Peer.UserId,
                        VpcId = r.Peer.VpcId ?? rule.Peer.VpcId,
                        VpcPeeringConnectionId = r.Peer.VpcPeeringConnectionId ?? rule.Peer.VpcPeeringConnectionId,
                        PeeringStatus = r.Peer.PeeringStatus ?? rule.Peer.PeeringStatus,
                    },
                };
                return;
            }
        }

        list.Add(rule);
    }

    private static bool SameRule(SecurityGroupRule a, SecurityGroupRule b) =>
        a.Egress == b.Egress && a.Protocol == b.Protocol && a.FromPort == b.FromPort && a.ToPort == b.ToPort &&
        a.Peer.Kind == b.Peer.Kind && a.Peer.Cidr == b.Peer.Cidr &&
        string.Equals(a.Peer.PrefixListId, b.Peer.PrefixListId, StringComparison.Ordinal) &&
        string.Equals(a.Peer.GroupId, b.Peer.GroupId, StringComparison.Ordinal);

    // ---- network interfaces, VPCs, subnets ------------------------------------------------------

    public void AddEni(NetworkInterface eni)
    {
        HintOwner(eni.OwnerId);
        HintRegion(Normalize.RegionOfZone(eni.AvailabilityZone));
        if (_enis.TryGetValue(eni.Id, out var existing))
        {
            if (!EquivalentEni(existing, eni))
            {
                _diag.Warning(ConfigDiagnosticCodes.DuplicateDefinition,
                    $"network interface {eni.Id} is defined again with different values; keeping the first definition{(existing.Source is null ? "" : " (" + existing.Source + ")")}",
                    eni.Source);
            }

            return;
        }

        _enis.Add(eni.Id, eni);
    }

    private static bool EquivalentEni(NetworkInterface a, NetworkInterface b) =>
        a.SubnetId == b.SubnetId && a.InterfaceType == b.InterfaceType && a.Mac == b.Mac &&
        a.PrivateIpv4Addresses.SequenceEqual(b.PrivateIpv4Addresses) && a.Ipv6Addresses.SequenceEqual(b.Ipv6Addresses) &&
        a.GroupIds.OrderBy(x => x, StringComparer.Ordinal).SequenceEqual(b.GroupIds.OrderBy(x => x, StringComparer.Ordinal), StringComparer.Ordinal);

    public void AddVpc(Vpc vpc)
    {
        HintOwner(vpc.OwnerId);
        if (_vpcs.TryGetValue(vpc.Id, out var existing))
        {
            _vpcs[vpc.Id] = existing with
            {
                OwnerId = existing.OwnerId ?? vpc.OwnerId,
                CidrBlocks = existing.CidrBlocks.Concat(vpc.CidrBlocks).Distinct().ToArray(),
                Ipv6CidrBlocks = existing.Ipv6CidrBlocks.Concat(vpc.Ipv6CidrBlocks).Distinct().ToArray(),
                Source = existing.Source ?? vpc.Source,
            };
            return;
        }

        _vpcs.Add(vpc.Id, vpc);
    }

    public bool HasVpc(string id) => _vpcs.ContainsKey(id);

    public void AddSubnet(Subnet subnet)
    {
        HintOwner(subnet.OwnerId);
        HintRegion(Normalize.RegionOfZone(subnet.AvailabilityZone));
        if (_subnets.TryGetValue(subnet.Id, out var existing))
        {
            if (existing.CidrBlock is { } a && subnet.CidrBlock is { } b && a != b)
            {
                _diag.Warning(ConfigDiagnosticCodes.DuplicateDefinition,
                    $"subnet {subnet.Id} is defined again with CIDR {b} (was {a}); keeping the first definition", subnet.Source);
                return;
            }

            _subnets[subnet.Id] = existing with
            {
                VpcId = existing.VpcId ?? subnet.VpcId,
                CidrBlock = existing.CidrBlock ?? subnet.CidrBlock,
                Ipv6CidrBlocks = existing.Ipv6CidrBlocks.Concat(subnet.Ipv6CidrBlocks).Distinct().ToArray(),
                AvailabilityZone = existing.AvailabilityZone ?? subnet.AvailabilityZone,
                AvailabilityZoneId = existing.AvailabilityZoneId ?? subnet.AvailabilityZoneId,
                OwnerId = existing.OwnerId ?? subnet.OwnerId,
            };
            return;
        }

        _subnets.Add(subnet.Id, subnet);
    }

    // ---- network ACLs ---------------------------------------------------------------------------

    public AclDraft DefineAcl(string id, string? vpcId, bool? isDefault, string? ownerId, SourceLocation? at)
    {
        HintOwner(ownerId);
        if (!_acls.TryGetValue(id, out var acl))
        {
            acl = new AclDraft(id) { Source = at };
            _acls.Add(id, acl);
        }

        acl.VpcId ??= vpcId;
        acl.IsDefault |= isDefault ?? false;
        acl.OwnerId ??= ownerId;
        acl.Source ??= at;
        return acl;
    }

    public void AddAclEntry(string aclId, NetworkAclEntry entry)
    {
        var acl = DefineAcl(aclId, null, null, null, entry.Source);
        foreach (var e in acl.Entries)
        {
            if (e with { Source = null } == entry with { Source = null })
            {
                return;
            }
        }

        acl.Entries.Add(entry);
    }

    /// <summary>Associates a subnet with an ACL; resolved in <see cref="Build"/> once every file has been read.</summary>
    public void AssociateAcl(string aclId, string subnetId, SourceLocation? at) => _associations.Add((aclId, subnetId, at));

    // ---- prefix lists ---------------------------------------------------------------------------

    public PrefixListDraft DefinePrefixList(string id, string? name, string? family, string? ownerId, int? maxEntries, long? version, SourceLocation? at)
    {
        if (!_prefixLists.TryGetValue(id, out var pl))
        {
            pl = new PrefixListDraft(id) { Source = at };
            _prefixLists.Add(id, pl);
        }

        pl.Name ??= name;
        pl.AddressFamily ??= family;
        pl.OwnerId ??= ownerId;
        pl.MaxEntries ??= maxEntries;
        pl.Version ??= version;
        pl.Source ??= at;
        return pl;
    }

    public void AddPrefixListEntries(string id, IEnumerable<PrefixListEntry> entries, SourceLocation? at)
    {
        var pl = DefinePrefixList(id, null, null, null, null, null, at);
        pl.EntriesKnown = true;
        foreach (var e in entries)
        {
            if (!pl.Entries.Exists(x => x.Cidr == e.Cidr))
            {
                pl.Entries.Add(e);
            }
        }
    }

    // ---- build ----------------------------------------------------------------------------------

    public AwsConfig Build()
    {
        ResolveNameReferences();

        var groups = new Dictionary<string, SecurityGroup>(StringComparer.Ordinal);
        foreach (var g in _groups.Values)
        {
            groups.Add(g.Id, new SecurityGroup
            {
                Id = g.Id,
                Name = g.Name,
                Description = g.Description,
                VpcId = g.VpcId,
                OwnerId = g.OwnerId,
                Inbound = g.Inbound.Select((r, i) => r with { Index = i }).ToArray(),
                Outbound = g.Outbound.Select((r, i) => r with { Index = i }).ToArray(),
                Source = g.Source,
            });
        }

        foreach (var (aclId, subnetId, at) in _associations)
        {
            if (_acls.TryGetValue(aclId, out var acl))
            {
                if (!acl.SubnetIds.Contains(subnetId, StringComparer.Ordinal))
                {
                    acl.SubnetIds.Add(subnetId);
                }
            }
            else
            {
                var severity = _options.Strict ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning;
                _diag.Add(new ConfigDiagnostic(severity, ConfigDiagnosticCodes.UnknownNetworkAcl,
                    $"subnet {subnetId} is associated with network ACL {aclId}, which is not in the given files; that subnet gets no NACL layer", at));
            }
        }

        var acls = new Dictionary<string, NetworkAcl>(StringComparer.Ordinal);
        foreach (var a in _acls.Values)
        {
            acls.Add(a.Id, new NetworkAcl
            {
                Id = a.Id,
                VpcId = a.VpcId,
                IsDefault = a.IsDefault,
                OwnerId = a.OwnerId,
                Entries = a.Entries.OrderBy(e => e.Egress).ThenBy(e => e.RuleNumber).ToArray(),
                SubnetIds = a.SubnetIds.ToArray(),
                Source = a.Source,
            });
        }

        var prefixLists = new Dictionary<string, ManagedPrefixList>(StringComparer.Ordinal);
        foreach (var p in _prefixLists.Values)
        {
            prefixLists.Add(p.Id, new ManagedPrefixList
            {
                Id = p.Id,
                Name = p.Name,
                AddressFamily = p.AddressFamily ?? (p.Entries.Count > 0 ? (p.Entries[0].Cidr.IsV4 ? "IPv4" : "IPv6") : null),
                OwnerId = p.OwnerId,
                MaxEntries = p.MaxEntries,
                Version = p.Version,
                Entries = p.Entries.ToArray(),
                EntriesKnown = p.EntriesKnown,
                Source = p.Source,
            });
        }

        // ENIs take their VPC and zone from their subnet when the input left them out (lab, CloudFormation, Terraform).
        var enis = new Dictionary<string, NetworkInterface>(StringComparer.Ordinal);
        foreach (var e in _enis.Values)
        {
            var eni = e;
            if (eni.SubnetId is { } sid && _subnets.TryGetValue(sid, out var subnet))
            {
                eni = eni with
                {
                    VpcId = eni.VpcId ?? subnet.VpcId,
                    AvailabilityZone = eni.AvailabilityZone ?? subnet.AvailabilityZone,
                    AvailabilityZoneId = eni.AvailabilityZoneId ?? subnet.AvailabilityZoneId,
                    OwnerId = eni.OwnerId ?? subnet.OwnerId,
                };
            }

            enis.Add(eni.Id, eni);
        }

        string? account = Account ?? MostCommon(_ownerHints, "account", "OwnerId");
        string? region = Region ?? MostCommon(_regionHints, "region", "availability zones");
        if (account is not null)
        {
            enis = enis.ToDictionary(kv => kv.Key, kv => kv.Value.OwnerId is null ? kv.Value with { OwnerId = account } : kv.Value, StringComparer.Ordinal);
        }

        return new AwsConfig
        {
            AccountId = account,
            Region = region,
            Vpcs = new Dictionary<string, Vpc>(_vpcs, StringComparer.Ordinal),
            Subnets = new Dictionary<string, Subnet>(_subnets, StringComparer.Ordinal),
            NetworkInterfaces = enis,
            SecurityGroups = groups,
            NetworkAcls = acls,
            PrefixLists = prefixLists,
            Files = _files.ToArray(),
        };
    }

    private string? MostCommon(List<string> hints, string what, string from)
    {
        if (hints.Count == 0)
        {
            return null;
        }

        var counts = hints.GroupBy(h => h, StringComparer.Ordinal)
            .Select(g => (Value: g.Key, Count: g.Count()))
            .OrderByDescending(x => x.Count)
            .ThenBy(x => x.Value, StringComparer.Ordinal)
            .ToList();
        if (counts.Count > 1)
        {
            _diag.Note(ConfigDiagnosticCodes.AccountInferred,
                string.Create(CultureInfo.InvariantCulture,
                    $"the inputs name {counts.Count} different {what}s ({string.Join(", ", counts.Select(c => c.Value))}); the configuration's {what} is taken as {counts[0].Value}, the most frequent (objects keep their own {from})"),
                (SourceLocation?)null);
        }

        return counts[0].Value;
    }

    /// <summary>Group references by name become id references when exactly one loaded group has that name.</summary>
    private void ResolveNameReferences()
    {
        string? Lookup(string name, string? vpc)
        {
            var matches = _groups.Values.Where(g => g.Defined && g.Name == name && !g.Id.StartsWith(NameRefPrefix, StringComparison.Ordinal)).ToList();
            if (matches.Count > 1 && vpc is not null)
            {
                matches = matches.Where(g => g.VpcId == vpc).ToList();
            }

            return matches.Count == 1 ? matches[0].Id : null;
        }

        foreach (var named in _groups.Values.Where(g => g.Id.StartsWith(NameRefPrefix, StringComparison.Ordinal)).ToList())
        {
            string name = named.Id[NameRefPrefix.Length..];
            _groups.Remove(named.Id);
            string target = Lookup(name, null) ?? name;
            if (target == name)
            {
                _diag.Warning(ConfigDiagnosticCodes.UnknownGroup,
                    $"rules are added to the security group named '{name}', which is not in the given files; they are kept under the id '{name}'",
                    named.Source);
            }

            EnsureGroup(target, named.OwnerId, named.Source);
            foreach (var r in named.Inbound.Concat(named.Outbound))
            {
                AddRule(r with { GroupId = target });
            }
        }

        foreach (var g in _groups.Values)
        {
            foreach (var list in new[] { g.Inbound, g.Outbound })
            {
                for (int i = 0; i < list.Count; i++)
                {
                    var peer = list[i].Peer;
                    if (peer.Kind == PeerKind.SecurityGroup && peer.GroupId is { } pid && pid.StartsWith(NameRefPrefix, StringComparison.Ordinal))
                    {
                        string name = pid[NameRefPrefix.Length..];
                        string resolved = Lookup(name, g.VpcId) ?? name;
                        list[i] = list[i] with { Peer = peer with { GroupId = resolved } };
                    }
                }
            }
        }
    }
}

internal sealed class GroupDraft
{
    public GroupDraft(string id) => Id = id;

    public string Id { get; }

    public string? Name { get; set; }

    public string? Description { get; set; }

    public string? VpcId { get; set; }

    public string? OwnerId { get; set; }

    public SourceLocation? Source { get; set; }

    /// <summary>True once the group's own definition was read (not only rules or references).</summary>
    public bool Defined { get; set; }

    /// <summary>True when an inline egress list was declared (CloudFormation's default egress then does not apply).</summary>
    public bool EgressDeclared { get; set; }

    public List<SecurityGroupRule> Inbound { get; } = new();

    public List<SecurityGroupRule> Outbound { get; } = new();
}

internal sealed class AclDraft
{
    public AclDraft(string id) => Id = id;

    public string Id { get; }

    public string? VpcId { get; set; }

    public bool IsDefault { get; set; }

    public string? OwnerId { get; set; }

    public SourceLocation? Source { get; set; }

    public List<NetworkAclEntry> Entries { get; } = new();

    public List<string> SubnetIds { get; } = new();
}

internal sealed class PrefixListDraft
{
    public PrefixListDraft(string id) => Id = id;

    public string Id { get; }

    public string? Name { get; set; }

    public string? AddressFamily { get; set; }

    public string? OwnerId { get; set; }

    public int? MaxEntries { get; set; }

    public long? Version { get; set; }

    public bool EntriesKnown { get; set; }

    public List<PrefixListEntry> Entries { get; } = new();

    public SourceLocation? Source { get; set; }
}

/// <summary>Building blocks the readers share for rules and ACL entries.</summary>
internal static class Rules
{
    public static SecurityGroupRule Make(string groupId, bool egress, int protocol, int from, int to, SecurityGroupPeer peer, string? description, string? ruleId, SourceLocation? at) =>
        new()
        {
            GroupId = groupId,
            Egress = egress,
            Protocol = protocol,
            FromPort = from,
            ToPort = to,
            Peer = peer,
            Description = string.IsNullOrEmpty(description) ? null : description,
            RuleId = string.IsNullOrEmpty(ruleId) ? null : ruleId,
            Source = at,
        };

    /// <summary>
    /// A NACL entry in the model's form: TCP/UDP keep a port range (absent = every port), ICMP/ICMPv6 keep
    /// type/code (absent = -1, all), every other protocol keeps neither (AWS semantics 4.2).
    /// </summary>
    public static NetworkAclEntry AclEntry(int ruleNumber, bool egress, int protocol, bool allow, IpPrefix cidr, int? portFrom, int? portTo, int? icmpType, int? icmpCode, SourceLocation? at)
    {
        bool ports = IpProtocol.HasPorts(protocol);
        bool icmp = IpProtocol.IsIcmpFamily(protocol);
        return new NetworkAclEntry
        {
            RuleNumber = ruleNumber,
            Egress = egress,
            Protocol = protocol,
            Allow = allow,
            Cidr = cidr,
            PortFrom = ports ? portFrom ?? 0 : null,
            PortTo = ports ? portTo ?? 65535 : null,
            IcmpType = icmp ? icmpType ?? -1 : null,
            IcmpCode = icmp ? icmpCode ?? -1 : null,
            Source = at,
        };
    }

    public static bool TryAction(string? text, SourceLocation? at, DiagnosticBag diag, out bool allow)
    {
        allow = false;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "allow":
                allow = true;
                return true;
            case "deny":
                return true;
            default:
                diag.Error(ConfigDiagnosticCodes.InvalidValue, $"rule action '{text}' must be allow or deny", at);
                return false;
        }
    }
}
