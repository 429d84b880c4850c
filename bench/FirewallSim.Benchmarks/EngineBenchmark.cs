using BenchmarkDotNet.Attributes;
using FirewallSim.Config;
using FirewallSim.Decode;
using FirewallSim.Net;
using FirewallSim.Verdicts;

namespace FirewallSim.Benchmarks;

/// <summary>
/// The packet path of the engine, one benchmark per path a packet can take: a packet of a tracked
/// connection, of an untracked flow (judged by the rules every time), a packet no rule allows, and
/// exempt traffic. Times are per packet; <see cref="Flows"/> distinct flows set the table size.
/// </summary>
[MemoryDiagnoser]
public class EngineBenchmark
{
    // Enough random packets that at 1 M flows the touched entries do not fit in the caches (a few
    // thousand would, and would make the big table look cheap).
    private const int Packets = 1 << 18;

    [Params(1_000, 1_000_000)]
    public int Flows { get; set; }

    private SimulationEngine _engine = null!;
    private PacketInfo[] _tracked = [];
    private PacketInfo[] _untracked = [];
    private PacketInfo[] _rejected = [];
    private PacketInfo[] _exempt = [];

    [GlobalSetup]
    public void Setup()
    {
        _engine = new SimulationEngine(CompiledTimeline.Compile(ConfigTimeline.Single(BenchConfig.TwoTier()), EngineOptions.Default));
        var result = default(PacketResult);

        // Open every flow once (the table then holds Flows tracked entries and Flows untracked markers).
        for (int f = 0; f < Flows; f++)
        {
            _engine.Process(BenchConfig.Tcp(Client(f), (ushort)(1024 + (f % 60000)), BenchConfig.Db, 5432, TcpFlags.Syn), ref result);
            _engine.Process(BenchConfig.Tcp(Client(f), (ushort)(1024 + (f % 60000)), BenchConfig.Web, 443, TcpFlags.Syn), ref result);
        }

        var rng = new Random(1);
        _tracked = new PacketInfo[Packets];
        _untracked = new PacketInfo[Packets];
        _rejected = new PacketInfo[Packets];
        _exempt = new PacketInfo[Packets];
        for (int i = 0; i < Packets; i++)
        {
            int f = rng.Next(Flows);
            bool reply = (i & 1) == 1;
            _tracked[i] = reply
                ? BenchConfig.Tcp(BenchConfig.Db, 5432, Client(f), (ushort)(1024 + (f % 60000)), TcpFlags.Ack)
                : BenchConfig.Tcp(Client(f), (ushort)(1024 + (f % 60000)), BenchConfig.Db, 5432, TcpFlags.Ack);
            _untracked[i] = reply
                ? BenchConfig.Tcp(BenchConfig.Web, 443, Client(f), (ushort)(1024 + (f % 60000)), TcpFlags.Ack)
                : BenchConfig.Tcp(Client(f), (ushort)(1024 + (f % 60000)), BenchConfig.Web, 443, TcpFlags.Ack);
            _rejected[i] = BenchConfig.Tcp(Client(f), 40000, BenchConfig.Web, 3389, TcpFlags.Syn);
            _exempt[i] = BenchConfig.Udp(BenchConfig.Web, 40000, IpAddr.Parse("10.0.0.2"), 53);
        }
    }

    private static IpAddr Client(int f) => IpAddr.FromV4(0x0A010000u + (uint)(f / 60000 * 256) + (uint)(f % 250)); // 10.1.x.y inside 10/8

    [Benchmark(OperationsPerInvoke = Packets)]
    public int TrackedConnection() => Run(_tracked);

    [Benchmark(OperationsPerInvoke = Packets)]
    public int UntrackedFlow() => Run(_untracked);

    [Benchmark(OperationsPerInvoke = Packets)]
    public int RejectedByRules() => Run(_rejected);

    [Benchmark(OperationsPerInvoke = Packets)]
    public int ExemptTraffic() => Run(_exempt);

    private int Run(PacketInfo[] packets)
    {
        var r = default(PacketResult);
        int accepted = 0;
        for (int i = 0; i < packets.Length; i++)
        {
            _engine.Process(packets[i], ref r);
            accepted += r.Count;
        }

        return accepted;
    }
}

