using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Display;
using Serilog.Formatting.Json;

namespace FirewallSim.Cli.Hosting;

/// <summary>
/// Builds the generic host every command runs in: configuration from appsettings.json, FWSIM_
/// environment variables and the command line; Serilog as the logging provider.
/// </summary>
public static class CliHost
{
    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Log debug detail to stderr.",
        Recursive = true,
    };

    public static readonly Option<bool> Quiet = new("--quiet", "-q")
    {
        Description = "Log only errors to stderr.",
        Recursive = true,
    };

    public static readonly Option<string> LogFormat = new("--log-format")
    {
        Description = "Log line format on stderr and in --log-file: text or json.",
        DefaultValueFactory = _ => "text",
        Recursive = true,
    };

    public static readonly Option<string?> LogFile = new("--log-file")
    {
        Description = "Also write logs to this file (rolled daily).",
        Recursive = true,
    };

    static CliHost()
    {
        LogFormat.AcceptOnlyFromAmong("text", "json");
    }

    public static IHost Build(ParseResult parse, TextWriter stderr, bool stderrIsConsole, Action<IServiceCollection>? configureServices = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
            DisableDefaults = true,
        });
        builder.Configuration
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
            .AddEnvironmentVariables("FWSIM_");

        var level = parse.GetValue(Verbose) ? LogEventLevel.Debug
            : parse.GetValue(Quiet) ? LogEventLevel.Error
            : LogEventLevel.Information;
        bool json = string.Equals(parse.GetValue(LogFormat), "json", StringComparison.OrdinalIgnoreCase);
        string? logFile = parse.GetValue(LogFile) ?? builder.Configuration["Logging:File"];

        var logger = new LoggerConfiguration().MinimumLevel.Is(level);

        // Reading the section scans the application's dependencies for sink assemblies: ~35 ms of every
        // command's start-up, spent only when there is something to read.
        var serilogSection = builder.Configuration.GetSection("Serilog");
        if (serilogSection.Exists())
        {
            logger = logger.ReadFrom.Configuration(builder.Configuration, new Serilog.Settings.Configuration.ConfigurationReaderOptions { SectionName = serilogSection.Key });
        }

        logger = logger.Enrich.FromLogContext();
        const string template = "{Timestamp:HH:mm:ss} [{Level:u3}] {Message:lj}{NewLine}{Exception}";
        if (json)
        {
            logger = logger.WriteTo.Sink(new TextWriterSink(new JsonFormatter(renderMessage: true), stderr));
        }
        else if (stderrIsConsole)
        {
            logger = logger.WriteTo.Console(outputTemplate: template, standardErrorFromLevel: LogEventLevel.Verbose);
        }
        else
        {
            logger = logger.WriteTo.Sink(new TextWriterSink(new MessageTemplateTextFormatter(template), stderr));
        }

        if (!string.IsNullOrEmpty(logFile))
        {
            logger = json
                ? logger.WriteTo.File(new JsonFormatter(renderMessage: true), logFile, rollingInterval: RollingInterval.Day)
                : logger.WriteTo.File(logFile, outputTemplate: template, rollingInterval: RollingInterval.Day);
        }

        var serilog = logger.CreateLogger();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddSerilog(serilog, dispose: true);
        configureServices?.Invoke(builder.Services);
        return builder.Build();
    }
}
