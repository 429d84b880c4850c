using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Runtime.CompilerServices;

namespace FirewallSim.Capture;

/// <summary>
/// Reads classic pcap (all four magics) and pcapng (any number of sections, either byte order)
/// from a stream, parsing records in place inside one large pooled buffer: no copy and no
/// allocation per packet. Structural problems never throw; the reader stops and reports them in
/// <see cref="Error"/> with the byte offset, and every packet before the problem has been returned.
/// </summary>
public sealed class CaptureReader : IDisposable
{
    /// <summary>Default read size. Measured on these VMs: read() into 1 MiB buffers beats mmap by ~2.7×.</summary>
    public const int DefaultBufferSize = 1 << 20;

    /// <summary>No record or block may be larger than this; anything bigger is a hostile length.</summary>
    public const int MaxRecordSize = 16 << 20;

    /// <summary>Read-ahead chunk size: large reads are what make read() fast; 4 MiB keeps the stitching rare.</summary>
    /// <remarks>Measured on the 5.7 GB benchmark capture: 4 MiB × 4 beat 2 MiB × 2, 1 MiB × 2–4, 512 KiB and 256 KiB chunks (docs/performance.md).</remarks>
    public const int ReadAheadChunkSize = 4 << 20;

    /// <summary>Chunks the read-ahead thread may hold ready (16 MiB in flight at most).</summary>
    private const int ReadAheadDepth = 4;

    /// <summary>Files smaller than this are read synchronously: a thread is not worth it.</summary>
    public const long ReadAheadMinimumSize = 8 << 20;

    /// <summary>libpcap's own sanity limit on a classic pcap record's captured length.</summary>
    public const int MaxPcapCaptureLength = 262_144;

    private const uint PcapMagicMicro = 0xA1B2C3D4;
    private const uint PcapMagicNano = 0xA1B23C4D;
    private const uint PcapNgShb = 0x0A0D0D0A;
    private const uint PcapNgByteOrderMagic = 0x1A2B3C4D;

    private const uint BlockInterfaceDescription = 1;
    private const uint BlockObsoletePacket = 2;
    private const uint BlockSimplePacket = 3;
    private const uint BlockEnhancedPacket = 6;

    private readonly Stream _stream;
    private readonly bool _ownsStream;

    // Read-ahead: _buf is then either a chunk of the pump (parsed in place) or _stitch, which holds the one
    // record that straddles two chunks; _pending is the chunk whose bytes follow the stitch.
    private readonly ChunkPump? _pump;
    private bool _bufIsChunk;
    private byte[]? _stitch;
    private byte[]? _pending;
    private int _pendingPos;
    private int _pendingEnd;
    private long _pendingFileOffset; // file offset of _pending[0]
    private readonly long? _length;
    private byte[] _buf;
    private int _start;
    private int _end;
    private long _bufFileOffset;
    private bool _eof;

    private bool _swapped;
    private bool _started;
    private bool _done;
    private long _frame;

    // Classic pcap.
    private bool _nano;
    private uint _snapLen;
    private ushort _pcapLinkType;

    // pcapng: interfaces of the current section map to global indexes starting at _sectionBase.
    private int _section = -1;
    private int _sectionBase;
    private readonly List<CaptureInterface> _interfaces = new();
    private readonly List<TimestampScale> _scales = new();
    private long _lastTimestampNs;

