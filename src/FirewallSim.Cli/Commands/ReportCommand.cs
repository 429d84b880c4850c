using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FirewallSim.Cli.Hosting;
using FirewallSim.Cli.Output;
using FirewallSim.FlowLogs;
using FirewallSim.FlowLogs.Reading;
using FirewallSim.IO;
using FirewallSim.Replay;
using FirewallSim.Reports;

namespace FirewallSim.Cli.Commands;

/// <summary><c>fwsim report</c>: reports from flow logs (ours or AWS's), plus rule hits when the replay's replay.json is at hand.</summary>
internal static class ReportCommand
{
    private static readonly Argument<string[]> FlowLogs = new("FLOWLOGS")
    {
        Description = "Flow-log files (plain text with a header line in any field order, headerless record lines, CloudWatch JSON lines; " +
                      "gzip or not) or directories: a replay output folder, an S3 layout (AWSLogs/…, searched for *.log.gz and *.log) or a cloudwatch/ folder.",
        Arity = ArgumentArity.OneOrMore,
    };

    private static readonly Option<string?> ReplaySummaryOption = new("--replay-summary")
    {
        Description = "The replay.json of the replay that wrote the flow logs, for rule hits, never-hit and over-broad rules, reasons and conntrack use. " +
                      "Default: a replay.json beside the first input.",
    };

    private static readonly Option<bool> NoReplaySummary = new("--no-replay-summary")
    {
        Description = "Do not look for a replay.json beside the inputs.",
    };

    private static readonly Option<string> Format = FormatOption();

    private static readonly Option<string?> Out = new("--out", "-o")
    {
        Description = "Write the report to this file (atomically) instead of standard output.",
    };

    private static readonly Option<int> Top = new("--top")
    {
        Description = "Entries in each ranking (top talkers, rejected sources and ports, sources per sensitive port).",
        DefaultValueFactory = _ => 10,
    };

    private static readonly Option<string?> FormatString = new("--format-string")
    {
        Description = "The flow log's format, '${version} ${interface-id} …', for input without a header line (CloudWatch-style lines and JSON events). " +
                      "Default: the format in a replay.json beside the file, else AWS's default format.",
    };

    private static readonly Option<int?> Window = new("--window")
    {
        Description = "Time-series window in seconds. Default: the replay's aggregation interval (or 60), widened to keep at most 240 windows.",
    };

    private static readonly Option<int> BroadPorts = new("--broad-ports")
    {
        Description = "A rule allowing at least this many ports is a wide port range (over-broad when the traffic used under a tenth of them).",
        DefaultValueFactory = _ => 100,
    };

    private static readonly Option<int> BroadPrefix = new("--broad-prefix")
    {
        Description = "An IPv4 CIDR of this prefix length or shorter is large (IPv6: this + 32); over-broad when the traffic came from few peers or a far narrower block.",
        DefaultValueFactory = _ => 16,
    };

    private static Option<string> FormatOption()
    {
        var o = new Option<string>("--format")
        {
            Description = "Output format: text (terminal tables), markdown, json (stable schema, report_version 1) or html (one self-contained file with charts).",
            DefaultValueFactory = _ => "text",
        };
        o.AcceptOnlyFromAmong("text", "markdown", "json", "html");
        return o;
    }

    public static Command Create(CommandRunner runner)
    {
        var command = new Command("report",
            "Reports from VPC flow logs: per-ENI summary, top talkers, rejected traffic, SSH/RDP/database/admin-port attempts, " +
            "traffic over time; with the replay's replay.json also rule and NACL hits, never-hit and over-broad rules, reasons and conntrack use.")
        {
            FlowLogs,
            ReplaySummaryOption,
            NoReplaySummary,
            Format,
            Out,
            Top,
            FormatString,
            Window,
            BroadPorts,
            BroadPrefix,
        };
        runner.Bind(command, (ctx, parse) => Task.FromResult(Run(ctx, parse)));
        return command;
    }

