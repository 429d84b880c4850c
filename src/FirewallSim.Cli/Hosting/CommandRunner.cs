using System.CommandLine;
using FirewallSim.Cli.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FirewallSim.Cli.Hosting;

/// <summary>An error in what the user gave us (file, option value, configuration): exit code 2, one clear message.</summary>
public sealed class UserInputException : Exception
{
    public UserInputException(string message)
        : base(message)
    {
    }

    public UserInputException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>Runs a command's body inside the generic host and maps failures to exit codes.</summary>
public sealed class CommandRunner
{
    private readonly TextWriter _stdout;
    private readonly TextWriter _stderr;
    private readonly bool _console;

    public CommandRunner(TextWriter stdout, TextWriter stderr, bool console)
    {
        _stdout = stdout;
        _stderr = stderr;
        _console = console;
    }

    public TextWriter Out => _stdout;

    public TextWriter Err => _stderr;

    /// <summary>Attaches <paramref name="body"/> as the command's action.</summary>
    public void Bind(Command command, Func<CliContext, ParseResult, Task<int>> body, Action<IServiceCollection>? services = null)
    {
        command.SetAction(async (parse, cancellation) =>
        {
            using var host = CliHost.Build(parse, _stderr, _console, services);
            var context = new CliContext(
                _stdout,
                _stderr,
                host.Services.GetRequiredService<IConfiguration>(),
                host.Services.GetRequiredService<ILoggerFactory>(),
                _console && !Console.IsErrorRedirected,
                cancellation)
            {
                HostFactory = extra => CliHost.Build(parse, _stderr, _console, s =>
                {
                    services?.Invoke(s);
                    extra(s);
                }),
            };
            try
            {
                return await body(context, parse).ConfigureAwait(false);
            }
            catch (UserInputException ex)
            {
                context.Error(ex.Message);
                return ExitCodes.BadInput;
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                context.Error("interrupted");
                return ExitCodes.RuntimeFailure;
            }
            catch (IOException ex)
            {
                context.Error(ex.Message);
                return ExitCodes.RuntimeFailure;
            }
            catch (UnauthorizedAccessException ex)
            {
                context.Error(ex.Message);
                return ExitCodes.RuntimeFailure;
            }
#pragma warning disable CA1031 // the last line of defence: report any failure as exit code 1 with its stack in the log
            catch (Exception ex)
#pragma warning restore CA1031
            {
                context.CreateLogger("fwsim").LogDebug(ex, "unhandled failure");
                context.Error($"{ex.GetType().Name}: {ex.Message} (run with --verbose for details)");
                return ExitCodes.RuntimeFailure;
            }
            finally
            {
                await _stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
        });
    }
}
