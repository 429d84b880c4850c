using System.IO.Compression;
using System.Text;
using System.Text.Json;
using FirewallSim.IO;

namespace FirewallSim.FlowLogs.Reading;

/// <summary>A file that is not a flow log at all (no header, binary, JSON that is not CloudWatch events), or a bad format string.</summary>
public sealed class FlowLogInputException : Exception
{
    public FlowLogInputException(string message)
        : base(message)
    {
    }

    public FlowLogInputException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>How one input file was read.</summary>
public enum FlowLogFileKind : byte
{
    /// <summary>Plain text with a header line (our flowlogs.log, AWS's S3 files).</summary>
    Header,

    /// <summary>Plain text without a header: CloudWatch-style record lines in a given (or the default) format.</summary>
    Headerless,

    /// <summary>CloudWatch Logs events as JSON lines, each {"timestamp": ms, "message": record}.</summary>
    CloudWatchJson,
}

/// <summary>What was read from one file.</summary>
public sealed record FlowLogFileSummary(string File, FlowLogFileKind Kind, bool Gzip, string Format, long Records, long SkippedLines, string? Error);

/// <summary>Everything the reader counted: files, records, and the lines it skipped (count plus the first few places).</summary>
public sealed class FlowLogReadResult
{
    public List<FlowLogFileSummary> Files { get; } = new();

    public long Records { get; internal set; }

    public long SkippedLines { get; internal set; }

    /// <summary>The first <see cref="FlowLogReaderOptions.SkippedLocationsKept"/> skipped lines, with the reason.</summary>
    public List<(RecordLocation Location, string Reason)> FirstSkipped { get; } = new();

    /// <summary>Files that broke off part-way (corrupt gzip); the records before the break were read.</summary>
    public List<string> Errors { get; } = new();
}

public sealed record FlowLogReaderOptions
{
    /// <summary>The format of files without a header line (--format-string). Null: a replay.json beside the file, else the default format.</summary>
    public FlowLogFormat? HeaderlessFormat { get; init; }

    public int SkippedLocationsKept { get; init; } = 5;
}

/// <summary>
/// Reads flow logs as they are written by fwsim replay or by AWS: plain text with a header line in any
/// field order, headerless record lines (CloudWatch style) in a given format, CloudWatch JSON lines,
/// each gzip-compressed or not. Streams line by line into a sink; nothing is kept per record.
/// </summary>
public sealed class FlowLogReader
{
    private const int SniffBytes = 4096;
    private readonly FlowLogReaderOptions _options;

    public FlowLogReader(FlowLogReaderOptions? options = null) => _options = options ?? new FlowLogReaderOptions();

    /// <summary>
    /// Files to read from the arguments: files as given; a directory that holds a replay.json is a replay
    /// output folder, read through its flowlogs.log (else its s3/, else its cloudwatch/ folder) so that the
    /// same records are not counted once per layout; any other directory is searched recursively for
    /// *.log, *.log.gz, *.jsonl and *.jsonl.gz (hidden files skipped), in ordinal path order.
    /// </summary>
    public static List<string> ExpandInputs(IEnumerable<string> args, out List<string> errors)
    {
        var files = new List<string>();
        errors = new List<string>();
        foreach (string arg in args)
        {
            if (File.Exists(arg))
            {
                files.Add(arg);
            }
            else if (Directory.Exists(arg))
            {
                string dir = ReplayOutputSource(arg);
                if (File.Exists(dir))
                {
                    files.Add(dir);
                    continue;
                }

                var found = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
                    .Where(f => !Path.GetFileName(f).StartsWith('.') && IsFlowLogName(f))
                    .OrderBy(f => f, StringComparer.Ordinal)
                    .ToList();
                if (found.Count == 0)
                {
                    errors.Add($"{arg}: no flow-log files (*.log, *.log.gz, *.jsonl) in this directory");
                }

                files.AddRange(found);
            }
            else
            {
                errors.Add($"{arg}: no such file or directory");
            }
        }

        return files;
    }

    /// <summary>
    /// The replay.json of a replay output: in the directory itself, beside a file, or one level up (for
    /// OUT/cloudwatch/ and OUT/s3). Relative inputs give a relative path.
    /// </summary>
    public static string? FindReplaySummary(string input)
    {
        string dir = Directory.Exists(input) ? input : Path.GetDirectoryName(input) is { Length: > 0 } d ? d : ".";
        string here = Path.Combine(dir, "replay.json");
        if (File.Exists(here))
        {
            return here;
        }

        string? parent = Path.GetDirectoryName(Path.GetFullPath(dir));
        if (parent is null || !File.Exists(Path.Combine(parent, "replay.json")))
        {
            return null;
        }

        string up = Path.Combine(parent, "replay.json");
        return Path.IsPathRooted(input) ? up : Path.GetRelativePath(Directory.GetCurrentDirectory(), up);
    }

