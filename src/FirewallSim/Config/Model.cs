using System.Globalization;
using FirewallSim.Net;

namespace FirewallSim.Config;

/// <summary>Where a configuration object came from: a file and a JSON path or a YAML/JSON line.</summary>
public sealed record SourceLocation(string File, string? Path = null, int Line = 0, int Column = 0)
{
    public override string ToString()
    {
        var s = File;
        if (Line > 0)
        {
            s += Column > 0
                ? string.Create(CultureInfo.InvariantCulture, $":{Line}:{Column}")
                : string.Create(CultureInfo.InvariantCulture, $":{Line}");
        }

        if (!string.IsNullOrEmpty(Path))
        {
            s += " (" + Path + ")";
        }

        return s;
    }
}

public enum PeerKind : byte
{
    Cidr,
    PrefixList,
    SecurityGroup,
}

/// <summary>
/// The one peer of a security-group rule: the packet source for inbound rules, the destination for
/// outbound rules. A describe-security-groups IpPermission with several peers becomes several rules.
/// </summary>
public sealed record SecurityGroupPeer
{
    public PeerKind Kind { get; init; }

    /// <summary>For <see cref="PeerKind.Cidr"/>: the canonical block.</summary>
    public IpPrefix Cidr { get; init; }

    /// <summary>For <see cref="PeerKind.PrefixList"/>: pl-….</summary>
    public string? PrefixListId { get; init; }

    /// <summary>For <see cref="PeerKind.SecurityGroup"/>: the referenced sg-….</summary>
    public string? GroupId { get; init; }

    /// <summary>Owner account of the referenced group, when given (cross-account references).</summary>
    public string? UserId { get; init; }

    public string? VpcId { get; init; }

    public string? VpcPeeringConnectionId { get; init; }

    /// <summary>Peering status of a cross-VPC reference (active, deleted…); "deleted" makes the reference stale (D15).</summary>
    public string? PeeringStatus { get; init; }

    public static SecurityGroupPeer ForCidr(IpPrefix cidr) => new() { Kind = PeerKind.Cidr, Cidr = cidr };

    public static SecurityGroupPeer ForPrefixList(string id) => new() { Kind = PeerKind.PrefixList, PrefixListId = id };

    public static SecurityGroupPeer ForGroup(string groupId, string? userId = null) =>
        new() { Kind = PeerKind.SecurityGroup, GroupId = groupId, UserId = userId };

    /// <summary>Exactly 0.0.0.0/0 or ::/0 as a CIDR peer: the only peers that count as "open" for tracking (D2).</summary>
    public bool IsOpenCidr => Kind == PeerKind.Cidr && Cidr.IsAll;

    public bool IsStale => string.Equals(PeeringStatus, "deleted", StringComparison.OrdinalIgnoreCase);

    public override string ToString() => Kind switch
    {
        PeerKind.Cidr => Cidr.ToString(),
        PeerKind.PrefixList => PrefixListId ?? "?",
        _ => UserId is null ? GroupId ?? "?" : $"{UserId}/{GroupId}",
    };
}

/// <summary>Protocol numbers as AWS writes them in rules: -1 means every protocol.</summary>
public static class RuleProtocol
{
    public const int All = -1;

    /// <summary>"tcp", "6", "All", "-1", "icmpv6"… (D18). Returns false for anything else.</summary>
    public static bool TryParse(string? text, out int protocol)
    {
        protocol = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        switch (text.Trim().ToLowerInvariant())
        {
            case "-1":
            case "all":
            case "any":
                protocol = All;
                return true;
            case "tcp":
                protocol = IpProtocol.Tcp;
                return true;
            case "udp":
                protocol = IpProtocol.Udp;
                return true;
            case "icmp":
                protocol = IpProtocol.Icmp;
                return true;
            case "icmpv6":
            case "icmp6":
            case "ipv6-icmp":
                protocol = IpProtocol.Icmpv6;
                return true;
            case "gre":
                protocol = IpProtocol.Gre;
                return true;
            case "esp":
                protocol = IpProtocol.Esp;
                return true;
            case "ah":
                protocol = IpProtocol.Ah;
                return true;
            case "sctp":
                protocol = IpProtocol.Sctp;
                return true;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= -1 && n <= 255)
        {
            protocol = n;
            return true;
        }

        return false;
    }

    public static string Name(int protocol) => protocol == All ? "all" : IpProtocol.Name(protocol);
}

