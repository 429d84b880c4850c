using FirewallSim.Capture;
using FirewallSim.Tests.Support;

namespace FirewallSim.Tests.Capture;

public class CaptureReaderPcapNgTests
{
    private static readonly byte[] FrameA = FrameBuilder.Pattern(60, seed: 0x11);
    private static readonly byte[] FrameB = FrameBuilder.Pattern(61, seed: 0x22);
    private static readonly byte[] FrameC = FrameBuilder.Pattern(1514, seed: 0x33);
    private static readonly byte[] FrameD = FrameBuilder.Pattern(98, seed: 0x44);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OneSectionRoundTripsInEitherByteOrder(bool bigEndian)
    {
        var b = TestCaptureBuilder.PcapNg()
            .Section(bigEndian, options: PcapNgOption.Comment("made by a test"))
            .Interface(LinkTypes.Ethernet, snapLength: 262_144, tsresol: 9, name: "eth0")
            .EnhancedPacket(0, 1_700_000_000_123_456_789UL, FrameA)
            .EnhancedPacket(0, 1_700_000_000_223_456_789UL, FrameB, wireLength: 1500)
            .EnhancedPacket(0, 1_700_000_001_000_000_000UL, FrameC);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Null(r.Error);
        Assert.Equal(CaptureFormat.PcapNg, r.Format);
        Assert.Equal(bigEndian, r.BigEndian);
        Assert.Equal(1, r.Sections);
        Assert.Equal(new[] { bigEndian }, r.SectionBigEndian);
        Assert.Equal(new CaptureInterface(0, 0, LinkTypes.Ethernet, 262_144, "eth0", "1e-9", 0), Assert.Single(r.Interfaces));
        Assert.Equal(3, r.Packets.Count);
        Assert.Equal(FrameA, r.Packets[0].Data);
        Assert.Equal(FrameB, r.Packets[1].Data);
        Assert.Equal(FrameC, r.Packets[2].Data);
        Assert.Equal(new[] { 1_700_000_000_123_456_789L, 1_700_000_000_223_456_789L, 1_700_000_001_000_000_000L }, r.Packets.Select(p => p.TimestampNs));
        Assert.Equal(new[] { 60, 1500, 1514 }, r.Packets.Select(p => p.WireLength));
        Assert.Equal(new[] { 1L, 2L, 3L }, r.Packets.Select(p => p.FrameNumber));
        Assert.Equal(new[] { b.BlockStarts[2], b.BlockStarts[3], b.BlockStarts[4] }, r.Packets.Select(p => p.FileOffset));
        Assert.All(r.Packets, p => Assert.Equal(0, p.Interface));
        Assert.All(r.Packets, p => Assert.Equal(LinkTypes.Ethernet, p.LinkType));
        Assert.Equal(b.Length, r.Position);
        Assert.Equal(0, r.SkippedBlocks);
    }

    /// <summary>
    /// Section 1 little-endian with an Ethernet (µs) and a raw-IP (ns) interface; section 2 big-endian with
    /// Linux SLL2 at 2^-8 s and a tsoffset; section 3 little-endian again with LOOP.
    /// </summary>
    private static PcapNgBuilder ThreeSections() => TestCaptureBuilder.PcapNg()
        .Section(bigEndian: false)
        .Interface(LinkTypes.Ethernet, snapLength: 65535, name: "eth0")
        .Interface(LinkTypes.Raw, snapLength: 1500, tsresol: 9, name: "tun0")
        .EnhancedPacket(1, 1_700_000_000_000_000_001UL, FrameA)
        .EnhancedPacket(0, 1_700_000_000_000_002UL, FrameB)
        .Section(bigEndian: true)
        .Interface(LinkTypes.LinuxSll2, tsresol: 0x88, tsoffset: 1_000_000_000, name: "any")
        .EnhancedPacket(0, (700_000_000UL * 256) + 64, FrameC)
        .Section(bigEndian: false)
        .Interface(LinkTypes.Loop, tsresol: 3)
        .EnhancedPacket(0, 1_700_000_000_999UL, FrameD);