    private static int Run(CliContext ctx, ParseResult parse)
    {
        var options = new ReportOptions
        {
            Top = Positive(parse.GetValue(Top), "--top"),
            WindowSeconds = parse.GetValue(Window) is { } w ? Positive(w, "--window") : null,
            BroadPorts = Positive(parse.GetValue(BroadPorts), "--broad-ports"),
            BroadPrefixV4 = parse.GetValue(BroadPrefix) is var p and >= 0 and <= 32 ? p : throw new UserInputException("--broad-prefix must be 0-32"),
        };
        FlowLogFormat? headerless = null;
        if (parse.GetValue(FormatString) is { } text && !FlowLogFormat.TryParse(text, out headerless, out string? formatError))
        {
            throw new UserInputException("--format-string: " + formatError);
        }

        var args = parse.GetRequiredValue(FlowLogs);
        var files = FlowLogReader.ExpandInputs(args, out var inputErrors);
        if (inputErrors.Count > 0)
        {
            throw new UserInputException(string.Join("; ", inputErrors));
        }

        string? summaryPath = parse.GetValue(ReplaySummaryOption);
        if (summaryPath is null && !parse.GetValue(NoReplaySummary))
        {
            summaryPath = FlowLogReader.FindReplaySummary(args[0]);
        }

        var replay = summaryPath is null ? null : ReadSummary(summaryPath);
        var builder = new FlowLogReportBuilder(options, replay?.FlowLog?.Interval);
        var reader = new FlowLogReader(new FlowLogReaderOptions { HeaderlessFormat = headerless });
        FlowLogReadResult read;
        try
        {
            read = reader.Read(files, builder, ctx.Cancellation);
        }
        catch (FlowLogInputException ex)
        {
            throw new UserInputException(ex.Message, ex);
        }

        if (read.SkippedLines > 0)
        {
            ctx.Warn(string.Create(CultureInfo.InvariantCulture, $"skipped {read.SkippedLines} {(read.SkippedLines == 1 ? "line" : "lines")} that are not flow-log records: ") +
                     string.Join(", ", read.FirstSkipped.Select(s => $"{s.Location} ({s.Reason})")) + (read.SkippedLines > read.FirstSkipped.Count ? ", …" : string.Empty));
        }

        foreach (string error in read.Errors)
        {
            ctx.Warn(error);
        }

        var report = builder.Build(read, replay, summaryPath);
        if (replay is not null && report.Enis.Count > 0 && !report.Enis.Any(e => replay.Enis.Any(r => r.Id == e.Id)))
        {
            ctx.Warn($"{summaryPath} names none of the flow logs' ENIs: it is probably from another replay (--no-replay-summary leaves it out)");
        }

        string format = parse.GetValue(Format)!;
        string output = format switch
        {
            "json" => report.ToJson() + "\n",
            "markdown" => ReportLayout.Build(report).ToMarkdown(),
            "html" => ReportHtml.Render(report),
            _ => ReportLayout.Build(report).ToText(),
        };

        if (parse.GetValue(Out) is { } outPath)
        {
            using (var file = AtomicFile.Create(outPath))
            {
                file.Stream.Write(new UTF8Encoding(false).GetBytes(output));
                file.Commit();
            }

            ctx.Err.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"fwsim: wrote {outPath} ({format}: {report.Records.Total:N0} records from {report.Inputs.Count} file(s), {report.Enis.Count} ENIs)"));
        }
        else
        {
            ctx.Out.Write(output);
        }

        return read.Errors.Count > 0 ? ExitCodes.PartialRead : ExitCodes.Ok;
    }

    private static int Positive(int value, string option) => value > 0 ? value : throw new UserInputException($"{option} must be a positive number");

    private static ReplaySummary ReadSummary(string path)
    {
        if (!File.Exists(path))
        {
            throw new UserInputException($"{path}: no such file (--replay-summary)");
        }

        try
        {
            return ReplaySummary.Read(path);
        }
        catch (JsonException ex)
        {
            throw new UserInputException($"{path}: not a replay summary written by fwsim replay ({ex.Message})", ex);
        }
        catch (InvalidDataException ex)
        {
            throw new UserInputException(ex.Message, ex);
        }
    }
}
