using FirewallSim.Config;
using FirewallSim.Decode;
using FirewallSim.Net;
using FirewallSim.Verdicts;

namespace FirewallSim.Tests.Support;

/// <summary>
/// Builds small AWS configurations in code for engine tests: the spec's standard ENI E = 10.0.1.10 in
/// subnet 10.0.1.0/24 of VPC 10.0.0.0/16 (section 7), and whatever else a test adds.
/// </summary>
public sealed class TestVpc
{
    private readonly Dictionary<string, Subnet> _subnets = new();
    private readonly Dictionary<string, NetworkInterface> _enis = new();
    private readonly Dictionary<string, SecurityGroup> _groups = new();
    private readonly Dictionary<string, NetworkAcl> _acls = new();
    private readonly Dictionary<string, ManagedPrefixList> _prefixLists = new();
    private readonly Vpc _vpc;

    public TestVpc(string cidr = "10.0.0.0/16", string? ipv6Cidr = "2600:1f18:1234:5600::/56")
    {
        _vpc = new Vpc
        {
            Id = "vpc-1",
            OwnerId = "111122223333",
            CidrBlocks = new[] { IpPrefix.Parse(cidr) },
            Ipv6CidrBlocks = ipv6Cidr is null ? Array.Empty<IpPrefix>() : new[] { IpPrefix.Parse(ipv6Cidr) },
        };
    }

    public TestVpc Subnet(string id, string cidr, string? ipv6 = null)
    {
        _subnets[id] = new Subnet
        {
            Id = id,
            VpcId = _vpc.Id,
            CidrBlock = IpPrefix.Parse(cidr),
            Ipv6CidrBlocks = ipv6 is null ? Array.Empty<IpPrefix>() : new[] { IpPrefix.Parse(ipv6) },
            AvailabilityZone = "eu-west-1a",
            AvailabilityZoneId = "euw1-az1",
        };
        return this;
    }

    public TestVpc Eni(string id, string subnet, string[] ips, string[] groups, string? ipv6 = null, string? mac = null,
        string type = "interface", bool requesterManaged = false, string? instance = null, ConnectionTrackingSettings? ct = null,
        string? publicIp = null, string[]? ipv4Prefixes = null, string[]? ipv6Prefixes = null, string[]? ipv6s = null)
    {
        var addrs = ips.Select(IpAddr.Parse).ToArray();
        MacAddr m = default;
        if (mac is not null)
        {
            MacAddr.TryParse(mac, out m);
        }

        _enis[id] = new NetworkInterface
        {
            Id = id,
            OwnerId = "111122223333",
            SubnetId = subnet,
            VpcId = _vpc.Id,
            AvailabilityZone = "eu-west-1a",
            AvailabilityZoneId = "euw1-az1",
            PrimaryIpv4 = addrs.Length > 0 ? addrs[0] : null,
            PrivateIpv4Addresses = addrs,
            Ipv6Addresses = ipv6s is not null ? ipv6s.Select(IpAddr.Parse).ToArray()
                : ipv6 is null ? Array.Empty<IpAddr>() : new[] { IpAddr.Parse(ipv6) },
            Ipv4Prefixes = (ipv4Prefixes ?? Array.Empty<string>()).Select(IpPrefix.Parse).ToArray(),
            Ipv6Prefixes = (ipv6Prefixes ?? Array.Empty<string>()).Select(IpPrefix.Parse).ToArray(),
            PublicIp = publicIp is null ? null : IpAddr.Parse(publicIp),
            GroupIds = groups,
            Mac = m,
            InterfaceType = type,
            RequesterManaged = requesterManaged,
            InstanceId = instance ?? (type == "interface" ? "i-" + id : null),
            ConnectionTracking = ct,
        };
        return this;
    }

