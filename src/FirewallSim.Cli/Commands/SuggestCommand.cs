using System.CommandLine;
using System.Text;
using FirewallSim.Capture;
using FirewallSim.Capture.Libpcap;
using FirewallSim.Cli.Hosting;
using FirewallSim.IO;
using FirewallSim.Replay;
using FirewallSim.Reports.Suggest;

namespace FirewallSim.Cli.Commands;

/// <summary>
/// <c>fwsim suggest</c>: least-privilege security groups from observed traffic, verified by replaying the
/// captures against them. Prints a report, the describe-security-groups JSON, a CloudFormation template or
/// AWS CLI commands; <c>--out DIR</c> writes all of them.
/// </summary>
internal static class SuggestCommand
{
    private static readonly Argument<string[]> Captures = new("CAPTURE")
    {
        Description = "pcap/pcapng files (gzip allowed) or directories (files sorted by name). They are read several times, so not standard input.",
        Arity = ArgumentArity.OneOrMore,
    };

    private static readonly Option<bool> AcceptedOnly = new("--accepted-only")
    {
        Description = "Keep what was accepted working, nothing more (the default).",
    };

    private static readonly Option<bool> AllAttempted = new("--all-attempted")
    {
        Description = "Also allow the connection attempts the security groups rejected (TCP SYN, UDP, ICMP other than replies, other protocols).",
    };

    private static readonly Option<string> Format = new("--output-format")
    {
        Description = "What to print: text (the report, default), json (describe-security-groups JSON, loadable with --config), cloudformation (a template) or cli (AWS CLI commands).",
        DefaultValueFactory = _ => "text",
    };

    private static readonly Option<string?> Out = new("--out", "-o")
    {
        Description = "Also write every form into this directory: report.txt, suggest.json (analysis), security-groups.json, cloudformation.json, commands.sh.",
    };

    private static readonly Option<int> MaxCidrs = new("--max-cidrs")
    {
        Description = "At most N CIDR blocks per suggested rule when the peers allow it; up to N peers get exact /32 or /128 blocks.",
        DefaultValueFactory = _ => SuggestOptions.Default.MaxCidrs,
    };

    private static readonly Option<int> MinPrefixV4 = new("--min-prefix-v4")
    {
        Description = "Aggregating IPv4 peers never makes a block wider than /N.",
        DefaultValueFactory = _ => SuggestOptions.Default.MinPrefixV4,
    };

    private static readonly Option<int> MinPrefixV6 = new("--min-prefix-v6")
    {
        Description = "Aggregating IPv6 peers never makes a block wider than /N.",
        DefaultValueFactory = _ => SuggestOptions.Default.MinPrefixV6,
    };

    private static readonly Option<int> MaxPortRanges = new("--max-port-ranges")
    {
        Description = "At most N port ranges per protocol and peer; the closest ranges are joined first.",
        DefaultValueFactory = _ => SuggestOptions.Default.MaxPortRanges,
    };

    private static readonly Option<int> PortGap = new("--port-gap")
    {
        Description = "Join port ranges separated by at most N unused ports (default 0: only contiguous ports).",
        DefaultValueFactory = _ => 0,
    };

    private static readonly Option<bool> KeepOpenPeers = new("--keep-open-peers")
    {
        Description = "Rules open to 0.0.0.0/0 or ::/0 keep their peer (public services); only their protocol and ports are narrowed.",
    };

    private static readonly Option<bool> NoGroupReferences = new("--no-group-references")
    {
        Description = "Never replace peers by security-group references; use CIDR blocks only.",
    };

    public static Command Create(CommandRunner runner)
    {
        var config = new ConfigOptions(required: true);
        var engine = new EngineCommandOptions();
        var command = new Command("suggest",
            "Least-privilege security groups from observed traffic: narrow every rule to the protocols, ports and peers the captures used " +
            "(group references where the peers share a group), name the rules to remove or narrow, and check the result by replaying the " +
            "captures against it. Output: a report, describe-security-groups JSON, CloudFormation or AWS CLI commands.")
        {
            Captures, AcceptedOnly, AllAttempted, Format, Out, MaxCidrs, MinPrefixV4, MinPrefixV6, MaxPortRanges, PortGap, KeepOpenPeers, NoGroupReferences,
        };
        Format.AcceptOnlyFromAmong("text", "json", "cloudformation", "cli");
        config.AddTo(command);
        engine.AddTo(command);
        runner.Bind(command, (ctx, parse) => Task.FromResult(Run(ctx, parse, config, engine)));
        return command;
    }