    private static string ReplayOutputSource(string dir)
    {
        if (!File.Exists(Path.Combine(dir, "replay.json")))
        {
            return dir;
        }

        foreach (string candidate in new[] { "flowlogs.log", "s3", "cloudwatch" })
        {
            string p = Path.Combine(dir, candidate);
            if (File.Exists(p) || Directory.Exists(p))
            {
                return p;
            }
        }

        return dir;
    }

    private static bool IsFlowLogName(string path)
    {
        string name = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? path[..^3] : path;
        return name.EndsWith(".log", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Reads every file into <paramref name="sink"/>; throws <see cref="FlowLogInputException"/> for a file that is not a flow log.</summary>
    public FlowLogReadResult Read<TSink>(IReadOnlyList<string> files, TSink sink, CancellationToken cancellation = default)
        where TSink : IFlowLogRecordSink
    {
        var result = new FlowLogReadResult();
        foreach (string file in files)
        {
            ReadFile(file, sink, result, cancellation);
        }

        return result;
    }

    private void ReadFile<TSink>(string file, TSink sink, FlowLogReadResult result, CancellationToken cancellation)
        where TSink : IFlowLogRecordSink
    {
        bool gzip = IsGzip(file);
        string first = Sniff(file, gzip);
        FlowLogLayout layout;
        FlowLogFileKind kind;
        var header = FlowLogLayout.TryHeader(first);
        if (header is not null)
        {
            layout = header;
            kind = FlowLogFileKind.Header;
        }
        else if (first.StartsWith('{'))
        {
            kind = FlowLogFileKind.CloudWatchJson;
            layout = HeaderlessLayout(file);
            if (!TryCloudWatchMessage(first, out string? message, out string? why))
            {
                throw new FlowLogInputException($"{file}: not a flow log: JSON that is not a CloudWatch Logs event ({why})");
            }

            var probe = default(FlowLogRecord);
            if (!layout.TryParse(message, ref probe, out string? error))
            {
                throw new FlowLogInputException($"{file}: line 1: the CloudWatch event's message is not a flow-log record of the format '{layout.Text}' ({error}); " +
                    "give the flow log's format with --format-string");
            }
        }
        else
        {
            kind = FlowLogFileKind.Headerless;
            layout = HeaderlessLayout(file);
            var probe = default(FlowLogRecord);
            if (!layout.TryParse(first, ref probe, out string? error))
            {
                throw new FlowLogInputException(first.Length == 0
                    ? $"{file}: not a flow log: it is empty (a flow log starts with a header line or a record)"
                    : $"{file}: not a flow log: line 1 is neither a header line of flow-log field names nor a record of the format '{layout.Text}' ({error})");
            }
        }

        long records = 0, skipped = 0, lineNo = 0;
        string? fileError = null;
        var record = default(FlowLogRecord);
        using var stream = new CountingStream(Open(file, gzip));
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        try
        {
            string? line;
            while ((line = reader.ReadLine()) is not null)
            {
                lineNo++;
                if ((lineNo & 0xFFFF) == 0)
                {
                    cancellation.ThrowIfCancellationRequested();
                }

                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                string? error;
                ReadOnlySpan<char> text = line;
                if (kind == FlowLogFileKind.CloudWatchJson)
                {
                    if (!TryCloudWatchMessage(line, out string? message, out error))
                    {
                        Skip(result, file, lineNo, error!, ref skipped);
                        continue;
                    }

                    text = message;
                }
                else if (kind == FlowLogFileKind.Header && line.AsSpan().IndexOfAnyInRange('0', '9') < 0 && FlowLogLayout.TryHeader(line) is { } again)
                {
                    // The header (field names have no digits, records always do); concatenated S3 files
                    // (cat *.log) repeat it, and each one names the columns that follow.
                    layout = again;
                    continue;
                }

                if (!layout.TryParse(text, ref record, out error))
                {
                    Skip(result, file, lineNo, error!, ref skipped);
                    continue;
                }

                records++;
                sink.Add(record, new RecordLocation(file, lineNo));
            }
        }
        catch (InvalidDataException ex)
        {
            fileError = $"{file}: the gzip data is corrupt after line {lineNo} ({ex.Message}); the {records} records before it were read";
        }

        if (fileError is null && gzip && GzipSizeMismatch(file, stream.BytesRead))
        {
            // The deflate reader stops quietly at a cut; the gzip trailer's length tells (single-member files, as AWS writes them).
            fileError = $"{file}: the gzip data ends early (truncated file?) after line {lineNo}; the {records} records before it were read";
        }

        if (fileError is not null)
        {
            result.Errors.Add(fileError);
        }

        result.Records += records;
        result.Files.Add(new FlowLogFileSummary(file, kind, gzip, layout.Text, records, skipped, fileError));
    }

    private void Skip(FlowLogReadResult result, string file, long line, string reason, ref long skipped)
    {
        skipped++;
        result.SkippedLines++;
        if (result.FirstSkipped.Count < _options.SkippedLocationsKept)
        {
            result.FirstSkipped.Add((new RecordLocation(file, line), reason));
        }
    }

    /// <summary>--format-string, else the format of the replay that wrote the file (replay.json beside it or one level up), else the default format.</summary>
    private FlowLogLayout HeaderlessLayout(string file)
    {
        if (_options.HeaderlessFormat is { } f)
        {
            return FlowLogLayout.FromFormat(f);
        }

        if (FindReplaySummary(file) is { } summary && ReplayFormat(summary) is { } text && FlowLogFormat.TryParse(text, out var fromReplay, out _))
        {
            return FlowLogLayout.FromFormat(fromReplay);
        }

        return FlowLogLayout.FromFormat(FlowLogFormat.Default);
    }

    private static string? ReplayFormat(string summaryPath)
    {
        try
        {
            using var s = File.OpenRead(summaryPath);
            using var doc = JsonDocument.Parse(s);
            return doc.RootElement.TryGetProperty("flow_log", out var fl) && fl.ValueKind == JsonValueKind.Object
                && fl.TryGetProperty("format", out var fmt) && fmt.ValueKind == JsonValueKind.String ? fmt.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool TryCloudWatchMessage(string line, out string? message, out string? error)
    {
        message = null;
        try
        {
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = "not a JSON object";
                return false;
            }

            if (!doc.RootElement.TryGetProperty("message", out var m) || m.ValueKind != JsonValueKind.String)
            {
                error = "no \"message\" string";
                return false;
            }

            message = m.GetString();
            error = null;
            return true;
        }
        catch (JsonException ex)
        {
            error = "invalid JSON: " + ex.Message;
            return false;
        }
    }

    /// <summary>The gzip trailer's ISIZE (uncompressed length mod 2^32) disagrees with what was decompressed.</summary>
    private static bool GzipSizeMismatch(string file, long decompressed)
    {
        using var s = File.OpenRead(file);
        if (s.Length < 18)
        {
            return true;
        }

        s.Seek(-4, SeekOrigin.End);
        Span<byte> isize = stackalloc byte[4];
        s.ReadExactly(isize);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(isize) != (uint)decompressed;
    }

    /// <summary>Counts the bytes read through it.</summary>
    private sealed class CountingStream : ForwardReadStream
    {
        public CountingStream(Stream inner)
            : base(inner)
        {
        }

        public long BytesRead { get; private set; }

        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(Span<byte> buffer)
        {
            int n = Inner.Read(buffer);
            BytesRead += n;
            return n;
        }
    }

    private static bool IsGzip(string file)
    {
        using var s = File.OpenRead(file);
        Span<byte> magic = stackalloc byte[2];
        return s.ReadAtLeast(magic, 2, throwOnEndOfStream: false) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }

    private static Stream Open(string file, bool gzip)
    {
        var s = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return gzip ? new GZipStream(s, CompressionMode.Decompress) : s;
    }

    /// <summary>The first non-empty line, after checking that the start of the file is text.</summary>
    private static string Sniff(string file, bool gzip)
    {
        byte[] buf = new byte[SniffBytes];
        int n;
        try
        {
            using var s = Open(file, gzip);
            n = s.ReadAtLeast(buf, buf.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException ex)
        {
            throw new FlowLogInputException($"{file}: not a flow log: corrupt gzip data ({ex.Message})", ex);
        }

        var span = buf.AsSpan(0, n);
        if (span.StartsWith("\xEF\xBB\xBF"u8))
        {
            span = span[3..];
        }

        if (span.IndexOf((byte)0) >= 0 || !IsUtf8Text(span, complete: n < buf.Length))
        {
            throw new FlowLogInputException($"{file}: not a flow log: binary data{(gzip ? " inside the gzip stream" : string.Empty)}");
        }

        string text = Encoding.UTF8.GetString(span);
        foreach (string line in text.Split('\n'))
        {
            string t = line.TrimEnd('\r');
            if (!string.IsNullOrWhiteSpace(t))
            {
                return t.Trim();
            }
        }

        return string.Empty;
    }

    private static bool IsUtf8Text(ReadOnlySpan<byte> bytes, bool complete)
    {
        // A buffer cut in the middle of a multi-byte character is still text: trim up to three trailing bytes.
        for (int trim = 0; trim <= (complete ? 0 : 3) && trim <= bytes.Length; trim++)
        {
            if (System.Text.Unicode.Utf8.IsValid(bytes[..^trim]))
            {
                return true;
            }
        }

        return false;
    }
}
