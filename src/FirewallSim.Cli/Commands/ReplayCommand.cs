using System.CommandLine;
using System.Globalization;
using FirewallSim.Capture;
using FirewallSim.Capture.Libpcap;
using FirewallSim.Cli.Hosting;
using FirewallSim.Cli.Output;
using FirewallSim.Config;
using FirewallSim.Decode;
using FirewallSim.FlowLogs;
using FirewallSim.Replay;
using FirewallSim.Reports;
using FirewallSim.Rules;
using FirewallSim.Verdicts;
using Microsoft.Extensions.Logging;

namespace FirewallSim.Cli.Commands;

/// <summary>Options shared by every command that runs the engine over captures (replay, explain, diff, suggest).</summary>
internal sealed class EngineCommandOptions
{
    /// <summary>
    /// Expands capture arguments (files, directories, "-") and checks that each opens and starts like a
    /// capture, before anything is processed or written; every problem is reported at once.
    /// </summary>
    public static IReadOnlyList<string> CheckedInputs(IEnumerable<string> captures)
    {
        var inputs = CaptureInputs.Expand(captures, out var inputErrors);
        if (inputErrors.Count > 0)
        {
            throw new UserInputException(string.Join("; ", inputErrors));
        }

        var preflight = ReplayRunner.Preflight(inputs);
        if (preflight.Count > 0)
        {
            throw new UserInputException(string.Join("; ", preflight.Select(e => e.ToString())));
        }

        return inputs;
    }

    public Option<string?> Filter { get; } = new("--filter")
    {
        Description = "Only evaluate frames that match this BPF expression (libpcap's own compiler, e.g. 'tcp port 443 or icmp'). Needs libpcap0.8.",
    };

    public Option<int?> ConntrackMax { get; } = new("--conntrack-max")
    {
        Description = "Maximum tracked connections per instance (per ENI when not attached); further new tracked flows are dropped and counted (D10). Default: unlimited.",
    };

    public Option<bool> RejectAllowanceDrops { get; } = new("--reject-allowance-drops")
    {
        Description = "Write conntrack-allowance drops as REJECT records instead of dropping them silently (D10 option).",
    };

    public Option<bool> UntrackedAllProtocols { get; } = new("--untracked-requires-all-protocols")
    {
        Description = "For the untracked-flow test, require the opposite-direction open rule to be all protocols (-1), not merely the same protocol on ports 0-65535 (D1 option).",
    };

    public Option<bool> NoLinkLocalExempt { get; } = new("--no-link-local-exempt")
    {
        Description = "Only the listed AWS services in 169.254.0.0/16 and fe80::/10 are exempt, not the whole ranges (D17 option).",
    };

    public Option<bool> GroupRefsIpv4Only { get; } = new("--group-refs-ipv4-only")
    {
        Description = "Security-group references match only members' private IPv4 addresses, not their IPv6 addresses and delegated prefixes (D15/U9 switch).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Filter);
        command.Options.Add(ConntrackMax);
        command.Options.Add(RejectAllowanceDrops);
        command.Options.Add(UntrackedAllProtocols);
        command.Options.Add(NoLinkLocalExempt);
        command.Options.Add(GroupRefsIpv4Only);
    }

    public EngineOptions Build(ParseResult parse)
    {
        int? max = parse.GetValue(ConntrackMax);
        if (max is <= 0)
        {
            throw new UserInputException("--conntrack-max must be a positive number of connections");
        }

        return new EngineOptions
        {
            ConntrackMax = max,
            RejectOnAllowanceDrop = parse.GetValue(RejectAllowanceDrops),
            LinkLocalExempt = !parse.GetValue(NoLinkLocalExempt),
            Rules = new RuleCompileOptions
            {
                UntrackedRequiresAllProtocols = parse.GetValue(UntrackedAllProtocols),
                GroupReferencesIncludeIpv6AndPrefixes = !parse.GetValue(GroupRefsIpv4Only),
            },
        };
    }

