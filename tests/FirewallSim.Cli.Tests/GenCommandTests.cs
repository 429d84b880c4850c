using FirewallSim.Capture;
using FirewallSim.Synthesis;

namespace FirewallSim.Cli.Tests;

public sealed class GenCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fwsim-gen-cli-" + Guid.NewGuid().ToString("N"));

    public GenCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exit = await FwsimApp.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task WritesTheCaptureAndSummarisesIt()
    {
        string path = Path.Combine(_dir, "gen.pcap");
        var (exit, stdout, stderr) = await Run("gen", "--packets", "3000", "--flows", "150", "--seed", "5", "--concurrent", "50",
            "--ipv6-share", "0.3", "--start", "2023-01-02T03:04:05Z", "--duration", "2", "--out", path);
        Assert.True(exit == ExitCodes.Ok, stderr);
        Assert.Equal(string.Empty, stderr); // no progress line when stderr is not a terminal
        Assert.Contains("packets:          3000", stdout, StringComparison.Ordinal);
        Assert.Contains("internet-https", stdout, StringComparison.Ordinal);
        Assert.Equal(["gen.pcap"], Directory.GetFiles(_dir).Select(Path.GetFileName)); // the temporary file is gone

        using var reader = CaptureReader.Open(path);
        long packets = 0;
        long first = -1;
        while (reader.TryRead(out var record))
        {
            first = first < 0 ? record.TimestampNs : first;
            packets++;
        }

        Assert.Null(reader.Error);
        Assert.Equal(3000, packets);
        Assert.Equal(CaptureFormat.PcapNanosecond, reader.Format);
        Assert.Equal(new DateTimeOffset(2023, 1, 2, 3, 4, 5, TimeSpan.Zero).ToUnixTimeSeconds() * 1_000_000_000L, first);

        // The library with the same options writes the same bytes.
        var options = new SyntheticCaptureOptions
        {
            Packets = 3000, Flows = 150, Seed = 5, Concurrent = 50, Ipv6Share = 0.3,
            Start = new DateTimeOffset(2023, 1, 2, 3, 4, 5, TimeSpan.Zero), DurationSeconds = 2,
        };
        Assert.Equal(SyntheticCaptureGenerator.Generate(options), await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task TwoRunsWriteIdenticalFiles()
    {
        string a = Path.Combine(_dir, "a.pcap");
        string b = Path.Combine(_dir, "b.pcap");
        Assert.Equal(ExitCodes.Ok, (await Run("gen", "--packets", "5000", "--seed", "9", "--out", a)).Exit);
        Assert.Equal(ExitCodes.Ok, (await Run("gen", "--packets", "5000", "--seed", "9", "-o", b)).Exit);
        Assert.Equal(await File.ReadAllBytesAsync(a), await File.ReadAllBytesAsync(b));
    }

    [Fact]
    public async Task InspectFindsNoDecodeProblemInAGeneratedCapture()
    {
        string path = Path.Combine(_dir, "i.pcap");
        Assert.Equal(ExitCodes.Ok, (await Run("gen", "--packets", "4000", "--out", path)).Exit);
        var (exit, stdout, _) = await Run("inspect", path);
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("packets:          4000", stdout, StringComparison.Ordinal);
        Assert.Contains("decode problems:  none", stdout, StringComparison.Ordinal);
        Assert.Contains("read:             complete", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--packets", "0")]
    [InlineData("--flows", "999999")]
    [InlineData("--ipv6-share", "1.5")]
    [InlineData("--concurrent", "0")]
    [InlineData("--duration", "-3")]
    [InlineData("--start", "yesterday")]
    [InlineData("--extra-rules", "-1")]
    [InlineData("--extra-rules", "1000001")]
    [InlineData("--extra-rules", "5")] // without --config-out
    [InlineData("--web-outbound", "closed")]
    [InlineData("--web-outbound", "narrow")] // without --config-out
    public async Task BadValuesAreUserErrors(string option, string value)
    {
        string path = Path.Combine(_dir, "bad.pcap");
        var args = new List<string> { "gen", "--packets", "1000", "--out", path };
        int at = args.IndexOf(option);
        if (at >= 0)
        {
            args[at + 1] = value;
        }
        else
        {
            args.AddRange([option, value]);
        }

        var (exit, _, stderr) = await Run(args.ToArray());
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains(option, stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public async Task OutAndPacketsAreRequired()
    {
        Assert.Equal(ExitCodes.BadInput, (await Run("gen", "--packets", "10")).Exit);
        Assert.Equal(ExitCodes.BadInput, (await Run("gen", "--out", Path.Combine(_dir, "x.pcap"))).Exit);
        Assert.Equal(ExitCodes.BadInput, (await Run("gen", "--packets", "10", "--out", _dir)).Exit);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Theory]
    [InlineData("open")]
    [InlineData("narrow")]
    public async Task ExtraRulesAreCountedAndChangeNoVerdict(string webOutbound)
    {
        string[] common = ["gen", "--packets", "30000", "--flows", "1500", "--concurrent", "300", "--seed", "4", "--ipv6-share", "0.3", "--duration", "20",
            "--web-outbound", webOutbound];
        string plainCapture = Path.Combine(_dir, "plain.pcap"), extraCapture = Path.Combine(_dir, "extra.pcap");
        string plainConfig = Path.Combine(_dir, "plain-config"), extraConfig = Path.Combine(_dir, "extra-config");
        var plain = await Run([.. common, "--out", plainCapture, "--config-out", plainConfig]);
        Assert.True(plain.Exit == ExitCodes.Ok, plain.Err);
        var extra = await Run([.. common, "--out", extraCapture, "--config-out", extraConfig, "--extra-rules", "3000"]);
        Assert.True(extra.Exit == ExitCodes.Ok, extra.Err);
        Assert.Contains("(3000 extra rules", extra.Out, StringComparison.Ordinal);

        // The rules change the configuration only, and by exactly the rules asked for.
        Assert.Equal(await File.ReadAllBytesAsync(plainCapture), await File.ReadAllBytesAsync(extraCapture));
        int plainRules = CountRules(plainConfig), extraRules = CountRules(extraConfig);
        Assert.Equal(plainRules + 3000, extraRules);
        Assert.Equal(webOutbound == "narrow" ? 24 : 21, plainRules);

        var a = await Replay(plainCapture, plainConfig, "a");
        var b = await Replay(extraCapture, extraConfig, "b");
        Assert.Equal(a.FlowLogs, b.FlowLogs); // byte for byte: every verdict is the same
        Assert.Equal(a.Verdicts, b.Verdicts); // and every packet's reason, rule, tracking and conntrack state
        Assert.True(a.FlowLogs.Length > 1000);

        using var ja = System.Text.Json.JsonDocument.Parse(a.Summary);
        using var jb = System.Text.Json.JsonDocument.Parse(b.Summary);
        foreach (string section in new[] { "counts", "reasons", "exempt", "enis" })
        {
            Assert.Equal(ja.RootElement.GetProperty(section).GetRawText(), jb.RootElement.GetProperty(section).GetRawText());
        }

        var extraHits = jb.RootElement.GetProperty("security_group_rules").EnumerateArray()
            .Where(r => r.GetProperty("description").GetString()?.StartsWith("extra-", StringComparison.Ordinal) == true)
            .ToList();
        Assert.Equal(3000, extraHits.Count);
        Assert.All(extraHits, r => Assert.Equal(0, r.GetProperty("matched_packets").GetInt64() + r.GetProperty("tracked_packets").GetInt64()));
    }

    [Fact]
    public async Task ExtraRulesAreDeterministic()
    {
        string a = Path.Combine(_dir, "a"), b = Path.Combine(_dir, "b");
        Assert.Equal(ExitCodes.Ok, (await Run("gen", "--packets", "500", "--seed", "2", "--out", Path.Combine(_dir, "a.pcap"), "--config-out", a, "--extra-rules", "777")).Exit);
        Assert.Equal(ExitCodes.Ok, (await Run("gen", "--packets", "500", "--seed", "2", "--out", Path.Combine(_dir, "b.pcap"), "--config-out", b, "--extra-rules", "777")).Exit);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(a, "lab.yaml")), await File.ReadAllBytesAsync(Path.Combine(b, "lab.yaml")));
    }

    private static int CountRules(string configDir)
    {
        var result = FirewallSim.Config.Loading.ConfigLoader.Load(
            [new FirewallSim.Config.Loading.ConfigSource(Path.Combine(configDir, "lab.yaml"))], new FirewallSim.Config.Loading.ConfigLoadOptions { Strict = true });
        Assert.False(result.HasErrors, string.Join("\n", result.Errors));
        return result.Timeline!.Initial.SecurityGroups.Values.Sum(g => g.Inbound.Count + g.Outbound.Count);
    }

    private async Task<(byte[] FlowLogs, byte[] Verdicts, string Summary)> Replay(string capture, string config, string name)
    {
        string outDir = Path.Combine(_dir, "out-" + name);
        string verdicts = Path.Combine(_dir, name + ".jsonl");
        var (exit, _, stderr) = await Run("replay", capture, "--config", config, "--out", outDir, "--verdicts", verdicts, "-q");
        Assert.True(exit == ExitCodes.Ok, stderr);
        return (await File.ReadAllBytesAsync(Path.Combine(outDir, "flowlogs.log")), await File.ReadAllBytesAsync(verdicts),
            await File.ReadAllTextAsync(Path.Combine(outDir, "replay.json")));
    }
}