    [Fact]
    public void SectionsKeepTheirOwnByteOrderAndInterfacesAreNumberedAcrossSections()
    {
        var b = ThreeSections();

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Null(r.Error);
        Assert.Equal(3, r.Sections);
        Assert.Equal(new[] { false, true, false }, r.SectionBigEndian);
        Assert.False(r.BigEndian); // the current (last) section's order
        Assert.Equal(
            new[]
            {
                new CaptureInterface(0, 0, LinkTypes.Ethernet, 65535, "eth0", "1e-6", 0),
                new CaptureInterface(1, 0, LinkTypes.Raw, 1500, "tun0", "1e-9", 0),
                new CaptureInterface(2, 1, LinkTypes.LinuxSll2, 0, "any", "2^-8", 1_000_000_000),
                new CaptureInterface(3, 2, LinkTypes.Loop, 0, null, "1e-3", 0),
            },
            r.Interfaces);

        Assert.Equal(new[] { 1, 0, 2, 3 }, r.Packets.Select(p => p.Interface));
        Assert.Equal(new[] { LinkTypes.Raw, LinkTypes.Ethernet, LinkTypes.LinuxSll2, LinkTypes.Loop }, r.Packets.Select(p => p.LinkType));
        Assert.Equal(
            new[]
            {
                1_700_000_000_000_000_001L,   // ns
                1_700_000_000_000_002_000L,   // µs
                1_700_000_000_250_000_000L,   // 700000000.25 s in 2^-8 units + 1e9 s offset
                1_700_000_000_999_000_000L,   // ms
            },
            r.Packets.Select(p => p.TimestampNs));
        Assert.Equal(new[] { FrameA, FrameB, FrameC, FrameD }, r.Packets.Select(p => p.Data));
    }

    [Fact]
    public void ABigEndianSectionAloneReportsBigEndian()
    {
        var b = TestCaptureBuilder.PcapNg().Section(bigEndian: true).Interface(LinkTypes.Raw).EnhancedPacket(0, 5, FrameA);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Null(r.Error);
        Assert.True(r.BigEndian);
        Assert.Equal(new[] { true }, r.SectionBigEndian);
        Assert.Equal(5_000L, Assert.Single(r.Packets).TimestampNs);
    }

    [Theory]
    [InlineData(null, 1_700_000_000_123_456UL, 1_700_000_000_123_456_000L)]        // default: 10^-6
    [InlineData((byte)6, 1_700_000_000_123_456UL, 1_700_000_000_123_456_000L)]
    [InlineData((byte)9, 1_700_000_000_123_456_789UL, 1_700_000_000_123_456_789L)]
    [InlineData((byte)0, 1_700_000_000UL, 1_700_000_000_000_000_000L)]              // whole seconds
    [InlineData((byte)3, 1_700_000_000_001UL, 1_700_000_000_001_000_000L)]
    [InlineData((byte)12, 1_700_000_123_456_789_999UL, 1_700_000_123_456_789L)]     // ps: truncated toward zero
    [InlineData((byte)0x88, (1_700_000_000UL * 256) + 128, 1_700_000_000_500_000_000L)] // 2^-8: 128/256 s
    [InlineData((byte)0x88, (1_700_000_000UL * 256) + 1, 1_700_000_000_003_906_250L)]   // 1/256 s = 3906250 ns exactly
    [InlineData((byte)0x80, 1_700_000_000UL, 1_700_000_000_000_000_000L)]           // 2^0
    [InlineData((byte)0x94, (1_700_000_000UL << 20) + (1UL << 19), 1_700_000_000_500_000_000L)] // 2^-20
    public void TimestampResolutionsConvertToExactNanoseconds(byte? tsresol, ulong units, long expectedNs)
    {
        var b = TestCaptureBuilder.PcapNg().Section().Interface(LinkTypes.Ethernet, tsresol: tsresol).EnhancedPacket(0, units, FrameA);

        var p = Assert.Single(CaptureReading.ReadAll(b.ToArray()).Packets);

        Assert.Equal(expectedNs, p.TimestampNs);
    }

