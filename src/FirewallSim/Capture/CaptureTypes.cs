using System.Globalization;

namespace FirewallSim.Capture;

public enum CaptureFormat : byte
{
    Unknown,
    Pcap,
    PcapNanosecond,
    PcapNg,
}

/// <summary>How a reader stopped, when it did not stop at a clean end of file.</summary>
public enum CaptureErrorKind : byte
{
    /// <summary>The input is not a capture at all (bad magic, unsupported version): nothing was read.</summary>
    NotACapture,

    /// <summary>The input ended in the middle of a header or record.</summary>
    Truncated,

    /// <summary>A header or record is structurally impossible (hostile length, inconsistent block).</summary>
    Corrupt,
}

/// <summary>A structural problem in a capture file, naming the file and the byte offset where it was found.</summary>
public sealed record CaptureError(string Source, long Offset, CaptureErrorKind Kind, string Message)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Source}: {Message} (at byte offset {Offset})");
}

/// <summary>One capture interface: pcap has exactly one; pcapng has one per IDB, numbered across sections.</summary>
public sealed record CaptureInterface(
    int Index,
    int Section,
    ushort LinkType,
    uint SnapLength,
    string? Name,
    string TimestampResolution,
    long TimestampOffsetSeconds);

/// <summary>
/// A packet record as it sits in the reader's buffer. <see cref="Data"/> stays valid only until the
/// next read; copy it if it must outlive that.
/// </summary>
public readonly ref struct CaptureRecord
{
    public readonly ReadOnlySpan<byte> Data;
    public readonly long TimestampNs;
    public readonly long FrameNumber;
    public readonly long FileOffset;
    public readonly int Interface;
    public readonly int WireLength;
    public readonly ushort LinkType;

    public CaptureRecord(ReadOnlySpan<byte> data, long timestampNs, long frameNumber, long fileOffset, int iface, int wireLength, ushort linkType)
    {
        Data = data;
        TimestampNs = timestampNs;
        FrameNumber = frameNumber;
        FileOffset = fileOffset;
        Interface = iface;
        WireLength = wireLength;
        LinkType = linkType;
    }

    public int CapturedLength => Data.Length;
}

/// <summary>Well-known LINKTYPE_ values (tcpdump.org/linktypes.html).</summary>
public static class LinkTypes
{
    public const ushort Null = 0;
    public const ushort Ethernet = 1;
    public const ushort Ppp = 9;
    public const ushort Raw = 101;
    public const ushort FrameRelay = 107;
    public const ushort Loop = 108;
    public const ushort LinuxSll = 113;
    public const ushort Nflog = 239;
    public const ushort Ipv4 = 228;
    public const ushort Ipv6 = 229;
    public const ushort LinuxSll2 = 276;

    public static string Name(int linkType) => linkType switch
    {
        Null => "NULL",
        Ethernet => "EN10MB",
        Ppp => "PPP",
        Raw => "RAW",
        FrameRelay => "FRELAY",
        Loop => "LOOP",
        LinuxSll => "LINUX_SLL",
        Nflog => "NFLOG",
        Ipv4 => "IPV4",
        Ipv6 => "IPV6",
        LinuxSll2 => "LINUX_SLL2",
        _ => "LINKTYPE_" + linkType.ToString(CultureInfo.InvariantCulture),
    };

    public static bool IsSupported(int linkType) =>
        linkType is Null or Ethernet or Raw or Loop or LinuxSll or Ipv4 or Ipv6 or LinuxSll2;
}
