using System.Buffers.Binary;
using FirewallSim.Decode;
using FirewallSim.Net;

namespace FirewallSim.Tests.Support;

/// <summary>
/// Builds frames for decoder and pipeline tests, one layer per call, from the inside out:
/// a transport header (<see cref="Tcp"/>, <see cref="Udp"/>, <see cref="IcmpEcho"/>…) goes inside an IP
/// packet (<see cref="Ipv4"/>, <see cref="Ipv6"/>), which goes inside a link-layer frame
/// (<see cref="Ethernet"/>, <see cref="LinuxSll"/>, <see cref="Null"/>…) — or is used as it is for the
/// raw-IP link types (101, 228, 229). Every length field is computed unless a parameter overrides it,
/// so malformed packets are one named argument away. Checksums are filled in for IPv4 headers only;
/// nothing in FirewallSim checks the others.
/// </summary>
/// <example>
/// <code>
/// byte[] frame = FrameBuilder.Ethernet(
///     FrameBuilder.Ipv4("10.0.0.1", "10.0.0.2", IpProtocol.Tcp, FrameBuilder.Tcp(40000, 443, TcpFlags.Syn)),
///     vlans: [(FrameBuilder.EtherTypeQinQ, 100), (FrameBuilder.EtherTypeVlan, 200)]);
///
/// byte[] v6 = FrameBuilder.Ipv6("2001:db8::1", "2001:db8::2", IpProtocol.Udp, FrameBuilder.Udp(5353, 53),
///     extensions: [Ipv6Extension.HopByHop(), Ipv6Extension.Fragment(offset: 0, more: true, id: 7)]);
/// </code>
/// </example>
public static class FrameBuilder
{
    public const ushort EtherTypeIpv4 = 0x0800;
    public const ushort EtherTypeArp = 0x0806;
    public const ushort EtherTypeIpv6 = 0x86DD;

    /// <summary>802.1Q customer VLAN tag.</summary>
    public const ushort EtherTypeVlan = 0x8100;

    /// <summary>802.1ad service VLAN tag (QinQ outer tag).</summary>
    public const ushort EtherTypeQinQ = 0x88A8;

    /// <summary>The pre-standard QinQ tag some switches still send.</summary>
    public const ushort EtherTypeQinQOld = 0x9100;

    /// <summary>BSD AF_INET, the same on every BSD and Linux.</summary>
    public const uint AfInet = 2;

    /// <summary>AF_INET6 as Linux numbers it (BSDs use 24, 28 or 30).</summary>
    public const uint AfInet6Linux = 10;

    /// <summary>Source MAC used when none is given: 02:00:00:00:00:01.</summary>
    public static readonly MacAddr DefaultSrcMac = new(0x0200_0000_0001UL);

    /// <summary>Destination MAC used when none is given: 02:00:00:00:00:02.</summary>
    public static readonly MacAddr DefaultDstMac = new(0x0200_0000_0002UL);

    // ---- link layer ---------------------------------------------------------------------------

