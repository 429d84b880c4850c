using System.Security.Cryptography;
using FirewallSim.Capture;
using FirewallSim.Decode;
using FirewallSim.IO;
using FirewallSim.Tests.Support;

namespace FirewallSim.Tests.Corpus;

/// <summary>One corpus capture read to the end by CaptureReader and PacketDecoder, kept for comparison.</summary>
public sealed class CorpusCapture
{
    /// <summary>Shown as the only theory row when the corpus is absent (the theory is skipped then anyway).</summary>
    public const string NoCorpus = "(no shared corpus)";

    private CorpusCapture(string name, IReadOnlyList<ObservedPacket> packets, CaptureReader reader)
    {
        Name = name;
        Packets = packets;
        Error = reader.Error;
        Format = reader.Format;
        Interfaces = reader.Interfaces.ToList();
        Sections = reader.Sections;
        SectionBigEndian = reader.SectionBigEndian.ToList();
        CaptureLongerThanWire = reader.CaptureLongerThanWire;
    }

    public string Name { get; }

    public IReadOnlyList<ObservedPacket> Packets { get; }

    public CaptureError? Error { get; }

    public CaptureFormat Format { get; }

    public IReadOnlyList<CaptureInterface> Interfaces { get; }

    public int Sections { get; }

    public IReadOnlyList<bool> SectionBigEndian { get; }

    public long CaptureLongerThanWire { get; }

    /// <summary>Capture file names in the corpus, sorted; never throws, empty without the corpus.</summary>
    public static IReadOnlyList<string> Names()
    {
        if (!Directory.Exists(TestPaths.CorpusPcaps))
        {
            return [];
        }

        return Directory.GetFiles(TestPaths.CorpusPcaps)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(n => n != "MANIFEST.tsv" && !n.StartsWith('.'))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>xunit rows: one per capture, or a single placeholder when the corpus is missing.</summary>
    public static TheoryData<string> Rows()
    {
        var rows = new TheoryData<string>();
        var names = Names();
        if (names.Count == 0)
        {
            rows.Add(NoCorpus);
        }

        foreach (string name in names)
        {
            rows.Add(name);
        }

        return rows;
    }

    public static string PathOf(string name) => Path.Combine(TestPaths.CorpusPcaps, name);

    public static string Sha256Of(string name)
    {
        using var stream = File.OpenRead(PathOf(name));
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static CorpusCapture Read(string name) => Read(name, CaptureReader.Open(PathOf(name)));

    /// <summary>
    /// Reads through a non-seekable stream that hands out at most <paramref name="chunk"/> bytes per read,
    /// with the smallest buffer the reader allows: the way a slow pipe feeds standard input.
    /// </summary>
    public static CorpusCapture ReadTrickled(string name, int chunk) =>
        Read(name, new CaptureReader(new TrickleStream(File.ReadAllBytes(PathOf(name)), chunk), PathOf(name), ownsStream: true, bufferSize: 1));

    private static CorpusCapture Read(string name, CaptureReader opened)
    {
        using var reader = opened;
        var packets = new List<ObservedPacket>();
        var p = default(PacketInfo);
        while (reader.TryRead(out var record))
        {
            PacketDecoder.Decode(record, ref p);
            packets.Add(ObservedPacket.FromDecoded(p, record.FileOffset, reader.Interfaces));
        }

        return new CorpusCapture(name, packets, reader);
    }
}

/// <summary>A forward-only stream over bytes that returns at most a few of them per read.</summary>
internal sealed class TrickleStream : ForwardReadStream
{
    private readonly int _chunk;

    public TrickleStream(byte[] data, int chunk)
        : base(new MemoryStream(data, writable: false))
    {
        _chunk = chunk;
    }

    public override int Read(Span<byte> buffer) => Inner.Read(buffer[..Math.Min(buffer.Length, _chunk)]);
}
