using FirewallSim.Capture;

namespace FirewallSim.Tests.Support;

/// <summary>A packet copied out of a <see cref="CaptureRecord"/>, so that it outlives the reader's buffer.</summary>
public sealed record ReadPacket(byte[] Data, long TimestampNs, long FrameNumber, long FileOffset, int Interface, int WireLength, ushort LinkType);

/// <summary>Everything a reader reported after reading an input to its end (or to its first error).</summary>
public sealed record ReadOutcome(
    IReadOnlyList<ReadPacket> Packets,
    CaptureError? Error,
    CaptureFormat Format,
    bool BigEndian,
    int Sections,
    IReadOnlyList<bool> SectionBigEndian,
    IReadOnlyList<CaptureInterface> Interfaces,
    long Position,
    long SkippedBlocks,
    long CaptureLongerThanWire,
    long PacketsRead);

/// <summary>Reads whole captures from memory for tests.</summary>
public static class CaptureReading
{
    /// <summary>
    /// Reads every packet of <paramref name="bytes"/>. With <paramref name="maxChunk"/> &gt; 0 the stream hands
    /// out at most that many bytes per Read call, to exercise the reader's refill paths.
    /// </summary>
    public static ReadOutcome ReadAll(byte[] bytes, int maxChunk = 0, string sourceName = "test-capture")
    {
        Stream stream = maxChunk > 0 ? new ChunkedStream(bytes, maxChunk) : new MemoryStream(bytes, writable: false);
        using var reader = new CaptureReader(stream, sourceName);
        return ReadAll(reader);
    }

    /// <summary>Reads every packet a reader still has, then snapshots its state.</summary>
    public static ReadOutcome ReadAll(CaptureReader reader)
    {
        var packets = new List<ReadPacket>();
        int guard = 0;
        while (reader.TryRead(out var r))
        {
            packets.Add(new ReadPacket(r.Data.ToArray(), r.TimestampNs, r.FrameNumber, r.FileOffset, r.Interface, r.WireLength, r.LinkType));
            if (++guard > 1_000_000)
            {
                throw new InvalidOperationException("reader does not stop");
            }
        }

        // A reader that stopped stays stopped.
        Assert.False(reader.TryRead(out _));
        return new ReadOutcome(packets, reader.Error, reader.Format, reader.BigEndian, reader.Sections,
            reader.SectionBigEndian.ToArray(), reader.Interfaces.ToArray(), reader.Position, reader.SkippedBlocks,
            reader.CaptureLongerThanWire, reader.PacketsRead);
    }
}

/// <summary>A read-only, non-seekable stream over a byte array that returns at most a few bytes per Read.</summary>
public sealed class ChunkedStream : Stream
{
    private readonly byte[] _data;
    private readonly int _maxChunk;
    private int _pos;

    public ChunkedStream(byte[] data, int maxChunk)
    {
        _data = data;
        _maxChunk = maxChunk;
    }

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
        int n = Math.Min(Math.Min(buffer.Length, _maxChunk), _data.Length - _pos);
        _data.AsSpan(_pos, n).CopyTo(buffer);
        _pos += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>Compares copied packets field by field (their data arrays by content).</summary>
public sealed class PacketComparer : IEqualityComparer<ReadPacket>
{
    public static readonly PacketComparer Instance = new();

    public bool Equals(ReadPacket? x, ReadPacket? y) =>
        x is not null && y is not null && x.Data.AsSpan().SequenceEqual(y.Data) && x with { Data = y.Data } == y;

    public int GetHashCode(ReadPacket obj) => obj.TimestampNs.GetHashCode();
}
