using System.Globalization;
using FirewallSim.Net;

namespace FirewallSim.Synthesis;

/// <summary>The three tiers of the synthetic VPC.</summary>
public enum SyntheticTier : byte
{
    Web,
    App,
    Db,
}

/// <summary>One subnet of the synthetic VPC: an IPv4 /24 and an IPv6 /64.</summary>
public sealed record SyntheticSubnet(string Name, SyntheticTier Tier, IpPrefix Ipv4, IpPrefix Ipv6);

/// <summary>
/// One server ENI: <see cref="Name"/> is "web-1" … "db-2", <see cref="Index"/> its position in
/// <see cref="SyntheticNetworkPlan.Enis"/>.
/// </summary>
public sealed record SyntheticEni(string Name, SyntheticTier Tier, int Index, SyntheticSubnet Subnet, IpAddr Ipv4, IpAddr Ipv6, MacAddr Mac);

/// <summary>
/// The fixed address plan of <c>fwsim gen</c> captures, so that a matching AWS configuration can be
/// written for them. It never changes with the seed; only which clients, ports and sizes appear does.
/// <list type="bullet">
/// <item>VPC 10.0.0.0/16 and 2600:1f18:1234:5600::/56.</item>
/// <item>Subnets web 10.0.1.0/24 + 2600:1f18:1234:5601::/64, app 10.0.2.0/24 + …:5602::/64,
/// db 10.0.3.0/24 + …:5603::/64.</item>
/// <item>Server ENIs web-1…web-8 at 10.0.1.10–17, app-1…app-4 at 10.0.2.10–13, db-1…db-2 at
/// 10.0.3.10–11; each has the IPv6 address ::10, ::11, … (hexadecimal, as written) in its
/// subnet's /64 and the MAC 0e:00:00:SS:00:HH, SS the subnet's third IPv4 octet and HH the
/// host's last octet, both in hexadecimal (10.0.1.10 → 0e:00:00:01:00:0a).</item>
/// <item>Everything beyond the ENIs (internet, VPC resolver, public DNS) is reached through the
/// gateway MAC 0e:00:00:00:00:01.</item>
/// <item>Internet clients: public IPv4 outside <see cref="ExcludedClientIpv4"/>, IPv6 in 2a00::/12.</item>
/// <item>Scanners: <see cref="Scanners"/>, in the TEST-NET ranges, which clients never use.</item>
/// </list>
/// </summary>
public static class SyntheticNetworkPlan
{
    public const ushort HttpsPort = 443;
    public const ushort HttpPort = 80;
    public const ushort AppPort = 8080;
    public const ushort DbPort = 5432;
    public const ushort DnsPort = 53;

    /// <summary>Traceroute probes go to UDP ports from here up (33434–33534), as classic traceroute's do.</summary>
    public const ushort TraceroutePortBase = 33434;

    /// <summary>Ephemeral ports of the servers and of Linux clients (Linux's default range).</summary>
    public const ushort LinuxEphemeralFirst = 32768;

    public const ushort LinuxEphemeralLast = 60999;

    /// <summary>Ephemeral ports of Windows clients (IANA's range).</summary>
    public const ushort WindowsEphemeralFirst = 49152;

    public const ushort WindowsEphemeralLast = 65535;

    public static IpPrefix VpcIpv4 { get; } = IpPrefix.Parse("10.0.0.0/16");

    public static IpPrefix VpcIpv6 { get; } = IpPrefix.Parse("2600:1f18:1234:5600::/56");

    public static SyntheticSubnet WebSubnet { get; } = new("web", SyntheticTier.Web, IpPrefix.Parse("10.0.1.0/24"), IpPrefix.Parse("2600:1f18:1234:5601::/64"));

    public static SyntheticSubnet AppSubnet { get; } = new("app", SyntheticTier.App, IpPrefix.Parse("10.0.2.0/24"), IpPrefix.Parse("2600:1f18:1234:5602::/64"));

    public static SyntheticSubnet DbSubnet { get; } = new("db", SyntheticTier.Db, IpPrefix.Parse("10.0.3.0/24"), IpPrefix.Parse("2600:1f18:1234:5603::/64"));

    public static IReadOnlyList<SyntheticSubnet> Subnets { get; } = [WebSubnet, AppSubnet, DbSubnet];

    /// <summary>web-1…web-8, app-1…app-4, db-1…db-2, in that order.</summary>
    public static IReadOnlyList<SyntheticEni> Enis { get; } = CreateEnis();

    public static IReadOnlyList<SyntheticEni> WebEnis { get; } = Enis.Where(e => e.Tier == SyntheticTier.Web).ToArray();

