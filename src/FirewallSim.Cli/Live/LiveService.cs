using System.Globalization;
using FirewallSim.Capture.Libpcap;
using FirewallSim.Config;
using FirewallSim.FlowLogs;
using FirewallSim.Live;
using FirewallSim.Replay;
using FirewallSim.Verdicts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FirewallSim.Cli.Live;

/// <summary>
/// Settings of <c>fwsim live</c>: from appsettings.json (section "Live"), FWSIM_Live__* environment
/// variables, and command-line options, in increasing precedence.
/// </summary>
public sealed class LiveSettings
{
    public List<string> Interfaces { get; set; } = new();

    public string OutDir { get; set; } = "fwsim-out";

    public int StatsIntervalSeconds { get; set; } = 10;

    /// <summary>Plain-text flow logs roll over to a new file every this many seconds (0: one file, published at stop).</summary>
    public int RotateSeconds { get; set; } = 300;

    public int SnapLength { get; set; } = 262_144;

    public bool Promiscuous { get; set; } = true;

    public bool Immediate { get; set; }

    public int BufferMegabytes { get; set; } = 32;

    /// <summary>Stop by itself after this many seconds (0: run until SIGINT/SIGTERM).</summary>
    public int DurationSeconds { get; set; }

    public string? Filter { get; set; }

    public string? WriteRejected { get; set; }

    public string? Verdicts { get; set; }
}

/// <summary>What the live run ended with, read by the command after the host stops.</summary>
public sealed class LiveOutcome
{
    public int ExitCode { get; set; } = ExitCodes.Ok;
}

/// <summary>The live capture as a hosted service: runs the pipeline, logs statistics, stops cleanly on signals.</summary>
public sealed class LiveService : BackgroundService
{
    private readonly LiveSettings _settings;
    private readonly LiveRun _run;
    private readonly LiveOutcome _outcome;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<LiveService> _log;

    public LiveService(IOptions<LiveSettings> settings, LiveRun run, LiveOutcome outcome, IHostApplicationLifetime lifetime, ILogger<LiveService> log)
    {
        _settings = settings.Value;
        _run = run;
        _outcome = outcome;
        _lifetime = lifetime;
        _log = log;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var sources = new List<ILivePacketSource>();
        var sinks = new List<IFlowLogSink>();
        RejectedPacketWriter? rejected = null;
        VerdictLogWriter? verdicts = null;
        try
        {
            var options = new LiveCaptureOptions
            {
                SnapLength = _settings.SnapLength,
                Promiscuous = _settings.Promiscuous,
                Immediate = _settings.Immediate,
                BufferBytes = _settings.BufferMegabytes << 20,
                Filter = _settings.Filter,
            };
            foreach (string iface in _settings.Interfaces)
            {
                sources.Add(new PcapLiveSource(iface, options));
                _log.LogInformation("Capturing on {Interface} (link type {LinkType})", iface, sources[^1].LinkType);
            }

            var compiled = _run.Timeline;
            var engine = new SimulationEngine(compiled, _run.EngineOptions);
            var formatter = new FlowRecordFormatter(_run.Format, compiled);
            sinks.AddRange(_run.CreateSinks(formatter));
            if (_settings.WriteRejected is { } path)
            {
                rejected = new RejectedPacketWriter(path);
            }

            if (_settings.Verdicts is { } vpath)
            {
                verdicts = new VerdictLogWriter(vpath, compiled);
            }

            var pipeline = new LivePipeline(engine, _run.FlowOptions, sinks, new LivePipelineOptions { KeepFrames = rejected is not null }, rejected, verdicts);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            if (_settings.DurationSeconds > 0)
            {
                stop.CancelAfter(TimeSpan.FromSeconds(_settings.DurationSeconds));
            }

            var statsTask = LogStatsAsync(pipeline, sources, stop.Token);
            var started = DateTime.UtcNow;
            var failure = await pipeline.RunAsync(sources, stop.Token).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            await statsTask.ConfigureAwait(false);

            rejected?.Complete();
            verdicts?.Complete();
            var outcome = new ReplayOutcome(
                sources.Select((s, i) => new ReplayInputResult(s.Name, pipeline.Stats.Captured(i), null)).ToList(),
                pipeline.Stats.Processed, 0, pipeline.FirstPacketNs, pipeline.LastPacketNs);
            ReplaySummary.Build(engine, outcome, pipeline.Aggregator, _run.Format, _run.FlowOptions.IntervalSeconds, pipeline.Usage, _run.EngineOptions)
                .WriteTo(Path.Combine(_settings.OutDir, "replay.json"));
            LogStats(pipeline, sources, final: true);

            if (failure is not null)
            {
                _log.LogError("Capture stopped: {Error}. Every packet captured before it was evaluated and written.", failure.Message);
                _outcome.ExitCode = ExitCodes.RuntimeFailure;
            }
            else
            {
                _log.LogInformation("Stopped after {Seconds:0.0} s; flow logs written to {OutDir}", (DateTime.UtcNow - started).TotalSeconds, _settings.OutDir);
            }
        }
        catch (LibpcapException ex)
        {
            _log.LogError("{Error}", ex.Message);
            _outcome.ExitCode = ex.Message.StartsWith("permission denied", StringComparison.Ordinal) || ex.Message.StartsWith("no such", StringComparison.Ordinal)
                ? ExitCodes.BadInput
                : ExitCodes.RuntimeFailure;
        }
        finally
        {
            foreach (var s in sources)
            {
                s.Dispose();
            }

            foreach (var s in sinks)
            {
                s.Dispose();
            }

            rejected?.Dispose();
            verdicts?.Dispose();
            _lifetime.StopApplication();
        }
    }