    private static int Run(CliContext ctx, ParseResult parse, ConfigOptions configOptions, EngineCommandOptions engineOptions)
    {
        if (parse.GetValue(AcceptedOnly) && parse.GetValue(AllAttempted))
        {
            throw new UserInputException("--accepted-only and --all-attempted cannot be combined");
        }

        var options = new SuggestOptions
        {
            AllAttempted = parse.GetValue(AllAttempted),
            MaxCidrs = Positive(parse.GetValue(MaxCidrs), "--max-cidrs"),
            MinPrefixV4 = InRange(parse.GetValue(MinPrefixV4), 0, 32, "--min-prefix-v4"),
            MinPrefixV6 = InRange(parse.GetValue(MinPrefixV6), 0, 128, "--min-prefix-v6"),
            MaxPortRanges = Positive(parse.GetValue(MaxPortRanges), "--max-port-ranges"),
            PortGap = InRange(parse.GetValue(PortGap), 0, 65535, "--port-gap"),
            KeepOpenPeers = parse.GetValue(KeepOpenPeers),
            GroupReferences = !parse.GetValue(NoGroupReferences),
        };

        string[] captures = parse.GetValue(Captures) ?? Array.Empty<string>();
        if (captures.Contains(CaptureInputs.StandardInput))
        {
            throw new UserInputException("suggest reads the captures several times (to verify its suggestion); give files, not standard input");
        }

        var inputs = EngineCommandOptions.CheckedInputs(captures);

        string[] configArgs = parse.GetValue(configOptions.Config) ?? Array.Empty<string>();
        var timeline = configOptions.Load(ctx, parse);
        var engine = engineOptions.Build(parse);
        string? filter = parse.GetValue(engineOptions.Filter);
        EngineCommandOptions.ValidateFilter(filter);
        string format = parse.GetValue(Format)!;
        string? outDir = parse.GetValue(Out);

        var progress = ctx.StderrIsTerminal ? new ProgressLine(ctx.Err) : null;
        Suggestion suggestion;
        try
        {
            suggestion = new Suggester(timeline, engine, options)
            {
                Filter = filter,
                Progress = progress is null ? null : progress.Report,
                ConfigArguments = configArgs,
            }.Run(inputs, ctx.Cancellation);
        }
        catch (LibpcapException ex)
        {
            throw new UserInputException(ex.Message, ex);
        }
        finally
        {
            progress?.Clear();
        }

        if (suggestion.Stats.Partial)
        {
            ctx.Warn("a capture broke off part-way; the suggestion covers the packets before that point");
        }

        var groups = suggestion.Groups.Select(g => g.Suggested).ToList();
        switch (format)
        {
            case "json":
                ctx.Out.WriteLine(SecurityGroupJson.ToJson(groups));
                break;
            case "cloudformation":
                ctx.Out.WriteLine(CloudFormationSnippet.ToJson(groups));
                break;
            case "cli":
                ctx.Out.Write(AwsCliScript.ToText(suggestion));
                break;
            default:
                SuggestReportWriter.WriteText(ctx.Out, suggestion);
                break;
        }

        if (outDir is not null)
        {
            Directory.CreateDirectory(outDir);
            WriteFile(Path.Combine(outDir, "security-groups.json"), s => s.Write(Encoding.UTF8.GetBytes(SecurityGroupJson.ToJson(groups) + "\n")));
            WriteFile(Path.Combine(outDir, "cloudformation.json"), s => s.Write(Encoding.UTF8.GetBytes(CloudFormationSnippet.ToJson(groups) + "\n")));
            WriteFile(Path.Combine(outDir, "commands.sh"), s => s.Write(Encoding.UTF8.GetBytes(AwsCliScript.ToText(suggestion))));
            WriteFile(Path.Combine(outDir, "suggest.json"), s => SuggestReportWriter.WriteJson(s, suggestion));
            WriteFile(Path.Combine(outDir, "report.txt"), s =>
            {
                using var w = new StreamWriter(s, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\n" };
                SuggestReportWriter.WriteText(w, suggestion);
            });
            ctx.Err.WriteLine($"fwsim: wrote report.txt, suggest.json, security-groups.json, cloudformation.json and commands.sh to {outDir}");
        }

        if (suggestion.Verification is { Holds: false })
        {
            ctx.Error("the verification replay still finds observed traffic the suggestion would break (listed in the report); this is a bug, please report it");
            return ExitCodes.RuntimeFailure;
        }

        return suggestion.Stats.Partial ? ExitCodes.PartialRead : ExitCodes.Ok;
    }

    private static void WriteFile(string path, Action<Stream> write)
    {
        using var file = AtomicFile.Create(path);
        write(file.Stream);
        file.Commit();
    }

    private static int Positive(int value, string name) =>
        value >= 1 ? value : throw new UserInputException($"{name} must be at least 1");

    private static int InRange(int value, int min, int max, string name) =>
        value >= min && value <= max ? value : throw new UserInputException($"{name} must be between {min} and {max}");
}
