using System.Buffers.Binary;
using System.Text;
using FirewallSim.Capture;

namespace FirewallSim.Tests.Support;

/// <summary>
/// Writes small capture files in memory for tests: classic pcap (<see cref="Pcap"/>) and pcapng
/// (<see cref="PcapNg"/>). Each builder also records where the file may end cleanly
/// (<see cref="CaptureBuilder.Boundaries"/>) and where every packet record ends
/// (<see cref="CaptureBuilder.PacketEnds"/>), so that truncation tests know what a reader must return
/// for any prefix of the file.
/// </summary>
/// <example>
/// <code>
/// byte[] pcap = TestCaptureBuilder.Pcap(nanosecond: true, bigEndian: true)
///     .Record(frame, seconds: 1_700_000_000, fraction: 5)
///     .ToArray();
///
/// byte[] ng = TestCaptureBuilder.PcapNg()
///     .Section(bigEndian: false)
///     .Interface(LinkTypes.Ethernet, tsresol: 9, name: "eth0")
///     .EnhancedPacket(0, timestamp: 1_000, frame)
///     .ToArray();
/// </code>
/// </example>
public static class TestCaptureBuilder
{
    /// <summary>pcap magic for microsecond timestamps (written in the file's byte order).</summary>
    public const uint PcapMagicMicro = 0xA1B2C3D4;

    /// <summary>pcap magic for nanosecond timestamps (written in the file's byte order).</summary>
    public const uint PcapMagicNano = 0xA1B23C4D;

    /// <summary>
    /// Starts a classic pcap file: writes the 24-byte file header at once.
    /// </summary>
    /// <param name="nanosecond">Nanosecond magic (0xA1B23C4D) instead of microsecond (0xA1B2C3D4).</param>
    /// <param name="bigEndian">Write the header and every record header big-endian.</param>
    /// <param name="linkType">The whole 32-bit link-type field (the upper bits hold FCS information and reserved bits).</param>
    /// <param name="snapLength">The snapshot length field.</param>
    /// <param name="versionMajor">Version field; readers accept only 2.</param>
    /// <param name="versionMinor">Minor version field (4 in practice).</param>
    public static PcapBuilder Pcap(
        bool nanosecond = false,
        bool bigEndian = false,
        uint linkType = LinkTypes.Ethernet,
        uint snapLength = 262_144,
        ushort versionMajor = 2,
        ushort versionMinor = 4) =>
        new(nanosecond, bigEndian, linkType, snapLength, versionMajor, versionMinor);

    /// <summary>Starts an empty pcapng file: call <see cref="PcapNgBuilder.Section"/> first.</summary>
    public static PcapNgBuilder PcapNg() => new();
}

/// <summary>What both capture builders share: the bytes written so far and where records end.</summary>
public abstract class CaptureBuilder
{
    private readonly List<long> _boundaries = new();
    private readonly List<long> _packetEnds = new();
    private byte[] _buf = new byte[256];
    private int _length;

    /// <summary>Bytes written so far.</summary>
    public int Length => _length;

    /// <summary>
    /// Offsets at which a prefix of the file is itself a complete, valid capture: after the pcap file
    /// header and after every record, or after every pcapng block. Ascending.
    /// </summary>
    public IReadOnlyList<long> Boundaries => _boundaries;

    /// <summary>End offset of every packet record (pcap record; pcapng EPB, SPB or obsolete packet block), in file order.</summary>
    public IReadOnlyList<long> PacketEnds => _packetEnds;

    /// <summary>Number of packet records written.</summary>
    public int PacketCount => _packetEnds.Count;

    /// <summary>Packets that lie wholly inside the first <paramref name="cut"/> bytes.</summary>
    public int PacketsBefore(long cut) => _packetEnds.Count(end => end <= cut);

    /// <summary>A copy of the file.</summary>
    public byte[] ToArray() => _buf.AsSpan(0, _length).ToArray();

    /// <summary>A read-only, seekable stream over a copy of the file.</summary>
    public MemoryStream ToStream() => new(ToArray(), writable: false);

