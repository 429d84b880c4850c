using FirewallSim.Capture;

namespace FirewallSim.Tests.Capture;

public sealed class CaptureInputsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"fwsim-inputs-{Guid.NewGuid():N}");

    public CaptureInputsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void DirectoriesExpandToTheirVisibleFilesInOrdinalOrderAndFilesKeepArgumentOrder()
    {
        string captures = Path.Combine(_dir, "captures");
        Directory.CreateDirectory(captures);
        Directory.CreateDirectory(Path.Combine(captures, "nested"));
        foreach (string name in new[] { "b.pcap", "a.pcapng", "B.pcap", ".hidden.pcap", "a10.pcap", "a9.pcap" })
        {
            File.WriteAllBytes(Path.Combine(captures, name), []);
        }

        string single = Path.Combine(_dir, "zz.pcap");
        File.WriteAllBytes(single, []);

        var inputs = CaptureInputs.Expand([single, captures, "-"], out var errors);

        Assert.Empty(errors);
        string[] expected =
        [
            single,
            .. new[] { "B.pcap", "a.pcapng", "a10.pcap", "a9.pcap", "b.pcap" }.Select(n => Path.Combine(captures, n)),
            "-",
        ];
        Assert.Equal(expected, inputs);
    }

    [Fact]
    public void ProblemsAreAllReported()
    {
        string empty = Path.Combine(_dir, "empty");
        Directory.CreateDirectory(empty);
        string missing = Path.Combine(_dir, "missing.pcap");

        var inputs = CaptureInputs.Expand(["-", missing, empty, "-"], out var errors);

        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.Contains("missing.pcap", StringComparison.Ordinal) && e.Contains("no such file", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("empty", StringComparison.Ordinal) && e.Contains("no capture files", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("only once", StringComparison.Ordinal));
        Assert.Equal(new[] { "-", "-" }, inputs);
    }
}
