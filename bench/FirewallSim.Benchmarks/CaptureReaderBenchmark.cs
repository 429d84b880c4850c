using BenchmarkDotNet.Attributes;
using FirewallSim.Capture;
using FirewallSim.Decode;

namespace FirewallSim.Benchmarks;

/// <summary>
/// The reader over an in-memory capture, alone and with what <c>fwsim inspect</c> does per packet
/// (decode, tally). Times are per packet.
/// </summary>
[MemoryDiagnoser]
public class CaptureReaderBenchmark
{
    private byte[] _capture = [];

    [Params(64 * 1024, CaptureReader.DefaultBufferSize)]
    public int BufferSize { get; set; }

    [GlobalSetup]
    public void Setup() => _capture = BenchmarkCapture.Create();

    [Benchmark(Baseline = true, OperationsPerInvoke = BenchmarkCapture.Packets)]
    public long Read()
    {
        using var reader = new CaptureReader(new MemoryStream(_capture, writable: false), "bench", bufferSize: BufferSize);
        long bytes = 0;
        while (reader.TryRead(out var record))
        {
            bytes += record.Data.Length;
        }

        return bytes;
    }

    [Benchmark(OperationsPerInvoke = BenchmarkCapture.Packets)]
    public long ReadAndDecode()
    {
        using var reader = new CaptureReader(new MemoryStream(_capture, writable: false), "bench", bufferSize: BufferSize);
        var p = default(PacketInfo);
        long ports = 0;
        while (reader.TryRead(out var record))
        {
            PacketDecoder.Decode(record, ref p);
            ports += p.DstPort;
        }

        return ports;
    }

    /// <summary>The inner loop of <c>fwsim inspect</c> without output.</summary>
    [Benchmark(OperationsPerInvoke = BenchmarkCapture.Packets)]
    public long ReadDecodeAndTally()
    {
        using var reader = new CaptureReader(new MemoryStream(_capture, writable: false), "bench", bufferSize: BufferSize);
        var stats = new CaptureStatistics("bench");
        var p = default(PacketInfo);
        while (reader.TryRead(out var record))
        {
            PacketDecoder.Decode(record, ref p);
            stats.Add(p);
        }

        return stats.Packets;
    }
}
