using FirewallSim.Capture;
using FirewallSim.Tests.Support;

namespace FirewallSim.Tests.Capture;

/// <summary>
/// The read-ahead path parses records inside the chunks a second thread reads, stitching only the
/// records that straddle two chunks. With tiny chunks every record straddles at every possible byte,
/// so each prefix of each test capture must read exactly as the synchronous reader reads it.
/// </summary>
public class CaptureReaderReadAheadTests
{
    public static TheoryData<string, int> CapturesAndChunkSizes()
    {
        var data = new TheoryData<string, int>();
        foreach (string name in CaptureReaderTruncationTests.Captures.Keys)
        {
            foreach (int chunk in new[] { 1, 2, 3, 5, 7, 16, 61, 1000 })
            {
                data.Add(name, chunk);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CapturesAndChunkSizes))]
    public void EveryPrefixReadsTheSameWithReadAhead(string capture, int chunk)
    {
        byte[] full = CaptureReaderTruncationTests.Captures[capture].ToArray();
        for (int cut = 0; cut <= full.Length; cut++)
        {
            byte[] bytes = full.AsSpan(0, cut).ToArray();
            var expected = CaptureReading.ReadAll(bytes);
            using var reader = new CaptureReader(new MemoryStream(bytes, writable: false), "test-capture", readAheadChunk: chunk);
            var actual = CaptureReading.ReadAll(reader);
            Assert.True(expected.Packets.SequenceEqual(actual.Packets, PacketComparer.Instance), $"{capture} cut at {cut}, chunk {chunk}: packets differ");
            Assert.Equal(expected.Error, actual.Error);
            Assert.Equal(expected.Format, actual.Format);
            Assert.Equal(expected.Interfaces, actual.Interfaces);
            Assert.Equal(expected.SectionBigEndian, actual.SectionBigEndian);
            Assert.Equal(expected.SkippedBlocks, actual.SkippedBlocks);
            Assert.Equal(expected.Position, actual.Position);
        }
    }

    [Fact]
    public void LargeCaptureThroughFourMegabyteChunksMatchesTheSynchronousReader()
    {
        // Records of many sizes so that chunk boundaries fall at every kind of place, including headers.
        var builder = TestCaptureBuilder.Pcap(nanosecond: true, bigEndian: false);
        var rng = new Random(7);
        long total = 0;
        int n = 0;
        while (total < 12 << 20)
        {
            int len = rng.Next(1, 9000);
            builder.Record(FrameBuilder.Pattern(len, seed: n), (uint)(1_700_000_000 + n), (uint)n);
            total += 16 + len;
            n++;
        }

        byte[] bytes = builder.ToArray();
        var expected = CaptureReading.ReadAll(bytes);
        using var reader = new CaptureReader(new MemoryStream(bytes, writable: false), "big", readAheadChunk: CaptureReader.ReadAheadChunkSize);
        var actual = CaptureReading.ReadAll(reader);
        Assert.Equal(n, actual.Packets.Count);
        Assert.True(expected.Packets.SequenceEqual(actual.Packets, PacketComparer.Instance));
        Assert.Null(actual.Error);
        Assert.Equal(bytes.Length, actual.Position);
    }

    [Fact]
    public void A_large_file_is_read_ahead_only_when_a_second_processor_can_run_the_reader()
    {
        Assert.False(CaptureReader.ReadAheadPays(1));
        Assert.True(CaptureReader.ReadAheadPays(2));

        string path = Path.Combine(Path.GetTempPath(), "fwsim-readahead-" + Guid.NewGuid().ToString("N") + ".pcap");
        try
        {
            var builder = TestCaptureBuilder.Pcap(nanosecond: false, bigEndian: false);
            for (int n = 0; n < 2 * CaptureReader.ReadAheadMinimumSize / 8000; n++)
            {
                builder.Record(FrameBuilder.Pattern(8000, seed: n), (uint)(1_700_000_000 + n), 0);
            }

            File.WriteAllBytes(path, builder.ToArray());
            using (var reader = CaptureReader.Open(path))
            {
                Assert.Equal(Environment.ProcessorCount > 1, reader.ReadsAhead);
                Assert.True(reader.TryRead(out _));
            }

            using (var reader = CaptureReader.Open(path, readAhead: false))
            {
                Assert.False(reader.ReadsAhead);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ReadErrorOnTheReadAheadThreadSurfacesAsIOException()
    {
        using var reader = new CaptureReader(new FailingStream(), "broken", readAheadChunk: 64);
        Assert.Throws<IOException>(() => reader.TryRead(out _));
    }

    private sealed class FailingStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => 0;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("disk on fire");

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
