using System.CommandLine;
using FirewallSim.Cli.Hosting;

namespace FirewallSim.Cli.Commands;

internal static class SuggestCommand
{
    public static Command Create(CommandRunner runner) => new("suggest", "(in progress)");
}
