using FirewallSim.Tests.Support;

namespace FirewallSim.Tests.Samples;

/// <summary>The committed sample capture is exactly what its script produces (FWSIM_UPDATE_SAMPLES=1 rewrites it).</summary>
public class ThreeTierSampleTests
{
    public static string SamplePath => Path.Combine(TestPaths.Samples, "pcaps", "three-tier.pcap");

    [Fact]
    public void CommittedSampleCaptureMatchesItsScript()
    {
        byte[] generated = ThreeTierScenario.Build();
        if (Environment.GetEnvironmentVariable("FWSIM_UPDATE_SAMPLES") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(SamplePath)!);
            File.WriteAllBytes(SamplePath, generated);
        }

        Assert.True(File.Exists(SamplePath), $"{SamplePath} is missing; run the tests with FWSIM_UPDATE_SAMPLES=1 to write it");
        Assert.Equal(generated, File.ReadAllBytes(SamplePath));
    }
}
