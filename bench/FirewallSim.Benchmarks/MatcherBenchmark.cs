using BenchmarkDotNet.Attributes;
using FirewallSim.Config;
using FirewallSim.Net;
using FirewallSim.Rules;
using FirewallSim.Verdicts;

namespace FirewallSim.Benchmarks;

/// <summary>
/// Rule matching alone: the inbound security-group rules of one ENI (the union of its five groups,
/// compiled into peer tables) and its subnet's network ACL, for a packet some rule matches and for a
/// packet no rule allows. <see cref="Rules"/> is the number of inbound rules over the ENI's groups and
/// also the number of inbound ACL entries (AWS allows at most 40 of those; the larger sizes show the
/// cost of the ACL's first-match scan). Times are per lookup.
/// </summary>
[MemoryDiagnoser]
public class MatcherBenchmark
{
    private const int Lookups = 8192;

    [Params(10, 1_000, 10_000)]
    public int Rules { get; set; }

    private DirectionRules _inbound = null!;
    private NaclMatcher _nacl = null!;
    private MatcherConfig.Probe[] _sgHit = [];
    private MatcherConfig.Probe[] _sgMiss = [];
    private MatcherConfig.Probe[] _naclHit = [];
    private MatcherConfig.Probe[] _naclMiss = [];

    [GlobalSetup]
    public void Setup()
    {
        var generated = MatcherConfig.Create(Rules, seed: 7);
        var compiled = CompiledTimeline.Compile(ConfigTimeline.Single(generated.Config), EngineOptions.Default);
        var eni = compiled.Versions[0].Enis[compiled.Enis.IndexOf(MatcherConfig.EniId)]
            ?? throw new InvalidOperationException("the benchmark ENI was not compiled");
        _inbound = eni.Rules.Inbound;
        _nacl = eni.Nacl ?? throw new InvalidOperationException("the benchmark ENI has no network ACL");

        var rng = new Random(11);
        _sgHit = Draw(generated.SecurityGroupHits, rng);
        _sgMiss = Draw(generated.Misses, rng);
        _naclHit = Draw(generated.NaclHits, rng);
        _naclMiss = Draw(generated.Misses, rng);

        // The probes must do what their names say, or the numbers mean nothing.
        foreach (var p in _sgHit)
        {
            Check(Match(_inbound, p).Matched, "a security-group hit probe matched no rule", p);
        }

        foreach (var p in _sgMiss)
        {
            Check(!Match(_inbound, p).Matched, "a security-group miss probe matched a rule", p);
        }

        foreach (var p in _naclHit)
        {
            Check(!compiled.Rules.NaclEntry(Evaluate(_nacl, p, out _)).Implicit, "a NACL hit probe fell through to the catch-all", p);
        }

        foreach (var p in _naclMiss)
        {
            Check(compiled.Rules.NaclEntry(Evaluate(_nacl, p, out _)).Implicit, "a NACL miss probe was decided by an explicit entry", p);
        }

        Console.WriteLine($"// {Rules} inbound rules over {MatcherConfig.Groups} groups compile to {_inbound.AtomCount} atoms; {Rules} inbound NACL entries");
    }

    private static MatcherConfig.Probe[] Draw(List<MatcherConfig.Probe> from, Random rng)
    {
        var probes = new MatcherConfig.Probe[Lookups];
        for (int i = 0; i < probes.Length; i++)
        {
            probes[i] = from[rng.Next(from.Count)];
        }

        return probes;
    }

    private static void Check(bool ok, string what, MatcherConfig.Probe p)
    {
        if (!ok)
        {
            throw new InvalidOperationException($"{what}: {p.Peer} protocol {p.Protocol} port {p.DstPort} icmp {p.IcmpType}/{p.IcmpCode}");
        }
    }

    /// <summary>What the engine's SG stage does per packet and direction.</summary>
    private static RuleMatch Match(DirectionRules rules, in MatcherConfig.Probe p) =>
        rules.Match(p.Peer, p.Protocol, DirectionRules.KeyOf(p.Protocol, p.DstPort, p.IcmpType, p.IcmpCode), allowGroupRefs: true);

    /// <summary>What the engine's NACL stage does per packet and direction.</summary>
    private static int Evaluate(NaclMatcher nacl, in MatcherConfig.Probe p, out bool allow) =>
        nacl.Evaluate(egress: false, p.Peer, p.Protocol, p.DstPort, (p.IcmpType << 8) | p.IcmpCode, out allow);

    [Benchmark(OperationsPerInvoke = Lookups)]
    public int SecurityGroupHit() => MatchAll(_sgHit);

