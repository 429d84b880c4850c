namespace FirewallSim.Decode;

/// <summary>Stable lower-case names for decode outcomes, used in every output format.</summary>
public static class DecodeNames
{
    public static string Layer(DecodeLayer layer) => layer switch
    {
        DecodeLayer.None => "none",
        DecodeLayer.Link => "link",
        DecodeLayer.Vlan => "vlan",
        DecodeLayer.Llc => "llc",
        DecodeLayer.IPv4 => "ipv4",
        DecodeLayer.IPv6 => "ipv6",
        DecodeLayer.IPv6Extension => "ipv6-ext",
        DecodeLayer.Tcp => "tcp",
        DecodeLayer.Udp => "udp",
        DecodeLayer.Icmp => "icmp",
        DecodeLayer.Icmpv6 => "icmpv6",
        _ => layer.ToString().ToLowerInvariant(),
    };

    public static string Reason(MalformedReason reason) => reason switch
    {
        MalformedReason.None => "none",
        MalformedReason.BadIpVersion => "bad-ip-version",
        MalformedReason.Ipv4HeaderLength => "ipv4-header-length",
        MalformedReason.Ipv4TotalLength => "ipv4-total-length",
        MalformedReason.Ipv6PayloadLength => "ipv6-payload-length",
        MalformedReason.Ipv6ExtensionChain => "ipv6-extension-chain",
        MalformedReason.TooManyVlanTags => "too-many-vlan-tags",
        MalformedReason.TcpHeaderLength => "tcp-header-length",
        MalformedReason.UdpLength => "udp-length",
        MalformedReason.BadLinkHeader => "bad-link-header",
        MalformedReason.Ipv4MappedAddress => "ipv4-mapped-address",
        _ => reason.ToString().ToLowerInvariant(),
    };

    /// <summary>"ok", "not-ip", "unsupported-link", "truncated:tcp", "malformed:udp-length".</summary>
    public static string Status(in PacketInfo p) => p.Status switch
    {
        DecodeStatus.Ok => "ok",
        DecodeStatus.NotIp => "not-ip",
        DecodeStatus.UnsupportedLinkType => "unsupported-link",
        DecodeStatus.Truncated => "truncated:" + Layer(p.Layer),
        DecodeStatus.Malformed => "malformed:" + Reason(p.Reason),
        _ => "unknown",
    };
}
