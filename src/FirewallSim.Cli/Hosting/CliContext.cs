using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace FirewallSim.Cli.Hosting;

/// <summary>What every command gets: its output streams, configuration, a logger and the stop signal.</summary>
public sealed class CliContext
{
    public CliContext(TextWriter stdout, TextWriter stderr, IConfiguration configuration, ILoggerFactory loggerFactory, bool stderrIsTerminal, CancellationToken cancellation)
    {
        Out = stdout;
        Err = stderr;
        Configuration = configuration;
        LoggerFactory = loggerFactory;
        StderrIsTerminal = stderrIsTerminal;
        Cancellation = cancellation;
    }

    public TextWriter Out { get; }

    public TextWriter Err { get; }

    public IConfiguration Configuration { get; }

    public ILoggerFactory LoggerFactory { get; }

    /// <summary>Progress lines are drawn only on a terminal; redirected stderr stays quiet.</summary>
    public bool StderrIsTerminal { get; }

    public CancellationToken Cancellation { get; }

    /// <summary>Builds a further host with extra services (for commands that run hosted services, e.g. live).</summary>
    public Func<Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>, Microsoft.Extensions.Hosting.IHost>? HostFactory { get; init; }

    public ILogger CreateLogger(string category) => LoggerFactory.CreateLogger(category);

    /// <summary>A fatal, user-facing error: one clear line on stderr.</summary>
    public void Error(string message) => Err.WriteLine("fwsim: error: " + message);

    public void Warn(string message) => Err.WriteLine("fwsim: warning: " + message);
}
