using System.Diagnostics;
using FirewallSim.Tests.Support;

namespace FirewallSim.Cli.Tests.Support;

/// <summary>What one fwsim run printed and returned.</summary>
internal sealed record FwsimResult(int ExitCode, string Out, string Err)
{
    public string[] OutLines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Out}\n--- stderr ---\n{Err}";
}

/// <summary>Runs fwsim in process (FwsimApp.RunAsync), or as the real executable when stdin matters.</summary>
internal static class Fwsim
{
    public static async Task<FwsimResult> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter { NewLine = "\n" };
        using var stderr = new StringWriter { NewLine = "\n" };
        int exit = await FwsimApp.RunAsync(args, stdout, stderr, CancellationToken.None);
        return new FwsimResult(exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The built fwsim.dll: beside the tests (the project reference copies it), else in src/FirewallSim.Cli/bin.</summary>
    public static string ExecutablePath()
    {
        string local = Path.Combine(AppContext.BaseDirectory, "fwsim.dll");
        if (File.Exists(local))
        {
            return local;
        }

        string bin = Path.Combine(TestPaths.RepoRoot, "src", "FirewallSim.Cli", "bin");
        return Directory.Exists(bin)
            ? Directory.GetFiles(bin, "fwsim.dll", SearchOption.AllDirectories).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
                ?? throw new FileNotFoundException("fwsim.dll not built under " + bin)
            : throw new FileNotFoundException("fwsim.dll not found beside the tests nor under " + bin);
    }

    /// <summary>Starts `dotnet fwsim.dll ARGS`, writes <paramref name="stdin"/> to it and waits for it to exit.</summary>
    public static Task<FwsimResult> RunProcessAsync(byte[] stdin, params string[] args) =>
        RunProcessAsync(stdin, new Dictionary<string, string>(), args);

    /// <summary>As <see cref="RunProcessAsync(byte[], string[])"/>, with extra environment variables for the child.</summary>
    public static async Task<FwsimResult> RunProcessAsync(byte[] stdin, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ExecutablePath());
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        // Keep the child's logging and configuration independent of whoever runs the tests.
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + start.FileName);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var stdoutTask = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderrTask = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.StandardInput.BaseStream.WriteAsync(stdin, timeout.Token);
        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new FwsimResult(process.ExitCode, await stdoutTask, await stderrTask);
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}