    /// <summary>
    /// Appends bytes as they are, for hostile inputs the typed methods cannot express.
    /// <paramref name="isBoundary"/> says whether the file may end cleanly after them.
    /// </summary>
    public void AppendRaw(ReadOnlySpan<byte> bytes, bool isBoundary = false)
    {
        bytes.CopyTo(Append(bytes.Length));
        if (isBoundary)
        {
            MarkBoundary();
        }
    }

    /// <summary>Reserves <paramref name="count"/> zeroed bytes at the end and returns them for writing.</summary>
    protected Span<byte> Append(int count)
    {
        if (_length + count > _buf.Length)
        {
            Array.Resize(ref _buf, Math.Max(_buf.Length * 2, _length + count));
        }

        var span = _buf.AsSpan(_length, count);
        span.Clear();
        _length += count;
        return span;
    }

    protected void MarkBoundary() => _boundaries.Add(_length);

    protected void MarkPacketEnd() => _packetEnds.Add(_length);

    protected static void PutU16(Span<byte> s, ushort v, bool bigEndian)
    {
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt16BigEndian(s, v);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(s, v);
        }
    }

    protected static void PutU32(Span<byte> s, uint v, bool bigEndian)
    {
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt32BigEndian(s, v);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(s, v);
        }
    }

    protected static void PutU64(Span<byte> s, ulong v, bool bigEndian)
    {
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt64BigEndian(s, v);
        }
        else
        {
            BinaryPrimitives.WriteUInt64LittleEndian(s, v);
        }
    }
}

/// <summary>A classic pcap file: a 24-byte header followed by 16-byte record headers and packet bytes.</summary>
public sealed class PcapBuilder : CaptureBuilder
{
    internal PcapBuilder(bool nanosecond, bool bigEndian, uint linkType, uint snapLength, ushort versionMajor, ushort versionMinor)
    {
        Nanosecond = nanosecond;
        BigEndian = bigEndian;
        var h = Append(24);
        PutU32(h, nanosecond ? TestCaptureBuilder.PcapMagicNano : TestCaptureBuilder.PcapMagicMicro, bigEndian);
        PutU16(h.Slice(4), versionMajor, bigEndian);
        PutU16(h.Slice(6), versionMinor, bigEndian);
        PutU32(h.Slice(16), snapLength, bigEndian);
        PutU32(h.Slice(20), linkType, bigEndian);
        MarkBoundary();
    }

    public bool Nanosecond { get; }

    public bool BigEndian { get; }

    /// <summary>
    /// Appends one record.
    /// </summary>
    /// <param name="frame">The captured bytes.</param>
    /// <param name="seconds">Seconds since the epoch.</param>
    /// <param name="fraction">Microseconds or nanoseconds, as the magic says.</param>
    /// <param name="wireLength">The original (wire) length; defaults to the frame's length. Larger values model a snaplen cut.</param>
    /// <param name="capturedLengthField">
    /// Writes this captured-length (incl_len) field instead of the frame's length, for hostile records; the
    /// record is then not counted as a packet and the file is not cleanly ended after it.
    /// </param>
    public PcapBuilder Record(ReadOnlySpan<byte> frame, uint seconds, uint fraction = 0, int wireLength = -1, uint? capturedLengthField = null)
    {
        var h = Append(16);
        PutU32(h, seconds, BigEndian);
        PutU32(h.Slice(4), fraction, BigEndian);
        PutU32(h.Slice(8), capturedLengthField ?? (uint)frame.Length, BigEndian);
        PutU32(h.Slice(12), (uint)(wireLength < 0 ? frame.Length : wireLength), BigEndian);
        frame.CopyTo(Append(frame.Length));
        if (capturedLengthField is null || capturedLengthField == (uint)frame.Length)
        {
            MarkPacketEnd();
            MarkBoundary();
        }

        return this;
    }
}

