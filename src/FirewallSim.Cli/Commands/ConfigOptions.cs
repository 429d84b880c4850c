using System.CommandLine;
using FirewallSim.Cli.Hosting;
using FirewallSim.Config;
using FirewallSim.Config.Loading;
using Microsoft.Extensions.Logging;

namespace FirewallSim.Cli.Commands;

/// <summary>
/// The <c>--config PATH[@TIME]</c> (repeatable) and <c>--strict</c> options every command that reads an AWS
/// configuration shares (config show, replay, lint, diff…), and their loading: warnings go to stderr,
/// notes to the log, and any error ends the command with exit code 2 after every error is listed.
/// <code>
/// var config = new ConfigOptions();
/// config.AddTo(command);
/// …
/// ConfigTimeline timeline = config.Load(ctx, parse);   // throws UserInputException on errors
/// </code>
/// </summary>
public sealed class ConfigOptions
{
    public ConfigOptions(bool required = true)
    {
        Config = new Option<string[]>("--config")
        {
            Description = "AWS configuration: a file or a directory (all its files), repeatable. AWS CLI describe-* JSON, CloudFormation (YAML/JSON), " +
                          "terraform show -json, or a lab YAML file. PATH@TIME (epoch seconds or ISO 8601) makes PATH a new version of the whole " +
                          "configuration that applies to packets from TIME on.",
            Arity = ArgumentArity.OneOrMore,
            Required = required,
            HelpName = "PATH[@TIME]",
        };
        Strict = new Option<bool>("--strict")
        {
            Description = "Treat references to security groups, prefix lists and network ACLs that are not in the given files as errors, not warnings.",
        };
    }

    public Option<string[]> Config { get; }

    public Option<bool> Strict { get; }

    public void AddTo(Command command)
    {
        command.Options.Add(Config);
        command.Options.Add(Strict);
    }

    /// <summary>Parses and loads without printing anything: for commands that report diagnostics themselves (lint's SARIF output).</summary>
    public ConfigLoadResult LoadResult(ParseResult parse) => LoadResult(parse.GetValue(Config) ?? Array.Empty<string>(), parse.GetValue(Strict));

    public static ConfigLoadResult LoadResult(IEnumerable<string> configArguments, bool strict)
    {
        // Bad arguments do not stop the files that exist from being checked too: every problem is reported at once.
        var args = ConfigArguments.Parse(configArguments);
        if (args.Sources.Count == 0 && args.HasErrors)
        {
            return new ConfigLoadResult(null, args.Diagnostics);
        }

        var result = ConfigLoader.Load(args.Sources, new ConfigLoadOptions { Strict = strict });
        if (args.Diagnostics.Count == 0)
        {
            return result;
        }

        return new ConfigLoadResult(args.HasErrors ? null : result.Timeline, args.Diagnostics.Concat(result.Diagnostics).ToArray());
    }

    /// <summary>
    /// Loads the configuration the command line names. Errors and warnings are printed to stderr (every one),
    /// notes are logged; with any error a <see cref="UserInputException"/> ends the command with exit code 2.
    /// </summary>
    public ConfigTimeline Load(CliContext ctx, ParseResult parse) => Load(ctx, parse.GetValue(Config) ?? Array.Empty<string>(), parse.GetValue(Strict));

    public static ConfigTimeline Load(CliContext ctx, IEnumerable<string> configArguments, bool strict)
    {
        var result = LoadResult(configArguments, strict);
        Report(ctx, result.Diagnostics);
        int errors = result.Errors.Count();
        if (result.Timeline is null || errors > 0)
        {
            throw new UserInputException(errors == 1
                ? "the configuration has 1 error (listed above); nothing was simulated"
                : $"the configuration has {errors} errors (listed above); nothing was simulated");
        }

        return result.Timeline;
    }

    /// <summary>Errors and warnings to stderr, one line each with file and place; notes to the log (shown unless --quiet).</summary>
    public static void Report(CliContext ctx, IEnumerable<ConfigDiagnostic> diagnostics)
    {
        ILogger? logger = null;
        foreach (var d in diagnostics.OrderByDescending(d => d.Severity))
        {
            string text = Format(d);
            switch (d.Severity)
            {
                case DiagnosticSeverity.Error:
                    ctx.Error(text);
                    break;
                case DiagnosticSeverity.Warning:
                    ctx.Warn(text);
                    break;
                default:
                    logger ??= ctx.CreateLogger("fwsim.config");
                    logger.LogInformation("note: {Note}", text);
                    break;
            }
        }
    }

    /// <summary>"file:line:col (path): message [code]".</summary>
    public static string Format(ConfigDiagnostic d) =>
        (d.Location is null ? string.Empty : d.Location + ": ") + d.Message + " [" + d.Code + "]";
}
