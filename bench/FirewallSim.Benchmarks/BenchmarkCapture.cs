using FirewallSim.Capture;
using FirewallSim.Synthesis;

namespace FirewallSim.Benchmarks;

/// <summary>
/// The capture every benchmark reads: a generated one held in memory (about 115 MB, well beyond
/// the CPU caches), so that disk and page cache stay out of the measurement.
/// </summary>
internal static class BenchmarkCapture
{
    public const int Packets = 200_000;

    public static byte[] Create() => SyntheticCaptureGenerator.Generate(new SyntheticCaptureOptions
    {
        Packets = Packets,
        Flows = Packets / 20,
        Seed = 1,
    });

    /// <summary>Where each frame starts and how long it is, for decoding without the reader.</summary>
    public static (int[] Offsets, int[] Lengths) Index(byte[] capture)
    {
        var offsets = new int[Packets];
        var lengths = new int[Packets];
        using var reader = new CaptureReader(new MemoryStream(capture, writable: false), "bench");
        int i = 0;
        while (reader.TryRead(out var record))
        {
            offsets[i] = (int)record.FileOffset + 16; // classic pcap: 16-byte record header
            lengths[i] = record.Data.Length;
            i++;
        }

        if (i != Packets || reader.Error is not null)
        {
            throw new InvalidOperationException($"indexed {i} packets: {reader.Error}");
        }

        return (offsets, lengths);
    }
}
