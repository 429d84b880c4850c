using System.Globalization;
using FirewallSim.Tests.Support;

namespace FirewallSim.Tests.Corpus;

/// <summary>
/// What tshark said about one corpus capture: the committed TestData/tshark/&lt;capture&gt;.tsv written by
/// make-tshark-expectations.sh. CI has no tshark; the tests read only these files.
/// </summary>
public sealed class TsharkExpectation
{
    private TsharkExpectation(string capture, string sha256, int exitCode, IReadOnlyList<string> messages, IReadOnlyList<TsharkFrame> records)
    {
        Capture = capture;
        Sha256 = sha256;
        ExitCode = exitCode;
        Messages = messages;
        Records = records;
    }

    /// <summary>Where the expectation files live in the source tree (they are read from there, not copied to bin).</summary>
    public static string Directory => Path.Combine(TestPaths.RepoRoot, "tests", "FirewallSim.Tests", "Corpus", "TestData", "tshark");

    public static string Script => "tests/FirewallSim.Tests/Corpus/make-tshark-expectations.sh";

    public string Capture { get; }

    /// <summary>SHA-256 of the capture tshark read, to notice a corpus that changed since.</summary>
    public string Sha256 { get; }

    /// <summary>tshark's exit code: 0, or 2 when it could not read the file to the end.</summary>
    public int ExitCode { get; }

    /// <summary>tshark's complaints about the file, if any.</summary>
    public IReadOnlyList<string> Messages { get; }

    /// <summary>Every record tshark numbered, including non-packet pcapng blocks (custom blocks).</summary>
    public IReadOnlyList<TsharkFrame> Records { get; }

    /// <summary>The records that are packets (they have an encapsulation type), in file order.</summary>
    public IReadOnlyList<TsharkFrame> Packets => Records.Where(r => r.IsPacket).ToList();

    public static string PathFor(string capture) => Path.Combine(Directory, capture + ".tsv");

    public static TsharkExpectation Load(string capture)
    {
        string path = PathFor(capture);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"no tshark expectation for {capture} at {path}; run {Script} and commit the result", path);
        }

        string sha = string.Empty;
        int exit = 0;
        var messages = new List<string>();
        string[]? header = null;
        var records = new List<TsharkFrame>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.StartsWith('#'))
            {
                if (line.StartsWith("# sha256: ", StringComparison.Ordinal))
                {
                    sha = line["# sha256: ".Length..].Trim();
                }
                else if (line.StartsWith("# exit: ", StringComparison.Ordinal))
                {
                    exit = int.Parse(line["# exit: ".Length..], CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith("# tshark: ", StringComparison.Ordinal))
                {
                    messages.Add(line["# tshark: ".Length..]);
                }

                continue;
            }

            string[] cells = line.Split('\t');
            if (header is null)
            {
                header = cells;
                continue;
            }

            if (cells.Length != header.Length)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: {cells.Length} cells, header has {header.Length}");
            }

            var fields = new Dictionary<string, string[]>(StringComparer.Ordinal);
            for (int i = 0; i < header.Length; i++)
            {
                fields[header[i]] = cells[i].Length == 0 ? [] : cells[i].Split(',');
            }

            records.Add(new TsharkFrame(fields));
        }

        // tshark prints not even the header row for a file it cannot open at all.
        if (header is null && exit == 0)
        {
            throw new InvalidDataException($"{path}: no header row, yet tshark reported success");
        }

        return new TsharkExpectation(capture, sha, exit, messages, records);
    }
}

/// <summary>One tshark record: every requested field, each with all its occurrences in protocol-tree order.</summary>
public sealed class TsharkFrame
{
    private readonly IReadOnlyDictionary<string, string[]> _fields;

    public TsharkFrame(IReadOnlyDictionary<string, string[]> fields)
    {
        _fields = fields;
        Number = long.Parse(First("frame.number")!, CultureInfo.InvariantCulture);
        Protocols = First("frame.protocols")?.Split(':') ?? [];
    }

    public long Number { get; }

    /// <summary>frame.protocols split on ':' (eth, ethertype, ip, icmp, ip, udp…).</summary>
    public IReadOnlyList<string> Protocols { get; }

    /// <summary>pcapng custom blocks are numbered like packets but have no encapsulation type.</summary>
    public bool IsPacket => Values("frame.encap_type").Length > 0;

    public string[] Values(string field) => _fields.TryGetValue(field, out var v) ? v : throw new KeyNotFoundException("tshark field not in the expectation file: " + field);

    public string? First(string field) => Values(field) is { Length: > 0 } v ? v[0] : null;

    public string? At(string field, int occurrence) => Values(field) is var v && occurrence < v.Length ? v[occurrence] : null;

    public long? FirstLong(string field) => First(field) is { } s ? long.Parse(s, CultureInfo.InvariantCulture) : null;

    /// <summary>
    /// frame.time_epoch as integer nanoseconds; null when tshark printed none (simple packet blocks) or
    /// printed a fraction that is not nine digits (a capture with an out-of-range fraction).
    /// </summary>
    public long? TimeNs
    {
        get
        {
            string? s = First("frame.time_epoch");
            if (s is null)
            {
                return null;
            }

            int dot = s.IndexOf('.', StringComparison.Ordinal);
            if (dot < 0 || s.Length - dot - 1 != 9 || s.StartsWith('-'))
            {
                return null;
            }

            return (long.Parse(s.AsSpan(0, dot), CultureInfo.InvariantCulture) * 1_000_000_000L) +
                   long.Parse(s.AsSpan(dot + 1), CultureInfo.InvariantCulture);
        }
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"tshark frame {Number} [{First("frame.protocols")}]");
}