    [Benchmark(OperationsPerInvoke = Lookups)]
    public int SecurityGroupMiss() => MatchAll(_sgMiss);

    [Benchmark(OperationsPerInvoke = Lookups)]
    public int NaclHit() => EvaluateAll(_naclHit);

    [Benchmark(OperationsPerInvoke = Lookups)]
    public int NaclMiss() => EvaluateAll(_naclMiss);

    private int MatchAll(MatcherConfig.Probe[] probes)
    {
        var rules = _inbound;
        int sum = 0;
        for (int i = 0; i < probes.Length; i++)
        {
            var m = Match(rules, probes[i]);
            sum += m.RuleId + (m.OpenMatch ? 1 : 0);
        }

        return sum;
    }

    private int EvaluateAll(MatcherConfig.Probe[] probes)
    {
        var nacl = _nacl;
        int sum = 0;
        for (int i = 0; i < probes.Length; i++)
        {
            sum += Evaluate(nacl, probes[i], out bool allow) + (allow ? 1 : 0);
        }

        return sum;
    }
}

/// <summary>
/// A generated VPC for <see cref="MatcherBenchmark"/>: one ENI with five groups holding a mix of IPv4 and
/// IPv6 CIDR rules (lengths /8 to /128), single ports and port ranges, all-protocol (-1) and ICMP rules,
/// references to groups of other ENIs, and the two usual open rules (tcp 443 from 0.0.0.0/0 and ::/0);
/// its subnet's ACL has as many entries of the same kinds. No rule or entry covers the miss ranges.
/// </summary>
internal static class MatcherConfig
{
    public const string EniId = "eni-app";
    public const int Groups = 5;
    private const int PeerGroups = 20;
    private const int MembersPerPeerGroup = 5;

    private static readonly IpPrefix MissV4 = IpPrefix.Parse("198.18.0.0/15");
    private static readonly IpPrefix MissV6 = IpPrefix.Parse("2001:db8:ffff::/48");
    private static readonly int[] V4Lengths = [8, 12, 16, 20, 22, 24, 24, 24, 26, 28, 32, 32, 32];
    private static readonly int[] V6Lengths = [32, 40, 48, 56, 56, 64, 64, 96, 128, 128];
    private static readonly int[] WellKnownPorts = [22, 53, 80, 443, 1433, 3306, 5432, 6379, 8080, 8443, 9092, 9200, 11211, 27017];

    /// <summary>The fields of a packet that matching reads.</summary>
    public readonly record struct Probe(IpAddr Peer, byte Protocol, ushort DstPort, byte IcmpType, byte IcmpCode);

    public sealed record Generated(AwsConfig Config, List<Probe> SecurityGroupHits, List<Probe> NaclHits, List<Probe> Misses);