/// <summary>One pcapng option: a code and its value (padded to 4 bytes when written).</summary>
/// <param name="Code">Option code (1 = comment; for IDBs 2 = if_name, 9 = if_tsresol, 14 = if_tsoffset).</param>
/// <param name="Value">The value bytes, already in the section's byte order where that matters.</param>
public readonly record struct PcapNgOption(ushort Code, byte[] Value)
{
    /// <summary>opt_comment (code 1) in UTF-8.</summary>
    public static PcapNgOption Comment(string text) => new(1, Encoding.UTF8.GetBytes(text));
}

/// <summary>
/// A pcapng file: any number of sections, each with its own byte order, interfaces and blocks. Every
/// block method writes one complete block (type, total length, body padded to 4, total length).
/// </summary>
public sealed class PcapNgBuilder : CaptureBuilder
{
    /// <summary>Section Header Block type (the same in either byte order).</summary>
    public const uint BlockSectionHeader = 0x0A0D0D0A;
    public const uint BlockInterfaceDescription = 1;
    public const uint BlockObsoletePacket = 2;
    public const uint BlockSimplePacket = 3;
    public const uint BlockNameResolution = 4;
    public const uint BlockInterfaceStatistics = 5;
    public const uint BlockEnhancedPacket = 6;

    /// <summary>A custom block type that may be copied (pcapng custom block, 0x00000BAD).</summary>
    public const uint BlockCustomCopyable = 0x00000BAD;

    /// <summary>A custom block type that must not be copied (0x40000BAD).</summary>
    public const uint BlockCustomNoCopy = 0x40000BAD;

    private readonly List<long> _blockStarts = new();

    internal PcapNgBuilder()
    {
    }

    /// <summary>Byte order of the section being written.</summary>
    public bool BigEndian { get; private set; }

    /// <summary>Start offset of every block written, in order (hostile tests patch fields relative to these).</summary>
    public IReadOnlyList<long> BlockStarts => _blockStarts;

    /// <summary>Interfaces described in the current section so far.</summary>
    public int SectionInterfaces { get; private set; }

    /// <summary>
    /// Starts a new section: writes a Section Header Block in the given byte order. Later blocks use it.
    /// </summary>
    /// <param name="bigEndian">Byte order of this section.</param>
    /// <param name="versionMajor">Major version (1).</param>
    /// <param name="versionMinor">Minor version (0; readers also accept 2).</param>
    /// <param name="sectionLength">Section length field; -1 means "not specified".</param>
    /// <param name="options">SHB options (shb_hardware, comments…).</param>
    public PcapNgBuilder Section(bool bigEndian = false, ushort versionMajor = 1, ushort versionMinor = 0, long sectionLength = -1, params PcapNgOption[] options)
    {
        BigEndian = bigEndian;
        SectionInterfaces = 0;
        Span<byte> body = stackalloc byte[16];
        PutU32(body, 0x1A2B3C4D, bigEndian);
        PutU16(body.Slice(4), versionMajor, bigEndian);
        PutU16(body.Slice(6), versionMinor, bigEndian);
        PutU64(body.Slice(8), unchecked((ulong)sectionLength), bigEndian);
        WriteBlock(BlockSectionHeader, body, EncodeOptions(options));
        return this;
    }

