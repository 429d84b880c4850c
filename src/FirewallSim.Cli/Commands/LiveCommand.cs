using System.CommandLine;
using System.Globalization;
using FirewallSim.Capture.Libpcap;
using FirewallSim.Cli.Hosting;
using FirewallSim.Cli.Live;
using FirewallSim.Verdicts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FirewallSim.Cli.Commands;

/// <summary><c>fwsim live</c>: sniff network interfaces and write flow logs continuously, as a hosted service.</summary>
internal static class LiveCommand
{
    private static readonly Option<string[]> Interfaces = new("--interface", "-i")
    {
        Description = "Interface to capture on; repeat for several (fwsim interfaces lists them). Needs root or CAP_NET_RAW.",
    };

    private static readonly Option<string?> Out = new("--out", "-o") { Description = "Output directory (default fwsim-out, or Live:OutDir in appsettings.json)." };

    private static readonly Option<int?> Rotate = new("--rotate-seconds")
    {
        Description = "Start a new plain-text flow-log file every N seconds, each published when complete (default 300; 0 = one flowlogs.log published at stop).",
    };

    private static readonly Option<int?> StatsInterval = new("--stats-interval") { Description = "Log packets/s, drops, tracked connections and rejects every N seconds (default 10; 0 = off)." };

    private static readonly Option<int?> Duration = new("--duration") { Description = "Stop by itself after N seconds (default: run until SIGINT/SIGTERM)." };

    private static readonly Option<int?> SnapLength = new("--snaplen") { Description = "Bytes captured per packet (default 262144)." };

    private static readonly Option<bool> NoPromisc = new("--no-promisc") { Description = "Do not put the interface in promiscuous mode." };

    private static readonly Option<bool> Immediate = new("--immediate") { Description = "Deliver every packet at once (lower latency, more CPU)." };

    private static readonly Option<int?> BufferMb = new("--buffer-mb") { Description = "Kernel capture buffer in MiB (default 32)." };

    private static readonly Option<string?> Verdicts = new("--verdicts") { Description = "Also write one JSON line per verdict to this file (published at stop)." };

    private static readonly Option<string?> WriteRejected = new("--write-rejected") { Description = "Write rejected packets to this pcap file (published at stop)." };

    public static Command Create(CommandRunner runner)
    {
        var config = new ConfigOptions(required: true);
        var engine = new EngineCommandOptions();
        var flows = new FlowLogCommandOptions();
        var command = new Command("live",
            "Capture on network interfaces and evaluate every packet as AWS would, writing VPC Flow Logs as each " +
            "aggregation window closes (wall-clock time). Stops cleanly on SIGINT/SIGTERM: open windows are flushed as records.")
        {
            Interfaces, Out, Rotate, StatsInterval, Duration, SnapLength, NoPromisc, Immediate, BufferMb, Verdicts, WriteRejected,
        };
        config.AddTo(command);
        engine.AddTo(command);
        flows.AddTo(command);
        runner.Bind(command, (ctx, parse) => RunAsync(ctx, parse, config, engine, flows));
        return command;
    }

