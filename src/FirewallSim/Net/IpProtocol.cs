namespace FirewallSim.Net;

/// <summary>IANA protocol numbers the simulator treats specially.</summary>
public static class IpProtocol
{
    public const byte HopByHop = 0;
    public const byte Icmp = 1;
    public const byte Igmp = 2;
    public const byte IpInIp = 4;
    public const byte Tcp = 6;
    public const byte Udp = 17;
    public const byte Ipv6 = 41;
    public const byte Ipv6Routing = 43;
    public const byte Ipv6Fragment = 44;
    public const byte Gre = 47;
    public const byte Esp = 50;
    public const byte Ah = 51;
    public const byte Icmpv6 = 58;
    public const byte Ipv6NoNext = 59;
    public const byte Ipv6DestOpts = 60;
    public const byte Sctp = 132;

    /// <summary>The lower-case name used in output, or the number as text.</summary>
    public static string Name(int protocol) => protocol switch
    {
        Icmp => "icmp",
        Tcp => "tcp",
        Udp => "udp",
        Icmpv6 => "icmpv6",
        Gre => "gre",
        Esp => "esp",
        Ah => "ah",
        Sctp => "sctp",
        Igmp => "igmp",
        _ => protocol.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Protocols whose security-group rules carry ICMP type/code instead of ports.</summary>
    public static bool IsIcmpFamily(int protocol) => protocol is Icmp or Icmpv6;

    /// <summary>Protocols with port numbers that rules compare.</summary>
    public static bool HasPorts(int protocol) => protocol is Tcp or Udp;
}
