using FirewallSim.Cli.Tests.Golden;
using FirewallSim.Cli.Tests.Support;

namespace FirewallSim.Cli.Tests.Reports;

/// <summary>
/// fwsim report on the bundled sample's flowlogs.log (with its replay.json found beside it), in text,
/// Markdown and JSON, against samples/expected/three-tier/report.* (FWSIM_UPDATE_GOLDEN=1 rewrites them).
/// </summary>
public sealed class ReportGoldenTests : IClassFixture<ThreeTierReplayFixture>
{
    private const string Scenario = "three-tier";
    private readonly ThreeTierReplayFixture _sample;

    public ReportGoldenTests(ThreeTierReplayFixture sample) => _sample = sample;

    [Theory]
    [InlineData("text", "report.txt")]
    [InlineData("markdown", "report.md")]
    [InlineData("json", "report.json")]
    public async Task SampleReportMatchesGolden(string format, string golden)
    {
        var r = await Fwsim.RunAsync("report", _sample.FlowLogs, "--format", format);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(string.Empty, r.Err);
        GoldenFile.Matches(Scenario, golden, r.Out.Replace(_sample.Out, "OUT", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TextReportFitsInOneHundredColumns()
    {
        var r = await Fwsim.RunAsync("report", _sample.FlowLogs);
        Assert.True(r.ExitCode == 0, r.ToString());
        var wide = r.Out.Replace(_sample.Out, "OUT", StringComparison.Ordinal).Split('\n').Where(l => l.Length > 100).ToList();
        Assert.True(wide.Count == 0, "lines over 100 columns:\n" + string.Join("\n", wide));
    }
}