    /// <summary>
    /// An Ethernet II frame: destination MAC, source MAC, then 0..n VLAN tags, then the EtherType and payload.
    /// </summary>
    /// <param name="payload">What follows the last EtherType (usually an IP packet).</param>
    /// <param name="etherType">Innermost EtherType; by default 0x0800 or 0x86DD from the payload's IP version nibble.</param>
    /// <param name="src">Source MAC (default <see cref="DefaultSrcMac"/>).</param>
    /// <param name="dst">Destination MAC (default <see cref="DefaultDstMac"/>).</param>
    /// <param name="minLength">Pads the frame with zeros to this length (60 = Ethernet minimum without FCS).</param>
    /// <param name="vlans">Tags from outermost to innermost: the TPID (0x8100, 0x88A8, 0x9100) and the 12-bit VLAN id.</param>
    public static byte[] Ethernet(ReadOnlySpan<byte> payload, ushort? etherType = null, MacAddr? src = null, MacAddr? dst = null, int minLength = 0, params (ushort Tpid, ushort Vid)[] vlans)
    {
        int length = Math.Max(14 + (4 * vlans.Length) + payload.Length, minLength);
        byte[] f = new byte[length];
        (dst ?? DefaultDstMac).Write(f);
        (src ?? DefaultSrcMac).Write(f.AsSpan(6));
        int pos = 12;
        foreach (var (tpid, vid) in vlans)
        {
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(pos), tpid);
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(pos + 2), (ushort)(vid & 0x0FFF));
            pos += 4;
        }

        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(pos), etherType ?? EtherTypeFor(payload));
        payload.CopyTo(f.AsSpan(pos + 2));
        return f;
    }

    /// <summary>
    /// An IEEE 802.3 frame with a length field, LLC (AA AA 03) and SNAP (OUI 00 00 00, then the EtherType).
    /// </summary>
    public static byte[] Ieee8023Snap(ReadOnlySpan<byte> payload, ushort? etherType = null, MacAddr? src = null, MacAddr? dst = null)
    {
        byte[] f = new byte[14 + 8 + payload.Length];
        (dst ?? DefaultDstMac).Write(f);
        (src ?? DefaultSrcMac).Write(f.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), (ushort)(8 + payload.Length));
        f[14] = 0xAA;
        f[15] = 0xAA;
        f[16] = 0x03;
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(20), etherType ?? EtherTypeFor(payload));
        payload.CopyTo(f.AsSpan(22));
        return f;
    }

    /// <summary>
    /// A Linux "cooked" capture (LINKTYPE_LINUX_SLL, 113) header: packet type, ARPHRD type, address length,
    /// 8 address bytes, protocol.
    /// </summary>
    /// <param name="payload">The packet after the header.</param>
    /// <param name="protocol">The protocol field (an EtherType, or a Linux pseudo-protocol below 0x0600).</param>
    /// <param name="src">Link-layer source address (written with address length 6 when <paramref name="hatype"/> is 1).</param>
    /// <param name="packetType">0 = to us, 4 = outgoing…</param>
    /// <param name="hatype">ARPHRD_ value (1 = Ethernet).</param>
    public static byte[] LinuxSll(ReadOnlySpan<byte> payload, ushort? protocol = null, MacAddr? src = null, ushort packetType = 0, ushort hatype = 1)
    {
        byte[] f = new byte[16 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(f, packetType);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(2), hatype);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(4), 6);
        (src ?? DefaultSrcMac).Write(f.AsSpan(6));
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(14), protocol ?? EtherTypeFor(payload));
        payload.CopyTo(f.AsSpan(16));
        return f;
    }

    /// <summary>
    /// A Linux cooked v2 (LINKTYPE_LINUX_SLL2, 276) header: protocol, reserved, interface index, ARPHRD type,
    /// packet type, address length, 8 address bytes.
    /// </summary>
    public static byte[] LinuxSll2(ReadOnlySpan<byte> payload, ushort? protocol = null, MacAddr? src = null, uint interfaceIndex = 2, byte packetType = 0, ushort hatype = 1)
    {
        byte[] f = new byte[20 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(f, protocol ?? EtherTypeFor(payload));
        BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(4), interfaceIndex);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(8), hatype);
        f[10] = packetType;
        f[11] = 6;
        (src ?? DefaultSrcMac).Write(f.AsSpan(12));
        payload.CopyTo(f.AsSpan(20));
        return f;
    }

    /// <summary>
    /// BSD loopback (LINKTYPE_NULL, 0): a 4-byte address family in the byte order of the machine that wrote it.
    /// </summary>
    public static byte[] Null(ReadOnlySpan<byte> payload, uint family = AfInet, bool bigEndian = false)
    {
        byte[] f = new byte[4 + payload.Length];
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt32BigEndian(f, family);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(f, family);
        }

        payload.CopyTo(f.AsSpan(4));
        return f;
    }

    /// <summary>OpenBSD loopback (LINKTYPE_LOOP, 108): a 4-byte address family, always big-endian.</summary>
    public static byte[] Loop(ReadOnlySpan<byte> payload, uint family = AfInet) => Null(payload, family, bigEndian: true);

    /// <summary>An Ethernet ARP request (who-has 10.0.0.2 tell 10.0.0.1): a frame that carries no IP.</summary>
    public static byte[] Arp()
    {
        byte[] arp = new byte[28];
        BinaryPrimitives.WriteUInt16BigEndian(arp, 1);                 // hardware type: Ethernet
        BinaryPrimitives.WriteUInt16BigEndian(arp.AsSpan(2), 0x0800);  // protocol type: IPv4
        arp[4] = 6;
        arp[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(arp.AsSpan(6), 1);       // request
        DefaultSrcMac.Write(arp.AsSpan(8));
        arp[14] = 10;
        arp[17] = 1;
        arp[24] = 10;
        arp[27] = 2;
        return Ethernet(arp, EtherTypeArp, dst: new MacAddr(0xFFFF_FFFF_FFFFUL));
    }

    // ---- network layer ------------------------------------------------------------------------

    /// <summary>
    /// An IPv4 packet. Lengths, IHL and the header checksum are computed unless overridden.
    /// </summary>
    /// <param name="src">Source address, dotted quad.</param>
    /// <param name="dst">Destination address, dotted quad.</param>
    /// <param name="protocol">Protocol field (<see cref="IpProtocol"/>).</param>
    /// <param name="payload">Transport header and data.</param>
    /// <param name="options">IP options, zero-padded to a multiple of 4 bytes.</param>
    /// <param name="id">Identification field.</param>
    /// <param name="fragmentOffset">Fragment offset in bytes (a multiple of 8).</param>
    /// <param name="moreFragments">The MF flag.</param>
    /// <param name="dontFragment">The DF flag.</param>
    /// <param name="ttl">Time to live.</param>
    /// <param name="totalLength">Total Length field to write instead of the real length (0 models a TSO capture).</param>
    /// <param name="ihlWords">IHL field to write instead of the real header length in 32-bit words.</param>
    /// <param name="version">Version nibble (4 unless testing a bad version).</param>
    public static byte[] Ipv4(
        string src,
        string dst,
        byte protocol,
        ReadOnlySpan<byte> payload,
        ReadOnlySpan<byte> options = default,
        ushort id = 0x1234,
        int fragmentOffset = 0,
        bool moreFragments = false,
        bool dontFragment = false,
        byte ttl = 64,
        int? totalLength = null,
        int? ihlWords = null,
        int version = 4)
    {
        int headerLength = 20 + ((options.Length + 3) & ~3);
        byte[] p = new byte[headerLength + payload.Length];
        p[0] = (byte)((version << 4) | ((ihlWords ?? (headerLength / 4)) & 0x0F));
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)(totalLength ?? p.Length));
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), id);
        ushort flags = (ushort)(((fragmentOffset / 8) & 0x1FFF) | (moreFragments ? 0x2000 : 0) | (dontFragment ? 0x4000 : 0));
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(6), flags);
        p[8] = ttl;
        p[9] = protocol;
        V4Bytes(src).CopyTo(p, 12);
        V4Bytes(dst).CopyTo(p, 16);
        options.CopyTo(p.AsSpan(20));
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(10), Checksum(p.AsSpan(0, headerLength)));
        payload.CopyTo(p.AsSpan(headerLength));
        return p;
    }

    /// <summary>
    /// An IPv6 packet with an optional chain of extension headers; each header's Next Header field is
    /// set to the type of the one after it, and the last to <paramref name="nextHeader"/>.
    /// </summary>
    /// <param name="src">Source address, any RFC 4291 text form.</param>
    /// <param name="dst">Destination address.</param>
    /// <param name="nextHeader">The upper-layer protocol after the extension headers.</param>
    /// <param name="payload">Transport header and data.</param>
    /// <param name="extensions">Extension headers in order (see <see cref="Ipv6Extension"/>).</param>
    /// <param name="hopLimit">Hop limit.</param>
    /// <param name="payloadLength">Payload Length field to write instead of the real one (0 models TSO or a jumbogram).</param>
    /// <param name="version">Version nibble (6 unless testing a bad version).</param>
    public static byte[] Ipv6(
        string src,
        string dst,
        byte nextHeader,
        ReadOnlySpan<byte> payload,
        Ipv6Extension[]? extensions = null,
        byte hopLimit = 64,
        int? payloadLength = null,
        int version = 6)
    {
        extensions ??= [];
        int extLength = extensions.Sum(e => e.Bytes.Length);
        byte[] p = new byte[40 + extLength + payload.Length];
        p[0] = (byte)(version << 4);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), (ushort)(payloadLength ?? (extLength + payload.Length)));
        p[6] = extensions.Length > 0 ? extensions[0].Type : nextHeader;
        p[7] = hopLimit;
        IpAddr.Parse(src).WriteBytes(p.AsSpan(8, 16));
        IpAddr.Parse(dst).WriteBytes(p.AsSpan(24, 16));
        int pos = 40;
        for (int i = 0; i < extensions.Length; i++)
        {
            extensions[i].Bytes.CopyTo(p, pos);
            p[pos] = i + 1 < extensions.Length ? extensions[i + 1].Type : nextHeader;
            pos += extensions[i].Bytes.Length;
        }

        payload.CopyTo(p.AsSpan(pos));
        return p;
    }

    // ---- transport layer ----------------------------------------------------------------------

    /// <summary>
    /// A TCP header (plus zero payload bytes).
    /// </summary>
    /// <param name="srcPort">Source port.</param>
    /// <param name="dstPort">Destination port.</param>
    /// <param name="flags">Flag bits (<see cref="TcpFlags"/>).</param>
    /// <param name="dataOffsetWords">Data offset field; values above 5 add NOP options, values below 5 are written as they are (malformed).</param>
    /// <param name="payloadLength">Zero bytes of data after the header.</param>
    public static byte[] Tcp(ushort srcPort, ushort dstPort, byte flags = TcpFlags.Syn, int dataOffsetWords = 5, int payloadLength = 0, uint sequence = 1000, uint acknowledgment = 0)
    {
        int headerLength = Math.Max(20, dataOffsetWords * 4);
        byte[] t = new byte[headerLength + payloadLength];
        BinaryPrimitives.WriteUInt16BigEndian(t, srcPort);
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(2), dstPort);
        BinaryPrimitives.WriteUInt32BigEndian(t.AsSpan(4), sequence);
        BinaryPrimitives.WriteUInt32BigEndian(t.AsSpan(8), acknowledgment);
        t[12] = (byte)((dataOffsetWords & 0x0F) << 4);
        t[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(14), 65535);
        t.AsSpan(20, headerLength - 20).Fill(1); // NOP options
        return t;
    }

    /// <summary>A UDP header and <paramref name="payloadLength"/> zero bytes; <paramref name="lengthField"/> overrides the length.</summary>
    public static byte[] Udp(ushort srcPort, ushort dstPort, int payloadLength = 0, int? lengthField = null)
    {
        byte[] u = new byte[8 + payloadLength];
        BinaryPrimitives.WriteUInt16BigEndian(u, srcPort);
        BinaryPrimitives.WriteUInt16BigEndian(u.AsSpan(2), dstPort);
        BinaryPrimitives.WriteUInt16BigEndian(u.AsSpan(4), (ushort)(lengthField ?? u.Length));
        return u;
    }

    /// <summary>An ICMP echo request (type 8) or reply (type 0) with identifier and sequence number.</summary>
    public static byte[] IcmpEcho(ushort id, ushort sequence = 1, bool reply = false, int payloadLength = 0)
    {
        byte[] m = new byte[8 + payloadLength];
        m[0] = reply ? (byte)0 : (byte)8;
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(6), sequence);
        return m;
    }

    /// <summary>
    /// Any ICMP message: type, code, checksum (left 0), then <paramref name="rest"/> (for queries the identifier
    /// and sequence; for errors four unused bytes and the quote — see <see cref="IcmpError"/>).
    /// </summary>
    public static byte[] Icmp(byte type, byte code, ReadOnlySpan<byte> rest)
    {
        byte[] m = new byte[4 + rest.Length];
        m[0] = type;
        m[1] = code;
        rest.CopyTo(m.AsSpan(4));
        return m;
    }

    /// <summary>
    /// An ICMP error (3 unreachable, 11 time exceeded, …): type, code, checksum, four unused bytes, then the
    /// quoted start of the invoking packet (usually its IP header and 8 transport bytes).
    /// </summary>
    public static byte[] IcmpError(byte type, byte code, ReadOnlySpan<byte> quoted)
    {
        byte[] m = new byte[8 + quoted.Length];
        m[0] = type;
        m[1] = code;
        quoted.CopyTo(m.AsSpan(8));
        return m;
    }

    /// <summary>An ICMPv6 echo request (128) or reply (129) with identifier and sequence number.</summary>
    public static byte[] Icmpv6Echo(ushort id, ushort sequence = 1, bool reply = false)
    {
        byte[] m = new byte[8];
        m[0] = reply ? (byte)129 : (byte)128;
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(6), sequence);
        return m;
    }

    /// <summary>
    /// An ICMPv6 error (1 unreachable, 2 packet too big, 3 time exceeded, 4 parameter problem): type, code,
    /// checksum, four bytes (unused or MTU/pointer), then the quoted invoking packet.
    /// </summary>
    public static byte[] Icmpv6Error(byte type, byte code, ReadOnlySpan<byte> quoted) => IcmpError(type, code, quoted);

    // ---- helpers ------------------------------------------------------------------------------

    /// <summary>
    /// Deterministic filler: bytes <c>seed + 7·i</c>, with the length written big-endian into the first four
    /// (when there are four), so that two patterns of different lengths or seeds never compare equal.
    /// </summary>
    public static byte[] Pattern(int length, int seed)
    {
        byte[] b = new byte[length];
        for (int i = 0; i < b.Length; i++)
        {
            b[i] = (byte)(seed + (i * 7));
        }

        if (length >= 4)
        {
            BinaryPrimitives.WriteInt32BigEndian(b, length);
        }

        return b;
    }

    /// <summary>The first <paramref name="length"/> bytes of a packet, as an ICMP error quotes it.</summary>
    public static byte[] Quote(byte[] packet, int length) => packet.AsSpan(0, Math.Min(length, packet.Length)).ToArray();

    /// <summary>The Internet checksum (RFC 1071) of <paramref name="data"/>.</summary>
    public static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        int i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data.Slice(i));
        }

        if (i < data.Length)
        {
            sum += (uint)data[i] << 8;
        }

        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    private static ushort EtherTypeFor(ReadOnlySpan<byte> payload) =>
        payload.Length > 0 && (payload[0] >> 4) == 6 ? EtherTypeIpv6 : EtherTypeIpv4;

    private static byte[] V4Bytes(string text)
    {
        var a = IpAddr.Parse(text);
        if (!a.IsV4)
        {
            throw new ArgumentException($"'{text}' is not an IPv4 address", nameof(text));
        }

        byte[] b = new byte[4];
        a.WriteBytes(b);
        return b;
    }
}

