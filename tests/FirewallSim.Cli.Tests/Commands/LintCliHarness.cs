using System.CommandLine;
using FirewallSim.Cli.Commands;
using FirewallSim.Cli.Hosting;
using FirewallSim.Config;

namespace FirewallSim.Cli.Tests.Commands;

/// <summary>Runs <c>fwsim lint</c> in process with a stand-in configuration loader.</summary>
internal static class LintCliHarness
{
    public sealed record Result(int Exit, string Out, string Err);

    public static async Task<Result> RunAsync(LintConfigLoader loader, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var runner = new CommandRunner(stdout, stderr, console: false);
        var root = new RootCommand("fwsim (test)") { CliHost.Verbose, CliHost.Quiet, CliHost.LogFormat, CliHost.LogFile };
        root.Subcommands.Add(LintCommand.Create(runner, loader));
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            return new Result(ExitCodes.BadInput, string.Empty, string.Join("\n", parse.Errors.Select(e => e.Message)));
        }

        int exit = await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false }, CancellationToken.None);
        return new Result(exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A loader that returns <paramref name="config"/> whatever it is asked, and records the arguments.</summary>
    public static LintConfigLoader Returning(AwsConfig config, List<(IReadOnlyList<string> Args, bool Strict)>? calls = null, params ConfigDiagnostic[] diagnostics) =>
        (args, strict, _) =>
        {
            calls?.Add((args, strict));
            return new LintConfigInput(ConfigTimeline.Single(config), diagnostics);
        };

    public static LintConfigLoader Failing(params ConfigDiagnostic[] diagnostics) =>
        (_, _, _) => new LintConfigInput(null, diagnostics);
}
