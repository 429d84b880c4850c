using FirewallSim.Synthesis;

namespace FirewallSim.Tests.Synthesis;

/// <summary>
/// One small capture (120,000 packets, 6,000 flows, 500 open at once, 20% IPv6) generated once and
/// shared by the synthesis tests, with its packets parsed by <see cref="RawPacket"/>.
/// </summary>
public static class GeneratedCapture
{
    public static readonly SyntheticCaptureOptions Options = new()
    {
        Packets = 120_000,
        Flows = 6_000,
        Concurrent = 500,
        Seed = 42,
        Ipv6Share = 0.2,
    };

    private static readonly Lazy<(byte[] Bytes, SyntheticCaptureSummary Summary, List<RawPacket> Packets)> Data = new(() =>
    {
        using var memory = new MemoryStream();
        var summary = SyntheticCaptureGenerator.Write(Options, memory);
        byte[] bytes = memory.ToArray();
        return (bytes, summary, RawPacket.ReadAll(bytes));
    });

    public static byte[] Bytes => Data.Value.Bytes;

    public static SyntheticCaptureSummary Summary => Data.Value.Summary;

    public static IReadOnlyList<RawPacket> Packets => Data.Value.Packets;
}
