using System.Buffers.Binary;

namespace FirewallSim.Capture;

/// <summary>
/// Writes classic pcap (little-endian, micro- or nanosecond magic) through its own large buffer.
/// Used for <c>--write-rejected</c> and the synthetic capture generator.
/// </summary>
public sealed class PcapWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly bool _nanosecond;
    private readonly uint _snapLength;
    private readonly byte[] _buf = new byte[1 << 20];
    private int _used;

    public PcapWriter(Stream stream, ushort linkType, bool nanosecond = true, uint snapLength = 262_144, bool ownsStream = true)
    {
        _stream = stream;
        _ownsStream = ownsStream;
        _nanosecond = nanosecond;
        _snapLength = snapLength;
        var h = _buf.AsSpan(0, 24);
        BinaryPrimitives.WriteUInt32LittleEndian(h, nanosecond ? 0xA1B23C4Du : 0xA1B2C3D4u);
        BinaryPrimitives.WriteUInt16LittleEndian(h.Slice(4), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(h.Slice(6), 4);
        BinaryPrimitives.WriteInt32LittleEndian(h.Slice(8), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(h.Slice(12), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(h.Slice(16), snapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(h.Slice(20), linkType);
        _used = 24;
    }

    public long PacketsWritten { get; private set; }

    /// <summary>Appends one record; <paramref name="wireLength"/> defaults to the frame's length.</summary>
    public void Write(ReadOnlySpan<byte> frame, long timestampNs, int wireLength = -1)
    {
        if (wireLength < 0)
        {
            wireLength = frame.Length; // before the snaplen cut: the original length is the whole frame's
        }

        if (frame.Length > _snapLength)
        {
            frame = frame.Slice(0, (int)_snapLength);
        }

        int need = 16 + frame.Length;
        if (_used + need > _buf.Length)
        {
            Flush();
        }

        long sec = Math.DivRem(timestampNs, 1_000_000_000L, out long frac);
        if (frac < 0)
        {
            sec--;
            frac += 1_000_000_000L;
        }

        var h = _buf.AsSpan(_used, 16);
        BinaryPrimitives.WriteUInt32LittleEndian(h, (uint)sec);
        BinaryPrimitives.WriteUInt32LittleEndian(h.Slice(4), (uint)(_nanosecond ? frac : frac / 1000));
        BinaryPrimitives.WriteUInt32LittleEndian(h.Slice(8), (uint)frame.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(h.Slice(12), (uint)wireLength);
        if (need > _buf.Length)
        {
            _stream.Write(h);
            _stream.Write(frame);
            _used = 0;
        }
        else
        {
            frame.CopyTo(_buf.AsSpan(_used + 16));
            _used += need;
        }

        PacketsWritten++;
    }

    public void Flush()
    {
        if (_used > 0)
        {
            _stream.Write(_buf, 0, _used);
            _used = 0;
        }

        _stream.Flush();
    }

    public void Dispose()
    {
        Flush();
        if (_ownsStream)
        {
            _stream.Dispose();
        }
    }
}