    private async Task LogStatsAsync(LivePipeline pipeline, IReadOnlyList<ILivePacketSource> sources, CancellationToken stop)
    {
        if (_settings.StatsIntervalSeconds <= 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_settings.StatsIntervalSeconds));
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                LogStats(pipeline, sources, final: false);
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    private long _lastProcessed;
    private long _lastRejected;
    private DateTime _lastAt = DateTime.UtcNow;

    private void LogStats(LivePipeline pipeline, IReadOnlyList<ILivePacketSource> sources, bool final)
    {
        var now = DateTime.UtcNow;
        double seconds = Math.Max(0.001, (now - _lastAt).TotalSeconds);
        long processed = Interlocked.Read(ref pipeline.Stats.Processed);
        long rejected = pipeline.Stats.Rejected;
        for (int i = 0; i < sources.Count; i++)
        {
            var s = sources[i].Stats();
            _log.LogInformation(
                "{Interface}: received {Received} kernel-dropped {KernelDropped} interface-dropped {InterfaceDropped} queue-dropped {QueueDropped}",
                sources[i].Name, s.Received, s.KernelDropped, s.InterfaceDropped, pipeline.Stats.QueueDropped(i));
        }

        _log.LogInformation(
            "{Kind}: {PacketsPerSecond} packets/s, {Processed} packets, {Rejects} rejects ({NewRejects} new), {Tracked} tracked connections, {Windows} windows written, {WriterWaits} writer waits",
            final ? "Totals" : "Stats",
            ((processed - _lastProcessed) / seconds).ToString("0", CultureInfo.InvariantCulture),
            processed, rejected, rejected - _lastRejected, pipeline.Engine.TrackedConnections,
            Interlocked.Read(ref pipeline.Stats.WindowsWritten), Interlocked.Read(ref pipeline.Stats.WriterWaits));
        _lastProcessed = processed;
        _lastRejected = rejected;
        _lastAt = now;
    }
}

/// <summary>What the command prepared before the host starts: compiled configuration and output choices.</summary>
public sealed class LiveRun
{
    public required CompiledTimeline Timeline { get; init; }

    public required EngineOptions EngineOptions { get; init; }

    public required FlowLogOptions FlowOptions { get; init; }

    public required FlowLogFormat Format { get; init; }

    public required Func<FlowRecordFormatter, List<IFlowLogSink>> CreateSinks { get; init; }
}