    /// <summary>Checks the filter compiles before any output exists, so a typo never leaves half an output behind.</summary>
    public static void ValidateFilter(string? filter)
    {
        if (filter is null)
        {
            return;
        }

        try
        {
            using var f = BpfFilter.Compile(filter, LinkTypes.Ethernet);
        }
        catch (LibpcapException ex)
        {
            throw new UserInputException(ex.Message, ex);
        }
    }
}

/// <summary>Flow-log options shared by replay and live.</summary>
internal sealed class FlowLogCommandOptions
{
    public Option<int> Interval { get; } = new("--interval")
    {
        Description = "Aggregation interval in seconds: 60 (Nitro instances, the default) or 600.",
        DefaultValueFactory = _ => 60,
    };

    public Option<string?> Format { get; } = new("--flow-log-format")
    {
        Description = "Custom record format, e.g. '${version} ${interface-id} ${srcaddr} ${dstaddr} ${action} ${tcp-flags} ${flow-direction}'. Default: the version 2 default format.",
    };

    public Option<string> TrafficTypeOption { get; } = new("--traffic-type")
    {
        Description = "Which records to write: ALL (default), ACCEPT or REJECT.",
        DefaultValueFactory = _ => "ALL",
    };

    public Option<bool> NoNoData { get; } = new("--no-nodata")
    {
        Description = "Do not write NODATA records for ENIs without traffic in a window (D24).",
    };

    public Option<int?> MaxFlows { get; } = new("--max-flows-per-window")
    {
        Description = "Flow records per ENI per window before the rest is skipped and one SKIPDATA record is written. Default: unlimited.",
    };

    public Option<bool> S3Layout { get; } = new("--s3-layout")
    {
        Description = "Also write AWS's S3 layout under OUT/s3/AWSLogs/… (5-minute gzip files with a header line).",
    };

    public Option<bool> S3Hourly { get; } = new("--s3-hourly")
    {
        Description = "With --s3-layout: hourly partitions (an extra HH/ folder).",
    };

    public Option<bool> S3Hive { get; } = new("--s3-hive")
    {
        Description = "With --s3-layout: Hive-compatible folder names (aws-account-id=…/year=…).",
    };

    public Option<string> FlowLogId { get; } = new("--flow-log-id")
    {
        Description = "Flow log id used in S3 file names.",
        DefaultValueFactory = _ => "fl-0123456789abcdef0",
    };

    public Option<bool> CloudWatch { get; } = new("--cloudwatch-jsonl")
    {
        Description = "Also write one JSON-lines file per ENI under OUT/cloudwatch/, as CloudWatch Logs streams (eni-…-all).",
    };

    public Option<bool> NoPlainFile { get; } = new("--no-flowlogs-file")
    {
        Description = "Do not write OUT/flowlogs.log (use with --s3-layout or --cloudwatch-jsonl).",
    };