    /// <summary>Adds a group; rules are written "in tcp 22 203.0.113.1/32", "out all 0.0.0.0/0", "in icmp 8/-1 0.0.0.0/0", "in tcp 5432 sg-app", "in tcp 22 pl-admin", "in tcp 5432 sg-peer(deleted)" (stale peering reference).</summary>
    public TestVpc Group(string id, params string[] rules)
    {
        var inbound = new List<SecurityGroupRule>();
        var outbound = new List<SecurityGroupRule>();
        foreach (string text in rules)
        {
            var r = ParseRule(id, text);
            var list = r.Egress ? outbound : inbound;
            list.Add(r with { Index = list.Count });
        }

        _groups[id] = new SecurityGroup { Id = id, Name = id, VpcId = _vpc.Id, OwnerId = "111122223333", Inbound = inbound, Outbound = outbound };
        return this;
    }

    /// <summary>Adds a NACL: entries "in 100 allow tcp 22 0.0.0.0/0", "out 100 allow all 0.0.0.0/0", "in 120 allow icmp 3/4 0.0.0.0/0".</summary>
    public TestVpc Acl(string id, string[] subnets, params string[] entries) => Acl(id, subnets, isDefault: false, entries);

    /// <summary>
    /// The VPC's default NACL as AWS creates it for a dual-stack VPC: 100 allow all 0.0.0.0/0 and 101 allow all ::/0
    /// in both directions (plus the implicit "*" denies). It governs every subnet without an explicit association.
    /// </summary>
    public TestVpc DefaultAcl(string id = "acl-default") => Acl(id, Array.Empty<string>(), isDefault: true,
        "in 100 allow all 0.0.0.0/0", "in 101 allow all ::/0", "out 100 allow all 0.0.0.0/0", "out 101 allow all ::/0");

    public TestVpc Acl(string id, string[] subnets, bool isDefault, params string[] entries)
    {
        var list = new List<NetworkAclEntry>();
        foreach (string text in entries)
        {
            var t = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            bool egress = t[0] == "out";
            int number = int.Parse(t[1], System.Globalization.CultureInfo.InvariantCulture);
            bool allow = t[2] == "allow";
            RuleProtocol.TryParse(t[3], out int proto);
            int? pf = null, pt = null, it = null, ic = null;
            int next = 4;
            if (proto is 6 or 17)
            {
                (pf, pt) = Range(t[4]);
                next = 5;
            }
            else if (proto is 1 or 58)
            {
                var tc = t[4].Split('/');
                it = int.Parse(tc[0], System.Globalization.CultureInfo.InvariantCulture);
                ic = int.Parse(tc[1], System.Globalization.CultureInfo.InvariantCulture);
                next = 5;
            }

            list.Add(new NetworkAclEntry
            {
                RuleNumber = number,
                Egress = egress,
                Allow = allow,
                Protocol = proto,
                Cidr = IpPrefix.Parse(t[next]),
                PortFrom = pf,
                PortTo = pt,
                IcmpType = it,
                IcmpCode = ic,
            });
        }

        _acls[id] = new NetworkAcl { Id = id, VpcId = _vpc.Id, Entries = list, SubnetIds = subnets, IsDefault = isDefault };
        return this;
    }

    public TestVpc PrefixList(string id, string name, params string[] cidrs)
    {
        _prefixLists[id] = new ManagedPrefixList
        {
            Id = id,
            Name = name,
            Entries = cidrs.Select(c => new PrefixListEntry(IpPrefix.Parse(c), null)).ToArray(),
            EntriesKnown = true,
        };
        return this;
    }

    public AwsConfig Build() => new()
    {
        AccountId = "111122223333",
        Region = "eu-west-1",
        Vpcs = new Dictionary<string, Vpc> { [_vpc.Id] = _vpc },
        Subnets = new Dictionary<string, Subnet>(_subnets),
        NetworkInterfaces = new Dictionary<string, NetworkInterface>(_enis),
        SecurityGroups = new Dictionary<string, SecurityGroup>(_groups),
        NetworkAcls = new Dictionary<string, NetworkAcl>(_acls),
        PrefixLists = new Dictionary<string, ManagedPrefixList>(_prefixLists),
    };

