using System.CommandLine;
using FirewallSim.Cli.Hosting;

namespace FirewallSim.Cli.Commands;

/// <summary>Every fwsim subcommand, in the order --help lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> Create(CommandRunner runner)
    {
        yield return ReplayCommand.Create(runner);
        yield return ExplainCommand.Create(runner);
        yield return DiffCommand.Create(runner);
        yield return SuggestCommand.Create(runner);
        yield return ReportCommand.Create(runner);
        yield return LiveCommand.Create(runner);
        yield return InspectCommand.Create(runner);
        yield return ConfigCommand.Create(runner);
        yield return LintCommand.Create(runner, (args, strict, _) =>
        {
            var r = ConfigOptions.LoadResult(args, strict);
            return new LintConfigInput(r.Timeline, r.Diagnostics);
        });
        yield return InterfacesCommand.Create(runner);
        yield return GenCommand.Create(runner);
    }
}