    [Theory]
    [InlineData(1_600_000_000L, 100_000_000_250UL, 1_600_100_000_000_250_000L)]
    [InlineData(-10L, 1_700_000_000_000_000UL, 1_699_999_990_000_000_000L)]
    [InlineData(0L, 1UL, 1_000L)]
    public void TimestampOffsetIsAddedInSeconds(long tsoffset, ulong units, long expectedNs)
    {
        var b = TestCaptureBuilder.PcapNg().Section(bigEndian: true).Interface(LinkTypes.Ethernet, tsresol: 6, tsoffset: tsoffset).EnhancedPacket(0, units, FrameA);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Equal(expectedNs, Assert.Single(r.Packets).TimestampNs);
        Assert.Equal(tsoffset, r.Interfaces[0].TimestampOffsetSeconds);
    }

    [Fact]
    public void SimplePacketTakesThePreviousPacketsTimestamp()
    {
        var b = TestCaptureBuilder.PcapNg()
            .Section()
            .Interface(LinkTypes.Ethernet, tsresol: 9)
            .EnhancedPacket(0, 1_700_000_000_000_000_007UL, FrameA)
            .SimplePacket(FrameB)
            .EnhancedPacket(0, 1_700_000_005_000_000_000UL, FrameC)
            .SimplePacket(FrameD)
            .SimplePacket(FrameA);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Null(r.Error);
        Assert.Equal(
            new[] { 1_700_000_000_000_000_007L, 1_700_000_000_000_000_007L, 1_700_000_005_000_000_000L, 1_700_000_005_000_000_000L, 1_700_000_005_000_000_000L },
            r.Packets.Select(p => p.TimestampNs));
        Assert.Equal(FrameB, r.Packets[1].Data);  // 61 bytes: the block's padding is not part of the packet
        Assert.Equal(FrameD, r.Packets[3].Data);
        Assert.All(r.Packets, p => Assert.Equal(0, p.Interface));
    }

    [Fact]
    public void SimplePacketBeforeAnyTimestampedPacketHasTimestampZero()
    {
        var b = TestCaptureBuilder.PcapNg().Section().Interface(LinkTypes.Raw).SimplePacket(FrameA);

        var p = Assert.Single(CaptureReading.ReadAll(b.ToArray()).Packets);

        Assert.Equal(0L, p.TimestampNs);
        Assert.Equal(LinkTypes.Raw, p.LinkType);
    }

    [Fact]
    public void SimplePacketCutBySnapLengthKeepsItsOriginalLength()
    {
        var b = TestCaptureBuilder.PcapNg()
            .Section(bigEndian: true)
            .Interface(LinkTypes.Ethernet, snapLength: 64)
            .SimplePacket(FrameC.AsSpan(0, 64), wireLength: 1514);

        var p = Assert.Single(CaptureReading.ReadAll(b.ToArray()).Packets);

        Assert.Equal(FrameC.AsSpan(0, 64).ToArray(), p.Data);
        Assert.Equal(1514, p.WireLength);
    }

    [Fact]
    public void SimplePacketUsesInterfaceZeroOfItsOwnSection()
    {
        var b = TestCaptureBuilder.PcapNg()
            .Section().Interface(LinkTypes.Ethernet)
            .Section(bigEndian: true).Interface(LinkTypes.LinuxSll).Interface(LinkTypes.Raw)
            .SimplePacket(FrameA);

        var p = Assert.Single(CaptureReading.ReadAll(b.ToArray()).Packets);

        Assert.Equal(1, p.Interface);
        Assert.Equal(LinkTypes.LinuxSll, p.LinkType);
    }

