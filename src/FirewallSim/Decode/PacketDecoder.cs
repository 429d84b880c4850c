using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using FirewallSim.Capture;
using FirewallSim.Net;

namespace FirewallSim.Decode;

/// <summary>
/// Decodes link, IP and transport headers of one frame into a <see cref="PacketInfo"/>. Works only on
/// the span it is given, never throws for bad input and never allocates: every length is checked and
/// a short or contradictory header becomes <see cref="DecodeStatus.Truncated"/> or
/// <see cref="DecodeStatus.Malformed"/> with the layer or reason.
/// </summary>
public static class PacketDecoder
{
    private const int MaxVlanTags = 8;
    // Every extension header is at least 8 bytes, so a chain ends by itself within 64 KiB; this cap only
    // bounds work on hostile input (libpcap's own test capture chains over 100 headers legitimately).
    private const int MaxIpv6ExtensionHeaders = 1024;

    private const ushort EtherTypeIpv4 = 0x0800;
    private const ushort EtherTypeIpv6 = 0x86DD;
    private const ushort EtherTypeVlan = 0x8100;
    private const ushort EtherTypeQinQ = 0x88A8;
    private const ushort EtherTypeQinQOld = 0x9100;

    /// <summary>Decodes a record straight from a capture reader.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DecodeStatus Decode(in CaptureRecord record, ref PacketInfo p)
    {
        return Decode(record.Data, record.LinkType, record.WireLength, record.FrameNumber, record.TimestampNs, record.Interface, ref p);
    }

    public static DecodeStatus Decode(ReadOnlySpan<byte> frame, ushort linkType, int wireLength, long frameNumber, long timestampNs, int iface, ref PacketInfo p)
    {
        p = default;
        p.FrameNumber = frameNumber;
        p.TimestampNs = timestampNs;
        p.Interface = iface;
        p.WireLength = wireLength;
        p.CapturedLength = frame.Length;
        p.LinkType = linkType;

        // Bytes that were on the wire but not captured (snaplen): lengths in headers may point into them.
        int uncaptured = Math.Max(0, wireLength - frame.Length);
        var status = linkType switch
        {
            LinkTypes.Ethernet => DecodeEthernet(frame, uncaptured, ref p),
            LinkTypes.Raw => DecodeRawIp(frame, uncaptured, ref p),
            LinkTypes.Ipv4 => DecodeIpv4(frame, uncaptured, ref p),
            LinkTypes.Ipv6 => DecodeIpv6(frame, uncaptured, ref p),
            LinkTypes.LinuxSll => DecodeSll(frame, uncaptured, ref p),
            LinkTypes.LinuxSll2 => DecodeSll2(frame, uncaptured, ref p),
            LinkTypes.Null => DecodeNull(frame, uncaptured, bigEndianOnly: false, ref p),
            LinkTypes.Loop => DecodeNull(frame, uncaptured, bigEndianOnly: true, ref p),
            _ => DecodeStatus.UnsupportedLinkType,
        };
        p.Status = status;
        return status;
    }

    // ---- link layer ---------------------------------------------------------------------------

    private static DecodeStatus DecodeEthernet(ReadOnlySpan<byte> f, int uncaptured, ref PacketInfo p)
    {
        if (f.Length < 14)
        {
            return Truncated(DecodeLayer.Link, ref p);
        }

        p.DstMac = MacAddr.Read(f);
        p.SrcMac = MacAddr.Read(f.Slice(6));
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(f.Slice(12));
        var payload = f.Slice(14);
        if (type < 0x0600)
        {
            // IEEE 802.3 length field: only LLC/SNAP can carry IP.
            return DecodeLlc(payload, uncaptured, ref p);
        }

        return DecodeEtherType(type, payload, uncaptured, ref p);
    }

