using System.IO.Compression;
using FirewallSim.Capture;
using FirewallSim.Tests.Support;

namespace FirewallSim.Tests.Capture;

public class CaptureReaderPcapTests
{
    private static readonly byte[] FrameA = FrameBuilder.Pattern(60, seed: 0x10);
    private static readonly byte[] FrameB = FrameBuilder.Pattern(61, seed: 0x40);
    private static readonly byte[] FrameC = FrameBuilder.Pattern(1514, seed: 0x70);

    public static TheoryData<bool, bool> Magics => new()
    {
        { false, false },
        { false, true },
        { true, false },
        { true, true },
    };

    [Theory]
    [MemberData(nameof(Magics))]
    public void EveryMagicRoundTripsPacketsTimestampsAndLengths(bool nanosecond, bool bigEndian)
    {
        uint fracA = nanosecond ? 123_456_789u : 123_456u;
        var b = TestCaptureBuilder.Pcap(nanosecond, bigEndian, LinkTypes.Ethernet, snapLength: 65535)
            .Record(FrameA, 1_700_000_000, fracA)
            .Record(FrameB, 1_700_000_001, 0, wireLength: 1500)
            .Record(FrameC, 1_700_000_002, nanosecond ? 999_999_999u : 999_999u);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Null(r.Error);
        Assert.Equal(nanosecond ? CaptureFormat.PcapNanosecond : CaptureFormat.Pcap, r.Format);
        Assert.Equal(bigEndian, r.BigEndian);
        Assert.Equal(1, r.Sections);
        Assert.Equal(new[] { bigEndian }, r.SectionBigEndian);
        var iface = Assert.Single(r.Interfaces);
        Assert.Equal(new CaptureInterface(0, 0, LinkTypes.Ethernet, 65535, null, nanosecond ? "1e-9" : "1e-6", 0), iface);

        Assert.Equal(3, r.Packets.Count);
        Assert.Equal(FrameA, r.Packets[0].Data);
        Assert.Equal(FrameB, r.Packets[1].Data);
        Assert.Equal(FrameC, r.Packets[2].Data);
        Assert.Equal(nanosecond ? 1_700_000_000_123_456_789L : 1_700_000_000_123_456_000L, r.Packets[0].TimestampNs);
        Assert.Equal(1_700_000_001_000_000_000L, r.Packets[1].TimestampNs);
        Assert.Equal(nanosecond ? 1_700_000_002_999_999_999L : 1_700_000_002_999_999_000L, r.Packets[2].TimestampNs);
        Assert.Equal(new[] { 1L, 2L, 3L }, r.Packets.Select(p => p.FrameNumber));
        Assert.Equal(new[] { 24L, 24L + 16 + 60, 24L + 16 + 60 + 16 + 61 }, r.Packets.Select(p => p.FileOffset));
        Assert.Equal(new[] { 60, 1500, 1514 }, r.Packets.Select(p => p.WireLength));
        Assert.All(r.Packets, p => Assert.Equal(0, p.Interface));
        Assert.All(r.Packets, p => Assert.Equal(LinkTypes.Ethernet, p.LinkType));
        Assert.Equal(b.Length, r.Position);
        Assert.Equal(3, r.PacketsRead);
        Assert.Equal(0, r.CaptureLongerThanWire);
    }

    [Theory]
    [MemberData(nameof(Magics))]
    public void ReadingThroughTinyReadsGivesTheSameResult(bool nanosecond, bool bigEndian)
    {
        var b = TestCaptureBuilder.Pcap(nanosecond, bigEndian)
            .Record(FrameA, 1, 2)
            .Record(FrameC, 3, 4)
            .Record(FrameB, 5, 6);

        var whole = CaptureReading.ReadAll(b.ToArray());
        var trickled = CaptureReading.ReadAll(b.ToArray(), maxChunk: 7);

        Assert.Null(trickled.Error);
        Assert.Equal(whole.Packets, trickled.Packets, PacketComparer.Instance);
        Assert.Equal(b.Length, trickled.Position);
    }