/// <summary>
/// One security-group rule with exactly one peer. Ports are the inclusive destination-port range for
/// TCP/UDP; for ICMP/ICMPv6 <see cref="FromPort"/> is the type and <see cref="ToPort"/> the code, -1 = all.
/// For every other protocol (and for -1) ports are ignored (AWS semantics 1.3).
/// </summary>
public sealed record SecurityGroupRule
{
    public required string GroupId { get; init; }

    public required bool Egress { get; init; }

    public required int Protocol { get; init; }

    public int FromPort { get; init; } = -1;

    public int ToPort { get; init; } = -1;

    public required SecurityGroupPeer Peer { get; init; }

    public string? Description { get; init; }

    /// <summary>sgr-… when the export carries it.</summary>
    public string? RuleId { get; init; }

    /// <summary>Position in its group's inbound or outbound list (0-based), set when the group is built.</summary>
    public int Index { get; init; }

    public SourceLocation? Source { get; init; }

    public bool PortsApply => Protocol is IpProtocol.Tcp or IpProtocol.Udp;

    public bool IcmpApplies => Protocol is IpProtocol.Icmp or IpProtocol.Icmpv6;

    /// <summary>True when the rule admits every destination port of its protocol (or ports do not apply).</summary>
    public bool CoversAllPorts => !PortsApply || (FromPort <= 0 && ToPort >= 65535) || (FromPort == -1 && ToPort == -1);

    /// <summary>"tcp 443", "tcp 1024-65535", "icmp 8/-1", "all".</summary>
    public string PortText
    {
        get
        {
            if (PortsApply)
            {
                if (CoversAllPorts)
                {
                    return RuleProtocol.Name(Protocol) + " all ports";
                }

                return FromPort == ToPort
                    ? string.Create(CultureInfo.InvariantCulture, $"{RuleProtocol.Name(Protocol)} {FromPort}")
                    : string.Create(CultureInfo.InvariantCulture, $"{RuleProtocol.Name(Protocol)} {FromPort}-{ToPort}");
            }

            if (IcmpApplies)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{RuleProtocol.Name(Protocol)} {FromPort}/{ToPort}");
            }

            return RuleProtocol.Name(Protocol);
        }
    }

    public override string ToString() =>
        $"{GroupId} {(Egress ? "outbound" : "inbound")}[{Index.ToString(CultureInfo.InvariantCulture)}] {PortText} {(Egress ? "to" : "from")} {Peer}";
}

public sealed record SecurityGroup
{
    public required string Id { get; init; }

    public string? Name { get; init; }

    public string? Description { get; init; }

    public string? VpcId { get; init; }

    public string? OwnerId { get; init; }

    public IReadOnlyList<SecurityGroupRule> Inbound { get; init; } = Array.Empty<SecurityGroupRule>();

    public IReadOnlyList<SecurityGroupRule> Outbound { get; init; } = Array.Empty<SecurityGroupRule>();

    public SourceLocation? Source { get; init; }

    public bool IsDefault => string.Equals(Name, "default", StringComparison.Ordinal);

    public IReadOnlyList<SecurityGroupRule> Rules(bool egress) => egress ? Outbound : Inbound;
}

/// <summary>A network ACL entry. Ports apply to TCP/UDP only; ICMP type/code to ICMP(v6) only (AWS semantics 4.2).</summary>
public sealed record NetworkAclEntry
{
    public required int RuleNumber { get; init; }

    public required bool Egress { get; init; }

    /// <summary>-1 = all, otherwise an IANA number.</summary>
    public required int Protocol { get; init; }

    public required bool Allow { get; init; }

    public required IpPrefix Cidr { get; init; }

    public int? PortFrom { get; init; }

    public int? PortTo { get; init; }

    public int? IcmpType { get; init; }

    public int? IcmpCode { get; init; }

    public SourceLocation? Source { get; init; }

    public override string ToString()
    {
        string what = RuleProtocol.Name(Protocol);
        if (Protocol is IpProtocol.Tcp or IpProtocol.Udp && PortFrom is { } f && PortTo is { } t)
        {
            what += f == t ? string.Create(CultureInfo.InvariantCulture, $" {f}") : string.Create(CultureInfo.InvariantCulture, $" {f}-{t}");
        }
        else if (Protocol is IpProtocol.Icmp or IpProtocol.Icmpv6 && IcmpType is { } ty)
        {
            what += string.Create(CultureInfo.InvariantCulture, $" {ty}/{IcmpCode ?? -1}");
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"{(Egress ? "outbound" : "inbound")} {RuleNumber} {(Allow ? "allow" : "deny")} {what} {Cidr}");
    }
}

