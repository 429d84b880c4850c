using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using FirewallSim.Cli.Hosting;
using FirewallSim.Synthesis;

namespace FirewallSim.Cli.Commands;

/// <summary><c>fwsim gen</c>: writes a deterministic synthetic capture of the <see cref="SyntheticNetworkPlan"/> network.</summary>
internal static class GenCommand
{
    private static readonly Option<long> Packets = new("--packets")
    {
        Description = "Packets in the capture, exactly.",
        Required = true,
    };

    private static readonly Option<long?> Flows = new("--flows")
    {
        Description = "Flows to aim for (the mean flow then has packets/flows packets); default: packets / 20.",
    };

    private static readonly Option<ulong> Seed = new("--seed")
    {
        Description = "Seed of the random choices: the same arguments always give the same bytes.",
        DefaultValueFactory = _ => 1,
    };

    private static readonly Option<string> Out = new("--out", "-o")
    {
        Description = "Capture file to write (classic pcap, Ethernet, nanosecond timestamps); written under a temporary name and renamed when complete.",
        Required = true,
    };

    private static readonly Option<int> Concurrent = new("--concurrent")
    {
        Description = "Flows open at the same time.",
        DefaultValueFactory = _ => 10_000,
    };

    private static readonly Option<double> Ipv6Share = new("--ipv6-share")
    {
        Description = "Fraction of the flows (all kinds but scans) that are IPv6, 0 to 1.",
        DefaultValueFactory = _ => 0.15,
    };

    private static readonly Option<string?> Start = new("--start")
    {
        Description = "Time of the first packet, ISO 8601 (UTC unless an offset is given); default 2024-05-01T12:00:00Z.",
    };

    private static readonly Option<double?> Duration = new("--duration")
    {
        Description = "Approximate seconds from the first packet to the last; default one second per 100,000 packets.",
    };

    private static readonly Option<string?> ConfigOut = new("--config-out")
    {
        Description = "Also write the matching AWS configuration (a lab YAML for the synthetic address plan) into this directory, for fwsim replay --config DIR.",
    };

    private static readonly Option<int> ExtraRules = new("--extra-rules")
    {
        Description = "With --config-out: add this many security-group rules (0 to 1000000) spread over the three groups — IPv4 and IPv6 CIDRs, port ranges, prefix-list and group references — that no packet of the capture matches, so every verdict stays the same; for measuring large rule sets.",
        DefaultValueFactory = _ => 0,
    };

    private static readonly Option<string> WebOutbound = new("--web-outbound")
    {
        Description = "With --config-out: the web tier's outbound rules. open: all traffic to 0.0.0.0/0 and ::/0, so internet HTTP(S) flows are untracked; narrow: only what the web servers start (TCP 8080 to the app tier, DNS, ping), so those flows are tracked and the servers' answers to scans and traceroute are rejected.",
        DefaultValueFactory = _ => "open",
        HelpName = "open|narrow",
    };

    public static Command Create(CommandRunner runner)
    {
        var command = new Command("gen", "Generate a deterministic synthetic capture of the documented three-tier VPC (web, app, db): TCP, DNS, ICMP, traceroute and scans, IPv4 and IPv6.")
        {
            Packets,
            Flows,
            Seed,
            Out,
            Concurrent,
            Ipv6Share,
            Start,
            Duration,
            ConfigOut,
            ExtraRules,
            WebOutbound,
        };
        runner.Bind(command, (ctx, parse) => Task.FromResult(Run(ctx, parse)));
        return command;
    }

    private static int Run(CliContext ctx, ParseResult parse)
    {
        long packets = parse.GetValue(Packets);
        var options = new SyntheticCaptureOptions
        {
            Packets = packets,
            Flows = parse.GetValue(Flows) ?? Math.Max(1, packets / 20),
            Seed = parse.GetValue(Seed),
            Concurrent = parse.GetValue(Concurrent),
            Ipv6Share = parse.GetValue(Ipv6Share),
            Start = ParseStart(parse.GetValue(Start)),
            DurationSeconds = parse.GetValue(Duration),
        };
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new UserInputException(string.Join("; ", problems));
        }

        int extraRules = parse.GetValue(ExtraRules);
        string? configDir = parse.GetValue(ConfigOut);
        if (extraRules < 0 || extraRules > SyntheticExtraRules.Max)
        {
            throw new UserInputException(string.Create(CultureInfo.InvariantCulture, $"--extra-rules must be between 0 and {SyntheticExtraRules.Max} (got {extraRules})"));
        }

        if (extraRules > 0 && configDir is null)
        {
            throw new UserInputException("--extra-rules adds rules to the configuration: give --config-out DIR as well");
        }