    public static Generated Create(int rules, int seed)
    {
        var rng = new Random(seed);
        var sgHits = new List<Probe>();
        var naclHits = new List<Probe>();

        // ENIs in the referenced groups: an IPv4 and an IPv6 address each.
        var enis = new Dictionary<string, NetworkInterface>();
        var groups = new Dictionary<string, SecurityGroup>();
        var members = new List<IpAddr>[PeerGroups];
        for (int g = 0; g < PeerGroups; g++)
        {
            string gid = $"sg-peer-{g}";
            groups[gid] = new SecurityGroup { Id = gid };
            members[g] = new List<IpAddr>();
            for (int m = 0; m < MembersPerPeerGroup; m++)
            {
                var v4 = IpAddr.FromV4(0x0A008000u + (uint)(g << 8) + 10u + (uint)m); // 10.0.128+g.10+m
                var v6 = new IpAddr(0x2600_1f18_0000_0000UL | (uint)g, 0x10UL + (uint)m);
                members[g].Add(v4);
                members[g].Add(v6);
                string id = $"eni-peer-{g}-{m}";
                enis[id] = new NetworkInterface
                {
                    Id = id,
                    SubnetId = "s-peers",
                    VpcId = "vpc-1",
                    PrimaryIpv4 = v4,
                    PrivateIpv4Addresses = [v4],
                    Ipv6Addresses = [v6],
                    GroupIds = [gid],
                };
            }
        }

        // The ENI's inbound rules, dealt round-robin into its groups.
        var inbound = new List<SecurityGroupRule>[Groups];
        for (int g = 0; g < Groups; g++)
        {
            inbound[g] = new List<SecurityGroupRule>();
        }

        int added = 0;
        void AddRule(int protocol, int from, int to, SecurityGroupPeer peer)
        {
            int g = added++ % Groups;
            string gid = $"sg-app-{g}";
            inbound[g].Add(new SecurityGroupRule
            {
                GroupId = gid,
                Egress = false,
                Protocol = protocol,
                FromPort = from,
                ToPort = to,
                Peer = peer,
                Index = inbound[g].Count,
            });
        }

        AddRule(IpProtocol.Tcp, 443, 443, SecurityGroupPeer.ForCidr(IpPrefix.AllV4));
        AddRule(IpProtocol.Tcp, 443, 443, SecurityGroupPeer.ForCidr(IpPrefix.AllV6));
        sgHits.Add(new Probe(IpAddr.Parse("203.0.113.9"), IpProtocol.Tcp, 443, 0, 0));
        sgHits.Add(new Probe(IpAddr.Parse("2600:1f14::9"), IpProtocol.Tcp, 443, 0, 0));
        for (int i = 2; i < rules; i++)
        {
            double kind = rng.NextDouble();
            if (kind < 0.15)
            {
                // A reference to another group: one atom per member address.
                int g = rng.Next(PeerGroups);
                (int protocol, int from, int to) = Ports(rng, out ushort port);
                AddRule(protocol, from, to, SecurityGroupPeer.ForGroup($"sg-peer-{g}"));
                var peer = members[g][rng.Next(members[g].Count)];
                sgHits.Add(new Probe(peer, (byte)protocol, port, 0, 0));
            }
            else if (kind < 0.22)
            {
                // All protocols from a block.
                var cidr = rng.Next(3) == 0 ? RandomV6(rng) : RandomV4(rng);
                AddRule(RuleProtocol.All, -1, -1, SecurityGroupPeer.ForCidr(cidr));
                sgHits.Add(new Probe(Inside(cidr, rng), IpProtocol.Udp, (ushort)rng.Next(1, 65536), 0, 0));
            }
            else if (kind < 0.25)
            {
                // ICMP echo requests (type 8, every code) or every ICMP message.
                var cidr = RandomV4(rng);
                bool echo = rng.Next(2) == 0;
                AddRule(IpProtocol.Icmp, echo ? 8 : -1, -1, SecurityGroupPeer.ForCidr(cidr));
                sgHits.Add(new Probe(Inside(cidr, rng), IpProtocol.Icmp, 0, echo ? (byte)8 : (byte)3, echo ? (byte)0 : (byte)4));
            }
            else
            {
                var cidr = kind < 0.65 ? RandomV4(rng) : RandomV6(rng);
                (int protocol, int from, int to) = Ports(rng, out ushort port);
                AddRule(protocol, from, to, SecurityGroupPeer.ForCidr(cidr));
                sgHits.Add(new Probe(Inside(cidr, rng), (byte)protocol, port, 0, 0));
            }
        }

        for (int g = 0; g < Groups; g++)
        {
            string gid = $"sg-app-{g}";
            groups[gid] = new SecurityGroup
            {
                Id = gid,
                Inbound = inbound[g],
                Outbound = [new SecurityGroupRule { GroupId = gid, Egress = true, Protocol = RuleProtocol.All, Peer = SecurityGroupPeer.ForCidr(IpPrefix.AllV4) }],
            };
        }

        var appAddress = IpAddr.Parse("10.0.1.10");
        enis[EniId] = new NetworkInterface
        {
            Id = EniId,
            SubnetId = "s-app",
            VpcId = "vpc-1",
            PrimaryIpv4 = appAddress,
            PrivateIpv4Addresses = [appAddress],
            GroupIds = Enumerable.Range(0, Groups).Select(g => $"sg-app-{g}").ToArray(),
        };

        // The subnet's ACL: inbound entries in rule-number order, first match wins; outbound allows all.
        var entries = new List<NetworkAclEntry>();
        for (int i = 0; i < rules; i++)
        {
            double kind = rng.NextDouble();
            bool allow = rng.Next(5) != 0;
            if (kind < 0.2)
            {
                var cidr = rng.Next(3) == 0 ? RandomV6(rng) : RandomV4(rng);
                entries.Add(new NetworkAclEntry { RuleNumber = i + 1, Egress = false, Protocol = RuleProtocol.All, Allow = allow, Cidr = cidr });
                naclHits.Add(new Probe(Inside(cidr, rng), IpProtocol.Tcp, (ushort)rng.Next(1, 65536), 0, 0));
            }
            else if (kind < 0.3)
            {
                var cidr = RandomV4(rng);
                entries.Add(new NetworkAclEntry { RuleNumber = i + 1, Egress = false, Protocol = IpProtocol.Icmp, Allow = allow, Cidr = cidr, IcmpType = 8, IcmpCode = -1 });
                naclHits.Add(new Probe(Inside(cidr, rng), IpProtocol.Icmp, 0, 8, 0));
            }
            else
            {
                var cidr = kind < 0.7 ? RandomV4(rng) : RandomV6(rng);
                (int protocol, int from, int to) = Ports(rng, out ushort port);
                entries.Add(new NetworkAclEntry { RuleNumber = i + 1, Egress = false, Protocol = protocol, Allow = allow, Cidr = cidr, PortFrom = from, PortTo = to });
                naclHits.Add(new Probe(Inside(cidr, rng), (byte)protocol, port, 0, 0));
            }
        }

        entries.Add(new NetworkAclEntry { RuleNumber = 100, Egress = true, Protocol = RuleProtocol.All, Allow = true, Cidr = IpPrefix.AllV4 });
        var acl = new NetworkAcl { Id = "acl-app", VpcId = "vpc-1", Entries = entries, SubnetIds = ["s-app"] };

        // Misses: peers in ranges no rule or entry covers, to a port the open rules do not admit.
        var misses = new List<Probe>();
        for (int i = 0; i < 1024; i++)
        {
            misses.Add((i % 4) switch
            {
                0 or 1 => new Probe(Inside(MissV4, rng), IpProtocol.Tcp, 3389, 0, 0),
                2 => new Probe(Inside(MissV6, rng), IpProtocol.Tcp, 3389, 0, 0),
                _ => new Probe(Inside(MissV4, rng), IpProtocol.Udp, 1434, 0, 0),
            });
        }

        var config = new AwsConfig
        {
            Vpcs = new Dictionary<string, Vpc> { ["vpc-1"] = new Vpc { Id = "vpc-1", CidrBlocks = [IpPrefix.Parse("10.0.0.0/16")] } },
            Subnets = new Dictionary<string, Subnet>
            {
                ["s-app"] = new Subnet { Id = "s-app", VpcId = "vpc-1", CidrBlock = IpPrefix.Parse("10.0.1.0/24") },
                ["s-peers"] = new Subnet { Id = "s-peers", VpcId = "vpc-1", CidrBlock = IpPrefix.Parse("10.0.128.0/17") },
            },
            NetworkInterfaces = enis,
            SecurityGroups = groups,
            NetworkAcls = new Dictionary<string, NetworkAcl> { ["acl-app"] = acl },
        };
        return new Generated(config, sgHits, naclHits, misses);
    }

