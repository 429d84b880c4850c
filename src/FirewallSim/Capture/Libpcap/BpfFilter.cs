using System.Runtime.CompilerServices;

namespace FirewallSim.Capture.Libpcap;

/// <summary>A BPF filter program compiled by libpcap's own compiler (pcap_compile) for one link type.</summary>
public sealed class BpfFilter : IDisposable
{
    private readonly IntPtr _dead;
    private LibpcapNative.BpfProgram _program;
    private bool _disposed;

    private BpfFilter(string expression, int linkType, IntPtr dead, LibpcapNative.BpfProgram program)
    {
        Expression = expression;
        LinkType = linkType;
        _dead = dead;
        _program = program;
    }

    public string Expression { get; }

    public int LinkType { get; }

    /// <summary>Compiles <paramref name="expression"/>; throws <see cref="LibpcapException"/> with libpcap's message on a syntax error or when libpcap is missing.</summary>
    public static BpfFilter Compile(string expression, int linkType, int snapLength = 262_144)
    {
        if (!LibpcapNative.IsAvailable(out string? why))
        {
            throw new LibpcapException(why!);
        }

        IntPtr dead = LibpcapNative.pcap_open_dead(linkType, snapLength);
        if (dead == IntPtr.Zero)
        {
            throw new LibpcapException($"libpcap could not create a handle for link type {linkType}");
        }

        var program = default(LibpcapNative.BpfProgram);
        if (LibpcapNative.pcap_compile(dead, ref program, expression, 1, LibpcapNative.PCAP_NETMASK_UNKNOWN) != 0)
        {
            string message = LibpcapNative.Utf8(LibpcapNative.pcap_geterr(dead)) ?? "unknown error";
            LibpcapNative.pcap_close(dead);
            throw new LibpcapException($"invalid filter '{expression}' for link type {LinkTypes.Name(linkType)}: {message}");
        }

        return new BpfFilter(expression, linkType, dead, program);
    }

    /// <summary>Runs the program over one frame (pcap_offline_filter): true when the frame passes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe bool Matches(ReadOnlySpan<byte> frame, int wireLength)
    {
        var header = new LibpcapNative.PacketHeader { CapLen = (uint)frame.Length, Len = (uint)wireLength };
        fixed (byte* data = frame)
        fixed (LibpcapNative.BpfProgram* prog = &_program)
        {
            return LibpcapNative.pcap_offline_filter(prog, &header, data) != 0;
        }
    }

    internal ref LibpcapNative.BpfProgram Program => ref _program;

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            LibpcapNative.pcap_freecode(ref _program);
            LibpcapNative.pcap_close(_dead);
        }
    }
}

/// <summary>A libpcap call failed; the message is libpcap's own, made actionable where we can.</summary>
public sealed class LibpcapException : Exception
{
    public LibpcapException(string message)
        : base(message)
    {
    }

    public LibpcapException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>Filters frames of any link type, compiling one program per link type on first use.</summary>
public sealed class BpfFilterSet : IDisposable
{
    private readonly Dictionary<int, BpfFilter> _byLinkType = new();

    public BpfFilterSet(string expression) => Expression = expression;

    public string Expression { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Matches(in CaptureRecord record)
    {
        if (!_byLinkType.TryGetValue(record.LinkType, out var filter))
        {
            filter = BpfFilter.Compile(Expression, record.LinkType);
            _byLinkType[record.LinkType] = filter;
        }

        return filter.Matches(record.Data, record.WireLength);
    }

    public void Dispose()
    {
        foreach (var f in _byLinkType.Values)
        {
            f.Dispose();
        }

        _byLinkType.Clear();
    }
}

/// <summary>Whether libpcap can be used on this machine, and which version it is.</summary>
public static class Libpcap
{
    public static bool IsAvailable(out string? error) => LibpcapNative.IsAvailable(out error);

    public static string? Version => IsAvailable(out _) ? LibpcapNative.Utf8(LibpcapNative.pcap_lib_version()) : null;
}
