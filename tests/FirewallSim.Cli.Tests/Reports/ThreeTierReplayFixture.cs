using System.Text.Json.Nodes;
using FirewallSim.Cli.Tests.Support;
using FirewallSim.Tests.Support;

namespace FirewallSim.Cli.Tests.Reports;

/// <summary>
/// The bundled sample replayed once per test class into a temporary OUT folder with every layout
/// (flowlogs.log, replay.json, verdicts.jsonl, S3 layout, CloudWatch JSON lines), for the report tests.
/// </summary>
public sealed class ThreeTierReplayFixture : IAsyncLifetime
{
    public string Out { get; } = Path.Combine(Path.GetTempPath(), "fwsim-report-" + Guid.NewGuid().ToString("N"));

    public static string Capture => Path.Combine(TestPaths.Samples, "pcaps", "three-tier.pcap");

    public static string Config => Path.Combine(TestPaths.Samples, "config", "three-tier");

    public string FlowLogs => Path.Combine(Out, "flowlogs.log");

    public string Verdicts => Path.Combine(Out, "verdicts.jsonl");

    public async Task InitializeAsync()
    {
        var r = await Fwsim.RunAsync("replay", Capture, "--config", Config, "--out", Out, "--verdicts", Verdicts, "--s3-layout", "--cloudwatch-jsonl");
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    public Task DisposeAsync()
    {
        if (Directory.Exists(Out))
        {
            Directory.Delete(Out, recursive: true);
        }

        return Task.CompletedTask;
    }

    /// <summary>Runs fwsim report with the arguments and returns the parsed JSON report.</summary>
    public static async Task<JsonObject> JsonReportAsync(params string[] args)
    {
        var r = await Fwsim.RunAsync(["report", .. args, "--format", "json"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        return JsonNode.Parse(r.Out)!.AsObject();
    }
}
