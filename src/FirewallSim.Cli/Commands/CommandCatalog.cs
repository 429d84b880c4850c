using System.CommandLine;
using FirewallSim.Cli.Hosting;

namespace FirewallSim.Cli.Commands;

/// <summary>Every fwsim subcommand, in the order --help lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> Create(CommandRunner runner)
    {
        yield return InspectCommand.Create(runner);
        yield return GenCommand.Create(runner);
    }
}
