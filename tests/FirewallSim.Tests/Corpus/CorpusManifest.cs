using System.Globalization;
using System.Text.RegularExpressions;
using FirewallSim.Tests.Support;

namespace FirewallSim.Tests.Corpus;

/// <summary>One row of the shared corpus's MANIFEST.tsv: what the capture is, as its curator recorded it.</summary>
public sealed partial record CorpusManifestEntry(string File, string Format, string LinkTypes, string Packets, string WhatItCovers)
{
    /// <summary>"pcap" or "pcapng"; null for a file that is not a capture.</summary>
    public string? Container => Format.StartsWith("pcapng ", StringComparison.Ordinal) ? "pcapng"
        : Format.StartsWith("pcap ", StringComparison.Ordinal) ? "pcap"
        : null;

    public bool? BigEndian => Format.Contains("big-endian", StringComparison.Ordinal) ? true
        : Format.Contains("little-endian", StringComparison.Ordinal) ? false
        : null;

    /// <summary>Classic pcap only: "ns" or "us".</summary>
    public bool Nanosecond => Format.Contains(" ns ", StringComparison.Ordinal);

    public int? Sections => SectionsPattern().Match(Format) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;

    /// <summary>The packet count when the curator could count them (not for the structurally broken ones).</summary>
    public long? PacketCount => long.TryParse(Packets, NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : null;

    /// <summary>Link types of the interfaces, sorted, one per interface ("1(EN10MB)x3" is three 1s).</summary>
    public IReadOnlyList<int> InterfaceLinkTypes
    {
        get
        {
            var result = new List<int>();
            foreach (Match m in LinkTypePattern().Matches(LinkTypes))
            {
                int type = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                int count = m.Groups[2].Success ? int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) : 1;
                result.AddRange(Enumerable.Repeat(type, count));
            }

            result.Sort();
            return result;
        }
    }

    public static IReadOnlyDictionary<string, CorpusManifestEntry> Load()
    {
        var result = new Dictionary<string, CorpusManifestEntry>(StringComparer.Ordinal);
        string path = Path.Combine(TestPaths.CorpusPcaps, "MANIFEST.tsv");
        string[]? header = null;
        foreach (string line in System.IO.File.ReadLines(path))
        {
            string[] cells = line.Split('\t');
            if (header is null)
            {
                header = cells;
                continue;
            }

            string Cell(string name) => cells[Array.IndexOf(header, name)];
            result[Cell("file")] = new CorpusManifestEntry(Cell("file"), Cell("format"), Cell("link_types"), Cell("packets"), Cell("what_it_covers"));
        }

        return result;
    }

    [GeneratedRegex(@"sections=(\d+)")]
    private static partial Regex SectionsPattern();

    [GeneratedRegex(@"(?<![\w=])(\d+)\([A-Z0-9_]+\)(?:x(\d+))?")]
    private static partial Regex LinkTypePattern();
}
