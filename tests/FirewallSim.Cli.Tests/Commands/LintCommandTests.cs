using System.Text.Json;
using FirewallSim.Config;
using FirewallSim.Tests.Config.Lint;
using static FirewallSim.Cli.Tests.Commands.LintCliHarness;

namespace FirewallSim.Cli.Tests.Commands;

public class LintCommandTests
{
    /// <summary>One error (SSH from anywhere), one warning (wide range from anywhere), one note (unattached group).</summary>
    private static AwsConfig Mixed() => new AwsConfigBuilder().Vpc()
        .Group("sg-web", g => g.In("tcp", "22", "0.0.0.0/0").In("udp", "20000-30000", "0.0.0.0/0"))
        .Group("sg-spare")
        .Eni("eni-1", "10.0.1.10", "sg-web")
        .Build();

    private static AwsConfig WarningOnly() => new AwsConfigBuilder().Vpc()
        .Group("sg-web", g => g.In("udp", "20000-30000", "0.0.0.0/0"))
        .Eni("eni-1", "10.0.1.10", "sg-web")
        .Build();

    private static AwsConfig NoteOnly() => new AwsConfigBuilder().Vpc()
        .Group("sg-web", g => g.In("tcp", "443", "0.0.0.0/0"))
        .Group("sg-spare")
        .Eni("eni-1", "10.0.1.10", "sg-web")
        .Build();

