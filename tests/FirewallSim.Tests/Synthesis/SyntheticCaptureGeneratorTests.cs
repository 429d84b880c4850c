using System.Security.Cryptography;
using FirewallSim.Capture;
using FirewallSim.Decode;
using FirewallSim.Synthesis;

namespace FirewallSim.Tests.Synthesis;

public class SyntheticCaptureGeneratorTests
{
    private static SyntheticCaptureOptions Small(ulong seed = 7) => new()
    {
        Packets = 5_000,
        Flows = 250,
        Concurrent = 40,
        Seed = seed,
    };

    [Fact]
    public void SameOptionsGiveIdenticalBytes()
    {
        byte[] a = SyntheticCaptureGenerator.Generate(GeneratedCapture.Options);
        Assert.Equal(GeneratedCapture.Bytes, a);
    }

    [Fact]
    public void OtherSeedGivesOtherBytes()
    {
        Assert.NotEqual(SyntheticCaptureGenerator.Generate(Small(7)), SyntheticCaptureGenerator.Generate(Small(8)));
    }

    /// <summary>
    /// Pins the exact output of one small run, so that a change in what the generator writes — or a
    /// platform whose arithmetic differs — is noticed. After an intended change to the generator,
    /// replace the hash with the one this test reports.
    /// </summary>
    [Fact]
    public void OutputIsPinned()
    {
        string hash = Convert.ToHexStringLower(SHA256.HashData(SyntheticCaptureGenerator.Generate(Small())));
        Assert.Equal("2f209098e928cc7cd058cac146761bb5dd073196c193a9b6f4b3e027547f2b06", hash);
    }

    [Theory]
    [InlineData(1L, 1L, 1)]
    [InlineData(2L, 1L, 1)]
    [InlineData(7L, 7L, 3)]
    [InlineData(1_000L, 1_000L, 10)]
    [InlineData(1_000L, 1L, 1)]
    [InlineData(10_007L, 300L, 5_000)]
    [InlineData(20_000L, 2_000L, 2_000)]
    public void WritesExactlyThePacketsAskedFor(long packets, long flows, int concurrent)
    {
        var options = new SyntheticCaptureOptions { Packets = packets, Flows = flows, Concurrent = concurrent, Seed = 3 };
        using var memory = new MemoryStream();
        var summary = SyntheticCaptureGenerator.Write(options, memory);
        Assert.Equal(packets, summary.Packets);
        Assert.Equal(memory.Length, summary.FileBytes);
        Assert.Equal(summary.Flows, summary.FlowsByKind.Sum());
        Assert.Equal(packets, summary.PacketsByKind.Sum());
        Assert.True(summary.MaxConcurrentFlows <= concurrent);

        memory.Position = 0;
        using var reader = new CaptureReader(memory, "generated", ownsStream: false);
        long count = 0;
        while (reader.TryRead(out _))
        {
            count++;
        }

        Assert.Null(reader.Error);
        Assert.Equal(packets, count);
    }

    [Fact]
    public void IsClassicPcapEthernetWithNanosecondTimestamps()
    {
        using var reader = new CaptureReader(new MemoryStream(GeneratedCapture.Bytes), "generated");
        Assert.True(reader.ReadHeader());
        Assert.Equal(CaptureFormat.PcapNanosecond, reader.Format);
        Assert.False(reader.BigEndian);
        Assert.Equal(LinkTypes.Ethernet, Assert.Single(reader.Interfaces).LinkType);
    }

    [Fact]
    public void EveryPacketDecodesOk()
    {
        using var reader = new CaptureReader(new MemoryStream(GeneratedCapture.Bytes), "generated");
        var stats = new CaptureStatistics("generated");
        var p = default(PacketInfo);
        while (reader.TryRead(out var record))
        {
            var status = PacketDecoder.Decode(record, ref p);
            Assert.True(status == DecodeStatus.Ok, $"frame {p.FrameNumber}: {DecodeNames.Status(p)}");
            Assert.False(p.IsFragment);
            Assert.Equal(record.Data.Length, p.IpLength + 14);
            stats.Add(p);
        }

        Assert.Null(reader.Error);
        Assert.Equal(GeneratedCapture.Options.Packets, stats.Packets);
        Assert.Equal(0, stats.DecodeProblems);
        Assert.Equal(0, stats.OutOfOrderTimestamps);
        Assert.True(stats.Mix(IpFamily.V6, CaptureStatistics.ProtoTcp) > 0);
        Assert.True(stats.Mix(IpFamily.V6, CaptureStatistics.ProtoUdp) > 0);
        Assert.True(stats.Mix(IpFamily.V6, CaptureStatistics.ProtoIcmp) > 0);
    }