    /// <summary>
    /// Writes an Interface Description Block in the current section.
    /// </summary>
    /// <param name="linkType">LINKTYPE_ value.</param>
    /// <param name="snapLength">Snapshot length (0 = none).</param>
    /// <param name="tsresol">if_tsresol: bit 7 clear = 10^-n seconds, set = 2^-n (e.g. 0x88 = 2^-8). Omitted means 10^-6.</param>
    /// <param name="tsoffset">if_tsoffset in seconds, added to every timestamp.</param>
    /// <param name="name">if_name.</param>
    /// <param name="extraOptions">More options, written after the ones above.</param>
    public PcapNgBuilder Interface(ushort linkType = LinkTypes.Ethernet, uint snapLength = 0, byte? tsresol = null, long? tsoffset = null, string? name = null, params PcapNgOption[] extraOptions)
    {
        var options = new List<PcapNgOption>();
        if (name is not null)
        {
            options.Add(new PcapNgOption(2, Encoding.UTF8.GetBytes(name)));
        }

        if (tsresol is byte r)
        {
            options.Add(new PcapNgOption(9, [r]));
        }

        if (tsoffset is long o)
        {
            byte[] v = new byte[8];
            PutU64(v, unchecked((ulong)o), BigEndian);
            options.Add(new PcapNgOption(14, v));
        }

        options.AddRange(extraOptions);
        Span<byte> body = stackalloc byte[8];
        PutU16(body, linkType, BigEndian);
        PutU32(body.Slice(4), snapLength, BigEndian);
        WriteBlock(BlockInterfaceDescription, body, EncodeOptions(options));
        SectionInterfaces++;
        return this;
    }

    /// <summary>
    /// Writes an Enhanced Packet Block.
    /// </summary>
    /// <param name="interfaceId">Interface index within the current section.</param>
    /// <param name="timestamp">Timestamp in the interface's units (if_tsresol), high and low halves written as the format says.</param>
    /// <param name="data">Captured bytes.</param>
    /// <param name="wireLength">Original length; defaults to the data length.</param>
    /// <param name="capturedLengthField">Writes this captured-length field instead of the data length (hostile records).</param>
    /// <param name="options">EPB options (epb_flags…).</param>
    public PcapNgBuilder EnhancedPacket(int interfaceId, ulong timestamp, ReadOnlySpan<byte> data, int wireLength = -1, uint? capturedLengthField = null, params PcapNgOption[] options)
    {
        byte[] body = new byte[20 + Pad4(data.Length)];
        PutU32(body, (uint)interfaceId, BigEndian);
        PutU32(body.AsSpan(4), (uint)(timestamp >> 32), BigEndian);
        PutU32(body.AsSpan(8), (uint)timestamp, BigEndian);
        PutU32(body.AsSpan(12), capturedLengthField ?? (uint)data.Length, BigEndian);
        PutU32(body.AsSpan(16), (uint)(wireLength < 0 ? data.Length : wireLength), BigEndian);
        data.CopyTo(body.AsSpan(20));
        WriteBlock(BlockEnhancedPacket, body, EncodeOptions(options));
        if (capturedLengthField is null || capturedLengthField == (uint)data.Length)
        {
            MarkPacketEnd();
        }

        return this;
    }

    /// <summary>
    /// Writes a Simple Packet Block (interface 0 of the section, no timestamp).
    /// </summary>
    /// <param name="data">Captured bytes.</param>
    /// <param name="wireLength">Original length; defaults to the data length.</param>
    public PcapNgBuilder SimplePacket(ReadOnlySpan<byte> data, int wireLength = -1)
    {
        byte[] body = new byte[4 + Pad4(data.Length)];
        PutU32(body, (uint)(wireLength < 0 ? data.Length : wireLength), BigEndian);
        data.CopyTo(body.AsSpan(4));
        WriteBlock(BlockSimplePacket, body, default);
        MarkPacketEnd();
        return this;
    }

    /// <summary>
    /// Writes an obsolete Packet Block (type 2): 16-bit interface id and drops count, then as an EPB.
    /// </summary>
    public PcapNgBuilder ObsoletePacket(int interfaceId, ulong timestamp, ReadOnlySpan<byte> data, int wireLength = -1, ushort dropsCount = 0)
    {
        byte[] body = new byte[20 + Pad4(data.Length)];
        PutU16(body, (ushort)interfaceId, BigEndian);
        PutU16(body.AsSpan(2), dropsCount, BigEndian);
        PutU32(body.AsSpan(4), (uint)(timestamp >> 32), BigEndian);
        PutU32(body.AsSpan(8), (uint)timestamp, BigEndian);
        PutU32(body.AsSpan(12), (uint)data.Length, BigEndian);
        PutU32(body.AsSpan(16), (uint)(wireLength < 0 ? data.Length : wireLength), BigEndian);
        data.CopyTo(body.AsSpan(20));
        WriteBlock(BlockObsoletePacket, body, default);
        MarkPacketEnd();
        return this;
    }

