using FirewallSim.Cli.Tests.Support;
using FirewallSim.Tests.Support;

namespace FirewallSim.Cli.Tests.Hosting;

/// <summary>
/// A Serilog section in the configuration (here from FWSIM_ environment variables) still configures logging,
/// although the host reads it only when it exists. Runs the real executable: environment variables are
/// process-wide, and the tests run in parallel.
/// </summary>
public sealed class SerilogSettingsTests : IDisposable
{
    private readonly string _out = Path.Combine(Path.GetTempPath(), "fwsim-serilog-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_out))
        {
            Directory.Delete(_out, recursive: true);
        }
    }

    [Fact]
    public async Task SerilogSectionOverridesTheLevelOfOneCategory()
    {
        string[] args =
        [
            "replay", Path.Combine(TestPaths.Samples, "pcaps", "three-tier.pcap"),
            "--config", Path.Combine(TestPaths.Samples, "config", "three-tier"), "--out", _out, "--quiet",
        ];

        var plain = await Fwsim.RunProcessAsync([], args);
        var overridden = await Fwsim.RunProcessAsync(
            [], new Dictionary<string, string> { ["FWSIM_Serilog__MinimumLevel__Override__replay"] = "Debug" }, args);

        Assert.True(plain.ExitCode == 0, plain.ToString());
        Assert.True(overridden.ExitCode == 0, overridden.ToString());
        Assert.DoesNotContain("[DBG]", plain.Err, StringComparison.Ordinal);
        Assert.Contains("[DBG] Replay used", overridden.Err, StringComparison.Ordinal);
    }
}