    /// <param name="readAheadChunk">
    /// When positive, a second thread reads chunks of this size ahead (see <see cref="ChunkPump"/>) and
    /// records are parsed inside them; 0 reads synchronously into one buffer.
    /// </param>
    public CaptureReader(Stream stream, string sourceName, bool ownsStream = true, int bufferSize = DefaultBufferSize, int readAheadChunk = 0)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _ownsStream = ownsStream;
        SourceName = sourceName;
        if (readAheadChunk > 0)
        {
            _buf = Array.Empty<byte>();
            _pump = new ChunkPump(stream, readAheadChunk, ReadAheadDepth);
        }
        else
        {
            _buf = ArrayPool<byte>.Shared.Rent(Math.Max(bufferSize, 64 * 1024));
        }
        try
        {
            _length = stream.CanSeek ? stream.Length : null;
        }
        catch (NotSupportedException)
        {
            _length = null;
        }
    }

    /// <summary>Opens a file, or standard input for "-". Gzip-compressed captures are read transparently.</summary>
    /// <param name="readAhead">
    /// false: never read ahead on a second thread (the caller is such a thread itself). Ignored when the
    /// process has only one processor (<see cref="ReadAheadPays(int)"/>).
    /// </param>
    public static CaptureReader Open(string path, int bufferSize = DefaultBufferSize, bool readAhead = true)
    {
        readAhead &= ReadAheadPays(Environment.ProcessorCount);
        if (path == "-")
        {
            // A pipe cannot seek back: look at its first two bytes and replay them in front of the rest.
            var stdin = Console.OpenStandardInput(bufferSize);
            var head = new byte[2];
            int got = stdin.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            Stream input = new PrefixedStream(head.AsMemory(0, got), stdin);
            bool gzip = IsGzip(head.AsSpan(0, got));
            return new CaptureReader(gzip ? new GZipStream(input, CompressionMode.Decompress) : input, "<stdin>", ownsStream: true, bufferSize,
                readAhead ? ReadAheadChunkSize : 0)
            {
                _gzip = gzip,
            };
        }

        // bufferSize 1: FileStream's own buffer would only add a copy; we read large blocks ourselves.
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        Span<byte> magic = stackalloc byte[2];
        int n = fs.Read(magic);
        fs.Position = 0;
        if (IsGzip(magic[..n]))
        {
            return new CaptureReader(new GZipStream(fs, CompressionMode.Decompress), path, ownsStream: true, bufferSize,
                readAhead && fs.Length >= ReadAheadMinimumSize / 8 ? ReadAheadChunkSize : 0)
            {
                CompressedLengthSource = fs,
                _gzip = true,
            };
        }

        return new CaptureReader(fs, path, ownsStream: true, bufferSize, readAhead && fs.Length >= ReadAheadMinimumSize ? ReadAheadChunkSize : 0);
    }

    private Stream? CompressedLengthSource { get; init; }

    /// <summary>
    /// Reading ahead needs a processor of its own. On one (taskset, a container's CPU quota) the read-ahead
    /// thread only takes turns with the parser, and the chunks it fills — 16 MiB ahead — have left L2 by the
    /// time they are parsed: the first load of each record's header stalled, 0.5 s of a pinned replay of 10 M
    /// packets. Read synchronously into 1 MiB, each block is parsed while it is still in L2: pinned replay of
    /// the 10 M capture A/B wall 0.928 (7 pairs, each faster), peak 230 → 202 MB.
    /// </summary>
    internal static bool ReadAheadPays(int processors) => processors > 1;

    /// <summary>Whether a second thread reads this capture ahead of the parser.</summary>
    internal bool ReadsAhead => _pump is not null;

    /// <summary>Managed bytes the read-ahead thread allocated in its life (0 without one); final after <see cref="Dispose"/>.</summary>
    internal long ReadAheadAllocated => _pump?.Allocated ?? 0;

    private static bool IsGzip(ReadOnlySpan<byte> head) => head is [0x1F, 0x8B, ..];

    /// <summary>The data is gzip-compressed: corrupt compressed data is reported as a capture error.</summary>
    private bool _gzip;

    public string SourceName { get; }

    public CaptureFormat Format { get; private set; }

    /// <summary>True when the file (or the current pcapng section) is big-endian.</summary>
    public bool BigEndian => BitConverter.IsLittleEndian ? _swapped : !_swapped;

    /// <summary>pcapng sections seen so far (1 for classic pcap).</summary>
    public int Sections => Format == CaptureFormat.PcapNg ? _section + 1 : (Format == CaptureFormat.Unknown ? 0 : 1);

    /// <summary>Byte orders of the sections seen so far, in order.</summary>
    public IReadOnlyList<bool> SectionBigEndian => _sectionEndianness;

    private readonly List<bool> _sectionEndianness = new();

    public IReadOnlyList<CaptureInterface> Interfaces => _interfaces;

    /// <summary>Why reading stopped early, or null after a clean end of file.</summary>
    public CaptureError? Error { get; private set; }

    /// <summary>Bytes of the input consumed so far (of the compressed file, for gzip input).</summary>
    public long Position => CompressedLengthSource?.Position ?? (_bufFileOffset + _start);

    /// <summary>Total size of the input when known (null for pipes).</summary>
    public long? Length => CompressedLengthSource?.Length ?? _length;

    public long PacketsRead => _frame;

    /// <summary>Unknown or skipped pcapng blocks (custom, statistics, name resolution…).</summary>
    public long SkippedBlocks { get; private set; }

    /// <summary>Records whose captured length exceeds their original length (kept, and counted).</summary>
    public long CaptureLongerThanWire { get; private set; }

    /// <summary>Reads the next packet. Returns false at end of input or at the first structural error.</summary>
    public bool TryRead(out CaptureRecord record)
    {
        record = default;
        if (_done)
        {
            return false;
        }

        if (!_started)
        {
            _started = true;
            if (!ReadFileHeader())
            {
                _done = true;
                return false;
            }
        }

        bool ok = Format == CaptureFormat.PcapNg ? TryReadPcapNg(out record, headerOnly: false) : TryReadPcap(out record);
        if (!ok)
        {
            _done = true;
        }

        return ok;
    }

    /// <summary>
    /// Reads the header only, so that format and interfaces are known before the first packet: for pcapng,
    /// the blocks in front of the first packet block (section header, interfaces, others).
    /// </summary>
    public bool ReadHeader()
    {
        if (!_started)
        {
            _started = true;
            if (!ReadFileHeader())
            {
                _done = true;
                return false;
            }
        }

        if (Format == CaptureFormat.PcapNg && !_done && Error is null)
        {
            TryReadPcapNg(out _, headerOnly: true);
            _done = Error is not null;
        }

        return Error is null;
    }

    // ---- classic pcap -------------------------------------------------------------------------

    private bool ReadFileHeader()
    {
        int have = Fill(24);
        if (have < 4)
        {
            // One to three bytes that begin a known magic are a cut capture, anything else is no capture.
            return have == 0
                ? Fail(0, CaptureErrorKind.NotACapture, "empty input: not a pcap or pcapng file")
                : Fail(0, StartsLikeMagic(_buf.AsSpan(_start, have)) ? CaptureErrorKind.Truncated : CaptureErrorKind.NotACapture,
                    string.Create(CultureInfo.InvariantCulture, $"input too short to be a pcap or pcapng file ({have} bytes)"));
        }

        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(_buf.AsSpan(_start));
        if (magic == PcapNgShb)
        {
            Format = CaptureFormat.PcapNg;
            return true; // the SHB is parsed as the first block
        }

        switch (magic)
        {
            case PcapMagicMicro: _swapped = !BitConverter.IsLittleEndian; _nano = false; break;
            case PcapMagicNano: _swapped = !BitConverter.IsLittleEndian; _nano = true; break;
            default:
                uint rev = BinaryPrimitives.ReverseEndianness(magic);
                if (rev == PcapMagicMicro)
                {
                    _swapped = BitConverter.IsLittleEndian;
                    _nano = false;
                }
                else if (rev == PcapMagicNano)
                {
                    _swapped = BitConverter.IsLittleEndian;
                    _nano = true;
                }
                else
                {
                    return Fail(0, CaptureErrorKind.NotACapture,
                        string.Create(CultureInfo.InvariantCulture, $"not a pcap or pcapng file (first bytes {magic:x8})"));
                }

                break;
        }

        Format = _nano ? CaptureFormat.PcapNanosecond : CaptureFormat.Pcap;
        if (have < 24)
        {
            return Fail(0, CaptureErrorKind.Truncated, string.Create(CultureInfo.InvariantCulture, $"pcap file header truncated ({have} of 24 bytes)"));
        }

        var h = _buf.AsSpan(_start, 24);
        ushort major = U16(h.Slice(4));
        ushort minor = U16(h.Slice(6));
        if (major != 2)
        {
            return Fail(4, CaptureErrorKind.NotACapture,
                string.Create(CultureInfo.InvariantCulture, $"unsupported pcap version {major}.{minor} (only 2.x exists)"));
        }

        _snapLen = U32(h.Slice(16));
        uint linkField = U32(h.Slice(20));

        // Bits 16–25 are reserved and must be zero; 26–31 carry the FCS length (libpcap's LT_* macros).
        if ((linkField & 0x03FF_0000) != 0)
        {
            return Fail(20, CaptureErrorKind.NotACapture,
                string.Create(CultureInfo.InvariantCulture, $"pcap link-type field 0x{linkField:x8} has reserved bits set"));
        }

        _pcapLinkType = (ushort)(linkField & 0xFFFF);
        _interfaces.Add(new CaptureInterface(0, 0, _pcapLinkType, _snapLen, null, _nano ? "1e-9" : "1e-6", 0));
        _sectionEndianness.Add(BigEndian);
        _start += 24;
        return true;
    }

    /// <summary>The pcap magics in both byte orders, then the pcapng section header type.</summary>
    private static ReadOnlySpan<byte> Magics =>
    [
        0xD4, 0xC3, 0xB2, 0xA1, 0xA1, 0xB2, 0xC3, 0xD4,
        0x4D, 0x3C, 0xB2, 0xA1, 0xA1, 0xB2, 0x3C, 0x4D,
        0x0A, 0x0D, 0x0D, 0x0A,
    ];

    private static bool StartsLikeMagic(ReadOnlySpan<byte> start)
    {
        for (int i = 0; i < Magics.Length; i += 4)
        {
            if (Magics.Slice(i, start.Length).SequenceEqual(start))
            {
                return true;
            }
        }

        return false;
    }

    private bool TryReadPcap(out CaptureRecord record)
    {
        record = default;
        int have = Fill(16);
        if (have == 0)
        {
            return false; // clean end of file
        }

        long recOffset = _bufFileOffset + _start;
        if (have < 16)
        {
            return Fail(recOffset, CaptureErrorKind.Truncated,
                string.Create(CultureInfo.InvariantCulture, $"record header truncated ({have} of 16 bytes) after packet {_frame}"));
        }

        var h = _buf.AsSpan(_start, 16);
        uint sec = U32(h);
        uint frac = U32(h.Slice(4));
        uint caplen = U32(h.Slice(8));
        uint origlen = U32(h.Slice(12));

        uint limit = Math.Max(_snapLen == 0 ? 0 : Math.Min(_snapLen, (uint)MaxRecordSize), (uint)MaxPcapCaptureLength);
        if (caplen > limit)
        {
            return Fail(recOffset + 8, CaptureErrorKind.Corrupt,
                string.Create(CultureInfo.InvariantCulture, $"record {_frame + 1} claims captured length {caplen}, more than the maximum {limit}"));
        }

        int total = 16 + (int)caplen;
        have = Fill(total);
        if (have < total)
        {
            return Fail(recOffset, CaptureErrorKind.Truncated,
                string.Create(CultureInfo.InvariantCulture, $"record {_frame + 1} truncated: {have - 16} of {caplen} packet bytes present"));
        }

        if (caplen > origlen)
        {
            CaptureLongerThanWire++;
        }

        long ns = ((long)sec * 1_000_000_000L) + (_nano ? frac : (long)frac * 1000L);
        _frame++;
        record = new CaptureRecord(_buf.AsSpan(_start + 16, (int)caplen), ns, _frame, recOffset, 0,
            (int)Math.Min(origlen, int.MaxValue), _pcapLinkType);
        _start += total;
        return true;
    }

    // ---- pcapng -------------------------------------------------------------------------------

    /// <summary>Reads blocks up to the next packet; with <paramref name="headerOnly"/>, stops in front of it instead.</summary>
    private bool TryReadPcapNg(out CaptureRecord record, bool headerOnly)
    {
        record = default;
        while (true)
        {
            int have = Fill(12);
            if (have == 0)
            {
                return false;
            }

            long blockOffset = _bufFileOffset + _start;
            if (have < 12)
            {
                return Fail(blockOffset, CaptureErrorKind.Truncated,
                    string.Create(CultureInfo.InvariantCulture, $"block header truncated ({have} of 12 bytes) after packet {_frame}"));
            }

            uint rawType = BinaryPrimitives.ReadUInt32LittleEndian(_buf.AsSpan(_start));
            if (rawType == PcapNgShb)
            {
                if (!ReadSectionHeader(blockOffset))
                {
                    return false;
                }

                continue;
            }

            if (_section < 0)
            {
                return Fail(blockOffset, CaptureErrorKind.NotACapture, "pcapng block before any section header block");
            }

            uint type = U32(_buf.AsSpan(_start));
            if (headerOnly && type is BlockEnhancedPacket or BlockSimplePacket or BlockObsoletePacket)
            {
                return false;
            }

            uint blockLen = U32(_buf.AsSpan(_start + 4));
            if (blockLen < 12 || (blockLen & 3) != 0 || blockLen > MaxRecordSize)
            {
                return Fail(blockOffset + 4, CaptureErrorKind.Corrupt,
                    string.Create(CultureInfo.InvariantCulture, $"pcapng block of type 0x{type:x} has invalid total length {blockLen}"));
            }

            if (!EnsureCapacity((int)blockLen))
            {
                return false;
            }

            have = Fill((int)blockLen);
            if (have < blockLen)
            {
                return Fail(blockOffset, CaptureErrorKind.Truncated,
                    string.Create(CultureInfo.InvariantCulture, $"pcapng block of type 0x{type:x} truncated ({have} of {blockLen} bytes) after packet {_frame}"));
            }

            var block = _buf.AsSpan(_start, (int)blockLen);
            if (U32(block.Slice((int)blockLen - 4)) != blockLen)
            {
                return Fail(blockOffset + blockLen - 4, CaptureErrorKind.Corrupt,
                    string.Create(CultureInfo.InvariantCulture, $"pcapng block of type 0x{type:x}: trailing length differs from leading length {blockLen}"));
            }

            bool isPacket;
            switch (type)
            {
                case BlockEnhancedPacket:
                    isPacket = ParseEnhancedPacket(block, blockOffset, out record);
                    break;
                case BlockSimplePacket:
                    isPacket = ParseSimplePacket(block, blockOffset, out record);
                    break;
                case BlockObsoletePacket:
                    isPacket = ParseObsoletePacket(block, blockOffset, out record);
                    break;
                case BlockInterfaceDescription:
                    if (!ParseInterface(block, blockOffset))
                    {
                        return false;
                    }

                    isPacket = false;
                    break;
                default:
                    SkippedBlocks++;
                    isPacket = false;
                    break;
            }

            if (Error is not null)
            {
                return false;
            }

            _start += (int)blockLen;
            if (isPacket)
            {
                return true;
            }
        }
    }

    private bool ReadSectionHeader(long blockOffset)
    {
        // Block type, total length, byte-order magic, version (2+2), section length (8) = 24 bytes minimum + trailer.
        int have = Fill(28);
        if (have < 12)
        {
            return Fail(blockOffset, CaptureErrorKind.Truncated, "section header block truncated");
        }

        uint bom = BinaryPrimitives.ReadUInt32LittleEndian(_buf.AsSpan(_start + 8));
        if (bom == PcapNgByteOrderMagic)
        {
            _swapped = !BitConverter.IsLittleEndian;
        }
        else if (BinaryPrimitives.ReverseEndianness(bom) == PcapNgByteOrderMagic)
        {
            _swapped = BitConverter.IsLittleEndian;
        }
        else
        {
            return Fail(blockOffset + 8, _section < 0 ? CaptureErrorKind.NotACapture : CaptureErrorKind.Corrupt,
                string.Create(CultureInfo.InvariantCulture, $"pcapng section header has bad byte-order magic 0x{bom:x8}"));
        }

        uint blockLen = U32(_buf.AsSpan(_start + 4));
        if (blockLen < 28 || (blockLen & 3) != 0 || blockLen > MaxRecordSize)
        {
            return Fail(blockOffset + 4, CaptureErrorKind.Corrupt,
                string.Create(CultureInfo.InvariantCulture, $"pcapng section header has invalid total length {blockLen}"));
        }

        if (!EnsureCapacity((int)blockLen))
        {
            return false;
        }

        have = Fill((int)blockLen);
        if (have < blockLen)
        {
            return Fail(blockOffset, CaptureErrorKind.Truncated,
                string.Create(CultureInfo.InvariantCulture, $"section header block truncated ({have} of {blockLen} bytes)"));
        }

        var block = _buf.AsSpan(_start, (int)blockLen);
        if (U32(block.Slice((int)blockLen - 4)) != blockLen)
        {
            return Fail(blockOffset + blockLen - 4, CaptureErrorKind.Corrupt,
                "pcapng section header: trailing length differs from leading length");
        }

        ushort major = U16(block.Slice(12));
        ushort minor = U16(block.Slice(14));

        // libpcap accepts 1.0 and 1.2 (1.2 was written by some early tools); anything else is another format.
        if (major != 1 || (minor != 0 && minor != 2))
        {
            return Fail(blockOffset + 12, _section < 0 ? CaptureErrorKind.NotACapture : CaptureErrorKind.Corrupt,
                string.Create(CultureInfo.InvariantCulture, $"unsupported pcapng version {major}.{minor}"));
        }

        if (!ValidateOptions(block.Slice(24, (int)blockLen - 28), blockOffset + 24, "section header"))
        {
            return false;
        }

        _section++;
        _sectionBase = _interfaces.Count;
        _sectionEndianness.Add(BigEndian);
        _start += (int)blockLen;
        return true;
    }

    private bool ValidateOptions(ReadOnlySpan<byte> options, long offset, string blockName)
    {
        int pos = 0;
        while (pos + 4 <= options.Length)
        {
            ushort code = U16(options.Slice(pos));
            ushort len = U16(options.Slice(pos + 2));
            if (code == 0)
            {
                return true;
            }

            int padded = (len + 3) & ~3;
            if (pos + 4 + padded > options.Length)
            {
                return Fail(offset + pos, CaptureErrorKind.Corrupt,
                    string.Create(CultureInfo.InvariantCulture, $"{blockName} option {code} of length {len} overruns its block"));
            }

            pos += 4 + padded;
        }

        return true;
    }

    private bool ParseInterface(ReadOnlySpan<byte> block, long blockOffset)
    {
        if (block.Length < 20)
        {
            return Fail(blockOffset, CaptureErrorKind.Corrupt, "interface description block too short");
        }

        ushort linkType = U16(block.Slice(8));
        uint snap = U32(block.Slice(12));
        var options = block.Slice(16, block.Length - 20);
        byte tsresol = 6;
        long tsoffset = 0;
        string? name = null;
        int pos = 0;
        while (pos + 4 <= options.Length)
        {
            ushort code = U16(options.Slice(pos));
            ushort len = U16(options.Slice(pos + 2));
            if (code == 0)
            {
                break;
            }

            int padded = (len + 3) & ~3;
            if (pos + 4 + padded > options.Length)
            {
                return Fail(blockOffset + 16 + pos, CaptureErrorKind.Corrupt,
                    string.Create(CultureInfo.InvariantCulture, $"interface option {code} of length {len} overruns its block"));
            }

            var value = options.Slice(pos + 4, len);
            switch (code)
            {
                case 2 when len > 0: // if_name
                    name = System.Text.Encoding.UTF8.GetString(value).TrimEnd('\0');
                    break;
                case 9 when len >= 1: // if_tsresol
                    tsresol = value[0];
                    break;
                case 14 when len >= 8: // if_tsoffset, seconds
                    tsoffset = (long)U64(value);
                    break;
            }

            pos += 4 + padded;
        }

        var scale = TimestampScale.From(tsresol, tsoffset);
        _interfaces.Add(new CaptureInterface(_interfaces.Count, _section, linkType, snap, name, scale.Description, tsoffset));
        _scales.Add(scale);
        return true;
    }

    private bool ResolveInterface(uint localId, long blockOffset, out int global)
    {
        global = _sectionBase + (int)Math.Min(localId, int.MaxValue - _sectionBase);
        if (localId >= (uint)(_interfaces.Count - _sectionBase))
        {
            return Fail(blockOffset + 8, CaptureErrorKind.Corrupt,
                string.Create(CultureInfo.InvariantCulture, $"packet refers to interface {localId}, but section {_section} describes {_interfaces.Count - _sectionBase}"));
        }

        return true;
    }

    private bool ParseEnhancedPacket(ReadOnlySpan<byte> block, long blockOffset, out CaptureRecord record)
    {
        record = default;
        if (block.Length < 32)
        {
            return Fail(blockOffset, CaptureErrorKind.Corrupt, "enhanced packet block too short");
        }

        if (!ResolveInterface(U32(block.Slice(8)), blockOffset, out int iface))
        {
            return false;
        }

        ulong ts = ((ulong)U32(block.Slice(12)) << 32) | U32(block.Slice(16));
        uint caplen = U32(block.Slice(20));
        uint origlen = U32(block.Slice(24));
        if (caplen > block.Length - 32)
        {
            return Fail(blockOffset + 20, CaptureErrorKind.Corrupt,
                string.Create(CultureInfo.InvariantCulture, $"enhanced packet block claims {caplen} captured bytes but holds only {block.Length - 32}"));
        }

        if (caplen > origlen)
        {
            CaptureLongerThanWire++;
        }

        long ns = _scales[iface].ToNanoseconds(ts);
        _lastTimestampNs = ns;
        _frame++;
        record = new CaptureRecord(block.Slice(28, (int)caplen), ns, _frame, blockOffset, iface,
            (int)Math.Min(origlen, int.MaxValue), _interfaces[iface].LinkType);
        return true;
    }

    private bool ParseSimplePacket(ReadOnlySpan<byte> block, long blockOffset, out CaptureRecord record)
    {
        record = default;
        if (block.Length < 16)
        {
            return Fail(blockOffset, CaptureErrorKind.Corrupt, "simple packet block too short");
        }

        if (!ResolveInterface(0, blockOffset, out int iface))
        {
            return false;
        }

        uint origlen = U32(block.Slice(8));
        uint room = (uint)block.Length - 16;
        uint snap = _interfaces[iface].SnapLength;
        uint caplen = Math.Min(origlen, room);
        if (snap != 0)
        {
            caplen = Math.Min(caplen, snap);
        }

        // An SPB has no timestamp; D20: it takes the previous packet's.
        _frame++;
        record = new CaptureRecord(block.Slice(12, (int)caplen), _lastTimestampNs, _frame, blockOffset, iface,
            (int)Math.Min(origlen, int.MaxValue), _interfaces[iface].LinkType);
        return true;
    }

    private bool ParseObsoletePacket(ReadOnlySpan<byte> block, long blockOffset, out CaptureRecord record)
    {
        record = default;
        if (block.Length < 32)
        {
            return Fail(blockOffset, CaptureErrorKind.Corrupt, "packet block too short");
        }

        if (!ResolveInterface(U16(block.Slice(8)), blockOffset, out int iface))
        {
            return false;
        }

        ulong ts = ((ulong)U32(block.Slice(12)) << 32) | U32(block.Slice(16));
        uint caplen = U32(block.Slice(20));
        uint origlen = U32(block.Slice(24));
        if (caplen > block.Length - 32)
        {
            return Fail(blockOffset + 20, CaptureErrorKind.Corrupt,
                string.Create(CultureInfo.InvariantCulture, $"packet block claims {caplen} captured bytes but holds only {block.Length - 32}"));
        }

        if (caplen > origlen)
        {
            CaptureLongerThanWire++;
        }

        long ns = _scales[iface].ToNanoseconds(ts);
        _lastTimestampNs = ns;
        _frame++;
        record = new CaptureRecord(block.Slice(28, (int)caplen), ns, _frame, blockOffset, iface,
            (int)Math.Min(origlen, int.MaxValue), _interfaces[iface].LinkType);
        return true;
    }

    // ---- buffer -------------------------------------------------------------------------------

    /// <summary>Makes at least <paramref name="count"/> bytes available from _start if the input has them; returns how many are.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Fill(int count)
    {
        int have = _end - _start;
        return have >= count ? have : FillSlow(count);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int FillSlow(int count)
    {
        if (_pump is not null)
        {
            return FillFromPump(count);
        }

        if (count > _buf.Length)
        {
            Grow(count);
        }

        if (_buf.Length - _start < count)
        {
            // Move the partial record to the front; the copy is of one record at most, once per buffer.
            int have = _end - _start;
            Buffer.BlockCopy(_buf, _start, _buf, 0, have);
            _bufFileOffset += _start;
            _start = 0;
            _end = have;
        }

        while (!_eof && _end - _start < count)
        {
            // Read as much as fits: one big read() per buffer is the point of the design.
            int n;
            try
            {
                n = _stream.Read(_buf, _end, _buf.Length - _end);
            }
            catch (InvalidDataException ex) when (_gzip)
            {
                // Corrupt gzip data is a structural problem like any other: reported, never thrown.
                _eof = true;
                FailCorruptGzip(_bufFileOffset + _end, ex);
                break;
            }

            if (n == 0)
            {
                _eof = true;
                break;
            }

            _end += n;
        }

        return _end - _start;
    }

    /// <summary>
    /// FillSlow with read-ahead: switches to the next chunk without copying when nothing is left in the
    /// current one; when a record straddles two chunks, assembles just that record in the stitch buffer.
    /// </summary>
    private int FillFromPump(int count)
    {
        while (_end - _start < count)
        {
            int have = _end - _start;
            if (_pending is null)
            {
                if (_eof)
                {
                    break;
                }

                var chunk = _pump!.Take();
                if (chunk.Error is InvalidDataException bad && _gzip)
                {
                    // Corrupt gzip data is a structural problem like any other: reported, never thrown.
                    _eof = true;
                    FailCorruptGzip(chunk.FileOffset, bad);
                    break;
                }

                if (chunk.Error is { } e)
                {
                    throw new IOException(e.Message, e);
                }

                if (chunk.Buffer is null)
                {
                    _eof = true;
                    break;
                }

                if (have == 0)
                {
                    // The common case: parse the next chunk in place.
                    ReleaseCurrent();
                    _buf = chunk.Buffer;
                    _bufIsChunk = true;
                    _start = 0;
                    _end = chunk.Length;
                    _bufFileOffset = chunk.FileOffset;
                    continue;
                }

                _pending = chunk.Buffer;
                _pendingPos = 0;
                _pendingEnd = chunk.Length;
                _pendingFileOffset = chunk.FileOffset;
            }

            if (have == 0)
            {
                // The stitched record was consumed: continue inside the pending chunk, in place.
                ReleaseCurrent();
                _buf = _pending;
                _bufIsChunk = true;
                _start = _pendingPos;
                _end = _pendingEnd;
                _bufFileOffset = _pendingFileOffset;
                _pending = null;
                continue;
            }

            // Move what is left of the current buffer to the front of the stitch, then append from the pending chunk.
            int need = count - have;
            int take = Math.Min(need, _pendingEnd - _pendingPos);
            if (_stitch is null || _stitch.Length < have + take)
            {
                var bigger = new byte[Math.Max(have + take, Math.Max(64 * 1024, (_stitch?.Length ?? 0) * 2))];
                Buffer.BlockCopy(_buf, _start, bigger, 0, have);
                ReleaseCurrent();
                _stitch = bigger;
            }
            else
            {
                Buffer.BlockCopy(_buf, _start, _stitch, 0, have);
                ReleaseCurrent();
            }

            _bufFileOffset += _start;
            _buf = _stitch;
            _bufIsChunk = false;
            _start = 0;
            _end = have;
            Buffer.BlockCopy(_pending, _pendingPos, _stitch, _end, take);
            _end += take;
            _pendingPos += take;
            if (_pendingPos == _pendingEnd)
            {
                _pump!.Return(_pending);
                _pending = null;
            }
        }

        return _end - _start;
    }

    /// <summary>Gives the current chunk back to the pump when the reader moves off it.</summary>
    private void ReleaseCurrent()
    {
        if (_bufIsChunk)
        {
            _pump!.Return(_buf);
            _bufIsChunk = false;
        }
    }

    private bool EnsureCapacity(int count)
    {
        if (_pump is null && count > _buf.Length)
        {
            Grow(count);
        }

        return true;
    }

    private void Grow(int count)
    {
        var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(MaxRecordSize + 64, Math.Max((long)count, _buf.Length * 2L)));
        int have = _end - _start;
        Buffer.BlockCopy(_buf, _start, bigger, 0, have);
        ArrayPool<byte>.Shared.Return(_buf);
        _buf = bigger;
        _bufFileOffset += _start;
        _start = 0;
        _end = have;
    }

    private void FailCorruptGzip(long decompressed, InvalidDataException ex) =>
        Fail(decompressed, decompressed == 0 ? CaptureErrorKind.NotACapture : CaptureErrorKind.Corrupt,
            string.Create(CultureInfo.InvariantCulture, $"gzip data is corrupt after {decompressed} decompressed bytes ({ex.Message})"));

    private bool Fail(long offset, CaptureErrorKind kind, string message)
    {
        Error ??= new CaptureError(SourceName, offset, kind, message);
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ushort U16(ReadOnlySpan<byte> s)
    {
        ushort v = Unsafe.ReadUnaligned<ushort>(ref Unsafe.AsRef(in s[0]));
        return _swapped ? BinaryPrimitives.ReverseEndianness(v) : v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint U32(ReadOnlySpan<byte> s)
    {
        uint v = Unsafe.ReadUnaligned<uint>(ref Unsafe.AsRef(in s[0]));
        return _swapped ? BinaryPrimitives.ReverseEndianness(v) : v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong U64(ReadOnlySpan<byte> s)
    {
        ulong v = Unsafe.ReadUnaligned<ulong>(ref Unsafe.AsRef(in s[0]));
        return _swapped ? BinaryPrimitives.ReverseEndianness(v) : v;
    }

    public void Dispose()
    {
        if (_pump is not null)
        {
            _pump.Dispose();
        }
        else if (_buf.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buf);
        }

        _buf = Array.Empty<byte>();

        if (_ownsStream)
        {
            _stream.Dispose();
        }
    }
}