/// <summary>A small two-tier VPC for the engine benchmarks.</summary>
internal static class BenchConfig
{
    public static readonly IpAddr Web = IpAddr.Parse("10.0.1.10");
    public static readonly IpAddr Db = IpAddr.Parse("10.0.2.10");

    public static AwsConfig TwoTier()
    {
        SecurityGroupRule Rule(string g, bool egress, int proto, int from, int to, string cidr, int index) => new()
        {
            GroupId = g,
            Egress = egress,
            Protocol = proto,
            FromPort = from,
            ToPort = to,
            Peer = SecurityGroupPeer.ForCidr(IpPrefix.Parse(cidr)),
            Index = index,
        };

        var web = new SecurityGroup
        {
            Id = "sg-web",
            Inbound = new[] { Rule("sg-web", false, 6, 443, 443, "0.0.0.0/0", 0), Rule("sg-web", false, 6, 80, 80, "0.0.0.0/0", 1) },
            Outbound = new[] { Rule("sg-web", true, -1, -1, -1, "0.0.0.0/0", 0) },
        };
        var db = new SecurityGroup
        {
            Id = "sg-db",
            Inbound = new[] { Rule("sg-db", false, 6, 5432, 5432, "10.0.0.0/8", 0) },
            Outbound = Array.Empty<SecurityGroupRule>(),
        };
        NetworkInterface Eni(string id, string subnet, IpAddr ip, string group) => new()
        {
            Id = id,
            SubnetId = subnet,
            VpcId = "vpc-1",
            PrimaryIpv4 = ip,
            PrivateIpv4Addresses = new[] { ip },
            GroupIds = new[] { group },
            InstanceId = "i-" + id,
        };
        var acl = new NetworkAcl
        {
            Id = "acl-default",
            VpcId = "vpc-1",
            IsDefault = true,
            Entries = new[]
            {
                new NetworkAclEntry { RuleNumber = 100, Egress = false, Protocol = -1, Allow = true, Cidr = IpPrefix.AllV4 },
                new NetworkAclEntry { RuleNumber = 100, Egress = true, Protocol = -1, Allow = true, Cidr = IpPrefix.AllV4 },
            },
        };
        return new AwsConfig
        {
            Vpcs = new Dictionary<string, Vpc> { ["vpc-1"] = new Vpc { Id = "vpc-1", CidrBlocks = new[] { IpPrefix.Parse("10.0.0.0/16") } } },
            Subnets = new Dictionary<string, Subnet>
            {
                ["s-web"] = new Subnet { Id = "s-web", VpcId = "vpc-1", CidrBlock = IpPrefix.Parse("10.0.1.0/24") },
                ["s-db"] = new Subnet { Id = "s-db", VpcId = "vpc-1", CidrBlock = IpPrefix.Parse("10.0.2.0/24") },
            },
            NetworkInterfaces = new Dictionary<string, NetworkInterface>
            {
                ["eni-web"] = Eni("eni-web", "s-web", Web, "sg-web"),
                ["eni-db"] = Eni("eni-db", "s-db", Db, "sg-db"),
            },
            SecurityGroups = new Dictionary<string, SecurityGroup> { ["sg-web"] = web, ["sg-db"] = db },
            NetworkAcls = new Dictionary<string, NetworkAcl> { ["acl-default"] = acl },
        };
    }

    public static PacketInfo Tcp(IpAddr src, ushort sport, IpAddr dst, ushort dport, byte flags) => new()
    {
        Status = DecodeStatus.Ok,
        Family = IpFamily.V4,
        Src = src,
        Dst = dst,
        Protocol = IpProtocol.Tcp,
        SrcPort = sport,
        DstPort = dport,
        TcpFlags = flags,
        TcpHeaderLength = 20,
        IpLength = 500,
        TimestampNs = 1_700_000_000_000_000_000,
    };

    public static PacketInfo Udp(IpAddr src, ushort sport, IpAddr dst, ushort dport) => new()
    {
        Status = DecodeStatus.Ok,
        Family = IpFamily.V4,
        Src = src,
        Dst = dst,
        Protocol = IpProtocol.Udp,
        SrcPort = sport,
        DstPort = dport,
        IpLength = 80,
        TimestampNs = 1_700_000_000_000_000_000,
    };
}