/// <summary>
/// One IPv6 extension header for <see cref="FrameBuilder.Ipv6"/>. <see cref="Bytes"/> is the whole header;
/// its first byte (Next Header) is filled in by the packet builder.
/// </summary>
/// <param name="Type">The protocol number that announces this header (0, 43, 44, 51, 60).</param>
/// <param name="Bytes">The header bytes, a multiple of 8 long (AH: of 4).</param>
public sealed record Ipv6Extension(byte Type, byte[] Bytes)
{
    /// <summary>Hop-by-hop options, (1 + <paramref name="extraUnits"/>) × 8 bytes of PadN.</summary>
    public static Ipv6Extension HopByHop(int extraUnits = 0) => Options(IpProtocol.HopByHop, extraUnits);

    /// <summary>Destination options, (1 + <paramref name="extraUnits"/>) × 8 bytes of PadN.</summary>
    public static Ipv6Extension DestinationOptions(int extraUnits = 0) => Options(IpProtocol.Ipv6DestOpts, extraUnits);

    /// <summary>A type-2 routing header (24 bytes: one home address, segments left 1).</summary>
    public static Ipv6Extension Routing()
    {
        byte[] b = new byte[24];
        b[1] = 2;  // Hdr Ext Len in 8-byte units beyond the first
        b[2] = 2;  // routing type 2
        b[3] = 1;  // segments left
        b[8] = 0x20;
        b[9] = 0x01;
        b[10] = 0x0D;
        b[11] = 0xB8;
        b[23] = 0x99;
        return new Ipv6Extension(IpProtocol.Ipv6Routing, b);
    }

