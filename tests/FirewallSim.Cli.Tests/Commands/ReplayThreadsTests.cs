using FirewallSim.Cli.Tests.Support;
using FirewallSim.Tests.Support;

namespace FirewallSim.Cli.Tests.Commands;

/// <summary>
/// `replay --threads 2` moves aggregation and every writer to a second thread. Its outputs must be the
/// single-threaded run's, byte for byte, in every layout — over a capture long enough for many batches
/// and flow-log windows, with rejects (so --write-rejected gets frames across the thread boundary).
/// </summary>
public sealed class ReplayThreadsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fwsim-threads-" + Guid.NewGuid().ToString("N"));

    public ReplayThreadsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task TwoThreadsWriteExactlyWhatOneThreadWrites()
    {
        string capture = Path.Combine(_dir, "gen.pcap");
        string config = Path.Combine(_dir, "config");
        var gen = await Fwsim.RunAsync("gen", "--packets", "120000", "--flows", "6000", "--concurrent", "2000", "--seed", "7",
            "--duration", "330", "--out", capture, "--config-out", config);
        Assert.True(gen.ExitCode == 0, gen.ToString());

        var outputs = new Dictionary<int, (FwsimResult Run, Dictionary<string, byte[]> Files)>();
        foreach (int threads in new[] { 1, 2 })
        {
            string outDir = Path.Combine(_dir, "out" + threads);
            var r = await Fwsim.RunAsync("replay", capture, "--config", config, "--out", outDir, "--threads", threads.ToString(),
                "--verdicts", Path.Combine(outDir, "verdicts.jsonl"), "--write-rejected", Path.Combine(outDir, "rejected.pcap"),
                "--s3-layout", "--cloudwatch-jsonl");
            Assert.True(r.ExitCode == 0, r.ToString());
            outputs[threads] = (r, Directory.GetFiles(outDir, "*", SearchOption.AllDirectories)
                .ToDictionary(f => Path.GetRelativePath(outDir, f), File.ReadAllBytes));
        }

        var (one, oneFiles) = outputs[1];
        var (two, twoFiles) = outputs[2];
        Assert.Equal(oneFiles.Keys.Order(), twoFiles.Keys.Order());
        Assert.True(oneFiles.Count >= 8, "expected flowlogs, replay.json, verdicts, rejected pcap, S3 and CloudWatch files: " + string.Join(", ", oneFiles.Keys));
        foreach (var (name, bytes) in oneFiles)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(twoFiles[name]), $"{name} differs between --threads 1 and --threads 2");
        }

        // The capture must have exercised what the test is about: several windows, rejects with frames.
        string flowlogs = File.ReadAllText(Path.Combine(_dir, "out1", "flowlogs.log"));
        var windows = flowlogs.Split('\n').Where(l => l.StartsWith("2 ", StringComparison.Ordinal)).Select(l => long.Parse(l.Split(' ')[10]) / 60).Distinct();
        Assert.True(windows.Count() >= 5, "fewer than five windows");
        Assert.Contains(" REJECT OK", flowlogs, StringComparison.Ordinal);
        Assert.True(oneFiles["rejected.pcap"].Length > 10_000, "too few rejected frames to test the frame hand-off");
        Assert.Equal(one.Out.Replace(Path.Combine(_dir, "out1"), "OUT", StringComparison.Ordinal), two.Out.Replace(Path.Combine(_dir, "out2"), "OUT", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("3")]
    public async Task ThreadCountsOtherThanOneOrTwoAreRefused(string threads)
    {
        var r = await Fwsim.RunAsync("replay", Path.Combine(TestPaths.Samples, "pcaps", "three-tier.pcap"), "--config",
            Path.Combine(TestPaths.Samples, "config", "three-tier"), "--out", Path.Combine(_dir, "x"), "--threads", threads);
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains("--threads must be 1 or 2", r.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "x", "flowlogs.log")));
    }
}
