using System.Buffers.Binary;
using System.Net;

namespace FirewallSim.Cli.Tests.Support;

/// <summary>
/// Just enough hand-built frames for the CLI tests: Ethernet, IPv4, IPv6, TCP, UDP, ICMP, ARP. No
/// checksums (nothing here reads them). The library's own tests have the full builder.
/// </summary>
internal static class Frames
{
    public static readonly byte[] MacA = [0x02, 0, 0, 0, 0, 0x0a];
    public static readonly byte[] MacB = [0x02, 0, 0, 0, 0, 0x0b];

    public static byte[] Ethernet(ushort etherType, byte[] payload)
    {
        var f = new byte[14 + payload.Length];
        MacB.CopyTo(f, 0);
        MacA.CopyTo(f, 6);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(12), etherType);
        payload.CopyTo(f, 14);
        return f;
    }

    /// <summary>An IPv4 packet; <paramref name="fragmentOffset"/> in bytes (a multiple of 8).</summary>
    public static byte[] Ipv4(string src, string dst, byte protocol, byte[] payload, ushort id = 1, int fragmentOffset = 0, bool moreFragments = false, int ihlWords = 5)
    {
        var p = new byte[20 + payload.Length];
        p[0] = (byte)(0x40 | ihlWords);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)p.Length);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(6), (ushort)((moreFragments ? 0x2000 : 0) | (fragmentOffset / 8)));
        p[8] = 64;
        p[9] = protocol;
        IPAddress.Parse(src).GetAddressBytes().CopyTo(p, 12);
        IPAddress.Parse(dst).GetAddressBytes().CopyTo(p, 16);
        payload.CopyTo(p, 20);
        return p;
    }

    public static byte[] Ipv6(string src, string dst, byte next, byte[] payload)
    {
        var p = new byte[40 + payload.Length];
        p[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), (ushort)payload.Length);
        p[6] = next;
        p[7] = 64;
        IPAddress.Parse(src).GetAddressBytes().CopyTo(p, 8);
        IPAddress.Parse(dst).GetAddressBytes().CopyTo(p, 24);
        payload.CopyTo(p, 40);
        return p;
    }

    public static byte[] Tcp(ushort sport, ushort dport, byte flags = 0x02)
    {
        var t = new byte[20];
        BinaryPrimitives.WriteUInt16BigEndian(t, sport);
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(2), dport);
        t[12] = 5 << 4;
        t[13] = flags;
        return t;
    }

    public static byte[] Udp(ushort sport, ushort dport, int payloadLength = 0)
    {
        var u = new byte[8 + payloadLength];
        BinaryPrimitives.WriteUInt16BigEndian(u, sport);
        BinaryPrimitives.WriteUInt16BigEndian(u.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt16BigEndian(u.AsSpan(4), (ushort)u.Length);
        return u;
    }

    /// <summary>ICMP or ICMPv6: type, code, checksum 0, then four bytes (identifier/sequence or unused).</summary>
    public static byte[] Icmp(byte type, byte code, ushort id = 0x1234) =>
        [type, code, 0, 0, (byte)(id >> 8), (byte)id, 0, 1];

    public static byte[] EthIpv4(string src, string dst, byte protocol, byte[] payload) =>
        Ethernet(0x0800, Ipv4(src, dst, protocol, payload));

    public static byte[] EthIpv6(string src, string dst, byte next, byte[] payload) =>
        Ethernet(0x86DD, Ipv6(src, dst, next, payload));

    /// <summary>An ARP request: a well-formed frame that is not IP.</summary>
    public static byte[] Arp()
    {
        var a = new byte[28];
        BinaryPrimitives.WriteUInt16BigEndian(a, 1);
        BinaryPrimitives.WriteUInt16BigEndian(a.AsSpan(2), 0x0800);
        a[4] = 6;
        a[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(a.AsSpan(6), 1);
        return Ethernet(0x0806, a);
    }
}
