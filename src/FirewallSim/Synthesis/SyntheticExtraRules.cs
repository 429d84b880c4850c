using System.Globalization;
using FirewallSim.Net;

namespace FirewallSim.Synthesis;

/// <summary>
/// Extra security-group rules for the synthetic configuration (<c>fwsim gen --config-out DIR
/// --extra-rules N</c>), to measure the simulator with large rule sets. The mix looks like a real
/// estate's: IPv4 hosts (/32) and networks (/24, a few /16), IPv6 hosts (/128) and networks (/64,
/// /48), single ports, port ranges, ICMP and all-protocol rules, references to eight prefix lists
/// and group references between the three groups.
/// <para>
/// No packet of a generated capture can match any of them, so they change no verdict, no tracking
/// decision (none has an open peer, D1–D3) and no rule hit of the base rules (they come after them,
/// so the base rules keep their indexes):
/// </para>
/// <list type="bullet">
/// <item>CIDR and prefix-list peers lie in <see cref="UnusedIpv4"/> and <see cref="UnusedIpv6"/>,
/// which no ENI, client, scanner, router or DNS server of <see cref="SyntheticNetworkPlan"/> uses;</item>
/// <item>group references only open TCP/UDP ports that no flow between the servers uses (never
/// 53, 80, 443, 5432, 8080, the traceroute ports or the ephemeral ports 32768 and up), and no ICMP.</item>
/// </list>
/// Every rule is distinct (protocol, ports and peer). Rule <c>i</c> goes to group <c>i mod 3</c>
/// (web, app, db), a quarter of them outbound. The same count and seed give the same rules.
/// </summary>
public static class SyntheticExtraRules
{
    /// <summary>Most extra rules <c>--extra-rules</c> accepts.</summary>
    public const int Max = 1_000_000;

    /// <summary>Prefix lists the extra rules reference (four IPv4, four IPv6), defined whenever there are extra rules.</summary>
    public const int PrefixListCount = 8;

    private const int PrefixListEntries = 16;

    /// <summary>IPv4 ranges the extra rules' peers come from: on-premises, carrier-grade NAT, partner and office space.</summary>
    public static IReadOnlyList<IpPrefix> UnusedIpv4 { get; } =
    [
        IpPrefix.Parse("10.64.0.0/10"),
        IpPrefix.Parse("10.128.0.0/9"),
        IpPrefix.Parse("100.64.0.0/10"),
        IpPrefix.Parse("172.16.0.0/12"),
        IpPrefix.Parse("192.168.0.0/16"),
    ];

    /// <summary>The IPv6 range the extra rules' peers come from (the documentation prefix).</summary>
    public static IReadOnlyList<IpPrefix> UnusedIpv6 { get; } = [IpPrefix.Parse("2001:db8::/32")];

    /// <summary>Group-reference rules open only these (and single TCP ports 12000–32767): ports no flow between the servers uses.</summary>
    private static readonly Spec[] SafeSpecs =
    [
        new("tcp", "22"), new("tcp", "3389"), new("tcp", "6379"), new("tcp", "9200-9300"), new("tcp", "2049"),
        new("tcp", "9092"), new("tcp", "11211"), new("tcp", "2379-2380"), new("tcp", "10250"), new("udp", "123"),
        new("udp", "161-162"), new("udp", "8125"),
    ];

    /// <summary>What CIDR and prefix-list rules open (then single TCP ports 10000 and up, when a peer repeats).</summary>
    private static readonly Spec[] Specs =
    [
        new("tcp", "22"), new("tcp", "3389"), new("tcp", "443"), new("tcp", "80"), new("tcp", "8443"), new("tcp", "3306"),
        new("tcp", "5432"), new("tcp", "6379"), new("tcp", "9200-9300"), new("tcp", "8000-8999"), new("tcp", "1024-65535"),
        new("tcp", "9092"), new("tcp", "2049"), new("udp", "123"), new("udp", "161-162"), new("udp", "514"),
        new("udp", "1194"), new("udp", "4500"), new("icmp", "8"), new("icmp", "-1"), new("all", null),
    ];

    private static readonly string[] GroupIds = ["sg-web", "sg-app", "sg-db"];

    private const int Net24Pool = 16_384 + 4_096;   // /24s of 10.64.0.0/10, then of 172.16.0.0/12
    private const int Net16Pool = 128;              // /16s of 10.128.0.0/9
    private const int Net48Pool = 16_384;           // /48s of 2001:db8:4000::/34

    private enum Kind
    {
        HostV4,
        NetV4,
        WideV4,
        HostV6,
        NetV6,
        WideV6,
        PrefixList,
        GroupReference,
    }