    /// <summary>The spec's section 7 baseline: E = 10.0.1.10 in 10.0.1.0/24, one group "sg-e" with the given rules, default (absent) NACL.</summary>
    public static TestVpc Standard(params string[] rules) =>
        new TestVpc().Subnet("subnet-1", "10.0.1.0/24", "2600:1f18:1234:5601::/64")
            .Eni("eni-e", "subnet-1", new[] { "10.0.1.10", "10.0.1.11" }, new[] { "sg-e" }, ipv6: "2600:1f18:1234:5601::10")
            .Group("sg-e", rules);

    private static SecurityGroupRule ParseRule(string groupId, string text)
    {
        var t = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        bool egress = t[0] == "out";
        if (!RuleProtocol.TryParse(t[1], out int proto))
        {
            throw new ArgumentException("bad protocol in " + text);
        }

        int from = -1, to = -1, next = 2;
        if (proto is 6 or 17)
        {
            (from, to) = Range(t[2]);
            next = 3;
        }
        else if (proto is 1 or 58)
        {
            var tc = t[2].Split('/');
            from = int.Parse(tc[0], System.Globalization.CultureInfo.InvariantCulture);
            to = int.Parse(tc[1], System.Globalization.CultureInfo.InvariantCulture);
            next = 3;
        }
        else if (t.Length > 3)
        {
            (from, to) = Range(t[2]);
            next = 3;
        }

        string peer = t[next];
        if (peer.StartsWith("sg-", StringComparison.Ordinal) && peer.EndsWith("(deleted)", StringComparison.Ordinal))
        {
            // A reference across a VPC peering whose status is "deleted": stale, matches nothing (D15).
            var stale = SecurityGroupPeer.ForGroup(peer[..^"(deleted)".Length]) with { PeeringStatus = "deleted", VpcPeeringConnectionId = "pcx-1" };
            return new SecurityGroupRule { GroupId = groupId, Egress = egress, Protocol = proto, FromPort = from, ToPort = to, Peer = stale };
        }

        var p = peer.StartsWith("sg-", StringComparison.Ordinal) ? SecurityGroupPeer.ForGroup(peer)
            : peer.StartsWith("pl-", StringComparison.Ordinal) ? SecurityGroupPeer.ForPrefixList(peer)
            : SecurityGroupPeer.ForCidr(IpPrefix.Parse(peer));
        return new SecurityGroupRule { GroupId = groupId, Egress = egress, Protocol = proto, FromPort = from, ToPort = to, Peer = p };
    }

    private static (int, int) Range(string s)
    {
        var parts = s.Split('-');
        int a = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        return (a, parts.Length > 1 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : a);
    }
}

/// <summary>Builds decoded packets directly, for engine tests that do not need the capture layer.</summary>
public static class Pkt
{
    public const long Second = 1_000_000_000L;

    public static PacketInfo Tcp(string src, ushort sport, string dst, ushort dport, byte flags, double seconds = 0, int length = 60) =>
        Ip(src, dst, IpProtocol.Tcp, seconds, length) with { SrcPort = sport, DstPort = dport, TcpFlags = flags, TcpHeaderLength = 20 };

    public static PacketInfo Udp(string src, ushort sport, string dst, ushort dport, double seconds = 0, int length = 60) =>
        Ip(src, dst, IpProtocol.Udp, seconds, length) with { SrcPort = sport, DstPort = dport };

    public static PacketInfo Icmp(string src, string dst, byte type, byte code, ushort id = 0, double seconds = 0, int length = 84)
    {
        var p = Ip(src, dst, IpAddr.Parse(src).IsV4 ? IpProtocol.Icmp : IpProtocol.Icmpv6, seconds, length);
        p.IcmpType = type;
        p.IcmpCode = code;
        p.IcmpId = id;
        p.HasIcmpId = true;
        return p;
    }

    public static PacketInfo Ip(string src, string dst, byte protocol, double seconds = 0, int length = 60)
    {
        var s = IpAddr.Parse(src);
        return new PacketInfo
        {
            Status = DecodeStatus.Ok,
            Family = s.IsV4 ? IpFamily.V4 : IpFamily.V6,
            Src = s,
            Dst = IpAddr.Parse(dst),
            Protocol = protocol,
            TimestampNs = (long)(seconds * Second),
            IpLength = length,
            WireLength = length + 14,
            CapturedLength = length + 14,
        };
    }
}
