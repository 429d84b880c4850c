using System.Buffers.Binary;
using System.Text;
using FirewallSim.Capture;
using FirewallSim.Tests.Support;

namespace FirewallSim.Tests.Capture;

/// <summary>Inputs that are not captures or are structurally broken: reported in Error, never thrown.</summary>
public class CaptureReaderErrorTests
{
    private static readonly byte[] FrameA = FrameBuilder.Pattern(60, seed: 0x51);
    private static readonly byte[] FrameB = FrameBuilder.Pattern(77, seed: 0x62);

    // ---- not a capture ------------------------------------------------------------------------

    [Fact]
    public void EmptyInputIsNotACapture()
    {
        var r = CaptureReading.ReadAll([], sourceName: "empty.pcap");

        Assert.Empty(r.Packets);
        Assert.NotNull(r.Error);
        Assert.Equal(CaptureErrorKind.NotACapture, r.Error.Kind);
        Assert.Equal(0, r.Error.Offset);
        Assert.Equal("empty.pcap", r.Error.Source);
        Assert.Equal(CaptureFormat.Unknown, r.Format);
        Assert.Empty(r.Interfaces);
        Assert.Equal(0, r.Sections);
        Assert.Empty(r.SectionBigEndian);
    }

    [Fact]
    public void RandomBytesAreNotACapture()
    {
        byte[] junk = new byte[4096];
        new Random(1234).NextBytes(junk);
        junk[0] = 0x42; // make sure the first word is no magic whatever the generator does

        var r = CaptureReading.ReadAll(junk);

        Assert.Empty(r.Packets);
        Assert.Equal(CaptureErrorKind.NotACapture, r.Error?.Kind);
        Assert.Equal(0, r.Error?.Offset);
        Assert.Equal(CaptureFormat.Unknown, r.Format);
        Assert.Equal(0, r.Sections);
    }