    public FlowLogCommandOptions()
    {
        Interval.AcceptOnlyFromAmong("60", "600");
        TrafficTypeOption.AcceptOnlyFromAmong("ALL", "ACCEPT", "REJECT", "all", "accept", "reject");
    }

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Interval, Format, TrafficTypeOption, NoNoData, MaxFlows, S3Layout, S3Hourly, S3Hive, FlowLogId, CloudWatch, NoPlainFile })
        {
            command.Options.Add(o);
        }
    }

    public FlowLogFormat ParseFormat(ParseResult parse)
    {
        string? text = parse.GetValue(Format);
        if (text is null)
        {
            return FlowLogFormat.Default;
        }

        return FlowLogFormat.TryParse(text, out var f, out string? error) ? f : throw new UserInputException("--flow-log-format: " + error);
    }

    public FlowLogOptions Build(ParseResult parse)
    {
        int? max = parse.GetValue(MaxFlows);
        if (max is <= 0)
        {
            throw new UserInputException("--max-flows-per-window must be positive");
        }

        return new FlowLogOptions
        {
            IntervalSeconds = parse.GetValue(Interval),
            TrafficType = Enum.Parse<TrafficType>(parse.GetValue(TrafficTypeOption)!, ignoreCase: true),
            NoData = !parse.GetValue(NoNoData),
            MaxFlowsPerEniWindow = max,
        };
    }

    /// <summary>Creates the requested sinks under <paramref name="outDir"/>; the caller disposes them.</summary>
    /// <param name="rotateSeconds">Live capture: plain-text files per period instead of one flowlogs.log (0 = one file).</param>
    public List<IFlowLogSink> CreateSinks(ParseResult parse, string outDir, FlowRecordFormatter formatter, int rotateSeconds = 0, bool twoThreads = false)
    {
        var sinks = new List<IFlowLogSink>();
        try
        {
            if (!parse.GetValue(NoPlainFile))
            {
                sinks.Add(rotateSeconds > 0
                    ? new RollingPlainFileSink(outDir, rotateSeconds, formatter)
                    : new PlainFileSink(Path.Combine(outDir, "flowlogs.log"), formatter) { FormatOnTwoThreads = twoThreads });
            }

            if (parse.GetValue(S3Layout))
            {
                sinks.Add(new S3LayoutSink(Path.Combine(outDir, "s3"), formatter, new S3LayoutOptions
                {
                    FlowLogId = parse.GetValue(FlowLogId)!,
                    Hourly = parse.GetValue(S3Hourly),
                    HiveCompatible = parse.GetValue(S3Hive),
                }));
            }

            if (parse.GetValue(CloudWatch))
            {
                sinks.Add(new CloudWatchJsonlSink(Path.Combine(outDir, "cloudwatch"), formatter));
            }
        }
        catch
        {
            foreach (var s in sinks)
            {
                s.Dispose();
            }

            throw;
        }

        return sinks;
    }
}

/// <summary>The per-packet consumers of a replay, called directly (no virtual dispatch per packet).</summary>
internal struct ReplaySinks : IReplaySink
{
    public FlowLogAggregator? Flows;
    public VerdictLogWriter? Verdicts;
    public RuleUsage? Usage;
    public RejectedPacketWriter? Rejected;

    public readonly bool ReadsFrames => Rejected is not null;

    public readonly void Prefetch(in PacketInfo packet, in PacketResult result) => Flows?.Prefetch(packet, result);

    public readonly void OnPacket(in PacketInfo packet, in PacketResult result, ReadOnlySpan<byte> frame)
    {
        Flows?.Add(packet, result);
        Verdicts?.Write(packet, result);
        Usage?.Add(packet, result);
        Rejected?.Write(packet, result, frame);
    }
}

