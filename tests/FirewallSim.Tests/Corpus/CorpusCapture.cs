using System.Security.Cryptography;
using FirewallSim.Capture;
using FirewallSim.Decode;
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

    public static CorpusCapture Read(string name)
    {
        using var reader = CaptureReader.Open(PathOf(name));
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
