using System.CommandLine;
using FirewallSim.Cli.Hosting;
using FirewallSim.Cli.Output;
using FirewallSim.Config;
using FirewallSim.Config.Lint;

namespace FirewallSim.Cli.Commands;

/// <summary>What the configuration loader hands to <c>fwsim lint</c>: the timeline (null when loading failed) and every diagnostic.</summary>
internal sealed record LintConfigInput(ConfigTimeline? Timeline, IReadOnlyList<ConfigDiagnostic> Diagnostics);

/// <summary>
/// The seam to the configuration loader: the <c>--config</c> arguments (PATH or PATH@TIME, in order) and
/// <c>--strict</c> in, the loaded timeline and the loader's diagnostics out. Bad input is reported as
/// error diagnostics (or a <see cref="UserInputException"/>), never thrown as anything else.
/// </summary>
internal delegate LintConfigInput LintConfigLoader(IReadOnlyList<string> configArguments, bool strict, CancellationToken cancellation);

/// <summary><c>fwsim lint</c>: best-practice findings over an AWS configuration, as text, JSON or SARIF 2.1.0.</summary>
internal static class LintCommand
{
    private static readonly Option<string[]> Config = new("--config")
    {
        Description = "Configuration files or directories (AWS CLI JSON, CloudFormation, Terraform show -json, lab YAML); repeatable. " +
                      "PATH@TIME starts a new configuration version at that packet time; every version is linted.",
        Arity = ArgumentArity.OneOrMore,
        Required = true,
    };

    private static readonly Option<bool> Strict = new("--strict")
    {
        Description = "References to security groups or prefix lists missing from the configuration are errors, not warnings.",
    };

    private static readonly Option<string> OutputFormat = new("--output-format")
    {
        Description = "text (grouped by file), json, or sarif (SARIF 2.1.0 for code-scanning tools).",
        DefaultValueFactory = _ => "text",
    };

    private static readonly Option<string> FailOn = new("--fail-on")
    {
        Description = "Exit with code 4 when a finding of this severity or worse exists: error, warning, note, or none.",
        DefaultValueFactory = _ => "error",
    };

    private static readonly Option<int> WidePorts = new("--wide-port-threshold")
    {
        Description = "A TCP/UDP rule opening more than this many ports to an open or large CIDR is reported (FWS004).",
        DefaultValueFactory = _ => LintOptions.Default.WidePortRangeThreshold,
    };

    private static readonly Option<string[]> Disable = new("--disable")
    {
        Description = "Rule ids or names not to report (e.g. FWS011 or redundant-rule); repeatable, comma-separated lists allowed.",
        Arity = ArgumentArity.OneOrMore,
    };

    static LintCommand()
    {
        OutputFormat.AcceptOnlyFromAmong("text", "json", "sarif");
        FailOn.AcceptOnlyFromAmong("error", "warning", "note", "none");
    }

    public static Command Create(CommandRunner runner, LintConfigLoader loader)
    {
        ArgumentNullException.ThrowIfNull(loader);
        var command = new Command("lint", "Check an AWS configuration against security best practices: open SSH/RDP/database/admin ports, " +
                                          "wide port ranges, all-protocol rules, default and unused groups, dangling references, redundant " +
                                          "rules, quotas. Exit code 4 when findings at or above --fail-on exist.")
        {
            Config,
            Strict,
            OutputFormat,
            FailOn,
            WidePorts,
            Disable,
        };
        runner.Bind(command, (ctx, parse) => Task.FromResult(Run(ctx, loader, new Request(
            parse.GetRequiredValue(Config),
            parse.GetValue(Strict),
            parse.GetValue(OutputFormat) ?? "text",
            parse.GetValue(FailOn) ?? "error",
            parse.GetValue(WidePorts),
            parse.GetValue(Disable) ?? Array.Empty<string>(),
            parse.GetValue(CliHost.Verbose)))));
        return command;
    }

    internal sealed record Request(string[] Config, bool Strict, string Format, string FailOn, int WidePorts, string[] Disable, bool Verbose);

    internal static int Run(CliContext ctx, LintConfigLoader loader, Request request)
    {
        var options = BuildOptions(request);
        var format = request.Format.ToLowerInvariant() switch
        {
            "json" => LintOutputFormat.Json,
            "sarif" => LintOutputFormat.Sarif,
            _ => LintOutputFormat.Text,
        };
        LintSeverity? failOn = LintSeverityNames.TryParse(request.FailOn, out var s) ? s : null;

        var input = loader(request.Config, request.Strict, ctx.Cancellation);
        bool failed = input.Timeline is null;
        foreach (var d in input.Diagnostics)
        {
            if (d.Severity == DiagnosticSeverity.Error)
            {
                failed = true;
                ctx.Err.WriteLine("fwsim: " + d);
            }
            else if (d.Severity == DiagnosticSeverity.Warning || request.Verbose)
            {
                ctx.Err.WriteLine("fwsim: " + d);
            }
        }

        if (failed || input.Timeline is null)
        {
            ctx.Error("the configuration could not be loaded; nothing was linted");
            return ExitCodes.BadInput;
        }

        var findings = new ConfigLinter(options).Lint(input.Timeline);
        var files = input.Timeline.Versions.SelectMany(v => v.Config.Files).Distinct(StringComparer.Ordinal).ToList();
        LintReport.Write(ctx.Out, format, findings, files, Directory.GetCurrentDirectory());

        return failOn is { } threshold && findings.Any(f => f.Severity >= threshold) ? ExitCodes.Findings : ExitCodes.Ok;
    }

    private static LintOptions BuildOptions(Request request)
    {
        if (request.WidePorts < 1 || request.WidePorts > 65535)
        {
            throw new UserInputException($"--wide-port-threshold must be 1–65535, not {request.WidePorts}");
        }

        var disabled = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string item in request.Disable.SelectMany(d => d.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var rule = LintRules.Find(item) ?? throw new UserInputException(
                $"--disable: unknown lint rule '{item}' (known: {string.Join(", ", LintRules.All.Select(r => r.Id))})");
            disabled.Add(rule.Id);
        }

        return LintOptions.Default with
        {
            Strict = request.Strict,
            WidePortRangeThreshold = request.WidePorts,
            DisabledRules = disabled,
        };
    }
}
