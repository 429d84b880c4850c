using System.Globalization;
using System.IO.Compression;
using System.Text;
using FirewallSim.IO;

namespace FirewallSim.FlowLogs;

/// <summary>One plain-text file with a header line and every record in D27 order (<c>flowlogs.log</c>).</summary>
public sealed class PlainFileSink : IFlowLogSink
{
    private readonly AtomicFile _file;
    private readonly Stream _out;
    private readonly FlowRecordFormatter _formatter;
    private readonly Utf8LineBuilder _line = new();

    public PlainFileSink(string path, FlowRecordFormatter formatter)
    {
        _formatter = formatter;
        _file = AtomicFile.Create(path);
        _out = new BufferedStream(_file.Stream, 1 << 20);
        _line.AppendString(formatter.Header);
        _line.NewLine();
        _line.WriteTo(_out);
    }

    public string Path => _file.FinalPath;

    /// <summary>
    /// Format each window on two threads, blocks of records side by side, written in order. For a replay
    /// on two cores: while a window of half a million records is formatted, the rest of the pipeline waits
    /// for it (or, at the end, has finished), so the second core is otherwise idle.
    /// </summary>
    public bool FormatOnTwoThreads { get; init; }

    private const int Block = 4096;                 // records per block: ~450 KB of text
    private const int BlocksPerRound = 8;
    private Utf8LineBuilder[]? _blocks;

    public void WriteWindow(long windowStart, IReadOnlyList<FlowRecord> records)
    {
        if (FormatOnTwoThreads && records.Count >= 2 * Block)
        {
            WriteOnTwoThreads(records);
            return;
        }

        for (int i = 0; i < records.Count; i++)
        {
            _formatter.Append(_line, records[i]);
            _line.NewLine();
            if (_line.Length > 60_000)
            {
                _line.WriteTo(_out);
            }
        }

        _line.WriteTo(_out);
    }

    private void WriteOnTwoThreads(IReadOnlyList<FlowRecord> records)
    {
        var blocks = _blocks ??= CreateBlocks();
        var options = new ParallelOptions { MaxDegreeOfParallelism = 2 };
        for (int round = 0; round < records.Count; round += Block * BlocksPerRound)
        {
            int first = round;
            int count = (int)Math.Min(BlocksPerRound, ((long)records.Count - round + Block - 1) / Block);
            Parallel.For(0, count, options, b =>
            {
                var line = blocks[b];
                int end = Math.Min(first + ((b + 1) * Block), records.Count);
                for (int i = first + (b * Block); i < end; i++)
                {
                    _formatter.Append(line, records[i]);
                    line.NewLine();
                }
            });

            for (int b = 0; b < count; b++)
            {
                blocks[b].WriteTo(_out);
            }
        }
    }

    private static Utf8LineBuilder[] CreateBlocks()
    {
        var blocks = new Utf8LineBuilder[BlocksPerRound];
        for (int b = 0; b < blocks.Length; b++)
        {
            blocks[b] = new Utf8LineBuilder();
        }

        return blocks;
    }

    public void Complete()
    {
        _out.Flush();
        _file.Commit();
    }

    public void Dispose() => _file.Dispose();
}

public sealed record S3LayoutOptions
{
    public string FlowLogId { get; init; } = "fl-0123456789abcdef0";

    /// <summary>PerHourPartition: an extra HH/ level.</summary>
    public bool Hourly { get; init; }

    /// <summary>HiveCompatiblePartitions: key=value folder names.</summary>
    public bool HiveCompatible { get; init; }

    /// <summary>A file is closed and a new one started past this compressed size (AWS: 75 MB).</summary>
    public long MaxFileBytes { get; init; } = 75L * 1000 * 1000;
}

/// <summary>
/// AWS's S3 delivery layout (5.8): one gzip file per account, region and 5-minute slot of record end
/// times, each starting with the header line, under AWSLogs/… folders (optionally hourly and
/// Hive-compatible). A slot's file is finished as soon as packet time has moved past the slot.
/// </summary>
public sealed class S3LayoutSink : IFlowLogSink
{
    private const long Slot = 300;
    private readonly string _root;
    private readonly FlowRecordFormatter _formatter;
    private readonly S3LayoutOptions _options;
    private readonly Dictionary<(string Account, string Region, long Slot), OpenFile> _open = new();
    private readonly List<string> _finished = new();
    private readonly Utf8LineBuilder _line = new();