    public static IReadOnlyList<SyntheticEni> AppEnis { get; } = Enis.Where(e => e.Tier == SyntheticTier.App).ToArray();

    public static IReadOnlyList<SyntheticEni> DbEnis { get; } = Enis.Where(e => e.Tier == SyntheticTier.Db).ToArray();

    /// <summary>The Amazon-provided DNS server at the VPC base + 2 (exempt from security groups in AWS).</summary>
    public static IpAddr VpcResolverIpv4 { get; } = IpAddr.Parse("10.0.0.2");

    /// <summary>The Amazon-provided DNS server's IPv6 address on Nitro instances (also exempt).</summary>
    public static IpAddr VpcResolverIpv6 { get; } = IpAddr.Parse("fd00:ec2::253");

    public static IpAddr PublicDnsIpv4 { get; } = IpAddr.Parse("8.8.8.8");

    public static IpAddr PublicDnsIpv6 { get; } = IpAddr.Parse("2001:4860:4860::8888");

    /// <summary>The MAC of everything outside the ENIs: internet gateway, VPC router, resolver.</summary>
    public static MacAddr GatewayMac { get; } = new(0x0E00_0000_0001UL);

    /// <summary>The few internet hosts that scan the web servers (IPv4 only).</summary>
    public static IReadOnlyList<IpAddr> Scanners { get; } =
    [
        IpAddr.Parse("198.51.100.7"),
        IpAddr.Parse("198.51.100.23"),
        IpAddr.Parse("203.0.113.50"),
        IpAddr.Parse("203.0.113.99"),
    ];

    /// <summary>Where IPv6 internet clients come from.</summary>
    public static IpPrefix InternetClientsIpv6 { get; } = IpPrefix.Parse("2a00::/12");

    /// <summary>
    /// IPv4 ranges no internet client uses: "this network", private, shared (CGN), loopback,
    /// link-local, multicast and above; TEST-NET-1/2/3 (the scanners live there); 8.8.8.8.
    /// </summary>
    public static IReadOnlyList<IpPrefix> ExcludedClientIpv4 { get; } =
    [
        IpPrefix.Parse("0.0.0.0/8"),
        IpPrefix.Parse("10.0.0.0/8"),
        IpPrefix.Parse("100.64.0.0/10"),
        IpPrefix.Parse("127.0.0.0/8"),
        IpPrefix.Parse("169.254.0.0/16"),
        IpPrefix.Parse("172.16.0.0/12"),
        IpPrefix.Parse("192.168.0.0/16"),
        IpPrefix.Parse("224.0.0.0/3"),
        IpPrefix.Parse("192.0.2.0/24"),
        IpPrefix.Parse("198.51.100.0/24"),
        IpPrefix.Parse("203.0.113.0/24"),
        IpPrefix.Parse("8.8.8.8/32"),
    ];

    /// <summary>True when <paramref name="address"/> could be an internet client of a generated capture.</summary>
    public static bool IsInternetClient(IpAddr address)
    {
        if (address.IsV4)
        {
            foreach (var p in ExcludedClientIpv4)
            {
                if (p.Contains(address))
                {
                    return false;
                }
            }

            return true;
        }

        return InternetClientsIpv6.Contains(address);
    }

    /// <summary>The ENI that owns <paramref name="address"/> (IPv4 or IPv6), or null.</summary>
    public static SyntheticEni? FindEni(IpAddr address)
    {
        foreach (var eni in Enis)
        {
            if (eni.Ipv4 == address || eni.Ipv6 == address)
            {
                return eni;
            }
        }

        return null;
    }

    private static SyntheticEni[] CreateEnis()
    {
        var list = new List<SyntheticEni>();
        Add(list, WebSubnet, 8);
        Add(list, AppSubnet, 4);
        Add(list, DbSubnet, 2);
        return list.ToArray();
    }

    private static void Add(List<SyntheticEni> list, SyntheticSubnet subnet, int count)
    {
        uint net = subnet.Ipv4.Network.V4;
        uint third = (net >> 8) & 0xFF;
        for (int i = 0; i < count; i++)
        {
            uint host = 10 + (uint)i;
            var v4 = IpAddr.FromV4(net | host);
            var v6 = new IpAddr(subnet.Ipv6.Network.Hi, 0x10UL + (ulong)i);
            var mac = new MacAddr(0x0E00_0000_0000UL | ((ulong)third << 16) | host);
            string name = string.Create(CultureInfo.InvariantCulture, $"{subnet.Name}-{i + 1}");
            list.Add(new SyntheticEni(name, subnet.Tier, list.Count, subnet, v4, v6, mac));
        }
    }
}
