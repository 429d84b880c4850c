using System.Buffers.Binary;
using FirewallSim.Capture;

namespace FirewallSim.Tests.Capture;

public class CaptureReaderLargeInputTests
{
    [Fact]
    public void PcapStreamLargerThan4GiBIsReadWithLongOffsets()
    {
        const int records = 66_000;
        const int caplen = 65_536;
        using var stream = new SyntheticPcapStream(records, caplen);
        Assert.True(stream.TotalLength > (4L << 30), "the synthetic input must exceed 4 GiB");

        using var reader = new CaptureReader(stream, "synthetic.pcap");
        long count = 0;
        long lastOffset = 0;
        long lastTimestamp = 0;
        int badRecords = 0;
        while (reader.TryRead(out var r))
        {
            uint index = (uint)count;
            if (r.Data.Length != caplen || r.WireLength != caplen + 4
                || BinaryPrimitives.ReadUInt32BigEndian(r.Data) != index
                || r.Data[caplen - 1] != unchecked((byte)(caplen - 1))
                || r.TimestampNs != SyntheticPcapStream.TimestampNs(index)
                || r.FileOffset != SyntheticPcapStream.RecordOffset(index, caplen))
            {
                badRecords++;
            }

            lastOffset = r.FileOffset;
            lastTimestamp = r.TimestampNs;
            count++;
        }

        Assert.Null(reader.Error);
        Assert.Equal(records, count);
        Assert.Equal(records, reader.PacketsRead);
        Assert.Equal(0, badRecords);
        Assert.Equal(stream.TotalLength, reader.Position);
        Assert.True(reader.Position > uint.MaxValue, $"position {reader.Position} should be past 4 GiB");
        Assert.Equal(SyntheticPcapStream.RecordOffset(records - 1, caplen), lastOffset);
        Assert.True(lastOffset > uint.MaxValue);
        Assert.Equal(SyntheticPcapStream.TimestampNs(records - 1), lastTimestamp);
    }

    /// <summary>
    /// A read-only, non-seekable stream that generates a little-endian microsecond pcap on the fly: record i
    /// has timestamp 1700000000 + i seconds and i % 1000000 µs, wire length caplen + 4, and its data starts
    /// with i (big-endian) followed by bytes equal to their index in the record.
    /// </summary>
    private sealed class SyntheticPcapStream : Stream
    {
        private readonly int _recordSize;
        private readonly byte[] _header = new byte[24];
        private readonly byte[] _template;
        private long _pos;

        public SyntheticPcapStream(int records, int caplen)
        {
            _recordSize = 16 + caplen;
            BinaryPrimitives.WriteUInt32LittleEndian(_header, 0xA1B2C3D4);
            BinaryPrimitives.WriteUInt16LittleEndian(_header.AsSpan(4), 2);
            BinaryPrimitives.WriteUInt16LittleEndian(_header.AsSpan(6), 4);
            BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(16), 262_144);
            BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(20), LinkTypes.Ethernet);
            _template = new byte[_recordSize];
            BinaryPrimitives.WriteUInt32LittleEndian(_template.AsSpan(8), (uint)caplen);
            BinaryPrimitives.WriteUInt32LittleEndian(_template.AsSpan(12), (uint)caplen + 4);
            for (int i = 0; i < caplen; i++)
            {
                _template[16 + i] = (byte)i;
            }

            TotalLength = 24 + ((long)records * _recordSize);
        }

        public long TotalLength { get; }

        public static long TimestampNs(long index) => ((1_700_000_000L + index) * 1_000_000_000L) + ((index % 1_000_000) * 1000);

        public static long RecordOffset(long index, int caplen) => 24 + (index * (16L + caplen));

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _pos;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int written = 0;
            Span<byte> prefix = stackalloc byte[20];
            while (written < buffer.Length && _pos < TotalLength)
            {
                int n;
                if (_pos < 24)
                {
                    n = Math.Min(buffer.Length - written, 24 - (int)_pos);
                    _header.AsSpan((int)_pos, n).CopyTo(buffer.Slice(written));
                }
                else
                {
                    long index = (_pos - 24) / _recordSize;
                    int within = (int)((_pos - 24) % _recordSize);
                    if (within < 20)
                    {
                        _template.AsSpan(0, 20).CopyTo(prefix);
                        BinaryPrimitives.WriteUInt32LittleEndian(prefix, (uint)(1_700_000_000L + index));
                        BinaryPrimitives.WriteUInt32LittleEndian(prefix.Slice(4), (uint)(index % 1_000_000));
                        BinaryPrimitives.WriteUInt32BigEndian(prefix.Slice(16), (uint)index);
                        n = Math.Min(buffer.Length - written, 20 - within);
                        prefix.Slice(within, n).CopyTo(buffer.Slice(written));
                    }
                    else
                    {
                        n = Math.Min(buffer.Length - written, _recordSize - within);
                        _template.AsSpan(within, n).CopyTo(buffer.Slice(written));
                    }
                }

                written += n;
                _pos += n;
            }

            return written;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