    // Percent of the rules of each kind, in Kind order.
    private static readonly int[] Shares = [40, 25, 3, 8, 8, 3, 6, 7];

    /// <summary>The extra rules, as YAML flow mappings per group and direction, and the prefix lists they use.</summary>
    internal sealed class RuleSet
    {
        private readonly List<string>[] _rules = Enumerable.Range(0, GroupIds.Length * 2).Select(_ => new List<string>()).ToArray();

        public List<string> PrefixLists { get; } = new();

        public int Count { get; set; }

        /// <summary>Rules of group <paramref name="group"/> (web 0, app 1, db 2) in one direction, in order.</summary>
        public List<string> For(int group, bool egress) => _rules[(group * 2) + (egress ? 1 : 0)];
    }

    /// <summary>Throws unless 0 ≤ <paramref name="count"/> ≤ <see cref="Max"/>.</summary>
    public static void Validate(int count)
    {
        if (count < 0 || count > Max)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, string.Create(CultureInfo.InvariantCulture, $"extra rules must be between 0 and {Max}"));
        }
    }

    internal static RuleSet Generate(int count, ulong seed)
    {
        Validate(count);
        var set = new RuleSet { Count = count };
        if (count == 0)
        {
            return set;
        }

        var inv = CultureInfo.InvariantCulture;
        ulong key = Xoshiro256.Mix64(seed ^ 0xE47A_5EED_0000_0001UL);
        var rng = new Xoshiro256(key);
        var counters = new long[Shares.Length];
        var groupRefCounters = new long[GroupIds.Length * 2];

        for (int i = 0; i < count; i++)
        {
            int group = i % GroupIds.Length;
            bool egress = rng.Below(4) == 0;
            var kind = PickKind(rng.Below(100));
            // The n-th rule of a kind takes block c = n + a seeded offset below 2^20 (so that the first rules do not
            // all take the first block of each pool); in the small pools, block (n + offset) mod size for the
            // (n / size)-th time. Distinct n give distinct rules either way.
            long n = counters[(int)kind]++;
            long c = n + (long)(Xoshiro256.Mix64(key + (ulong)kind) & 0xF_FFFF);
            string peer;
            bool v6 = false;
            Spec spec;
            string? portsOverride = null;
            switch (kind)
            {
                case Kind.HostV4:
                    // 100.64.0.0/10: an odd multiplier is a bijection modulo 2^22, so hosts never repeat.
                    peer = V4(0x6440_0000u | (uint)(((ulong)c * 0x9E37_79B1UL) & 0x3F_FFFF), 32);
                    spec = Pick(Specs, key, c, 0, out portsOverride);
                    break;
                case Kind.NetV4:
                {
                    long p = c % Net24Pool, w = n / Net24Pool;
                    uint net = p < 16_384
                        ? 0x0A40_0000u | ((uint)((p * 40_503) & 0x3FFF) << 8)
                        : 0xAC10_0000u | ((uint)(((p - 16_384) * 2_731) & 0xFFF) << 8);
                    peer = V4(net, 24);
                    spec = Pick(Specs, key, p, w, out portsOverride);
                    break;
                }

                case Kind.WideV4:
                {
                    long p = c % Net16Pool, w = n / Net16Pool;
                    peer = V4(0x0A80_0000u | ((uint)p << 16), 16);
                    spec = Pick(Specs, key, p, w, out portsOverride);
                    break;
                }

                case Kind.HostV6:
                    // 2001:db8:1::/48; Mix64 is a bijection, so hosts never repeat.
                    peer = V6(new IpAddr(0x2001_0DB8_0001_0000UL, Xoshiro256.Mix64((ulong)c ^ key)), 128);
                    spec = Pick(Specs, key, c, 0, out portsOverride);
                    v6 = true;
                    break;
                case Kind.NetV6:
                    // /64s of 2001:db8:8000::/33.
                    peer = V6(new IpAddr(0x2001_0DB8_8000_0000UL | (((ulong)c * 0x9E37_79B1UL) & 0x7FFF_FFFF), 0), 64);
                    spec = Pick(Specs, key, c, 0, out portsOverride);
                    v6 = true;
                    break;
                case Kind.WideV6:
                {
                    long p = c % Net48Pool, w = n / Net48Pool;
                    peer = V6(new IpAddr(0x2001_0DB8_4000_0000UL | ((ulong)((p * 40_503) & 0x3FFF) << 16), 0), 48);
                    spec = Pick(Specs, key, p, w, out portsOverride);
                    v6 = true;
                    break;
                }

                case Kind.PrefixList:
                {
                    long p = c % PrefixListCount, w = n / PrefixListCount;
                    peer = PrefixListId((int)p);
                    v6 = p >= PrefixListCount / 2;
                    spec = Pick(Specs, key, p, w, out portsOverride);
                    break;
                }

                default:
                {
                    int bucket = (group * 2) + (egress ? 1 : 0);
                    long g = groupRefCounters[bucket]++;
                    long p = g % GroupIds.Length, w = g / GroupIds.Length;
                    peer = GroupIds[(p + bucket) % GroupIds.Length];
                    spec = PickSafe(p + (5 * bucket), w, out portsOverride);
                    break;
                }
            }

            set.For(group, egress).Add(Render(spec, portsOverride, v6, egress, peer, i, inv));
        }

        for (int l = 0; l < PrefixListCount; l++)
        {
            bool v6 = l >= PrefixListCount / 2;
            var entries = new List<string>();
            for (int e = 0; e < PrefixListEntries; e++)
            {
                int n = ((l % (PrefixListCount / 2)) * PrefixListEntries) + e;
                entries.Add(v6
                    ? V6(new IpAddr(0x2001_0DB8_FF00_0000UL | ((ulong)n << 8), 0), 56)
                    : V4(0xC0A8_0000u | ((uint)n << 8), 24));
            }

            set.PrefixLists.Add(string.Create(inv,
                $"{{id: {PrefixListId(l)}, name: partner-nets-{l + 1}, family: {(v6 ? "IPv6" : "IPv4")}, max_entries: {PrefixListEntries}, entries: [{string.Join(", ", entries)}]}}"));
        }

        return set;
    }

    private static Kind PickKind(uint percent)
    {
        int acc = 0;
        for (int k = 0; k < Shares.Length; k++)
        {
            acc += Shares[k];
            if (percent < acc)
            {
                return (Kind)k;
            }
        }

        return Kind.HostV4;
    }

    /// <summary>
    /// What a rule with the <paramref name="w"/>-th use of peer <paramref name="p"/> opens: distinct for
    /// distinct <paramref name="w"/>, so no two rules with the same peer are the same rule.
    /// </summary>
    private static Spec Pick(Spec[] specs, ulong key, long p, long w, out string? ports)
    {
        if (w < specs.Length)
        {
            ports = null;
            return specs[(int)((Xoshiro256.Mix64((ulong)p ^ key) + (ulong)w) % (ulong)specs.Length)];
        }

        long port = 10_000 + (w - specs.Length);
        if (port > 65_535)
        {
            throw new InvalidOperationException("extra rules: a peer pool ran out of distinct ports");
        }

        ports = port.ToString(CultureInfo.InvariantCulture);
        return new Spec("tcp", null);
    }

    private static Spec PickSafe(long p, long w, out string? ports)
    {
        if (w < SafeSpecs.Length)
        {
            ports = null;
            return SafeSpecs[(int)((p + w) % SafeSpecs.Length)];
        }

        long port = 12_000 + (w - SafeSpecs.Length);
        if (port >= SyntheticNetworkPlan.LinuxEphemeralFirst)
        {
            throw new InvalidOperationException("extra rules: group references ran out of unused ports");
        }

        ports = port.ToString(CultureInfo.InvariantCulture);
        return new Spec("tcp", null);
    }

    private static string Render(Spec spec, string? portsOverride, bool v6, bool egress, string peer, int index, CultureInfo inv)
    {
        string peerKey = egress ? "to" : "from";
        string what = spec.Proto switch
        {
            "icmp" => v6 ? $"proto: icmpv6, type: {(spec.Ports == "8" ? "128" : spec.Ports)}, code: -1" : $"proto: icmp, type: {spec.Ports}, code: -1",
            "all" => "proto: all",
            _ => $"proto: {spec.Proto}, ports: {portsOverride ?? spec.Ports}",
        };
        return string.Create(inv, $"{{{what}, {peerKey}: {peer}, description: extra-{index}}}");
    }

    private static string PrefixListId(int l) => string.Create(CultureInfo.InvariantCulture, $"pl-extra{l + 1}");

    private static string V4(uint network, int length) => new IpPrefix(IpAddr.FromV4(network), length).ToString();

    private static string V6(IpAddr network, int length) => "\"" + new IpPrefix(network, length) + "\"";

    /// <summary>Protocol and ports (for ICMP: the IPv4 type, -1 for all) of a rule.</summary>
    private readonly record struct Spec(string Proto, string? Ports);
}
