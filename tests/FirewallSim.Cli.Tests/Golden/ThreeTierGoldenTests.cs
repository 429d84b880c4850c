using System.IO.Compression;
using System.Text;
using FirewallSim.Cli.Tests.Support;
using FirewallSim.Tests.Support;

namespace FirewallSim.Cli.Tests.Golden;

/// <summary>
/// The bundled sample replayed end to end through the CLI; every output is compared with the committed
/// golden files in samples/expected/three-tier/ (flow logs in every layout, verdicts, the summary).
/// </summary>
public sealed class ThreeTierGoldenTests : IDisposable
{
    private const string Scenario = "three-tier";
    private readonly string _out = Path.Combine(Path.GetTempPath(), "fwsim-golden-" + Guid.NewGuid().ToString("N"));

    private static string Capture => Path.Combine(TestPaths.Samples, "pcaps", "three-tier.pcap");

    private static string Config => Path.Combine(TestPaths.Samples, "config", "three-tier");

    public void Dispose()
    {
        if (Directory.Exists(_out))
        {
            Directory.Delete(_out, recursive: true);
        }
    }

    [Fact]
    public async Task DefaultReplayMatchesGoldenFlowLogsVerdictsAndSummary()
    {
        var r = await Fwsim.RunAsync("replay", Capture, "--config", Config, "--out", _out, "--verdicts", Path.Combine(_out, "verdicts.jsonl"),
            "--s3-layout", "--cloudwatch-jsonl");
        Assert.True(r.ExitCode == 0, r.ToString());

        GoldenFile.Matches(Scenario, "flowlogs.log", File.ReadAllText(Path.Combine(_out, "flowlogs.log")));
        GoldenFile.Matches(Scenario, "verdicts.jsonl", File.ReadAllText(Path.Combine(_out, "verdicts.jsonl")));
        GoldenFile.Matches(Scenario, "summary.txt", r.Out.Replace(_out, "OUT", StringComparison.Ordinal));
        GoldenFile.Matches(Scenario, "s3-layout.txt", S3Listing(Path.Combine(_out, "s3")));
        GoldenFile.Matches(Scenario, "cloudwatch.txt", Concatenated(Path.Combine(_out, "cloudwatch")));
    }

    [Fact]
    public async Task Version5CustomFormatMatchesGolden()
    {
        const string format = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} " +
                              "${start} ${end} ${action} ${log-status} ${vpc-id} ${subnet-id} ${instance-id} ${tcp-flags} ${type} ${pkt-srcaddr} " +
                              "${pkt-dstaddr} ${region} ${az-id} ${sublocation-type} ${sublocation-id} ${pkt-src-aws-service} ${pkt-dst-aws-service} " +
                              "${flow-direction} ${traffic-path}";
        var r = await Fwsim.RunAsync("replay", Capture, "--config", Config, "--out", _out, "--flow-log-format", format);
        Assert.True(r.ExitCode == 0, r.ToString());
        GoldenFile.Matches(Scenario, "flowlogs-v5.log", File.ReadAllText(Path.Combine(_out, "flowlogs.log")));
    }

    [Fact]
    public async Task RejectOnlyTenMinuteWindowsMatchGolden()
    {
        var r = await Fwsim.RunAsync("replay", Capture, "--config", Config, "--out", _out, "--interval", "600", "--traffic-type", "REJECT");
        Assert.True(r.ExitCode == 0, r.ToString());
        GoldenFile.Matches(Scenario, "flowlogs-reject-600.log", File.ReadAllText(Path.Combine(_out, "flowlogs.log")));
    }

    /// <summary>Every S3 file's relative path, then its decompressed content.</summary>
    private static string S3Listing(string root)
    {
        var sb = new StringBuilder();
        foreach (string file in Directory.GetFiles(root, "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
        {
            sb.Append("== ").Append(Path.GetRelativePath(root, file).Replace('\\', '/')).Append('\n');
            using var gz = new GZipStream(File.OpenRead(file), CompressionMode.Decompress);
            using var reader = new StreamReader(gz);
            sb.Append(reader.ReadToEnd());
        }

        return sb.ToString();
    }

    private static string Concatenated(string dir)
    {
        var sb = new StringBuilder();
        foreach (string file in Directory.GetFiles(dir).OrderBy(f => f, StringComparer.Ordinal))
        {
            sb.Append("== ").Append(Path.GetFileName(file)).Append('\n').Append(File.ReadAllText(file));
        }

        return sb.ToString();
    }
}