        var webOutbound = parse.GetValue(WebOutbound) switch
        {
            "open" => SyntheticWebOutbound.Open,
            "narrow" => SyntheticWebOutbound.Narrow,
            var other => throw new UserInputException($"--web-outbound must be open or narrow (got '{other}')"),
        };
        if (webOutbound != SyntheticWebOutbound.Open && configDir is null)
        {
            throw new UserInputException("--web-outbound shapes the configuration: give --config-out DIR as well");
        }

        string path = parse.GetRequiredValue(Out);
        if (path == "-" || Directory.Exists(path))
        {
            throw new UserInputException($"--out {path}: give a file name");
        }

        var clock = Stopwatch.StartNew();
        var progress = ctx.StderrIsTerminal ? new ProgressLine(ctx.Err, packets) : null;
        SyntheticCaptureSummary summary;
        try
        {
            summary = SyntheticCaptureGenerator.WriteFile(options, path, progress is null ? null : progress.Report, ctx.Cancellation);
        }
        finally
        {
            progress?.Finish();
        }

        WriteSummary(ctx.Out, path, summary, clock.Elapsed);
        if (configDir is { } dir)
        {
            using var file = FirewallSim.IO.AtomicFile.Create(Path.Combine(dir, "lab.yaml"));
            using (var w = new StreamWriter(file.Stream, new System.Text.UTF8Encoding(false), leaveOpen: true))
            {
                w.Write(SyntheticLabConfig.Yaml(extraRules, options.Seed, webOutbound));
            }

            file.Commit();
            var notes = new List<string>();
            if (extraRules > 0)
            {
                notes.Add(string.Create(CultureInfo.InvariantCulture, $"{extraRules} extra rules"));
            }

            if (webOutbound == SyntheticWebOutbound.Narrow)
            {
                notes.Add("narrow web outbound");
            }

            string extra = notes.Count > 0 ? $" ({string.Join(", ", notes)})" : "";
            ctx.Out.WriteLine($"configuration:    {Path.Combine(dir, "lab.yaml")}{extra}");
        }

        return ExitCodes.Ok;
    }

    private static DateTimeOffset ParseStart(string? text)
    {
        if (text is null)
        {
            return new SyntheticCaptureOptions().Start;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var start))
        {
            throw new UserInputException($"--start '{text}' is not an ISO 8601 time such as 2024-05-01T12:00:00Z");
        }

        return start;
    }

    private static void WriteSummary(TextWriter o, string path, SyntheticCaptureSummary s, TimeSpan elapsed)
    {
        var inv = CultureInfo.InvariantCulture;
        o.WriteLine($"wrote:            {path}");
        o.WriteLine(string.Create(inv, $"packets:          {s.Packets}"));
        o.WriteLine(string.Create(inv, $"bytes:            {s.FileBytes} in the file, {s.FrameBytes} in frames ({(double)s.FrameBytes / s.Packets:0.0} per packet)"));
        o.WriteLine(string.Create(inv, $"flows:            {s.Flows} ({s.Ipv6Flows} IPv6), at most {s.MaxConcurrentFlows} open at once"));
        o.WriteLine(string.Create(inv, $"duration:         {(s.LastTimestampNs - s.FirstTimestampNs) / 1e9:0.000} s"));
        o.WriteLine("flow kinds:                 flows    packets");
        foreach (var kind in Enum.GetValues<SyntheticFlowKind>())
        {
            o.WriteLine(string.Create(inv, $"  {SyntheticCaptureGenerator.KindName(kind),-22} {s.FlowsOf(kind),10} {s.PacketsOf(kind),10}"));
        }

        o.WriteLine(string.Create(inv, $"generated in:     {elapsed.TotalSeconds:0.0} s"));
    }

    /// <summary>A one-line progress display on a terminal, redrawn at most four times a second.</summary>
    private sealed class ProgressLine
    {
        private readonly TextWriter _err;
        private readonly long _total;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long _lastDraw = -1_000;
        private bool _drawn;

        public ProgressLine(TextWriter err, long total)
        {
            _err = err;
            _total = total;
        }

        public void Report(long done)
        {
            long now = _clock.ElapsedMilliseconds;
            if (now - _lastDraw < 250 && done < _total)
            {
                return;
            }

            _lastDraw = now;
            _drawn = true;
            _err.Write(string.Create(CultureInfo.InvariantCulture, $"\rfwsim gen: {done,12} / {_total} packets ({100.0 * done / _total,5:0.0}%)"));
            _err.Flush();
        }

        public void Finish()
        {
            if (_drawn)
            {
                _err.WriteLine();
            }
        }
    }
}