    [Fact]
    public async Task Text_output_groups_findings_by_file_with_line_severity_rule_and_message()
    {
        var r = await RunAsync(Returning(Mixed()), "lint", "--config", "cfg");
        Assert.Equal(ExitCodes.Findings, r.Exit);
        string[] lines = r.Out.Split('\n');
        Assert.Equal(AwsConfigBuilder.File, lines[0]);
        Assert.Contains(lines, l => l.Contains("error", StringComparison.Ordinal) && l.Contains("FWS001 open-remote-access: sg-web inbound[0] tcp 22 from 0.0.0.0/0", StringComparison.Ordinal)
                                    && l.Contains("[$.SecurityGroups.sg-web.IpPermissions[0]]", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("warning", StringComparison.Ordinal) && l.Contains("FWS004", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("note", StringComparison.Ordinal) && l.Contains("FWS007", StringComparison.Ordinal));
        Assert.Contains("3 findings: 1 error, 1 warning, 1 note", r.Out, StringComparison.Ordinal);
        var ssh = Mixed().InRule("sg-web", 0).Source!;
        Assert.Contains(lines, l => l.TrimStart().StartsWith($"{ssh.Line}:{ssh.Column} ", StringComparison.Ordinal) && l.Contains("FWS001", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_clean_configuration_prints_no_findings_and_exits_0()
    {
        var r = await RunAsync(Returning(ConfigLinterTests.Clean()), "lint", "--config", "cfg");
        Assert.Equal(ExitCodes.Ok, r.Exit);
        Assert.Equal("no findings\n", r.Out);
    }

    [Theory]
    [InlineData("Mixed", null, ExitCodes.Findings)]
    [InlineData("Mixed", "none", ExitCodes.Ok)]
    [InlineData("WarningOnly", null, ExitCodes.Ok)]
    [InlineData("WarningOnly", "error", ExitCodes.Ok)]
    [InlineData("WarningOnly", "warning", ExitCodes.Findings)]
    [InlineData("WarningOnly", "note", ExitCodes.Findings)]
    [InlineData("NoteOnly", "warning", ExitCodes.Ok)]
    [InlineData("NoteOnly", "note", ExitCodes.Findings)]
    [InlineData("Clean", "note", ExitCodes.Ok)]
    public async Task Fail_on_sets_the_exit_code(string configName, string? failOn, int expected)
    {
        var config = configName switch
        {
            "Mixed" => Mixed(),
            "WarningOnly" => WarningOnly(),
            "NoteOnly" => NoteOnly(),
            _ => ConfigLinterTests.Clean(),
        };
        var args = new List<string> { "lint", "--config", "cfg", "--output-format", "json" };
        if (failOn is not null)
        {
            args.AddRange(new[] { "--fail-on", failOn });
        }

        var r = await RunAsync(Returning(config), args.ToArray());
        Assert.Equal(expected, r.Exit);
    }

    [Fact]
    public async Task Json_output_lists_findings_with_rule_severity_message_and_location()
    {
        var config = Mixed();
        var r = await RunAsync(Returning(config), "lint", "--config", "cfg", "--output-format", "json");
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        Assert.Equal("fwsim", root.GetProperty("tool").GetString());
        Assert.Equal(3, root.GetProperty("summary").GetProperty("findings").GetInt32());
        Assert.Equal(1, root.GetProperty("summary").GetProperty("error").GetInt32());
        Assert.Equal(AwsConfigBuilder.File, root.GetProperty("files")[0].GetString());
        var first = root.GetProperty("findings")[0];
        Assert.Equal("FWS001", first.GetProperty("rule_id").GetString());
        Assert.Equal("open-remote-access", first.GetProperty("rule_name").GetString());
        Assert.Equal("error", first.GetProperty("severity").GetString());
        Assert.StartsWith("sg-web inbound[0] tcp 22 from 0.0.0.0/0", first.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("sg-web", first.GetProperty("resource").GetString());
        var location = first.GetProperty("location");
        var expected = config.InRule("sg-web", 0).Source!;
        Assert.Equal(expected.File, location.GetProperty("file").GetString());
        Assert.Equal(expected.Line, location.GetProperty("line").GetInt32());
        Assert.Equal(expected.Column, location.GetProperty("column").GetInt32());
        Assert.Equal(expected.Path, location.GetProperty("path").GetString());
    }

    [Fact]
    public async Task Loader_errors_exit_2_and_lint_nothing()
    {
        var error = new ConfigDiagnostic(DiagnosticSeverity.Error, "CFG001", "invalid JSON", new SourceLocation("bad.json", null, 3, 7));
        var r = await RunAsync(Failing(error), "lint", "--config", "bad.json");
        Assert.Equal(ExitCodes.BadInput, r.Exit);
        Assert.Equal(string.Empty, r.Out);
        Assert.Contains("bad.json:3:7: error CFG001: invalid JSON", r.Err, StringComparison.Ordinal);
        Assert.Contains("nothing was linted", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Loader_warnings_go_to_stderr_and_linting_goes_on()
    {
        var warning = new ConfigDiagnostic(DiagnosticSeverity.Warning, "CFG100", "something odd", null);
        var r = await RunAsync(Returning(ConfigLinterTests.Clean(), null, warning), "lint", "--config", "cfg");
        Assert.Equal(ExitCodes.Ok, r.Exit);
        Assert.Contains("warning CFG100: something odd", r.Err, StringComparison.Ordinal);
        Assert.Equal("no findings\n", r.Out);
    }

    [Fact]
    public async Task Config_arguments_and_strict_reach_the_loader_and_strict_makes_unknown_references_errors()
    {
        var config = new AwsConfigBuilder().Vpc()
            .Group("sg-1", g => g.In("tcp", "443", "sg-elsewhere"))
            .Eni("eni-1", "10.0.1.10", "sg-1")
            .Build();
        var calls = new List<(IReadOnlyList<string> Args, bool Strict)>();
        var lenient = await RunAsync(Returning(config, calls), "lint", "--config", "a.json", "--config", "dir@2024-05-01T00:00:00Z");
        Assert.Equal(ExitCodes.Ok, lenient.Exit); // FWS009 is a warning
        Assert.Equal(new[] { "a.json", "dir@2024-05-01T00:00:00Z" }, calls[0].Args);
        Assert.False(calls[0].Strict);

        var strict = await RunAsync(Returning(config, calls), "lint", "--config", "a.json", "--strict");
        Assert.True(calls[1].Strict);
        Assert.Equal(ExitCodes.Findings, strict.Exit);
        Assert.Contains("error   FWS009", strict.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disabled_rules_are_not_reported_and_unknown_ones_are_bad_input()
    {
        var r = await RunAsync(Returning(Mixed()), "lint", "--config", "cfg", "--disable", "FWS001,unattached-group", "--disable", "fws004");
        Assert.Equal(ExitCodes.Ok, r.Exit);
        Assert.Equal("no findings\n", r.Out);

        var bad = await RunAsync(Returning(Mixed()), "lint", "--config", "cfg", "--disable", "FWS999");
        Assert.Equal(ExitCodes.BadInput, bad.Exit);
        Assert.Contains("unknown lint rule 'FWS999'", bad.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_wide_port_threshold_is_an_option()
    {
        var r = await RunAsync(Returning(WarningOnly()), "lint", "--config", "cfg", "--wide-port-threshold", "20000", "--fail-on", "note");
        Assert.Equal(ExitCodes.Ok, r.Exit);
    }

    [Theory]
    [InlineData("--output-format", "xml")]
    [InlineData("--fail-on", "fatal")]
    public async Task Bad_option_values_are_bad_input(string option, string value)
    {
        var r = await RunAsync(Returning(Mixed()), "lint", "--config", "cfg", option, value);
        Assert.Equal(ExitCodes.BadInput, r.Exit);
    }

    [Fact]
    public async Task Config_is_required()
    {
        var r = await RunAsync(Returning(Mixed()), "lint");
        Assert.Equal(ExitCodes.BadInput, r.Exit);
    }
}