    private static DecodeStatus DecodeLlc(ReadOnlySpan<byte> payload, int uncaptured, ref PacketInfo p)
    {
        if (payload.Length < 3)
        {
            return Truncated(DecodeLayer.Llc, ref p);
        }

        if (payload[0] != 0xAA || payload[1] != 0xAA || payload[2] != 0x03)
        {
            return DecodeStatus.NotIp;
        }

        if (payload.Length < 8)
        {
            return Truncated(DecodeLayer.Llc, ref p);
        }

        ushort type = BinaryPrimitives.ReadUInt16BigEndian(payload.Slice(6));
        return DecodeEtherType(type, payload.Slice(8), uncaptured, ref p);
    }

    private static DecodeStatus DecodeEtherType(ushort type, ReadOnlySpan<byte> payload, int uncaptured, ref PacketInfo p)
    {
        while (type is EtherTypeVlan or EtherTypeQinQ or EtherTypeQinQOld)
        {
            if (p.VlanCount >= MaxVlanTags)
            {
                return Malformed(DecodeLayer.Vlan, MalformedReason.TooManyVlanTags, ref p);
            }

            if (payload.Length < 4)
            {
                return Truncated(DecodeLayer.Vlan, ref p);
            }

            if (p.VlanCount == 0)
            {
                p.OuterVlan = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(payload) & 0x0FFF);
            }

            p.VlanCount++;
            type = BinaryPrimitives.ReadUInt16BigEndian(payload.Slice(2));
            payload = payload.Slice(4);
        }

