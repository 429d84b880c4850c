using System.Globalization;
using FirewallSim.Config;
using FirewallSim.Config.Lint;
using FirewallSim.Net;

namespace FirewallSim.Tests.Config.Lint;

/// <summary>
/// Builds <see cref="AwsConfig"/> objects for lint tests without a loader. Every object gets its own
/// <see cref="SourceLocation"/> (file "config.yaml", a unique line, a JSON path) so tests can check where
/// findings point.
/// </summary>
public sealed class AwsConfigBuilder
{
    public const string File = "config.yaml";

    private readonly Dictionary<string, Vpc> _vpcs = new();
    private readonly Dictionary<string, Subnet> _subnets = new();
    private readonly Dictionary<string, NetworkInterface> _enis = new();
    private readonly Dictionary<string, SecurityGroup> _groups = new();
    private readonly Dictionary<string, NetworkAcl> _acls = new();
    private readonly Dictionary<string, ManagedPrefixList> _lists = new();
    private int _line = 1;

    public string AccountId { get; set; } = "111122223333";

    public SourceLocation NextLocation(string path) => new(File, path, _line++, 3);

    public AwsConfigBuilder Vpc(string id = "vpc-1", string cidr = "10.0.0.0/16")
    {
        _vpcs[id] = new Vpc { Id = id, CidrBlocks = new[] { IpPrefix.Parse(cidr) }, Source = NextLocation($"$.Vpcs.{id}") };
        return this;
    }

    public AwsConfigBuilder Subnet(string id = "subnet-1", string cidr = "10.0.1.0/24", string vpc = "vpc-1")
    {
        _subnets[id] = new Subnet { Id = id, VpcId = vpc, CidrBlock = IpPrefix.Parse(cidr), Source = NextLocation($"$.Subnets.{id}") };
        return this;
    }

    public AwsConfigBuilder Group(string id, Action<GroupBuilder>? rules = null, string? name = null, string vpc = "vpc-1")
    {
        var b = new GroupBuilder(this, id);
        var source = NextLocation($"$.SecurityGroups.{id}");
        rules?.Invoke(b);
        _groups[id] = new SecurityGroup
        {
            Id = id,
            Name = name ?? id + "-name",
            VpcId = vpc,
            OwnerId = AccountId,
            Inbound = b.Inbound,
            Outbound = b.Outbound,
            Source = source,
        };
        return this;
    }

    /// <summary>The VPC's default group: name "default".</summary>
    public AwsConfigBuilder DefaultGroup(string id, Action<GroupBuilder>? rules = null, string vpc = "vpc-1") =>
        Group(id, rules, "default", vpc);

    public AwsConfigBuilder Eni(string id, string ip, params string[] groups) => Eni(id, ip, groups, null);

    public AwsConfigBuilder Eni(string id, string ip, string[] groups, Func<NetworkInterface, NetworkInterface>? tweak)
    {
        var address = IpAddr.Parse(ip);
        var eni = new NetworkInterface
        {
            Id = id,
            OwnerId = AccountId,
            SubnetId = "subnet-1",
            VpcId = "vpc-1",
            PrimaryIpv4 = address,
            PrivateIpv4Addresses = new[] { address },
            GroupIds = groups,
            Source = NextLocation($"$.NetworkInterfaces.{id}"),
        };
        _enis[id] = tweak is null ? eni : tweak(eni);
        return this;
    }

    public AwsConfigBuilder PrefixList(string id, int? maxEntries, params string[] cidrs)
    {
        _lists[id] = new ManagedPrefixList
        {
            Id = id,
            Name = id + "-name",
            AddressFamily = cidrs.Length > 0 && cidrs[0].Contains(':', StringComparison.Ordinal) ? "IPv6" : "IPv4",
            MaxEntries = maxEntries,
            Entries = cidrs.Select(c => new PrefixListEntry(IpPrefix.Parse(c), null)).ToArray(),
            EntriesKnown = true,
            Source = NextLocation($"$.PrefixLists.{id}"),
        };
        return this;
    }

