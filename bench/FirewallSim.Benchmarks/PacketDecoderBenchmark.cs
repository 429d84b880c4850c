using BenchmarkDotNet.Attributes;
using FirewallSim.Capture;
using FirewallSim.Decode;

namespace FirewallSim.Benchmarks;

/// <summary>The decoder alone over the frames of an in-memory capture (IPv4/IPv6, TCP/UDP/ICMP mix). Times are per packet.</summary>
[MemoryDiagnoser]
public class PacketDecoderBenchmark
{
    private byte[] _capture = [];
    private int[] _offsets = [];
    private int[] _lengths = [];

    [GlobalSetup]
    public void Setup()
    {
        _capture = BenchmarkCapture.Create();
        (_offsets, _lengths) = BenchmarkCapture.Index(_capture);
    }

    [Benchmark(OperationsPerInvoke = BenchmarkCapture.Packets)]
    public long Decode()
    {
        var p = default(PacketInfo);
        long sum = 0;
        var capture = _capture;
        for (int i = 0; i < _offsets.Length; i++)
        {
            var frame = capture.AsSpan(_offsets[i], _lengths[i]);
            PacketDecoder.Decode(frame, LinkTypes.Ethernet, frame.Length, i + 1, 0, 0, ref p);
            sum += p.DstPort + p.Protocol;
        }

        return sum;
    }

    /// <summary>Decoding plus the per-packet statistics of <c>fwsim inspect</c>.</summary>
    [Benchmark(OperationsPerInvoke = BenchmarkCapture.Packets)]
    public long DecodeAndTally()
    {
        var p = default(PacketInfo);
        var stats = new CaptureStatistics("bench");
        var capture = _capture;
        for (int i = 0; i < _offsets.Length; i++)
        {
            var frame = capture.AsSpan(_offsets[i], _lengths[i]);
            PacketDecoder.Decode(frame, LinkTypes.Ethernet, frame.Length, i + 1, i, 0, ref p);
            stats.Add(p);
        }

        return stats.Packets;
    }
}