    [Fact]
    public void TextIsNotACaptureAndTheErrorNamesTheFileAndOffset()
    {
        var r = CaptureReading.ReadAll(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: example\r\n\r\n"), sourceName: "http.txt");

        Assert.NotNull(r.Error);
        Assert.Equal(CaptureErrorKind.NotACapture, r.Error.Kind);
        Assert.StartsWith("http.txt: ", r.Error.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("(at byte offset 0)", r.Error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 0x00 })]
    [InlineData(new byte[] { 0x47, 0x45, 0x54 })]
    public void AFewBytesThatStartNoMagicAreNotACapture(byte[] input)
    {
        var r = CaptureReading.ReadAll(input);

        Assert.Equal(CaptureErrorKind.NotACapture, r.Error?.Kind);
        Assert.Equal(0, r.Error?.Offset);
    }

    [Theory]
    [InlineData(new byte[] { 0xD4 })]
    [InlineData(new byte[] { 0xA1, 0xB2, 0x3C })]
    [InlineData(new byte[] { 0x0A, 0x0D })]
    public void AFewBytesOfAMagicAreATruncatedCapture(byte[] input)
    {
        var r = CaptureReading.ReadAll(input);

        Assert.Equal(CaptureErrorKind.Truncated, r.Error?.Kind);
        Assert.Equal(0, r.Error?.Offset);
    }

    [Fact]
    public void PcapFileHeaderCutShortIsTruncatedAtItsStart()
    {
        byte[] file = TestCaptureBuilder.Pcap(nanosecond: true).ToArray().AsSpan(0, 23).ToArray();

        var r = CaptureReading.ReadAll(file);

        Assert.Equal(CaptureErrorKind.Truncated, r.Error?.Kind);
        Assert.Equal(0, r.Error?.Offset);
        Assert.Equal(CaptureFormat.PcapNanosecond, r.Format);
        Assert.Contains("23 of 24", r.Error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UncompressedGzipHeaderAloneIsNotACaptureForAStream()
    {
        // Only CaptureReader.Open sniffs gzip; a stream handed to the constructor must already be a capture.
        var r = CaptureReading.ReadAll([0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0, 0xFF]);

        Assert.Equal(CaptureErrorKind.NotACapture, r.Error?.Kind);
    }

    // ---- classic pcap: hostile lengths --------------------------------------------------------

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void PcapCapturedLengthOfGigabytesIsCorruptAndEarlierPacketsAreReturned(bool nanosecond, bool bigEndian)
    {
        var b = TestCaptureBuilder.Pcap(nanosecond, bigEndian).Record(FrameA, 1, 0).Record(FrameB, 2, 0);
        long hostile = b.Length;
        b.Record(FrameA, 3, 0, capturedLengthField: 1_400_000_000);
        b.Record(FrameB, 4, 0);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Equal(new[] { FrameA, FrameB }, r.Packets.Select(p => p.Data));
        Assert.NotNull(r.Error);
        Assert.Equal(CaptureErrorKind.Corrupt, r.Error.Kind);
        Assert.Equal(hostile + 8, r.Error.Offset);
        Assert.Contains("1400000000", r.Error.Message, StringComparison.Ordinal);
        Assert.Equal(hostile, r.Position);
    }

    [Fact]
    public void PcapCapturedLengthAboveLibpcapsLimitAndTheSnapLengthIsCorrupt()
    {
        var b = TestCaptureBuilder.Pcap(snapLength: 65535);
        byte[] frame = new byte[CaptureReader.MaxPcapCaptureLength + 1];
        b.Record(frame, 1, 0);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Empty(r.Packets);
        Assert.Equal(CaptureErrorKind.Corrupt, r.Error?.Kind);
        Assert.Equal(24 + 8, r.Error?.Offset);
    }

    // ---- pcapng: section header ---------------------------------------------------------------

    [Fact]
    public void BadByteOrderMagicInTheFirstSectionIsNotACapture()
    {
        byte[] file = TestCaptureBuilder.PcapNg().Section().Interface().EnhancedPacket(0, 1, FrameA).ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(8), 0x12345678);

        var r = CaptureReading.ReadAll(file);

        Assert.Empty(r.Packets);
        Assert.Equal(CaptureErrorKind.NotACapture, r.Error?.Kind);
        Assert.Equal(8, r.Error?.Offset);
    }

    [Fact]
    public void BadByteOrderMagicInALaterSectionIsCorrupt()
    {
        var b = TestCaptureBuilder.PcapNg().Section().Interface().EnhancedPacket(0, 1, FrameA).Section(bigEndian: true);
        long shb2 = b.BlockStarts[^1];
        b.Interface().EnhancedPacket(0, 2, FrameB);
        byte[] file = b.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan((int)shb2 + 8), 0xDEADBEEF);

        var r = CaptureReading.ReadAll(file);

        Assert.Equal(FrameA, Assert.Single(r.Packets).Data);
        Assert.Equal(CaptureErrorKind.Corrupt, r.Error?.Kind);
        Assert.Equal(shb2 + 8, r.Error?.Offset);
    }

    [Theory]
    [InlineData((ushort)2, (ushort)0)]
    [InlineData((ushort)1, (ushort)1)]
    [InlineData((ushort)0, (ushort)0)]
    public void UnsupportedPcapNgVersionInTheFirstSectionIsNotACapture(ushort major, ushort minor)
    {
        byte[] file = TestCaptureBuilder.PcapNg().Section(bigEndian: true, versionMajor: major, versionMinor: minor)
            .Interface().EnhancedPacket(0, 1, FrameA).ToArray();

        var r = CaptureReading.ReadAll(file);

        Assert.Empty(r.Packets);
        Assert.Equal(CaptureErrorKind.NotACapture, r.Error?.Kind);
        Assert.Equal(12, r.Error?.Offset);
        Assert.Contains($"{major}.{minor}", r.Error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnsupportedPcapNgVersionInALaterSectionIsCorrupt()
    {
        var b = TestCaptureBuilder.PcapNg().Section().Interface().EnhancedPacket(0, 1, FrameA);
        long shb2 = b.Length;
        b.Section(versionMajor: 2).Interface().EnhancedPacket(0, 2, FrameB);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Single(r.Packets);
        Assert.Equal(CaptureErrorKind.Corrupt, r.Error?.Kind);
        Assert.Equal(shb2 + 12, r.Error?.Offset);
    }

    [Theory]
    [InlineData(30u)]          // not a multiple of 4
    [InlineData(24u)]          // shorter than the fixed fields
    [InlineData(0x7FFF_FFFCu)] // hostile
    public void InvalidSectionHeaderLengthIsCorrupt(uint length)
    {
        byte[] file = TestCaptureBuilder.PcapNg().Section().Interface().EnhancedPacket(0, 1, FrameA).ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), length);

        var r = CaptureReading.ReadAll(file);

        Assert.Empty(r.Packets);
        Assert.Equal(CaptureErrorKind.Corrupt, r.Error?.Kind);
        Assert.Equal(4, r.Error?.Offset);
    }

    [Fact]
    public void SectionHeaderOptionOverrunningItsBlockIsCorrupt()
    {
        byte[] file = TestCaptureBuilder.PcapNg().Section(options: PcapNgOption.Comment("abc")).Interface().EnhancedPacket(0, 1, FrameA).ToArray();
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(24 + 2), 64); // the comment claims 64 bytes

        var r = CaptureReading.ReadAll(file);

        Assert.Empty(r.Packets);
        Assert.Equal(CaptureErrorKind.Corrupt, r.Error?.Kind);
        Assert.Equal(24, r.Error?.Offset);
    }