    private static async Task<int> RunAsync(CliContext ctx, ParseResult parse, ConfigOptions configOptions, EngineCommandOptions engineOptions, FlowLogCommandOptions flowOptions)
    {
        var timeline = configOptions.Load(ctx, parse);
        var options = engineOptions.Build(parse);
        var format = flowOptions.ParseFormat(parse);
        var flowLogOptions = flowOptions.Build(parse);
        var compiled = CompiledTimeline.Compile(timeline, options);
        if (!Libpcap.IsAvailable(out string? why))
        {
            throw new UserInputException(why!);
        }

        var outcome = new LiveOutcome();
        LiveSettings? effective = null;
        using var host = ctx.HostFactory!(services =>
        {
            services.Configure<Microsoft.Extensions.Hosting.ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
            services.AddOptions<LiveSettings>()
                .BindConfiguration("Live")
                .PostConfigure(s =>
                {
                    // Command-line options win over appsettings.json and environment variables.
                    if (parse.GetValue(Interfaces) is { Length: > 0 } i)
                    {
                        s.Interfaces = i.ToList();
                    }

                    s.OutDir = parse.GetValue(Out) ?? s.OutDir;
                    s.RotateSeconds = parse.GetValue(Rotate) ?? s.RotateSeconds;
                    s.StatsIntervalSeconds = parse.GetValue(StatsInterval) ?? s.StatsIntervalSeconds;
                    s.DurationSeconds = parse.GetValue(Duration) ?? s.DurationSeconds;
                    s.SnapLength = parse.GetValue(SnapLength) ?? s.SnapLength;
                    s.Promiscuous = !parse.GetValue(NoPromisc) && s.Promiscuous;
                    s.Immediate = parse.GetValue(Immediate) || s.Immediate;
                    s.BufferMegabytes = parse.GetValue(BufferMb) ?? s.BufferMegabytes;
                    s.Filter = parse.GetValue(engineOptions.Filter) ?? s.Filter;
                    s.Verdicts = parse.GetValue(Verdicts) ?? s.Verdicts;
                    s.WriteRejected = parse.GetValue(WriteRejected) ?? s.WriteRejected;
                    effective = s;
                });
            services.AddSingleton(outcome);
            services.AddSingleton(sp =>
            {
                var settings = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<LiveSettings>>().Value;
                return new LiveRun
                {
                    Timeline = compiled,
                    EngineOptions = options,
                    FlowOptions = flowLogOptions,
                    Format = format,
                    CreateSinks = formatter => flowOptions.CreateSinks(parse, settings.OutDir, formatter, settings.RotateSeconds),
                };
            });
            services.AddHostedService<LiveService>();
        });

        var settings = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<LiveSettings>>().Value;
        if (settings.Interfaces.Count == 0)
        {
            throw new UserInputException("give at least one interface with -i IFACE (or Live:Interfaces in appsettings.json); 'fwsim interfaces' lists them");
        }

        if (settings.RotateSeconds > 0 && settings.RotateSeconds % flowLogOptions.IntervalSeconds != 0)
        {
            throw new UserInputException(string.Create(CultureInfo.InvariantCulture,
                $"--rotate-seconds ({settings.RotateSeconds}) must be a multiple of the aggregation interval ({flowLogOptions.IntervalSeconds})"));
        }

        EngineCommandOptions.ValidateFilter(settings.Filter);
        Directory.CreateDirectory(settings.OutDir);

        // SIGINT/SIGTERM cancel ctx.Cancellation (System.CommandLine) and reach the host's lifetime too: both stop it gracefully.
        await host.RunAsync(ctx.Cancellation).ConfigureAwait(false);
        return outcome.ExitCode;
    }
}

/// <summary><c>fwsim interfaces</c>: the capture devices libpcap sees.</summary>
internal static class InterfacesCommand
{
    private static readonly Option<bool> Json = new("--json") { Description = "Machine-readable output." };

    public static Command Create(CommandRunner runner)
    {
        var command = new Command("interfaces", "List the network interfaces available for live capture (pcap_findalldevs).") { Json };
        runner.Bind(command, (ctx, parse) =>
        {
            IReadOnlyList<CaptureDevice> devices;
            try
            {
                devices = CaptureDevices.List();
            }
            catch (LibpcapException ex)
            {
                throw new UserInputException(ex.Message, ex);
            }

            if (parse.GetValue(Json))
            {
                ctx.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(devices.Select(d => new
                {
                    name = d.Name,
                    description = d.Description,
                    up = d.Up,
                    running = d.Running,
                    loopback = d.Loopback,
                    wireless = d.Wireless,
                })));
                return Task.FromResult(ExitCodes.Ok);
            }

            ctx.Out.WriteLine("NAME             STATE          DESCRIPTION");
            foreach (var d in devices)
            {
                string state = (d.Up ? "up" : "down") + (d.Running ? ",running" : "") + (d.Loopback ? ",loopback" : "");
                ctx.Out.WriteLine($"{d.Name,-16} {state,-14} {d.Description ?? ""}");
            }

            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