/// <summary><c>fwsim replay</c>: captures through the simulated VPC, flow logs and a summary out.</summary>
internal static class ReplayCommand
{
    private static readonly Argument<string[]> Captures = new("CAPTURE")
    {
        Description = "pcap/pcapng files (gzip allowed), directories (files sorted by name) or - for standard input. None: the bundled sample.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    private static readonly Option<string> Out = new("--out", "-o")
    {
        Description = "Output directory for flowlogs.log, replay.json and the optional layouts.",
        DefaultValueFactory = _ => "fwsim-out",
    };

    private static readonly Option<string?> Verdicts = new("--verdicts")
    {
        Description = "Write one JSON line per (packet, ENI, direction) verdict to this file.",
    };

    private static readonly Option<string?> WriteRejected = new("--write-rejected")
    {
        Description = "Write every packet rejected on some ENI to this pcap file (open it in Wireshark).",
    };

    private static readonly Option<int?> Threads = new("--threads")
    {
        Description = "1: read, evaluate and aggregate on one thread. 2: a pipeline for two cores (one thread reads and decodes, one " +
            "evaluates, one aggregates and writes, sorting and formatting large windows on both cores), fed in order, so every output " +
            "is identical. Default: 2 when the machine has two " +
            "or more processors.",
    };

    private static readonly Option<bool> Json = new("--json")
    {
        Description = "Print the summary as JSON (the content of replay.json) instead of tables.",
    };

    public static Command Create(CommandRunner runner)
    {
        var config = new ConfigOptions(required: false);
        var engine = new EngineCommandOptions();
        var flows = new FlowLogCommandOptions();
        var command = new Command("replay",
            "Replay captured packets through the configured security groups, network ACLs and connection tracking, and write " +
            "the verdicts as VPC Flow Logs. Without arguments, replays the bundled three-tier sample into ./fwsim-out.")
        {
            Captures,
            Out,
            Verdicts,
            WriteRejected,
            Threads,
            Json,
        };
        config.AddTo(command);
        engine.AddTo(command);
        flows.AddTo(command);
        runner.Bind(command, (ctx, parse) => Task.FromResult(Run(ctx, parse, config, engine, flows)));
        return command;
    }

    private static int Run(CliContext ctx, ParseResult parse, ConfigOptions configOptions, EngineCommandOptions engineOptions, FlowLogCommandOptions flowOptions)
    {
        string[] captures = parse.GetValue(Captures) ?? Array.Empty<string>();
        string[] configArgs = parse.GetValue(configOptions.Config) ?? Array.Empty<string>();
        if (captures.Length == 0 && configArgs.Length == 0)
        {
            var sample = Samples.Locate() ?? throw new UserInputException(
                "no capture given and the bundled sample was not found (run from the repository, or give CAPTURE… --config …)");
            captures = new[] { sample.Capture };
            configArgs = new[] { sample.Config };
            ctx.Err.WriteLine($"fwsim: replaying the bundled sample {Rel(sample.Capture)} against {Rel(sample.Config)}");
        }
        else if (captures.Length == 0)
        {
            throw new UserInputException("no capture given (CAPTURE… or - for standard input)");
        }
        else if (configArgs.Length == 0)
        {
            throw new UserInputException("--config is required: the AWS configuration (describe-* JSON, CloudFormation, terraform show -json or a lab file)");
        }

        var inputs = EngineCommandOptions.CheckedInputs(captures);

        var timeline = ConfigOptions.Load(ctx, configArgs, parse.GetValue(configOptions.Strict));
        var options = engineOptions.Build(parse);
        string? filter = parse.GetValue(engineOptions.Filter);
        EngineCommandOptions.ValidateFilter(filter);
        var format = flowOptions.ParseFormat(parse);
        var flowLogOptions = flowOptions.Build(parse);
        string outDir = parse.GetValue(Out)!;
        int threads = parse.GetValue(Threads) ?? Math.Min(2, Environment.ProcessorCount);
        if (threads is < 1 or > 2)
        {
            throw new UserInputException("--threads must be 1 or 2 (the engine and the flow-log stage; reading ahead has a thread of its own)");
        }

        var compiled = CompiledTimeline.Compile(timeline, options);
        var engine = new SimulationEngine(compiled, options);
        var formatter = new FlowRecordFormatter(format, compiled);
        var sinks = flowOptions.CreateSinks(parse, outDir, formatter, twoThreads: threads > 1);
        VerdictLogWriter? verdicts = null;
        RejectedPacketWriter? rejected = null;
        try
        {
            var aggregator = new FlowLogAggregator(compiled.Enis, flowLogOptions, sinks) { SortOnTwoThreads = threads > 1 };
            if (parse.GetValue(Verdicts) is { } verdictPath)
            {
                verdicts = new VerdictLogWriter(verdictPath, compiled);
            }

            if (parse.GetValue(WriteRejected) is { } rejectedPath)
            {
                rejected = new RejectedPacketWriter(rejectedPath);
            }

            var usage = new RuleUsage(compiled.Rules.SecurityGroupRules.Count);
            var sink = new ReplaySinks { Flows = aggregator, Verdicts = verdicts, Usage = usage, Rejected = rejected };
            var progress = ctx.StderrIsTerminal ? new ProgressLine(ctx.Err) : null;
            var runner = new ReplayRunner(engine) { Filter = filter, Threads = threads, Progress = progress is null ? null : progress.Report };
            ReplayOutcome outcome;
            try
            {
                outcome = runner.Run(inputs, ref sink, ctx.Cancellation);
            }
            catch (LibpcapException ex)
            {
                throw new UserInputException(ex.Message, ex);
            }
            finally
            {
                progress?.Clear();
            }

            aggregator.Finish();
            var log = ctx.CreateLogger("replay");
            if (log.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Debug))
            {
                log.LogDebug(
                    "Replay used {AllocatedMB:0.0} MB of managed allocations, GC gen0/1/2 {Gen0}/{Gen1}/{Gen2} (paused {GcPauseMs:0} ms), conntrack table {ConntrackMB:0.0} MB for {Entries} entries, {Late} late packets",
                    GC.GetTotalAllocatedBytes() / 1e6, GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
                    GC.GetTotalPauseDuration().TotalMilliseconds, engine.ConntrackMemoryBytes / 1e6, engine.TableEntries, aggregator.LatePackets);
                var gc = GC.GetGCMemoryInfo();
                using var self = System.Diagnostics.Process.GetCurrentProcess();
                log.LogDebug(
                    "Memory: peak working set {PeakMB:0.0} MB, GC heap {HeapMB:0.0} MB ({FragmentedMB:0.0} MB fragmented), committed {CommittedMB:0.0} MB",
                    self.PeakWorkingSet64 / 1e6, gc.HeapSizeBytes / 1e6, gc.FragmentedBytes / 1e6, gc.TotalCommittedBytes / 1e6);
            }

            verdicts?.Complete();
            rejected?.Complete();
            var summary = ReplaySummary.Build(engine, outcome, aggregator, format, flowLogOptions.IntervalSeconds, usage, options);
            summary.WriteTo(Path.Combine(outDir, "replay.json"));

            foreach (var i in outcome.Inputs.Where(i => i.Error is not null))
            {
                ctx.Warn($"{i.Error}; the {i.Packets} packets before it were replayed");
            }

            if (parse.GetValue(Json))
            {
                ctx.Out.Write(File.ReadAllText(Path.Combine(outDir, "replay.json")));
                ctx.Out.WriteLine();
            }
            else
            {
                ReplaySummaryText.Write(ctx.Out, summary, compiled, outDir, sinks, verdicts, rejected);
            }

            return outcome.Partial ? ExitCodes.PartialRead : ExitCodes.Ok;
        }
        finally
        {
            foreach (var s in sinks)
            {
                s.Dispose();
            }

            verdicts?.Dispose();
            rejected?.Dispose();
        }
    }