    /// <summary>TCP (three in four) or UDP; a well-known port, any single port, or a range. <paramref name="port"/> is inside.</summary>
    private static (int Protocol, int From, int To) Ports(Random rng, out ushort port)
    {
        int protocol = rng.Next(4) == 0 ? IpProtocol.Udp : IpProtocol.Tcp;
        int shape = rng.Next(10);
        if (shape < 4)
        {
            port = (ushort)WellKnownPorts[rng.Next(WellKnownPorts.Length)];
            return (protocol, port, port);
        }

        if (shape < 8)
        {
            port = (ushort)rng.Next(1024, 65536);
            return (protocol, port, port);
        }

        int from = rng.Next(1024, 60000);
        int to = Math.Min(65535, from + rng.Next(1, 2000));
        port = (ushort)rng.Next(from, to + 1);
        return (protocol, from, to);
    }

    private static IpPrefix RandomV4(Random rng)
    {
        while (true)
        {
            uint a = ((uint)rng.Next(1, 224) << 24) | (uint)rng.Next(1 << 24);
            var p = new IpPrefix(IpAddr.FromV4(a), V4Lengths[rng.Next(V4Lengths.Length)]);
            if (!p.Overlaps(MissV4))
            {
                return p;
            }
        }
    }

    /// <summary>A block inside 2600:1f00::/24, well away from the IPv6 miss range.</summary>
    private static IpPrefix RandomV6(Random rng)
    {
        ulong hi = 0x2600_1f00_0000_0000UL | ((ulong)rng.NextInt64() & 0x0000_00FF_FFFF_FFFFUL);
        ulong lo = (ulong)rng.NextInt64() << 1;
        return new IpPrefix(new IpAddr(hi, lo), V6Lengths[rng.Next(V6Lengths.Length)]);
    }

    private static IpAddr Inside(IpPrefix p, Random rng)
    {
        var last = p.Last;
        ulong hiHost = last.Hi ^ p.Network.Hi, loHost = last.Lo ^ p.Network.Lo;
        return new IpAddr(p.Network.Hi | ((ulong)rng.NextInt64() & hiHost), p.Network.Lo | (((ulong)rng.NextInt64() << 1) & loHost));
    }
}
