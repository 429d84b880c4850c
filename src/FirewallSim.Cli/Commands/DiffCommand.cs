using System.CommandLine;
using FirewallSim.Capture;
using FirewallSim.Capture.Libpcap;
using FirewallSim.Cli.Hosting;
using FirewallSim.Replay;
using FirewallSim.Reports.Diff;

namespace FirewallSim.Cli.Commands;

/// <summary>
/// <c>fwsim diff</c>: what-if. Replays the captures against the current configuration (A, <c>--config</c>)
/// and a proposed one (B, <c>--config-b</c>) in lockstep and lists every flow whose action changes:
/// newly rejected ("would break", exit code 4 — a CI gate) and newly accepted ("would open").
/// </summary>
internal static class DiffCommand
{
    private static readonly Argument<string[]> Captures = new("CAPTURE")
    {
        Description = "pcap/pcapng files (gzip allowed), directories (files sorted by name) or - for standard input.",
        Arity = ArgumentArity.OneOrMore,
    };

    private static readonly Option<string[]> ConfigB = new("--config-b")
    {
        Description = "The proposed configuration B, in the same forms as --config (files, directories, PATH@TIME versions).",
        Arity = ArgumentArity.OneOrMore,
        Required = true,
        HelpName = "PATH[@TIME]",
    };

    private static readonly Option<bool> PerPacket = new("--per-packet")
    {
        Description = "Evaluate every recorded packet on both sides, also the later packets of a TCP connection whose SYN B refuses " +
                      "(by default they count as 'never sent' in B: the capture was recorded under A).",
    };

    private static readonly Option<bool> Json = new("--json") { Description = "Print the comparison as JSON." };

    private static readonly Option<bool> Markdown = new("--markdown") { Description = "Print the comparison as Markdown (for a pull-request comment)." };

    public static Command Create(CommandRunner runner)
    {
        var config = new ConfigOptions(required: true);
        var engine = new EngineCommandOptions();
        var command = new Command("diff",
            "What-if: replay the captures against the current configuration (--config, A) and a proposed one (--config-b, B) " +
            "and list every flow whose action changes: newly rejected (would break) and newly accepted (would open), with the " +
            "deciding rule on each side. Exit code 4 when anything would break, so it can gate security-group changes in CI.")
        {
            Captures,
            ConfigB,
            PerPacket,
            Json,
            Markdown,
        };
        config.AddTo(command);
        engine.AddTo(command);
        runner.Bind(command, (ctx, parse) => Task.FromResult(Run(ctx, parse, config, engine)));
        return command;
    }

    private static int Run(CliContext ctx, ParseResult parse, ConfigOptions configOptions, EngineCommandOptions engineOptions)
    {
        bool json = parse.GetValue(Json);
        bool markdown = parse.GetValue(Markdown);
        if (json && markdown)
        {
            throw new UserInputException("--json and --markdown cannot be combined");
        }

        string[] captures = parse.GetValue(Captures) ?? Array.Empty<string>();
        var inputs = EngineCommandOptions.CheckedInputs(captures);

        string[] argsA = parse.GetValue(configOptions.Config) ?? Array.Empty<string>();
        string[] argsB = parse.GetValue(ConfigB) ?? Array.Empty<string>();
        bool strict = parse.GetValue(configOptions.Strict);
        var timelineA = ConfigOptions.Load(ctx, argsA, strict);
        var timelineB = ConfigOptions.Load(ctx, argsB, strict);
        var options = engineOptions.Build(parse);
        string? filter = parse.GetValue(engineOptions.Filter);
        EngineCommandOptions.ValidateFilter(filter);

        var progress = ctx.StderrIsTerminal ? new ProgressLine(ctx.Err) : null;
        var session = new DiffSession(timelineA, timelineB, options)
        {
            Filter = filter,
            PerPacket = parse.GetValue(PerPacket),
            Progress = progress is null ? null : progress.Report };
        ReplayOutcome outcome;
        try
        {
            outcome = session.Replay(inputs, ctx.Cancellation);
        }
        catch (LibpcapException ex)
        {
            throw new UserInputException(ex.Message, ex);
        }
        finally
        {
            progress?.Clear();
        }

        foreach (var i in outcome.Inputs.Where(i => i.Error is not null))
        {
            ctx.Warn($"{i.Error}; the {i.Packets} packets before it were compared");
        }

        var report = session.Report(outcome, new DiffReportOptions { ConfigA = argsA, ConfigB = argsB });
        if (json)
        {
            using var stdout = new MemoryStream();
            DiffReportWriter.WriteJson(stdout, report);
            ctx.Out.Write(System.Text.Encoding.UTF8.GetString(stdout.ToArray()));
            ctx.Out.WriteLine();
        }
        else if (markdown)
        {
            DiffReportWriter.WriteMarkdown(ctx.Out, report);
        }
        else
        {
            DiffReportWriter.WriteText(ctx.Out, report);
        }

        // A CI gate: anything that would break wins over a capture that broke off.
        return report.Summary.WouldBreak ? ExitCodes.Findings : outcome.Partial ? ExitCodes.PartialRead : ExitCodes.Ok;
    }
}