    private static string Rel(string path) => Path.GetRelativePath(Directory.GetCurrentDirectory(), path);
}

/// <summary>Finds the bundled sample (samples/ in the repository) from the working directory or the binary.</summary>
internal static class Samples
{
    public const string CaptureFile = "samples/pcaps/three-tier.pcap";
    public const string ConfigDir = "samples/config/three-tier";

    public static (string Capture, string Config)? Locate()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            var dir = new DirectoryInfo(start);
            while (dir is not null)
            {
                string capture = Path.Combine(dir.FullName, CaptureFile);
                string config = Path.Combine(dir.FullName, ConfigDir);
                if (File.Exists(capture) && Directory.Exists(config))
                {
                    return (capture, config);
                }

                dir = dir.Parent;
            }
        }

        return null;
    }
}

/// <summary>Progress on a terminal's stderr: packets, rate, percent of bytes read, redrawn in place.</summary>
internal sealed class ProgressLine
{
    private readonly TextWriter _err;
    private bool _drawn;

    public ProgressLine(TextWriter err) => _err = err;

    public void Report(ReplayProgress p)
    {
        string pct = p.Fraction is { } f ? string.Create(CultureInfo.InvariantCulture, $" {f * 100,5:0.0}%") : "";
        _err.Write(string.Create(CultureInfo.InvariantCulture, $"\r{p.Packets,14:N0} packets  {p.PacketsPerSecond / 1e6,6:0.00} Mpps{pct}  {Path.GetFileName(p.CurrentInput)}   "));
        _drawn = true;
    }

    public void Clear()
    {
        if (_drawn)
        {
            _err.Write("\r" + new string(' ', 78) + "\r");
        }
    }
}