    public S3LayoutSink(string root, FlowRecordFormatter formatter, S3LayoutOptions options)
    {
        _root = root;
        _formatter = formatter;
        _options = options;
    }

    public IReadOnlyList<string> Files => _finished;

    public void WriteWindow(long windowStart, IReadOnlyList<FlowRecord> records)
    {
        // Records of later windows all end at or after windowStart: earlier slots are complete.
        foreach (var key in _open.Keys.Where(k => k.Slot + Slot <= windowStart).ToList())
        {
            Close(key);
        }

        foreach (var r in records)
        {
            long slot = r.End - (((r.End % Slot) + Slot) % Slot);
            var key = (_formatter.AccountOf(r.Eni), _formatter.RegionOf(r.Eni), slot);
            if (!_open.TryGetValue(key, out var file))
            {
                _open[key] = file = Open(key, 0);
            }

            _formatter.Append(_line, r);
            _line.NewLine();
            _line.WriteTo(file.Gzip);
            if (file.Atomic.Stream.Position > _options.MaxFileBytes)
            {
                Close(key);
                _open[key] = Open(key, file.Sequence + 1);
            }
        }
    }

    public void Complete()
    {
        foreach (var key in _open.Keys.ToList())
        {
            Close(key);
        }
    }

    public void Dispose()
    {
        foreach (var f in _open.Values)
        {
            f.Gzip.Dispose();
            f.Atomic.Dispose();
        }
    }

    private OpenFile Open((string Account, string Region, long Slot) key, int sequence)
    {
        var t = DateTimeOffset.FromUnixTimeSeconds(key.Slot).UtcDateTime;
        var inv = CultureInfo.InvariantCulture;
        string dir = _options.HiveCompatible
            ? Path.Combine(_root, "AWSLogs", $"aws-account-id={key.Account}", "aws-service=vpcflowlogs", $"aws-region={key.Region}",
                t.ToString("'year='yyyy", inv), t.ToString("'month='MM", inv), t.ToString("'day='dd", inv))
            : Path.Combine(_root, "AWSLogs", key.Account, "vpcflowlogs", key.Region, t.ToString("yyyy", inv), t.ToString("MM", inv), t.ToString("dd", inv));
        if (_options.Hourly)
        {
            dir = Path.Combine(dir, _options.HiveCompatible ? t.ToString("'hour='HH", inv) : t.ToString("HH", inv));
        }

        // AWS's suffix is random; ours is a stable hash so that identical runs give identical trees.
        uint hash = Fnv($"{key.Account}|{key.Region}|{_options.FlowLogId}|{key.Slot}|{sequence}");
        string name = $"{key.Account}_vpcflowlogs_{key.Region}_{_options.FlowLogId}_{t.ToString("yyyyMMdd'T'HHmm'Z'", inv)}_{hash:x8}.log.gz";
        var atomic = AtomicFile.Create(Path.Combine(dir, name));
        var gzip = new GZipStream(atomic.Stream, CompressionLevel.Optimal, leaveOpen: true);
        _line.AppendString(_formatter.Header);
        _line.NewLine();
        _line.WriteTo(gzip);
        return new OpenFile(atomic, gzip, sequence);
    }

    private void Close((string, string, long) key)
    {
        // A slot is final once packet time has passed it: publish it now, complete, under its real name.
        var f = _open[key];
        _open.Remove(key);
        f.Gzip.Dispose();
        f.Atomic.Commit();
        f.Atomic.Dispose();
        _finished.Add(f.Atomic.FinalPath);
    }

    private static uint Fnv(string s)
    {
        uint h = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(s))
        {
            h = (h ^ b) * 16777619;
        }

        return h;
    }

    private sealed record OpenFile(AtomicFile Atomic, GZipStream Gzip, int Sequence);
}