    [Fact]
    public void SecondsAreUnsignedSoTimestampsAfter2038Survive()
    {
        var b = TestCaptureBuilder.Pcap(nanosecond: true).Record(FrameA, uint.MaxValue, 999_999_999);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Equal(4_294_967_295_999_999_999L, Assert.Single(r.Packets).TimestampNs);
    }

    [Fact]
    public void CapturedShorterThanWireKeepsBothLengths()
    {
        var b = TestCaptureBuilder.Pcap(snapLength: 64).Record(FrameC.AsSpan(0, 64), 10, 0, wireLength: 1514);

        var p = Assert.Single(CaptureReading.ReadAll(b.ToArray()).Packets);

        Assert.Equal(64, p.Data.Length);
        Assert.Equal(1514, p.WireLength);
        Assert.Equal(FrameC.AsSpan(0, 64).ToArray(), p.Data);
    }

    [Fact]
    public void CapturedLongerThanWireIsKeptAndCounted()
    {
        var b = TestCaptureBuilder.Pcap()
            .Record(FrameA, 1, 0, wireLength: 40)
            .Record(FrameB, 2, 0);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Null(r.Error);
        Assert.Equal(2, r.Packets.Count);
        Assert.Equal(40, r.Packets[0].WireLength);
        Assert.Equal(60, r.Packets[0].Data.Length);
        Assert.Equal(1, r.CaptureLongerThanWire);
    }

    [Theory]
    [InlineData(LinkTypes.Null, 65535u)]
    [InlineData(LinkTypes.Ethernet, 262_144u)]
    [InlineData(LinkTypes.Raw, 1500u)]
    [InlineData(LinkTypes.Loop, 96u)]
    [InlineData(LinkTypes.LinuxSll, 0u)]
    [InlineData(LinkTypes.Ipv4, 65535u)]
    [InlineData(LinkTypes.Ipv6, 65535u)]
    [InlineData(LinkTypes.LinuxSll2, 65535u)]
    [InlineData((ushort)147, 65535u)]
    public void LinkTypeAndSnapLengthComeFromTheHeader(ushort linkType, uint snapLength)
    {
        var b = TestCaptureBuilder.Pcap(bigEndian: true, linkType: linkType, snapLength: snapLength).Record(FrameA, 1, 0);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Null(r.Error);
        Assert.Equal(linkType, r.Interfaces[0].LinkType);
        Assert.Equal(snapLength, r.Interfaces[0].SnapLength);
        Assert.Equal(linkType, Assert.Single(r.Packets).LinkType);
    }

    [Fact]
    public void FcsBitsInTheLinkTypeFieldAreIgnored()
    {
        // LT_FCS_DATA: bit 26 set, FCS length 4 in bits 28–31.
        uint field = (4u << 28) | (1u << 26) | LinkTypes.Ethernet;
        var b = TestCaptureBuilder.Pcap(linkType: field).Record(FrameA, 1, 0);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Null(r.Error);
        Assert.Equal(LinkTypes.Ethernet, Assert.Single(r.Packets).LinkType);
    }

    [Fact]
    public void ReservedBitsInTheLinkTypeFieldMeanNotACapture()
    {
        var b = TestCaptureBuilder.Pcap(linkType: 0x0001_0001).Record(FrameA, 1, 0);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Empty(r.Packets);
        Assert.Equal(CaptureErrorKind.NotACapture, r.Error?.Kind);
        Assert.Equal(20, r.Error?.Offset);
    }