    /// <summary>A fragment header (8 bytes).</summary>
    /// <param name="offset">Fragment offset in bytes (a multiple of 8).</param>
    /// <param name="more">The M flag.</param>
    /// <param name="id">Identification.</param>
    public static Ipv6Extension Fragment(int offset, bool more, uint id)
    {
        byte[] b = new byte[8];
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), (ushort)((offset & 0xFFF8) | (more ? 1 : 0)));
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), id);
        return new Ipv6Extension(IpProtocol.Ipv6Fragment, b);
    }

    /// <summary>An authentication header: Payload Len <paramref name="payloadLenField"/> means (field + 2) × 4 bytes (4 → 24, with a 12-byte ICV).</summary>
    public static Ipv6Extension Ah(int payloadLenField = 4, uint spi = 0x100)
    {
        byte[] b = new byte[(payloadLenField + 2) * 4];
        b[1] = (byte)payloadLenField;
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), spi);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(8), 1);
        return new Ipv6Extension(IpProtocol.Ah, b);
    }

    private static Ipv6Extension Options(byte type, int extraUnits)
    {
        byte[] b = new byte[(1 + extraUnits) * 8];
        b[1] = (byte)extraUnits;
        b[2] = 1;                      // PadN
        b[3] = (byte)(b.Length - 4);   // covering the rest of the header
        return new Ipv6Extension(type, b);
    }
}