    // ---- pcapng: generic block framing --------------------------------------------------------

    private static (byte[] File, long BadBlock, int BadLength) TwoPacketsThenABadBlock(bool bigEndian)
    {
        var b = TestCaptureBuilder.PcapNg().Section(bigEndian).Interface().EnhancedPacket(0, 1, FrameA).EnhancedPacket(0, 2, FrameB);
        long bad = b.Length;
        b.EnhancedPacket(0, 3, FrameA).EnhancedPacket(0, 4, FrameB);
        byte[] file = b.ToArray();
        int length = (int)(b.BlockStarts[5] - b.BlockStarts[4]);
        return (file, bad, length);
    }

    private static void PutU32(byte[] file, long offset, uint value, bool bigEndian)
    {
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan((int)offset), value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan((int)offset), value);
        }
    }

    public static TheoryData<bool, uint> BadBlockLengths => new()
    {
        { false, 2 },                 // below the 12-byte minimum, and not a multiple of 4
        { true, 8 },                  // below the minimum
        { false, 102 },               // not a multiple of 4
        { true, 101 },
        { false, 0xFFFF_FFF0 },       // hostile: would be a 4 GiB allocation
        { true, (16u << 20) + 4 },    // just above the 16 MiB limit
    };

    [Theory]
    [MemberData(nameof(BadBlockLengths))]
    public void BlockTotalLengthThatIsTooSmallUnalignedOrHugeIsCorrupt(bool bigEndian, uint length)
    {
        var (file, bad, _) = TwoPacketsThenABadBlock(bigEndian);
        PutU32(file, bad + 4, length, bigEndian);

        var r = CaptureReading.ReadAll(file);

        Assert.Equal(new[] { FrameA, FrameB }, r.Packets.Select(p => p.Data));
        Assert.Equal(CaptureErrorKind.Corrupt, r.Error?.Kind);
        Assert.Equal(bad + 4, r.Error?.Offset);
        Assert.Equal(bad, r.Position);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TrailingBlockLengthThatDiffersIsCorrupt(bool bigEndian)
    {
        var (file, bad, length) = TwoPacketsThenABadBlock(bigEndian);
        PutU32(file, bad + length - 4, (uint)length + 4, bigEndian);

        var r = CaptureReading.ReadAll(file);

        Assert.Equal(2, r.Packets.Count);
        Assert.Equal(CaptureErrorKind.Corrupt, r.Error?.Kind);
        Assert.Equal(bad + length - 4, r.Error?.Offset);
    }

    [Fact]
    public void BlockLongerThanTheRestOfTheFileIsTruncated()
    {
        var (file, bad, _) = TwoPacketsThenABadBlock(bigEndian: false);
        PutU32(file, bad + 4, 15u << 20, bigEndian: false); // valid size, but the file ends long before

        var r = CaptureReading.ReadAll(file);

        Assert.Equal(2, r.Packets.Count);
        Assert.Equal(CaptureErrorKind.Truncated, r.Error?.Kind);
        Assert.Equal(bad, r.Error?.Offset);
    }

    // ---- pcapng: interfaces and packets -------------------------------------------------------

    [Fact]
    public void InterfaceOptionOverrunningItsBlockIsCorrupt()
    {
        var b = TestCaptureBuilder.PcapNg().Section(bigEndian: true);
        long idb = b.Length;
        b.Interface(LinkTypes.Ethernet, tsresol: 9, name: "eth0").EnhancedPacket(0, 1, FrameA);
        byte[] file = b.ToArray();

        // Options start at idb + 16: if_name (4 + 4 bytes), then if_tsresol at idb + 24.
        BinaryPrimitives.WriteUInt16BigEndian(file.AsSpan((int)idb + 24 + 2), 100);

        var r = CaptureReading.ReadAll(file);

        Assert.Empty(r.Packets);
        Assert.Empty(r.Interfaces);
        Assert.Equal(CaptureErrorKind.Corrupt, r.Error?.Kind);
        Assert.Equal(idb + 24, r.Error?.Offset);
    }

    [Fact]
    public void InterfaceBlockTooShortIsCorrupt()
    {
        var b = TestCaptureBuilder.PcapNg().Section();
        long idb = b.Length;
        b.Block(PcapNgBuilder.BlockInterfaceDescription, [1, 0, 0, 0]);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Equal(CaptureErrorKind.Corrupt, r.Error?.Kind);
        Assert.Equal(idb, r.Error?.Offset);
    }

    [Fact]
    public void EnhancedPacketForAnUndefinedInterfaceIsCorrupt()
    {
        var b = TestCaptureBuilder.PcapNg().Section().Interface().EnhancedPacket(0, 1, FrameA);
        long bad = b.Length;
        b.EnhancedPacket(1, 2, FrameB);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Equal(FrameA, Assert.Single(r.Packets).Data);
        Assert.Equal(CaptureErrorKind.Corrupt, r.Error?.Kind);
        Assert.Equal(bad + 8, r.Error?.Offset);
    }

    [Fact]
    public void InterfacesDoNotCarryOverIntoTheNextSection()
    {
        var b = TestCaptureBuilder.PcapNg().Section().Interface().Interface().EnhancedPacket(1, 1, FrameA).Section(bigEndian: true);
        long bad = b.Length;
        b.EnhancedPacket(0, 2, FrameB);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Single(r.Packets);
        Assert.Equal(CaptureErrorKind.Corrupt, r.Error?.Kind);
        Assert.Equal(bad + 8, r.Error?.Offset);
    }

    [Fact]
    public void SimplePacketWithoutAnInterfaceIsCorrupt()
    {
        var b = TestCaptureBuilder.PcapNg().Section();
        long bad = b.Length;
        b.SimplePacket(FrameA);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Empty(r.Packets);
        Assert.Equal(CaptureErrorKind.Corrupt, r.Error?.Kind);
        Assert.Equal(bad + 8, r.Error?.Offset);
    }

    [Fact]
    public void EnhancedPacketClaimingMoreBytesThanItsBlockHoldsIsCorrupt()
    {
        var b = TestCaptureBuilder.PcapNg().Section().Interface().EnhancedPacket(0, 1, FrameA);
        long bad = b.Length;
        b.EnhancedPacket(0, 2, FrameB, capturedLengthField: (uint)FrameB.Length + 4);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Single(r.Packets);
        Assert.Equal(CaptureErrorKind.Corrupt, r.Error?.Kind);
        Assert.Equal(bad + 20, r.Error?.Offset);
    }

    [Fact]
    public void ObsoletePacketClaimingMoreBytesThanItsBlockHoldsIsCorrupt()
    {
        var b = TestCaptureBuilder.PcapNg().Section(bigEndian: true).Interface();
        long bad = b.Length;
        b.ObsoletePacket(0, 2, FrameB);
        byte[] file = b.ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan((int)bad + 20), 1_000_000);

        var r = CaptureReading.ReadAll(file);

        Assert.Empty(r.Packets);
        Assert.Equal(CaptureErrorKind.Corrupt, r.Error?.Kind);
        Assert.Equal(bad + 20, r.Error?.Offset);
    }

    [Theory]
    [InlineData(PcapNgBuilder.BlockEnhancedPacket)]
    [InlineData(PcapNgBuilder.BlockObsoletePacket)]
    [InlineData(PcapNgBuilder.BlockSimplePacket)]
    public void PacketBlocksTooShortForTheirFixedFieldsAreCorrupt(uint type)
    {
        var b = TestCaptureBuilder.PcapNg().Section().Interface();
        long bad = b.Length;
        b.Block(type, []);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Empty(r.Packets);
        Assert.Equal(CaptureErrorKind.Corrupt, r.Error?.Kind);
        Assert.Equal(bad, r.Error?.Offset);
    }
}