    public AwsConfigBuilder Acl(string id, Action<AclBuilder> entries, bool isDefault = false, params string[] subnets)
    {
        var source = NextLocation($"$.NetworkAcls.{id}");
        var b = new AclBuilder(this, id);
        entries(b);
        _acls[id] = new NetworkAcl
        {
            Id = id,
            VpcId = "vpc-1",
            IsDefault = isDefault,
            Entries = b.Entries,
            SubnetIds = subnets,
            Source = source,
        };
        return this;
    }

    public AwsConfig Build() => new()
    {
        AccountId = AccountId,
        Region = "eu-west-1",
        Vpcs = new Dictionary<string, Vpc>(_vpcs),
        Subnets = new Dictionary<string, Subnet>(_subnets),
        NetworkInterfaces = new Dictionary<string, NetworkInterface>(_enis),
        SecurityGroups = new Dictionary<string, SecurityGroup>(_groups),
        NetworkAcls = new Dictionary<string, NetworkAcl>(_acls),
        PrefixLists = new Dictionary<string, ManagedPrefixList>(_lists),
        Files = new[] { File },
    };

    /// <summary>"tcp"/"udp"/"icmp"/"-1"/"47"…; ports "22", "1000-2000", "" or "-1" for all (ICMP: "type/code").</summary>
    public static SecurityGroupRule MakeRule(string groupId, bool egress, int index, string protocol, string ports, string peer, SourceLocation source)
    {
        if (!RuleProtocol.TryParse(protocol, out int proto))
        {
            throw new ArgumentException("bad protocol " + protocol, nameof(protocol));
        }

        int from = -1, to = -1;
        if (ports.Length > 0 && ports != "-1")
        {
            char sep = ports.Contains('/', StringComparison.Ordinal) ? '/' : '-';
            string[] parts = ports.Split(sep);
            from = int.Parse(parts[0], CultureInfo.InvariantCulture);
            to = parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : (sep == '/' ? -1 : from);
        }

        return new SecurityGroupRule
        {
            GroupId = groupId,
            Egress = egress,
            Protocol = proto,
            FromPort = from,
            ToPort = to,
            Peer = ParsePeer(peer),
            Index = index,
            Source = source,
        };
    }

    /// <summary>A CIDR, "pl-…", "sg-…", or "111122223333/sg-…".</summary>
    public static SecurityGroupPeer ParsePeer(string peer)
    {
        if (peer.StartsWith("pl-", StringComparison.Ordinal))
        {
            return SecurityGroupPeer.ForPrefixList(peer);
        }

        int slash = peer.IndexOf("/sg-", StringComparison.Ordinal);
        if (slash > 0)
        {
            return SecurityGroupPeer.ForGroup(peer[(slash + 1)..], peer[..slash]);
        }

        return peer.StartsWith("sg-", StringComparison.Ordinal)
            ? SecurityGroupPeer.ForGroup(peer)
            : SecurityGroupPeer.ForCidr(IpPrefix.Parse(peer));
    }

    public sealed class GroupBuilder
    {
        private readonly AwsConfigBuilder _owner;
        private readonly string _id;

        public GroupBuilder(AwsConfigBuilder owner, string id)
        {
            _owner = owner;
            _id = id;
        }

        public List<SecurityGroupRule> Inbound { get; } = new();

        public List<SecurityGroupRule> Outbound { get; } = new();

        public GroupBuilder In(string protocol, string ports, string peer, Func<SecurityGroupRule, SecurityGroupRule>? tweak = null) =>
            Add(Inbound, false, protocol, ports, peer, tweak);

        public GroupBuilder Out(string protocol, string ports, string peer, Func<SecurityGroupRule, SecurityGroupRule>? tweak = null) =>
            Add(Outbound, true, protocol, ports, peer, tweak);

