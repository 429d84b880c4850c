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
}