    [Theory]
    [InlineData((ushort)1, (ushort)0)]
    [InlineData((ushort)3, (ushort)4)]
    [InlineData((ushort)0x0400, (ushort)0x0200)]
    public void UnsupportedMajorVersionsAreNotCaptures(ushort major, ushort minor)
    {
        var b = TestCaptureBuilder.Pcap(versionMajor: major, versionMinor: minor).Record(FrameA, 1, 0);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Empty(r.Packets);
        Assert.Equal(CaptureErrorKind.NotACapture, r.Error?.Kind);
        Assert.Equal(4, r.Error?.Offset);
        Assert.Contains($"{major}.{minor}", r.Error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MinorVersionIsNotChecked()
    {
        var b = TestCaptureBuilder.Pcap(versionMajor: 2, versionMinor: 2).Record(FrameA, 1, 0);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Null(r.Error);
        Assert.Single(r.Packets);
    }

    [Fact]
    public void RecordsUpToTheSnapLengthLargerThanTheReadBufferAreRead()
    {
        // 3 MiB is larger than the reader's 1 MiB buffer: the buffer must grow for it.
        byte[] big = FrameBuilder.Pattern(3 << 20, seed: 3);
        var b = TestCaptureBuilder.Pcap(snapLength: 16 << 20)
            .Record(FrameA, 1, 0)
            .Record(big, 2, 0)
            .Record(FrameB, 3, 0);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Null(r.Error);
        Assert.Equal(3, r.Packets.Count);
        Assert.Equal(big, r.Packets[1].Data);
        Assert.Equal(FrameB, r.Packets[2].Data);
    }

    [Fact]
    public void CapturedLengthUpToLibpcapsLimitIsToleratedAboveASmallSnapLength()
    {
        // libpcap accepts records longer than the header's snaplen up to its own 262144 limit.
        byte[] frame = FrameBuilder.Pattern(CaptureReader.MaxPcapCaptureLength, seed: 9);
        var b = TestCaptureBuilder.Pcap(snapLength: 65535).Record(frame, 1, 0);

        var r = CaptureReading.ReadAll(b.ToArray());

        Assert.Null(r.Error);
        Assert.Equal(frame.Length, Assert.Single(r.Packets).Data.Length);
    }

    [Fact]
    public void ReadHeaderMakesFormatAndInterfaceKnownBeforeTheFirstPacket()
    {
        var b = TestCaptureBuilder.Pcap(nanosecond: true, bigEndian: true, linkType: LinkTypes.Raw).Record(FrameA, 1, 0);
        using var reader = new CaptureReader(b.ToStream(), "x.pcap");

        Assert.True(reader.ReadHeader());

        Assert.Equal(CaptureFormat.PcapNanosecond, reader.Format);
        Assert.True(reader.BigEndian);
        Assert.Equal(LinkTypes.Raw, Assert.Single(reader.Interfaces).LinkType);
        Assert.Equal(0, reader.PacketsRead);
        Assert.Equal(24, reader.Position);
        Assert.True(reader.TryRead(out var rec));
        Assert.Equal(FrameA, rec.Data.ToArray());
        Assert.False(reader.TryRead(out _));
        Assert.Null(reader.Error);
    }

    [Fact]
    public void SourceNameAndLengthAreReported()
    {
        var b = TestCaptureBuilder.Pcap().Record(FrameA, 1, 0);
        using var reader = new CaptureReader(b.ToStream(), "named.pcap");

        Assert.Equal("named.pcap", reader.SourceName);
        Assert.Equal(b.Length, reader.Length);
    }

    [Fact]
    public void PcapWriterOutputReadsBackWithTheWireLengthOfCutFrames()
    {
        using var ms = new MemoryStream();
        using (var w = new PcapWriter(ms, LinkTypes.Ethernet, nanosecond: true, snapLength: 100, ownsStream: false))
        {
            w.Write(FrameA, 1_700_000_000_000_000_001L);
            w.Write(FrameC, 1_700_000_000_500_000_000L);   // cut to the 100-byte snaplen, still 1514 on the wire
            w.Write(FrameB, 1_700_000_001_000_000_000L, wireLength: 999);
        }

        var r = CaptureReading.ReadAll(ms.ToArray());

        Assert.Null(r.Error);
        Assert.Equal(CaptureFormat.PcapNanosecond, r.Format);
        Assert.Equal(3, r.Packets.Count);
        Assert.Equal(1_700_000_000_000_000_001L, r.Packets[0].TimestampNs);
        Assert.Equal(FrameC.AsSpan(0, 100).ToArray(), r.Packets[1].Data);
        Assert.Equal(1514, r.Packets[1].WireLength);
        Assert.Equal(1_700_000_000_500_000_000L, r.Packets[1].TimestampNs);
        Assert.Equal(999, r.Packets[2].WireLength);
        Assert.Equal(FrameB, r.Packets[2].Data);
    }

    [Fact]
    public void GzipCompressedFilesAreReadTransparently()
    {
        var b = TestCaptureBuilder.Pcap(nanosecond: true, bigEndian: true)
            .Record(FrameA, 1, 5)
            .Record(FrameC, 2, 6);
        string path = Path.Combine(Path.GetTempPath(), $"fwsim-{Guid.NewGuid():N}.pcap.gz");
        try
        {
            using (var file = File.Create(path))
            using (var gz = new GZipStream(file, CompressionLevel.Fastest))
            {
                gz.Write(b.ToArray());
            }

            long compressedLength = new FileInfo(path).Length;
            using var reader = CaptureReader.Open(path);
            var r = CaptureReading.ReadAll(reader);

            Assert.Null(r.Error);
            Assert.Equal(CaptureFormat.PcapNanosecond, r.Format);
            Assert.True(r.BigEndian);
            Assert.Equal(2, r.Packets.Count);
            Assert.Equal(FrameA, r.Packets[0].Data);
            Assert.Equal(FrameC, r.Packets[1].Data);
            Assert.Equal(2_000_000_006L, r.Packets[1].TimestampNs);
            Assert.Equal(compressedLength, reader.Length);
            Assert.Equal(compressedLength, r.Position);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void OpenReadsAPlainFile()
    {
        var b = TestCaptureBuilder.Pcap().Record(FrameA, 1, 0).Record(FrameB, 2, 0);
        string path = Path.Combine(Path.GetTempPath(), $"fwsim-{Guid.NewGuid():N}.pcap");
        try
        {
            File.WriteAllBytes(path, b.ToArray());
            using var reader = CaptureReader.Open(path);
            var r = CaptureReading.ReadAll(reader);

            Assert.Null(r.Error);
            Assert.Equal(2, r.Packets.Count);
            Assert.Equal(path, reader.SourceName);
            Assert.Equal(b.Length, reader.Length);
            Assert.Equal(b.Length, r.Position);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// A gzip file whose second member is corrupt: every packet of the first member is read, then the
    /// break is reported at its decompressed offset — on the synchronous path (small file) and on the
    /// read-ahead path (compressed file of 1 MiB or more), where the failing read happens on another thread.
    /// </summary>
    [Theory]
    [InlineData(200)]
    [InlineData(40_000)]
    public void Corrupt_gzip_after_good_data_keeps_the_packets_before_it(int packets)
    {
        var rng = new Random(packets);
        var b = TestCaptureBuilder.Pcap(nanosecond: true, snapLength: 65535);
        for (int i = 0; i < packets; i++)
        {
            byte[] frame = new byte[60 + (i % 200)];
            rng.NextBytes(frame); // random bytes compress badly, so 40 000 frames make well over 1 MiB of gzip
            b.Record(frame, (uint)(1 + (i / 1000)), (uint)i);
        }

        byte[] pcap = b.ToArray();
        string path = Path.Combine(Path.GetTempPath(), $"fwsim-{Guid.NewGuid():N}.pcap.gz");
        try
        {
            using (var file = File.Create(path))
            {
                using (var gz = new GZipStream(file, CompressionLevel.Fastest, leaveOpen: true))
                {
                    gz.Write(pcap);
                }

                // A second gzip member with a reserved compression method: decompression fails right there.
                file.Write([0x1F, 0x8B, 0x07, 0, 0, 0, 0, 0, 0, 0xFF, 1, 2, 3, 4]);
            }

            Assert.Equal(packets >= 10_000, new FileInfo(path).Length >= 1 << 20);
            using var reader = CaptureReader.Open(path);
            var r = CaptureReading.ReadAll(reader);

            Assert.Equal(packets, r.Packets.Count);
            Assert.NotNull(r.Error);
            Assert.Equal(CaptureErrorKind.Corrupt, r.Error!.Kind);
            Assert.Equal(pcap.Length, r.Error.Offset);
            Assert.Contains($"gzip data is corrupt after {pcap.Length} decompressed bytes", r.Error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
