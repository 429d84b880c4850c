using System.Buffers.Binary;
using FirewallSim.Capture;
using FirewallSim.Net;

namespace FirewallSim.Tests.Synthesis;

/// <summary>
/// A packet as the synthesis tests see it, parsed by hand from the frame (independently of
/// <see cref="FirewallSim.Decode.PacketDecoder"/>): only what the generator writes — Ethernet,
/// IPv4 without options or IPv6 without extension headers, then TCP, UDP, ICMP or ICMPv6.
/// </summary>
public sealed record RawPacket(
    long Frame,
    long TimestampNs,
    byte[] Data,
    ulong SrcMac,
    ulong DstMac,
    bool V6,
    IpAddr Src,
    IpAddr Dst,
    byte Protocol,
    int L3Offset,
    int L4Offset,
    int L4Length)
{
    public ReadOnlySpan<byte> L4 => Data.AsSpan(L4Offset, L4Length);

    public ushort SrcPort => BinaryPrimitives.ReadUInt16BigEndian(L4);

    public ushort DstPort => BinaryPrimitives.ReadUInt16BigEndian(L4.Slice(2));

    public uint Seq => BinaryPrimitives.ReadUInt32BigEndian(L4.Slice(4));

    public uint Ack => BinaryPrimitives.ReadUInt32BigEndian(L4.Slice(8));

    public byte TcpFlags => L4[13];

    public int TcpPayload => L4Length - ((L4[12] >> 4) * 4);

    public bool IsTcp => Protocol == IpProtocol.Tcp;

    public bool IsUdp => Protocol == IpProtocol.Udp;

    public bool IsIcmp => Protocol is IpProtocol.Icmp or IpProtocol.Icmpv6;

    public byte IcmpType => L4[0];

    public byte IcmpCode => L4[1];

    public ushort IcmpId => BinaryPrimitives.ReadUInt16BigEndian(L4.Slice(4));

    public ushort IcmpSeq => BinaryPrimitives.ReadUInt16BigEndian(L4.Slice(6));

    public bool IsEchoRequest => IsIcmp && IcmpType is 8 or 128;

    public bool IsEchoReply => IsIcmp && (V6 ? IcmpType == 129 : IcmpType == 0);

    public bool IsIcmpError => IsIcmp && (V6 ? IcmpType < 128 : IcmpType is 3 or 11);

    /// <summary>Reads every packet of a capture held in memory.</summary>
    public static List<RawPacket> ReadAll(byte[] capture)
    {
        var list = new List<RawPacket>();
        using var reader = new CaptureReader(new MemoryStream(capture), "generated");
        while (reader.TryRead(out var record))
        {
            list.Add(Parse(record.FrameNumber, record.TimestampNs, record.Data.ToArray()));
        }

        Assert.Null(reader.Error);
        return list;
    }

    public static RawPacket Parse(long frame, long ts, byte[] d)
    {
        ulong dstMac = ReadMac(d, 0);
        ulong srcMac = ReadMac(d, 6);
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(12));
        if (type == 0x0800)
        {
            Assert.Equal(0x45, d[14]);
            int total = BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(16));
            Assert.Equal(d.Length - 14, total);
            return new RawPacket(frame, ts, d, srcMac, dstMac, false,
                IpAddr.FromV4(BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(26))),
                IpAddr.FromV4(BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(30))),
                d[23], 14, 34, total - 20);
        }

        Assert.Equal(0x86DD, type);
        Assert.Equal(6, d[14] >> 4);
        int payload = BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(18));
        Assert.Equal(d.Length - 54, payload);
        return new RawPacket(frame, ts, d, srcMac, dstMac, true,
            new IpAddr(BinaryPrimitives.ReadUInt64BigEndian(d.AsSpan(22)), BinaryPrimitives.ReadUInt64BigEndian(d.AsSpan(30))),
            new IpAddr(BinaryPrimitives.ReadUInt64BigEndian(d.AsSpan(38)), BinaryPrimitives.ReadUInt64BigEndian(d.AsSpan(46))),
            d[20], 14, 54, payload);
    }

    private static ulong ReadMac(byte[] d, int at)
    {
        ulong v = 0;
        for (int i = 0; i < 6; i++)
        {
            v = (v << 8) | d[at + i];
        }

        return v;
    }
}

/// <summary>
/// RFC 1071 written the plain way — big-endian 16-bit words, one at a time — so that it shares
/// nothing with the generator's word-at-a-time implementation.
/// </summary>
public static class ReferenceChecksum
{
    public static uint Sum(ReadOnlySpan<byte> data, uint sum = 0)
    {
        for (int i = 0; i < data.Length; i += 2)
        {
            sum += (uint)(data[i] << 8) | (i + 1 < data.Length ? data[i + 1] : 0u);
        }

        return sum;
    }

    public static ushort Fold(uint sum)
    {
        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)sum;
    }

    /// <summary>True when data whose checksum field is filled in sums to all ones.</summary>
    public static bool Verifies(uint sum) => Fold(sum) == 0xFFFF;

    /// <summary>The IPv4 pseudo-header (RFC 793/768) or IPv6 pseudo-header (RFC 8200 §8.1).</summary>
    public static uint PseudoHeader(bool v6, ReadOnlySpan<byte> ipHeader, byte protocol, int length)
    {
        uint sum = v6 ? Sum(ipHeader.Slice(8, 32)) : Sum(ipHeader.Slice(12, 8));
        return sum + protocol + (uint)(length >> 16) + (uint)(length & 0xFFFF);
    }
}
