using FirewallSim.Net;

namespace FirewallSim.Decode;

public enum DecodeStatus : byte
{
    /// <summary>An IP packet decoded as far as the simulator needs.</summary>
    Ok,

    /// <summary>A well-formed frame that does not carry IP (ARP, LLDP, STP…).</summary>
    NotIp,

    /// <summary>The capture's link type is not one the decoder knows.</summary>
    UnsupportedLinkType,

    /// <summary>The captured bytes end before a header the decoder needs (see <see cref="PacketInfo.Layer"/>).</summary>
    Truncated,

    /// <summary>A header contradicts itself or the frame (see <see cref="PacketInfo.Reason"/>).</summary>
    Malformed,
}

/// <summary>The protocol layer where decoding stopped (for truncated and malformed packets).</summary>
public enum DecodeLayer : byte
{
    None,
    Link,
    Vlan,
    Llc,
    IPv4,
    IPv6,
    IPv6Extension,
    Tcp,
    Udp,
    Icmp,
    Icmpv6,
}

public enum MalformedReason : byte
{
    None,
    BadIpVersion,
    Ipv4HeaderLength,
    Ipv4TotalLength,
    Ipv6PayloadLength,
    Ipv6ExtensionChain,
    TooManyVlanTags,
    TcpHeaderLength,
    UdpLength,
    BadLinkHeader,

    /// <summary>An IPv6 header carrying an IPv4-mapped address (::ffff:0:0/96), which RFC 4291 forbids on the wire.</summary>
    Ipv4MappedAddress,
}

public enum IpFamily : byte
{
    None = 0,
    V4 = 4,
    V6 = 6,
}

/// <summary>TCP flag bits as they sit in the header's flags byte.</summary>
public static class TcpFlags
{
    public const byte Fin = 0x01;
    public const byte Syn = 0x02;
    public const byte Rst = 0x04;
    public const byte Psh = 0x08;
    public const byte Ack = 0x10;
    public const byte Urg = 0x20;
    public const byte Ece = 0x40;
    public const byte Cwr = 0x80;
}

/// <summary>
/// Everything the simulator needs from one frame, as plain values: no references, no allocation.
/// Filled in place by <see cref="PacketDecoder"/>; reused for every packet.
/// </summary>
public struct PacketInfo
{
    // Capture metadata.
    public long FrameNumber;
    public long TimestampNs;
    public int Interface;
    public int WireLength;
    public int CapturedLength;
    public ushort LinkType;

    // Link layer.
    public MacAddr SrcMac;
    public MacAddr DstMac;
    public ushort OuterVlan;
    public byte VlanCount;

    // Network layer.
    public IpFamily Family;
    public IpAddr Src;
    public IpAddr Dst;
    public byte Protocol;
    public byte Ttl;

    /// <summary>Bytes of the IP packet for flow-log accounting (D21): IPv4 total length, IPv6 40 + payload length; the captured IP length when the field is 0 (TSO).</summary>
    public int IpLength;

    // Fragments (IPv4 flags/offset; IPv6 fragment header).
    public bool IsFragment;
    public bool MoreFragments;
    public ushort FragmentOffset; // bytes
    public uint FragmentId;

    // Transport layer.
    public ushort SrcPort;
    public ushort DstPort;
    public byte TcpFlags;
    public byte TcpHeaderLength;
    public byte IcmpType;
    public byte IcmpCode;
    public ushort IcmpId;
    public bool HasIcmpId;

    // The header quoted inside an ICMP/ICMPv6 error message.
    public bool HasInner;
    public byte InnerProtocol;
    public IpAddr InnerSrc;
    public IpAddr InnerDst;
    public ushort InnerSrcPort;
    public ushort InnerDstPort;

    // Outcome.
    public DecodeStatus Status;
    public DecodeLayer Layer;
    public MalformedReason Reason;

    /// <summary>A fragment other than the first (offset &gt; 0): it has no transport header.</summary>
    public readonly bool IsLaterFragment => IsFragment && FragmentOffset != 0;

    public readonly bool IsIp => Family != IpFamily.None;

    /// <summary>ICMP error messages (IPv4 types 3, 4, 5, 11, 12; ICMPv6 types below 128).</summary>
    public readonly bool IsIcmpError =>
        (Protocol == IpProtocol.Icmp && IcmpType is 3 or 4 or 5 or 11 or 12) ||
        (Protocol == IpProtocol.Icmpv6 && IcmpType < 128);
}