    /// <summary>Writes a Name Resolution Block (type 4) with one IPv4 record ("10.0.0.1 → host") and the end record.</summary>
    public PcapNgBuilder NameResolution()
    {
        byte[] name = Encoding.ASCII.GetBytes("host\0");
        int recordLength = 4 + name.Length;
        byte[] body = new byte[4 + Pad4(recordLength) + 4];
        PutU16(body, 1, BigEndian); // nrb_record_ipv4
        PutU16(body.AsSpan(2), (ushort)recordLength, BigEndian);
        body[4] = 10;
        body[7] = 1;
        name.CopyTo(body.AsSpan(8));
        // The trailing four zero bytes are nrb_record_end.
        WriteBlock(BlockNameResolution, body, default);
        return this;
    }

    /// <summary>Writes an Interface Statistics Block (type 5) for an interface of the current section.</summary>
    public PcapNgBuilder InterfaceStatistics(int interfaceId, ulong timestamp)
    {
        Span<byte> body = stackalloc byte[12];
        PutU32(body, (uint)interfaceId, BigEndian);
        PutU32(body.Slice(4), (uint)(timestamp >> 32), BigEndian);
        PutU32(body.Slice(8), (uint)timestamp, BigEndian);
        WriteBlock(BlockInterfaceStatistics, body, default);
        return this;
    }

    /// <summary>Writes a custom block (0x00000BAD or 0x40000BAD) with a private enterprise number and opaque data.</summary>
    public PcapNgBuilder CustomBlock(uint type = BlockCustomCopyable, uint enterpriseNumber = 32473, int dataLength = 5)
    {
        byte[] body = new byte[4 + Pad4(dataLength)];
        PutU32(body, enterpriseNumber, BigEndian);
        for (int i = 0; i < dataLength; i++)
        {
            body[4 + i] = (byte)(0xC0 + i);
        }

        WriteBlock(type, body, default);
        return this;
    }

    /// <summary>Writes a block of any type with the given body (padded to 4 bytes); the reader should skip unknown types.</summary>
    public PcapNgBuilder Block(uint type, ReadOnlySpan<byte> body)
    {
        byte[] padded = new byte[Pad4(body.Length)];
        body.CopyTo(padded);
        WriteBlock(type, padded, default);
        return this;
    }

    /// <summary>Encodes options in the current byte order, with opt_endofopt when there is at least one.</summary>
    public byte[] EncodeOptions(IReadOnlyList<PcapNgOption> options)
    {
        if (options.Count == 0)
        {
            return [];
        }

        int size = 4 + options.Sum(o => 4 + Pad4(o.Value.Length));
        byte[] bytes = new byte[size];
        int pos = 0;
        foreach (var o in options)
        {
            PutU16(bytes.AsSpan(pos), o.Code, BigEndian);
            PutU16(bytes.AsSpan(pos + 2), (ushort)o.Value.Length, BigEndian);
            o.Value.CopyTo(bytes.AsSpan(pos + 4));
            pos += 4 + Pad4(o.Value.Length);
        }

        return bytes; // the last four bytes stay zero: opt_endofopt
    }

    private static int Pad4(int n) => (n + 3) & ~3;

    private void WriteBlock(uint type, ReadOnlySpan<byte> body, ReadOnlySpan<byte> options)
    {
        int total = 12 + Pad4(body.Length) + options.Length;
        _blockStarts.Add(Length);
        var block = Append(total);
        PutU32(block, type, BigEndian);
        PutU32(block.Slice(4), (uint)total, BigEndian);
        body.CopyTo(block.Slice(8));
        options.CopyTo(block.Slice(8 + Pad4(body.Length)));
        PutU32(block.Slice(total - 4), (uint)total, BigEndian);
        MarkBoundary();
    }
}