    [Fact]
    public void ObsoletePacketBlockIsRead()
    {
        var b = TestCaptureBuilder.PcapNg()
            .Section(bigEndian: true)
            .Interface(LinkTypes.Ethernet)
            .Interface(LinkTypes.Raw, tsresol: 9)
            .ObsoletePacket(1, 1_700_000_000_000_000_123UL, FrameB, wireLength: 200, dropsCount: 7)
            .ObsoletePacket(0, 1_700_000_000_000_001UL, FrameA);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Null(r.Error);
        Assert.Equal(2, r.Packets.Count);
        Assert.Equal(FrameB, r.Packets[0].Data);
        Assert.Equal(200, r.Packets[0].WireLength);
        Assert.Equal(1, r.Packets[0].Interface);
        Assert.Equal(LinkTypes.Raw, r.Packets[0].LinkType);
        Assert.Equal(1_700_000_000_000_000_123L, r.Packets[0].TimestampNs);
        Assert.Equal(1_700_000_000_000_001_000L, r.Packets[1].TimestampNs);
        Assert.Equal(FrameA, r.Packets[1].Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void UnknownCustomNameResolutionAndStatisticsBlocksAreSkipped(bool bigEndian)
    {
        var b = TestCaptureBuilder.PcapNg()
            .Section(bigEndian)
            .CustomBlock(PcapNgBuilder.BlockCustomCopyable)
            .Interface(LinkTypes.Ethernet)
            .NameResolution()
            .EnhancedPacket(0, 1, FrameA)
            .CustomBlock(PcapNgBuilder.BlockCustomNoCopy, dataLength: 0)
            .Block(0x0000_1234, [1, 2, 3, 4, 5, 6, 7, 8])
            .Block(0x8000_0001, [])
            .EnhancedPacket(0, 2, FrameB)
            .InterfaceStatistics(0, 3);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Null(r.Error);
        Assert.Equal(new[] { FrameA, FrameB }, r.Packets.Select(p => p.Data));
        Assert.Equal(new[] { 1_000L, 2_000L }, r.Packets.Select(p => p.TimestampNs));
        Assert.Equal(6, r.SkippedBlocks);
        Assert.Equal(b.Length, r.Position);
    }

    [Fact]
    public void PacketOptionsAreNotPartOfThePacket()
    {
        byte[] flags = [0x01, 0x00, 0x00, 0x00];
        var b = TestCaptureBuilder.PcapNg()
            .Section()
            .Interface(LinkTypes.Ethernet, extraOptions: [PcapNgOption.Comment("an interface comment"), new PcapNgOption(8, new byte[8])])
            .EnhancedPacket(0, 10, FrameB, options: [new PcapNgOption(2, flags), PcapNgOption.Comment("x")])
            .EnhancedPacket(0, 11, FrameA);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Null(r.Error);
        Assert.Equal(FrameB, r.Packets[0].Data);
        Assert.Equal(FrameA, r.Packets[1].Data);
    }

    [Fact]
    public void ZeroLengthPacketsAreReturned()
    {
        var b = TestCaptureBuilder.PcapNg().Section().Interface(LinkTypes.Ethernet)
            .EnhancedPacket(0, 1, [], wireLength: 0)
            .SimplePacket([]);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Null(r.Error);
        Assert.Equal(2, r.Packets.Count);
        Assert.All(r.Packets, p => Assert.Empty(p.Data));
    }

    [Fact]
    public void CapturedLongerThanWireIsCountedForEveryPacketBlockType()
    {
        var b = TestCaptureBuilder.PcapNg().Section().Interface(LinkTypes.Ethernet)
            .EnhancedPacket(0, 1, FrameA, wireLength: 10)
            .EnhancedPacket(0, 2, FrameB)
            .ObsoletePacket(0, 3, FrameC, wireLength: 100)
            .SimplePacket(FrameD, wireLength: 50); // an SPB's captured length is capped by its original length

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Null(r.Error);
        Assert.Equal(2, r.CaptureLongerThanWire);
        Assert.Equal(new[] { 10, 61, 100, 50 }, r.Packets.Select(p => p.WireLength));
        Assert.Equal(new[] { 60, 61, 1514, 50 }, r.Packets.Select(p => p.Data.Length));
    }

    [Fact]
    public void Version12SectionHeaderIsAccepted()
    {
        var b = TestCaptureBuilder.PcapNg().Section(versionMinor: 2, sectionLength: 12345).Interface(LinkTypes.Raw).EnhancedPacket(0, 1, FrameA);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Null(r.Error);
        Assert.Single(r.Packets);
    }

    [Fact]
    public void BlocksLargerThanTheReadBufferAreRead()
    {
        byte[] big = FrameBuilder.Pattern((2 << 20) + 3, seed: 5);
        var b = TestCaptureBuilder.PcapNg().Section().Interface(LinkTypes.Ethernet)
            .EnhancedPacket(0, 1, FrameA)
            .EnhancedPacket(0, 2, big)
            .EnhancedPacket(0, 3, FrameB);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Null(r.Error);
        Assert.Equal(new[] { FrameA, big, FrameB }, r.Packets.Select(p => p.Data));
    }

    [Fact]
    public void ReadHeaderMakesTheFirstSectionsInterfacesKnownBeforeTheFirstPacket()
    {
        var b = TestCaptureBuilder.PcapNg()
            .Section(bigEndian: true)
            .Interface(LinkTypes.Ethernet, name: "eth0")
            .NameResolution()
            .Interface(LinkTypes.Raw, tsresol: 9)
            .EnhancedPacket(1, 5, FrameA)
            .Interface(LinkTypes.LinuxSll)
            .EnhancedPacket(2, 6, FrameB);
        using var reader = new CaptureReader(b.ToStream(), "header.pcapng");

        Assert.True(reader.ReadHeader());
        Assert.True(reader.ReadHeader()); // idempotent

        Assert.Equal(CaptureFormat.PcapNg, reader.Format);
        Assert.True(reader.BigEndian);
        Assert.Equal(1, reader.Sections);
        Assert.Equal(new[] { LinkTypes.Ethernet, LinkTypes.Raw }, reader.Interfaces.Select(i => i.LinkType));
        Assert.Equal(0, reader.PacketsRead);
        Assert.Equal(b.BlockStarts[4], reader.Position); // stopped in front of the first packet block

        var rest = CaptureReading.ReadAll(reader);
        Assert.Null(rest.Error);
        Assert.Equal(new[] { FrameA, FrameB }, rest.Packets.Select(p => p.Data));
        Assert.Equal(new[] { 5L, 6_000L }, rest.Packets.Select(p => p.TimestampNs)); // ns, then µs
        Assert.Equal(3, rest.Interfaces.Count);
    }

    [Fact]
    public void ReadHeaderOfAPcapNgWithoutPacketsEndsCleanly()
    {
        var b = TestCaptureBuilder.PcapNg().Section().Interface(LinkTypes.Ethernet).InterfaceStatistics(0, 1);
        using var reader = new CaptureReader(b.ToStream(), "empty.pcapng");

        Assert.True(reader.ReadHeader());
        Assert.Single(reader.Interfaces);
        Assert.False(reader.TryRead(out _));
        Assert.Null(reader.Error);
    }

    [Fact]
    public void ReadHeaderReportsACorruptInterface()
    {
        byte[] file = TestCaptureBuilder.PcapNg().Section().Interface(name: "eth0").EnhancedPacket(0, 1, FrameA).ToArray();
        file[28 + 16 + 2] = 200; // if_name claims 200 bytes
        using var reader = new CaptureReader(new MemoryStream(file), "bad.pcapng");

        Assert.False(reader.ReadHeader());
        Assert.Equal(CaptureErrorKind.Corrupt, reader.Error?.Kind);
        Assert.False(reader.TryRead(out _));
    }

    [Fact]
    public void ReadingThroughTinyReadsGivesTheSameResult()
    {
        byte[] file = ThreeSections().ToArray();

        var whole = CaptureReading.ReadAll(file);
        var trickled = CaptureReading.ReadAll(file, maxChunk: 5);

        Assert.Null(trickled.Error);
        Assert.Equal(whole.Packets, trickled.Packets, PacketComparer.Instance);
        Assert.Equal(whole.Interfaces, trickled.Interfaces);
        Assert.Equal(file.Length, trickled.Position);
    }
}
