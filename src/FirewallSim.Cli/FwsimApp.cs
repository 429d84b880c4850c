using System.CommandLine;
using FirewallSim.Cli.Commands;
using FirewallSim.Cli.Hosting;

namespace FirewallSim.Cli;

/// <summary>The fwsim command line. <see cref="RunAsync"/> is also what the tests call, in process.</summary>
public static class FwsimApp
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellation)
    {
        bool console = ReferenceEquals(stdout, Console.Out) && ReferenceEquals(stderr, Console.Error);
        var runner = new CommandRunner(stdout, stderr, console);
        var root = new RootCommand(
            "FirewallSim: replays packets through simulated AWS security groups, network ACLs and connection tracking, " +
            "and writes the verdicts as VPC Flow Logs.")
        {
            CliHost.Verbose,
            CliHost.Quiet,
            CliHost.LogFormat,
            CliHost.LogFile,
        };
        foreach (var command in CommandCatalog.Create(runner))
        {
            root.Subcommands.Add(command);
        }

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await stderr.WriteLineAsync("fwsim: error: " + error.Message).ConfigureAwait(false);
            }

            await stderr.WriteLineAsync("Run 'fwsim --help' (or 'fwsim COMMAND --help') for usage.").ConfigureAwait(false);
            return ExitCodes.BadInput;
        }

        // SIGINT/SIGTERM cancel the command's token; allow time to flush open flow-log windows and rename files.
        var invocation = new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = TimeSpan.FromSeconds(60),
        };
        return await parse.InvokeAsync(invocation, cancellation).ConfigureAwait(false);
    }
}