public sealed record NetworkAcl
{
    public required string Id { get; init; }

    public string? VpcId { get; init; }

    public bool IsDefault { get; init; }

    public string? OwnerId { get; init; }

    public IReadOnlyList<NetworkAclEntry> Entries { get; init; } = Array.Empty<NetworkAclEntry>();

    /// <summary>Subnets explicitly associated with this ACL.</summary>
    public IReadOnlyList<string> SubnetIds { get; init; } = Array.Empty<string>();

    public SourceLocation? Source { get; init; }
}

public sealed record Vpc
{
    public required string Id { get; init; }

    public string? OwnerId { get; init; }

    /// <summary>IPv4 CIDR blocks; the first is the primary (its base + 2 is the Amazon DNS server, D17).</summary>
    public IReadOnlyList<IpPrefix> CidrBlocks { get; init; } = Array.Empty<IpPrefix>();

    public IReadOnlyList<IpPrefix> Ipv6CidrBlocks { get; init; } = Array.Empty<IpPrefix>();

    public SourceLocation? Source { get; init; }
}

public sealed record Subnet
{
    public required string Id { get; init; }

    public string? VpcId { get; init; }

    public IpPrefix? CidrBlock { get; init; }

    public IReadOnlyList<IpPrefix> Ipv6CidrBlocks { get; init; } = Array.Empty<IpPrefix>();

    public string? AvailabilityZone { get; init; }

    public string? AvailabilityZoneId { get; init; }

    public string? OwnerId { get; init; }

    public SourceLocation? Source { get; init; }