    [Fact]
    public void TimestampsStartAtStartRiseMonotonicallyAndSpanAboutTheDuration()
    {
        var packets = GeneratedCapture.Packets;
        long start = GeneratedCapture.Options.Start.ToUnixTimeMilliseconds() * 1_000_000;
        Assert.Equal(start, packets[0].TimestampNs);
        for (int i = 1; i < packets.Count; i++)
        {
            Assert.True(packets[i].TimestampNs >= packets[i - 1].TimestampNs, $"frame {packets[i].Frame} goes back in time");
        }

        double seconds = (packets[^1].TimestampNs - start) / 1e9;
        double expected = GeneratedCapture.Options.EffectiveDurationSeconds;
        Assert.InRange(seconds, expected * 0.7, expected * 1.3);
        Assert.Equal(GeneratedCapture.Summary.LastTimestampNs, packets[^1].TimestampNs);
    }

    [Theory]
    [InlineData(50_000L, 2_500L, 500, 30.0)]
    [InlineData(50_000L, 2_500L, 2_500, 5.0)]
    public void DurationOptionIsRoughlyKept(long packets, long flows, int concurrent, double duration)
    {
        var options = new SyntheticCaptureOptions { Packets = packets, Flows = flows, Concurrent = concurrent, DurationSeconds = duration, Seed = 11 };
        var summary = SyntheticCaptureGenerator.Write(options, Stream.Null);
        double seconds = (summary.LastTimestampNs - summary.FirstTimestampNs) / 1e9;
        Assert.InRange(seconds, duration * 0.6, duration * 1.4);
    }

    [Fact]
    public void AveragePacketIsAbout550Bytes()
    {
        var s = GeneratedCapture.Summary;
        Assert.InRange((double)s.FrameBytes / s.Packets, 480, 640);
    }

    [Fact]
    public void FlowCountIsNearTheTarget()
    {
        Assert.InRange(GeneratedCapture.Summary.Flows, 5_400, 6_600);
    }

    [Fact]
    public void ManyConcurrentFlowsFitInFlowSlots()
    {
        var options = new SyntheticCaptureOptions { Packets = 400_000, Flows = 100_000, Concurrent = 100_000, Seed = 5 };
        var summary = SyntheticCaptureGenerator.Write(options, Stream.Null);
        Assert.Equal(400_000, summary.Packets);
        Assert.True(summary.MaxConcurrentFlows > 40_000, $"only {summary.MaxConcurrentFlows} open at once");
    }

    [Fact]
    public void WriteFileIsAtomic()
    {
        string dir = Path.Combine(Path.GetTempPath(), "fwsim-gen-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "out.pcap");
            var summary = SyntheticCaptureGenerator.WriteFile(Small(), path);
            Assert.Equal(summary.FileBytes, new FileInfo(path).Length);
            Assert.Equal(SyntheticCaptureGenerator.Generate(Small()), File.ReadAllBytes(path));

            using var cancelled = new CancellationTokenSource();
            cancelled.Cancel();
            var big = Small() with { Packets = 200_000, Flows = 10_000 };
            Assert.Throws<OperationCanceledException>(() => SyntheticCaptureGenerator.WriteFile(big, Path.Combine(dir, "cancelled.pcap"), cancellation: cancelled.Token));
            Assert.Equal(["out.pcap"], Directory.GetFiles(dir).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ReportsProgress()
    {
        var seen = new List<long>();
        SyntheticCaptureGenerator.Write(Small() with { Packets = 200_000, Flows = 10_000 }, Stream.Null, seen.Add);
        Assert.Equal(200_000, seen[^1]);
        Assert.Equal(seen.Order(), seen);
        Assert.True(seen.Count >= 3);
    }

    [Fact]
    public void ValidationNamesEveryProblem()
    {
        var options = new SyntheticCaptureOptions
        {
            Packets = 0,
            Flows = 0,
            Concurrent = 0,
            Ipv6Share = 1.5,
            DurationSeconds = -1,
            Mix = new SyntheticFlowMix { Scan = -1 },
        };
        var problems = options.Validate();
        Assert.Equal(6, problems.Count);
        Assert.Contains(problems, p => p.Contains("--packets", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("--ipv6-share", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Scan", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => SyntheticCaptureGenerator.Generate(options));

        Assert.Contains(new SyntheticCaptureOptions { Packets = 10, Flows = 11 }.Validate(), p => p.Contains("cannot exceed", StringComparison.Ordinal));
        Assert.Contains(new SyntheticCaptureOptions { Start = new DateTimeOffset(2106, 2, 7, 6, 0, 0, TimeSpan.Zero) }.Validate(), p => p.Contains("2106", StringComparison.Ordinal));
        Assert.Empty(new SyntheticCaptureOptions().Validate());
    }
}