/// <summary>
/// CloudWatch Logs as AWS groups flow logs: one log stream per ENI (named <c>eni-…-all</c>, U20), written
/// here as one JSON-lines file per stream, each line an event {"timestamp": ms, "message": record}.
/// </summary>
public sealed class CloudWatchJsonlSink : IFlowLogSink
{
    private readonly string _dir;
    private readonly FlowRecordFormatter _formatter;
    private readonly Dictionary<int, (AtomicFile File, Stream Out)> _streams = new();
    private readonly Utf8LineBuilder _line = new();
    private readonly Utf8LineBuilder _message = new();

    public CloudWatchJsonlSink(string dir, FlowRecordFormatter formatter)
    {
        _dir = dir;
        _formatter = formatter;
    }

    public void WriteWindow(long windowStart, IReadOnlyList<FlowRecord> records)
    {
        // Events of a stream must be in time order: order each ENI's records by start within the window.
        foreach (var group in records.GroupBy(r => r.Eni))
        {
            if (!_streams.TryGetValue(group.Key, out var s))
            {
                var file = AtomicFile.Create(Path.Combine(_dir, _formatter.InterfaceIdOf(group.Key) + "-all.jsonl"));
                s = (file, new BufferedStream(file.Stream, 1 << 16));
                _streams[group.Key] = s;
            }

            foreach (var r in group.OrderBy(r => r.Start))
            {
                _message.Clear();
                _formatter.Append(_message, r);
                _line.AppendString("{\"timestamp\":");
                _line.Append(r.Start * 1000);
                _line.AppendString(",\"message\":\"");
                _line.Append(_message.Written); // record text has no quotes or backslashes
                _line.AppendString("\"}\n");
                _line.WriteTo(s.Out);
            }
        }
    }

    public void Complete()
    {
        foreach (var (file, output) in _streams.Values)
        {
            output.Flush();
            file.Commit();
        }
    }

    public void Dispose()
    {
        foreach (var (file, _) in _streams.Values)
        {
            file.Dispose();
        }
    }
}

/// <summary>
/// For long-running live capture: one plain-text file per period (<c>flowlogs-yyyyMMddTHHmmZ.log</c>, by
/// window start), each with a header line, published under its name as soon as its period is over.
/// </summary>
public sealed class RollingPlainFileSink : IFlowLogSink
{
    private readonly string _dir;
    private readonly long _period;
    private readonly FlowRecordFormatter _formatter;
    private readonly Utf8LineBuilder _line = new();
    private readonly List<string> _files = new();
    private AtomicFile? _current;
    private Stream? _out;
    private long _periodStart = long.MinValue;

    public RollingPlainFileSink(string dir, int periodSeconds, FlowRecordFormatter formatter)
    {
        _dir = dir;
        _period = periodSeconds;
        _formatter = formatter;
    }

    public IReadOnlyList<string> Files => _files;

    public void WriteWindow(long windowStart, IReadOnlyList<FlowRecord> records)
    {
        long period = windowStart - (((windowStart % _period) + _period) % _period);
        if (period != _periodStart)
        {
            Publish();
            var t = DateTimeOffset.FromUnixTimeSeconds(period).UtcDateTime;
            _current = AtomicFile.Create(Path.Combine(_dir, $"flowlogs-{t.ToString("yyyyMMdd'T'HHmm'Z'", CultureInfo.InvariantCulture)}.log"));
            _out = new BufferedStream(_current.Stream, 1 << 16);
            _periodStart = period;
            _line.AppendString(_formatter.Header);
            _line.NewLine();
        }

        foreach (var r in records)
        {
            _formatter.Append(_line, r);
            _line.NewLine();
        }

        _line.WriteTo(_out!);
        _out!.Flush();
    }

    public void Complete() => Publish();

    public void Dispose() => _current?.Dispose();

    private void Publish()
    {
        if (_current is null)
        {
            return;
        }

        _out!.Flush();
        _current.Commit();
        _files.Add(_current.FinalPath);
        _current.Dispose();
        _current = null;
        _out = null;
    }
}