    public bool Contains(IpAddr address)
    {
        if (CidrBlock is { } v4 && v4.Contains(address))
        {
            return true;
        }

        foreach (var v6 in Ipv6CidrBlocks)
        {
            if (v6.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Per-ENI idle timeouts in seconds (ConnectionTrackingConfiguration); null = the documented default.</summary>
public sealed record ConnectionTrackingSettings(int? TcpEstablishedTimeout, int? UdpTimeout, int? UdpStreamTimeout);

public sealed record NetworkInterface
{
    public required string Id { get; init; }

    public string? OwnerId { get; init; }

    /// <summary>interface, natGateway, network_load_balancer, vpc_endpoint, lambda, transit_gateway…</summary>
    public string InterfaceType { get; init; } = "interface";

    public bool RequesterManaged { get; init; }

    public MacAddr Mac { get; init; }

    public string? SubnetId { get; init; }

    public string? VpcId { get; init; }

    public string? AvailabilityZone { get; init; }

    public string? AvailabilityZoneId { get; init; }

    /// <summary>Primary private IPv4 (also the first element of <see cref="PrivateIpv4Addresses"/>).</summary>
    public IpAddr? PrimaryIpv4 { get; init; }

    /// <summary>Every private IPv4, primary first.</summary>
    public IReadOnlyList<IpAddr> PrivateIpv4Addresses { get; init; } = Array.Empty<IpAddr>();

    public IReadOnlyList<IpAddr> Ipv6Addresses { get; init; } = Array.Empty<IpAddr>();

    /// <summary>Delegated prefixes (Ipv4Prefixes / Ipv6Prefixes).</summary>
    public IReadOnlyList<IpPrefix> Ipv4Prefixes { get; init; } = Array.Empty<IpPrefix>();

    public IReadOnlyList<IpPrefix> Ipv6Prefixes { get; init; } = Array.Empty<IpPrefix>();

    /// <summary>Public or Elastic IPv4 associated with the primary address; never a group-reference member (1.4.4).</summary>
    public IpAddr? PublicIp { get; init; }

    public string? InstanceId { get; init; }

    public IReadOnlyList<string> GroupIds { get; init; } = Array.Empty<string>();

    public ConnectionTrackingSettings? ConnectionTracking { get; init; }

    public string? Description { get; init; }

    public string? Name { get; init; }

    public SourceLocation? Source { get; init; }

    /// <summary>Every address the ENI owns: private IPv4 and IPv6 addresses (not delegated prefixes, not public IPs).</summary>
    public IEnumerable<IpAddr> Addresses => PrivateIpv4Addresses.Concat(Ipv6Addresses);
}

public sealed record PrefixListEntry(IpPrefix Cidr, string? Description);

/// <summary>A managed prefix list. Rules always use the newest version's entries (1.4.3).</summary>
public sealed record ManagedPrefixList
{
    public required string Id { get; init; }

    public string? Name { get; init; }

    /// <summary>IPv4 or IPv6 when the export says.</summary>
    public string? AddressFamily { get; init; }

    public string? OwnerId { get; init; }

    public int? MaxEntries { get; init; }

    public long? Version { get; init; }

    /// <summary>Entries of the current version; empty with <see cref="EntriesKnown"/> false when only the list's metadata was exported.</summary>
    public IReadOnlyList<PrefixListEntry> Entries { get; init; } = Array.Empty<PrefixListEntry>();

    public bool EntriesKnown { get; init; }

    /// <summary>Earlier versions' entries when the input carries them (newest last); informational.</summary>
    public IReadOnlyList<(long Version, IReadOnlyList<PrefixListEntry> Entries)> History { get; init; } =
        Array.Empty<(long, IReadOnlyList<PrefixListEntry>)>();

    public SourceLocation? Source { get; init; }
}

/// <summary>One complete configuration: everything a replay needs at a moment in packet time.</summary>
public sealed record AwsConfig
{
    public string? AccountId { get; init; }

    public string? Region { get; init; }

    public IReadOnlyDictionary<string, Vpc> Vpcs { get; init; } = new Dictionary<string, Vpc>();

    public IReadOnlyDictionary<string, Subnet> Subnets { get; init; } = new Dictionary<string, Subnet>();

    public IReadOnlyDictionary<string, NetworkInterface> NetworkInterfaces { get; init; } = new Dictionary<string, NetworkInterface>();

    public IReadOnlyDictionary<string, SecurityGroup> SecurityGroups { get; init; } = new Dictionary<string, SecurityGroup>();

    public IReadOnlyDictionary<string, NetworkAcl> NetworkAcls { get; init; } = new Dictionary<string, NetworkAcl>();

    public IReadOnlyDictionary<string, ManagedPrefixList> PrefixLists { get; init; } = new Dictionary<string, ManagedPrefixList>();

    /// <summary>The files this configuration was read from, in order.</summary>
    public IReadOnlyList<string> Files { get; init; } = Array.Empty<string>();

    /// <summary>The ACL that governs a subnet: its explicit association, else its VPC's default ACL, else none.</summary>
    public NetworkAcl? AclForSubnet(string? subnetId)
    {
        if (subnetId is null)
        {
            return null;
        }

        NetworkAcl? fallback = null;
        Subnets.TryGetValue(subnetId, out var subnet);
        foreach (var acl in NetworkAcls.Values)
        {
            foreach (string s in acl.SubnetIds)
            {
                if (s == subnetId)
                {
                    return acl;
                }
            }

            if (acl.IsDefault && subnet?.VpcId is { } vpc && acl.VpcId == vpc)
            {
                fallback = acl;
            }
        }

        return fallback;
    }
}

/// <summary>A configuration in force from a packet time on (D19); the first version starts at the beginning of time.</summary>
public sealed record ConfigVersion(long EffectiveFromNs, AwsConfig Config, string Label);

/// <summary>Configuration versions in time order.</summary>
public sealed record ConfigTimeline(IReadOnlyList<ConfigVersion> Versions)
{
    public AwsConfig Initial => Versions[0].Config;

    public static ConfigTimeline Single(AwsConfig config) => new(new[] { new ConfigVersion(long.MinValue, config, "base") });
}

public enum DiagnosticSeverity : byte
{
    /// <summary>Information about a normalisation the loader applied (canonicalised CIDR, CloudFormation default egress…).</summary>
    Note = 0,

    /// <summary>Something the simulation runs with, but the user should know (unknown group reference, ENI with no groups…).</summary>
    Warning = 1,

    /// <summary>Bad input: nothing is simulated.</summary>
    Error = 2,
}

/// <summary>A problem found while loading or validating configuration, with its place.</summary>
public sealed record ConfigDiagnostic(DiagnosticSeverity Severity, string Code, string Message, SourceLocation? Location)
{
    public override string ToString() =>
        $"{(Location is null ? "" : Location + ": ")}{SeverityName(Severity)} {Code}: {Message}";

    public static string SeverityName(DiagnosticSeverity severity) => severity switch
    {
        DiagnosticSeverity.Error => "error",
        DiagnosticSeverity.Warning => "warning",
        _ => "note",
    };
}
