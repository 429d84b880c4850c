using FirewallSim.IO;

namespace FirewallSim.Capture;

/// <summary>A read-only stream that returns some bytes already taken from a pipe, then the rest of the pipe.</summary>
internal sealed class PrefixedStream : ForwardReadStream
{
    private ReadOnlyMemory<byte> _prefix;

    public PrefixedStream(ReadOnlyMemory<byte> prefix, Stream inner)
        : base(inner)
    {
        _prefix = prefix;
    }

    public override int Read(Span<byte> buffer)
    {
        if (_prefix.IsEmpty)
        {
            return Inner.Read(buffer);
        }

        int n = Math.Min(buffer.Length, _prefix.Length);
        _prefix.Span[..n].CopyTo(buffer);
        _prefix = _prefix[n..];
        return n;
    }
}