        private GroupBuilder Add(List<SecurityGroupRule> list, bool egress, string protocol, string ports, string peer, Func<SecurityGroupRule, SecurityGroupRule>? tweak)
        {
            string path = string.Create(CultureInfo.InvariantCulture, $"$.SecurityGroups.{_id}.{(egress ? "IpPermissionsEgress" : "IpPermissions")}[{list.Count}]");
            var rule = MakeRule(_id, egress, list.Count, protocol, ports, peer, _owner.NextLocation(path));
            list.Add(tweak is null ? rule : tweak(rule));
            return this;
        }
    }

    public sealed class AclBuilder
    {
        private readonly AwsConfigBuilder _owner;
        private readonly string _id;

        public AclBuilder(AwsConfigBuilder owner, string id)
        {
            _owner = owner;
            _id = id;
        }

        public List<NetworkAclEntry> Entries { get; } = new();

        /// <summary>An entry; ports "80", "1024-65535" for TCP/UDP, "type/code" for ICMP, "" for none.</summary>
        public AclBuilder Entry(int number, bool egress, string protocol, bool allow, string cidr, string ports = "")
        {
            RuleProtocol.TryParse(protocol, out int proto);
            int? from = null, to = null, type = null, code = null;
            if (ports.Contains('/', StringComparison.Ordinal))
            {
                string[] p = ports.Split('/');
                type = int.Parse(p[0], CultureInfo.InvariantCulture);
                code = int.Parse(p[1], CultureInfo.InvariantCulture);
            }
            else if (ports.Length > 0)
            {
                string[] p = ports.Split('-');
                from = int.Parse(p[0], CultureInfo.InvariantCulture);
                to = p.Length > 1 ? int.Parse(p[1], CultureInfo.InvariantCulture) : from;
            }

            Entries.Add(new NetworkAclEntry
            {
                RuleNumber = number,
                Egress = egress,
                Protocol = proto,
                Allow = allow,
                Cidr = IpPrefix.Parse(cidr),
                PortFrom = from,
                PortTo = to,
                IcmpType = type,
                IcmpCode = code,
                Source = _owner.NextLocation(string.Create(CultureInfo.InvariantCulture, $"$.NetworkAcls.{_id}.Entries[{Entries.Count}]")),
            });
            return this;
        }

        public AclBuilder In(int number, string protocol, bool allow, string cidr, string ports = "") => Entry(number, false, protocol, allow, cidr, ports);

        public AclBuilder Out(int number, string protocol, bool allow, string cidr, string ports = "") => Entry(number, true, protocol, allow, cidr, ports);
    }
}

/// <summary>Shared assertions for lint tests.</summary>
public static class LintAssert
{
    public static IReadOnlyList<LintFinding> RunLint(AwsConfig config, LintOptions? options = null) => new ConfigLinter(options).Lint(config);

    public static IReadOnlyList<LintFinding> Of(this IReadOnlyList<LintFinding> findings, LintRule rule) =>
        findings.Where(f => f.Rule == rule).ToList();

    /// <summary>The one finding of <paramref name="rule"/>; fails listing everything found otherwise.</summary>
    public static LintFinding Single(IReadOnlyList<LintFinding> findings, LintRule rule)
    {
        var matching = findings.Of(rule);
        Assert.True(matching.Count == 1,
            $"expected exactly one {rule}, found {matching.Count}:\n" + string.Join("\n", findings.Select(f => "  " + f)));
        return matching[0];
    }

    public static void None(IReadOnlyList<LintFinding> findings, LintRule rule)
    {
        var matching = findings.Of(rule);
        Assert.True(matching.Count == 0, $"expected no {rule}, found:\n" + string.Join("\n", matching.Select(f => "  " + f)));
    }

    public static SecurityGroupRule InRule(this AwsConfig config, string group, int index) => config.SecurityGroups[group].Inbound[index];

    public static SecurityGroupRule OutRule(this AwsConfig config, string group, int index) => config.SecurityGroups[group].Outbound[index];
}