        return type switch
        {
            EtherTypeIpv4 => DecodeIpv4(payload, uncaptured, ref p),
            EtherTypeIpv6 => DecodeIpv6(payload, uncaptured, ref p),
            _ => DecodeStatus.NotIp,
        };
    }

    private static DecodeStatus DecodeSll(ReadOnlySpan<byte> f, int uncaptured, ref PacketInfo p)
    {
        if (f.Length < 16)
        {
            return Truncated(DecodeLayer.Link, ref p);
        }

        ushort hatype = BinaryPrimitives.ReadUInt16BigEndian(f.Slice(2));
        ushort addrLen = BinaryPrimitives.ReadUInt16BigEndian(f.Slice(4));
        if (hatype == 1 && addrLen == 6)
        {
            p.SrcMac = MacAddr.Read(f.Slice(6));
        }

        ushort proto = BinaryPrimitives.ReadUInt16BigEndian(f.Slice(14));
        return SllPayload(proto, f.Slice(16), uncaptured, ref p);
    }

    private static DecodeStatus DecodeSll2(ReadOnlySpan<byte> f, int uncaptured, ref PacketInfo p)
    {
        if (f.Length < 20)
        {
            return Truncated(DecodeLayer.Link, ref p);
        }

        ushort proto = BinaryPrimitives.ReadUInt16BigEndian(f);
        ushort hatype = BinaryPrimitives.ReadUInt16BigEndian(f.Slice(8));
        byte addrLen = f[11];
        if (hatype == 1 && addrLen == 6)
        {
            p.SrcMac = MacAddr.Read(f.Slice(12));
        }

        return SllPayload(proto, f.Slice(20), uncaptured, ref p);
    }

    private static DecodeStatus SllPayload(ushort proto, ReadOnlySpan<byte> payload, int uncaptured, ref PacketInfo p)
    {
        // Values below 0x0600 are Linux pseudo-protocols; 0x0004 means an 802.2 LLC frame follows.
        if (proto < 0x0600)
        {
            return proto == 0x0004 ? DecodeLlc(payload, uncaptured, ref p) : DecodeStatus.NotIp;
        }

        return DecodeEtherType(proto, payload, uncaptured, ref p);
    }

    private static DecodeStatus DecodeNull(ReadOnlySpan<byte> f, int uncaptured, bool bigEndianOnly, ref PacketInfo p)
    {
        if (f.Length < 4)
        {
            return Truncated(DecodeLayer.Link, ref p);
        }

        // DLT_NULL stores the address family in the writer's byte order; DLT_LOOP in network order.
        uint family = BinaryPrimitives.ReadUInt32BigEndian(f);
        if (!bigEndianOnly && family > 0xFFFF)
        {
            family = BinaryPrimitives.ReadUInt32LittleEndian(f);
        }

        return family switch
        {
            2 => DecodeIpv4(f.Slice(4), uncaptured, ref p),
            10 or 24 or 28 or 30 => DecodeIpv6(f.Slice(4), uncaptured, ref p),
            _ => DecodeStatus.NotIp,
        };
    }

    private static DecodeStatus DecodeRawIp(ReadOnlySpan<byte> f, int uncaptured, ref PacketInfo p)
    {
        if (f.Length < 1)
        {
            return Truncated(DecodeLayer.IPv4, ref p);
        }

        return (f[0] >> 4) switch
        {
            4 => DecodeIpv4(f, uncaptured, ref p),
            6 => DecodeIpv6(f, uncaptured, ref p),
            _ => Malformed(DecodeLayer.IPv4, MalformedReason.BadIpVersion, ref p),
        };
    }

    // ---- network layer ------------------------------------------------------------------------

    private static DecodeStatus DecodeIpv4(ReadOnlySpan<byte> ip, int uncaptured, ref PacketInfo p)
    {
        if (ip.Length < 1)
        {
            return Truncated(DecodeLayer.IPv4, ref p);
        }

        if ((ip[0] >> 4) != 4)
        {
            return Malformed(DecodeLayer.IPv4, MalformedReason.BadIpVersion, ref p);
        }

        if (ip.Length < 20)
        {
            return Truncated(DecodeLayer.IPv4, ref p);
        }

        p.Family = IpFamily.V4;
        p.Protocol = ip[9];
        p.Ttl = ip[8];
        p.Src = IpAddr.ReadV4(ip.Slice(12));
        p.Dst = IpAddr.ReadV4(ip.Slice(16));

        int ihl = (ip[0] & 0x0F) * 4;
        if (ihl < 20)
        {
            return Malformed(DecodeLayer.IPv4, MalformedReason.Ipv4HeaderLength, ref p);
        }

        int wireAvailable = ip.Length + uncaptured;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip.Slice(2));
        if (totalLength == 0)
        {
            // TSO/GSO captures carry 0; D21 takes the packet's own length instead.
            totalLength = wireAvailable;
        }
        else if (totalLength < ihl || totalLength > wireAvailable)
        {
            p.IpLength = totalLength;
            return Malformed(DecodeLayer.IPv4, MalformedReason.Ipv4TotalLength, ref p);
        }

        p.IpLength = totalLength;
        if (ip.Length < ihl)
        {
            return Truncated(DecodeLayer.IPv4, ref p);
        }

        ushort flagsOffset = BinaryPrimitives.ReadUInt16BigEndian(ip.Slice(6));
        bool more = (flagsOffset & 0x2000) != 0;
        int offset = (flagsOffset & 0x1FFF) * 8;
        if (more || offset != 0)
        {
            p.IsFragment = true;
            p.MoreFragments = more;
            p.FragmentOffset = (ushort)offset;
            p.FragmentId = BinaryPrimitives.ReadUInt16BigEndian(ip.Slice(4));
            if (offset != 0)
            {
                return DecodeStatus.Ok;
            }
        }

        // Trim Ethernet padding: the transport layer ends where the IP packet says it does.
        int end = Math.Min(ip.Length, totalLength);
        return DecodeTransport(p.Protocol, ip.Slice(ihl, end - ihl), ref p);
    }

    private static DecodeStatus DecodeIpv6(ReadOnlySpan<byte> ip, int uncaptured, ref PacketInfo p)
    {
        if (ip.Length < 1)
        {
            return Truncated(DecodeLayer.IPv6, ref p);
        }

        if ((ip[0] >> 4) != 6)
        {
            return Malformed(DecodeLayer.IPv6, MalformedReason.BadIpVersion, ref p);
        }

        if (ip.Length < 40)
        {
            return Truncated(DecodeLayer.IPv6, ref p);
        }

        p.Family = IpFamily.V6;
        p.Ttl = ip[7];
        p.Src = IpAddr.ReadV6(ip.Slice(8));
        p.Dst = IpAddr.ReadV6(ip.Slice(24));
        byte next = ip[6];
        p.Protocol = next;

        // Addresses are stored IPv4-mapped internally; a mapped address inside a real IPv6 header would
        // be indistinguishable from IPv4 and could match IPv4 rules, and is invalid on the wire anyway.
        if (p.Src.IsV4 || p.Dst.IsV4)
        {
            return Malformed(DecodeLayer.IPv6, MalformedReason.Ipv4MappedAddress, ref p);
        }

        int wireAvailable = ip.Length + uncaptured;
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(ip.Slice(4));
        int ipLength;
        if (payloadLength == 0)
        {
            ipLength = wireAvailable; // TSO capture or jumbogram
        }
        else
        {
            ipLength = 40 + payloadLength;
            if (ipLength > wireAvailable)
            {
                p.IpLength = ipLength;
                return Malformed(DecodeLayer.IPv6, MalformedReason.Ipv6PayloadLength, ref p);
            }
        }

        p.IpLength = ipLength;
        int end = Math.Min(ip.Length, ipLength);
        var status = WalkIpv6Extensions(ip.Slice(0, end), ipLength, ref next, out int l4Offset, out bool laterFragment, out FragmentHeader frag);
        p.Protocol = next;
        if (frag.Present && (frag.Offset != 0 || frag.More))
        {
            p.IsFragment = true;
            p.MoreFragments = frag.More;
            p.FragmentOffset = frag.Offset;
            p.FragmentId = frag.Id;
        }

        if (status != DecodeStatus.Ok)
        {
            return status == DecodeStatus.Truncated
                ? Truncated(DecodeLayer.IPv6Extension, ref p)
                : Malformed(DecodeLayer.IPv6Extension, MalformedReason.Ipv6ExtensionChain, ref p);
        }

        if (laterFragment || next == IpProtocol.Ipv6NoNext)
        {
            return DecodeStatus.Ok;
        }

        return DecodeTransport(next, ip.Slice(l4Offset, end - l4Offset), ref p);
    }

    private struct FragmentHeader
    {
        public bool Present;
        public bool More;
        public ushort Offset;
        public uint Id;
    }

    /// <summary>
    /// Follows hop-by-hop, routing, fragment, destination options and AH headers. On return
    /// <paramref name="next"/> is the upper-layer protocol and <paramref name="l4Offset"/> its offset.
    /// </summary>
    private static DecodeStatus WalkIpv6Extensions(ReadOnlySpan<byte> ip, int declaredLength, ref byte next, out int l4Offset, out bool laterFragment, out FragmentHeader frag)
    {
        int off = 40;
        laterFragment = false;
        frag = default;
        for (int count = 0; ; count++)
        {
            if (count > MaxIpv6ExtensionHeaders)
            {
                l4Offset = off;
                return DecodeStatus.Malformed;
            }

            int length;
            switch (next)
            {
                case IpProtocol.HopByHop:
                case IpProtocol.Ipv6Routing:
                case IpProtocol.Ipv6DestOpts:
                    if (off + 2 > ip.Length)
                    {
                        l4Offset = off;
                        return off + 2 > declaredLength ? DecodeStatus.Malformed : DecodeStatus.Truncated;
                    }

                    length = (ip[off + 1] + 1) * 8;
                    break;
                case IpProtocol.Ah:
                    if (off + 2 > ip.Length)
                    {
                        l4Offset = off;
                        return off + 2 > declaredLength ? DecodeStatus.Malformed : DecodeStatus.Truncated;
                    }

                    length = (ip[off + 1] + 2) * 4;
                    break;
                case IpProtocol.Ipv6Fragment:
                    if (off + 8 > ip.Length)
                    {
                        l4Offset = off;
                        return off + 8 > declaredLength ? DecodeStatus.Malformed : DecodeStatus.Truncated;
                    }

                    ushort offsetFlags = BinaryPrimitives.ReadUInt16BigEndian(ip.Slice(off + 2));
                    frag.Present = true;
                    frag.Offset = (ushort)(offsetFlags & 0xFFF8);
                    frag.More = (offsetFlags & 1) != 0;
                    frag.Id = BinaryPrimitives.ReadUInt32BigEndian(ip.Slice(off + 4));
                    next = ip[off];
                    off += 8;
                    if (frag.Offset != 0)
                    {
                        laterFragment = true;
                        l4Offset = off;
                        return DecodeStatus.Ok;
                    }

                    continue;
                default:
                    l4Offset = off;
                    return DecodeStatus.Ok;
            }

            if (off + length > ip.Length)
            {
                l4Offset = off;
                return off + length > declaredLength ? DecodeStatus.Malformed : DecodeStatus.Truncated;
            }

            next = ip[off];
            off += length;
        }
    }

    // ---- transport layer ----------------------------------------------------------------------

    private static DecodeStatus DecodeTransport(byte protocol, ReadOnlySpan<byte> l4, ref PacketInfo p)
    {
        switch (protocol)
        {
            case IpProtocol.Tcp:
                if (l4.Length < 20)
                {
                    return Truncated(DecodeLayer.Tcp, ref p);
                }

                p.SrcPort = BinaryPrimitives.ReadUInt16BigEndian(l4);
                p.DstPort = BinaryPrimitives.ReadUInt16BigEndian(l4.Slice(2));
                p.TcpFlags = l4[13];
                p.TcpHeaderLength = (byte)((l4[12] >> 4) * 4);
                if (p.TcpHeaderLength < 20)
                {
                    return Malformed(DecodeLayer.Tcp, MalformedReason.TcpHeaderLength, ref p);
                }

                return DecodeStatus.Ok;

            case IpProtocol.Udp:
                if (l4.Length < 8)
                {
                    return Truncated(DecodeLayer.Udp, ref p);
                }

                p.SrcPort = BinaryPrimitives.ReadUInt16BigEndian(l4);
                p.DstPort = BinaryPrimitives.ReadUInt16BigEndian(l4.Slice(2));
                ushort udpLength = BinaryPrimitives.ReadUInt16BigEndian(l4.Slice(4));

                // 0 is legal for IPv6 jumbograms; anything else below the header size is not.
                if (udpLength != 0 && udpLength < 8)
                {
                    return Malformed(DecodeLayer.Udp, MalformedReason.UdpLength, ref p);
                }

                return DecodeStatus.Ok;

            case IpProtocol.Icmp:
                return DecodeIcmp(l4, ref p);

            case IpProtocol.Icmpv6:
                return DecodeIcmpv6(l4, ref p);

            default:
                return DecodeStatus.Ok;
        }
    }

    private static DecodeStatus DecodeIcmp(ReadOnlySpan<byte> l4, ref PacketInfo p)
    {
        if (l4.Length < 4)
        {
            return Truncated(DecodeLayer.Icmp, ref p);
        }

        p.IcmpType = l4[0];
        p.IcmpCode = l4[1];
        switch (p.IcmpType)
        {
            case 0 or 8 or 13 or 14 or 15 or 16 or 17 or 18:
                // Query messages carry an identifier that keys their conntrack entry (D8).
                if (l4.Length < 8)
                {
                    return Truncated(DecodeLayer.Icmp, ref p);
                }

                p.IcmpId = BinaryPrimitives.ReadUInt16BigEndian(l4.Slice(4));
                p.HasIcmpId = true;
                break;
            case 3 or 4 or 5 or 11 or 12:
                if (l4.Length > 8)
                {
                    DecodeQuotedIpv4(l4.Slice(8), ref p);
                }

                break;
        }

        return DecodeStatus.Ok;
    }

    private static DecodeStatus DecodeIcmpv6(ReadOnlySpan<byte> l4, ref PacketInfo p)
    {
        if (l4.Length < 4)
        {
            return Truncated(DecodeLayer.Icmpv6, ref p);
        }

        p.IcmpType = l4[0];
        p.IcmpCode = l4[1];
        if (p.IcmpType is 128 or 129)
        {
            if (l4.Length < 8)
            {
                return Truncated(DecodeLayer.Icmpv6, ref p);
            }

            p.IcmpId = BinaryPrimitives.ReadUInt16BigEndian(l4.Slice(4));
            p.HasIcmpId = true;
        }
        else if (p.IcmpType < 128 && l4.Length > 8)
        {
            DecodeQuotedIpv6(l4.Slice(8), ref p);
        }

        return DecodeStatus.Ok;
    }

    /// <summary>The invoking packet's header inside an ICMP error. A short quote is normal, never an error.</summary>
    private static void DecodeQuotedIpv4(ReadOnlySpan<byte> q, ref PacketInfo p)
    {
        if (q.Length < 20 || (q[0] >> 4) != 4)
        {
            return;
        }

        int ihl = (q[0] & 0x0F) * 4;
        if (ihl < 20 || q.Length < ihl)
        {
            return;
        }

        p.HasInner = true;
        p.InnerProtocol = q[9];
        p.InnerSrc = IpAddr.ReadV4(q.Slice(12));
        p.InnerDst = IpAddr.ReadV4(q.Slice(16));
        bool laterFragment = (BinaryPrimitives.ReadUInt16BigEndian(q.Slice(6)) & 0x1FFF) != 0;
        if (!laterFragment)
        {
            QuotedPorts(p.InnerProtocol, q.Slice(ihl), ref p);
        }
    }

    private static void DecodeQuotedIpv6(ReadOnlySpan<byte> q, ref PacketInfo p)
    {
        if (q.Length < 40 || (q[0] >> 4) != 6)
        {
            return;
        }

        p.HasInner = true;
        p.InnerSrc = IpAddr.ReadV6(q.Slice(8));
        p.InnerDst = IpAddr.ReadV6(q.Slice(24));
        byte next = q[6];
        p.InnerProtocol = next;
        var status = WalkIpv6Extensions(q, int.MaxValue, ref next, out int l4Offset, out bool laterFragment, out _);
        if (status == DecodeStatus.Ok)
        {
            p.InnerProtocol = next;
            if (!laterFragment)
            {
                QuotedPorts(next, q.Slice(l4Offset), ref p);
            }
        }
    }

    private static void QuotedPorts(byte protocol, ReadOnlySpan<byte> l4, ref PacketInfo p)
    {
        if ((protocol == IpProtocol.Tcp || protocol == IpProtocol.Udp || protocol == IpProtocol.Sctp) && l4.Length >= 4)
        {
            p.InnerSrcPort = BinaryPrimitives.ReadUInt16BigEndian(l4);
            p.InnerDstPort = BinaryPrimitives.ReadUInt16BigEndian(l4.Slice(2));
        }
    }

    // ---- outcomes -----------------------------------------------------------------------------

    private static DecodeStatus Truncated(DecodeLayer layer, ref PacketInfo p)
    {
        p.Layer = layer;
        return DecodeStatus.Truncated;
    }

    private static DecodeStatus Malformed(DecodeLayer layer, MalformedReason reason, ref PacketInfo p)
    {
        p.Layer = layer;
        p.Reason = reason;
        return DecodeStatus.Malformed;
    }
}
