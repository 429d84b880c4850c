using FirewallSim.Config;
using FirewallSim.Config.Loading;

namespace FirewallSim.Tests.Config.Loading;

/// <summary>--config values: files, directories, PATH@TIME versions of the whole configuration (D19).</summary>
public sealed class ConfigArgumentsTests : IDisposable
{
    private const long T0 = 1_714_564_800L * 1_000_000_000L; // 2024-05-01T12:00:00Z
    private readonly string _dir;

    public ConfigArgumentsTests()
    {
        _dir = Path.Combine(Path.GetTempPath(), "fwsim-args-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        Write("base/sgs.json", Group("sg-base"));
        Write("base/enis.json", """{ "NetworkInterfaces": [ { "NetworkInterfaceId": "eni-1", "PrivateIpAddress": "10.0.1.10", "Groups": [ { "GroupId": "sg-base" } ] } ] }""");
        Write("after/sgs.json", Group("sg-after"));
        Write("later/sgs.json", Group("sg-later"));
        Write("extra/more.json", Group("sg-extra"));
        Write("sorted/b.json", Group("sg-b"));
        Write("sorted/B.json", Group("sg-B"));
        Write("sorted/a.json", Group("sg-a"));
        Write("sorted/.hidden.json", "not json at all");
        Write("sorted/sub/ignored.json", "not json either");
        Write("odd@name.json", Group("sg-odd"));
        Directory.CreateDirectory(Path.Combine(_dir, "empty"));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Group(string id) => $$"""{ "SecurityGroups": [ { "GroupId": "{{id}}", "GroupName": "{{id}}", "IpPermissions": [], "IpPermissionsEgress": [] } ] }""";

    private void Write(string relative, string text)
    {
        string path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private string P(string relative) => Path.Combine(_dir, relative);

    private static ConfigTimeline LoadOk(params string[] args)
    {
        var parsed = ConfigArguments.Parse(args);
        Assert.False(parsed.HasErrors, string.Join("\n", parsed.Diagnostics));
        var result = ConfigLoader.Load(parsed.Sources);
        Assert.False(result.HasErrors, string.Join("\n", result.Errors));
        return result.Timeline!;
    }

    [Fact]
    public void PlainArguments_FormTheBaseVersion()
    {
        var parsed = ConfigArguments.Parse(new[] { P("base"), P("extra/more.json") });
        Assert.Empty(parsed.Diagnostics);
        Assert.Equal(new[] { P("base/enis.json"), P("base/sgs.json"), P("extra/more.json") }, parsed.Sources.Select(s => s.Path));
        Assert.All(parsed.Sources, s => Assert.True(s.IsBase));
        Assert.All(parsed.Sources, s => Assert.Equal("base", s.VersionLabel));

        var timeline = LoadOk(P("base"), P("extra/more.json"));
        var version = Assert.Single(timeline.Versions);
        Assert.Equal((long.MinValue, "base"), (version.EffectiveFromNs, version.Label));
        Assert.Equal(new[] { "sg-base", "sg-extra" }, version.Config.SecurityGroups.Keys);
    }

    [Theory]
    [InlineData("1714564800", 0L)]
    [InlineData("1714564800.25", 250_000_000L)]
    [InlineData("2024-05-01T12:00:00Z", 0L)]
    [InlineData("2024-05-01T14:00:00+02:00", 0L)]
    [InlineData("2024-05-01T12:00:00.5Z", 500_000_000L)]
    [InlineData("2024-05-01T12:00:00", 0L)]
    public void DirectoryAtTime_StartsAVersionAtThatPacketTime(string time, long extraNs)
    {
        var timeline = LoadOk(P("base"), P("after") + "@" + time);
        Assert.Equal(2, timeline.Versions.Count);
        var after = timeline.Versions[1];
        Assert.Equal(T0 + extraNs, after.EffectiveFromNs);
        Assert.Equal("@" + time, after.Label);

        // A version is the whole configuration, not a delta on the base.
        Assert.Equal(new[] { "sg-after" }, after.Config.SecurityGroups.Keys);
        Assert.Equal(new[] { "sg-base" }, timeline.Initial.SecurityGroups.Keys);
    }

    [Fact]
    public void ArgumentsWithTheSameTime_FormOneVersion_AndVersionsAreSortedByTime()
    {
        var timeline = LoadOk(P("later") + "@1714568400", P("after") + "@2024-05-01T12:00:00Z", P("base"), P("extra") + "@1714564800");
        Assert.Equal(new[] { long.MinValue, T0, T0 + (3600L * 1_000_000_000L) }, timeline.Versions.Select(v => v.EffectiveFromNs));
        Assert.Equal(new[] { "sg-after", "sg-extra" }, timeline.Versions[1].Config.SecurityGroups.Keys);
        Assert.Equal(new[] { P("after/sgs.json"), P("extra/more.json") }, timeline.Versions[1].Config.Files);
        Assert.Equal("@2024-05-01T12:00:00Z", timeline.Versions[1].Label);
        Assert.Equal(new[] { "sg-later" }, timeline.Versions[2].Config.SecurityGroups.Keys);
    }

    [Fact]
    public void Directory_ContributesItsVisibleFilesInOrdinalOrder_NotSubdirectories()
    {
        var parsed = ConfigArguments.Parse(new[] { P("sorted") });
        Assert.Equal(new[] { P("sorted/B.json"), P("sorted/a.json"), P("sorted/b.json") }, parsed.Sources.Select(s => s.Path));
    }

    [Fact]
    public void ExistingPathWithAnAt_IsAPath()
    {
        var parsed = ConfigArguments.Parse(new[] { P("odd@name.json") });
        var source = Assert.Single(parsed.Sources);
        Assert.True(source.IsBase);
        Assert.Equal(P("odd@name.json"), source.Path);
    }

    [Theory]
    [InlineData("after@yesterday", ConfigDiagnosticCodes.InvalidTime)]
    [InlineData("after@", ConfigDiagnosticCodes.InvalidTime)]
    [InlineData("nope.json", ConfigDiagnosticCodes.NoSuchPath)]
    [InlineData("nope@1714564800", ConfigDiagnosticCodes.NoSuchPath)]
    [InlineData("empty", ConfigDiagnosticCodes.EmptyDirectory)]
    public void BadArguments_AreErrors(string arg, string code)
    {
        var parsed = ConfigArguments.Parse(new[] { P("base"), P(arg) });
        Assert.True(parsed.HasErrors);
        var e = Assert.Single(parsed.Diagnostics);
        Assert.Equal((DiagnosticSeverity.Error, code), (e.Severity, e.Code));
    }

    [Fact]
    public void WithoutABase_TheEarliestVersionAlsoAppliesBeforeItsTime()
    {
        var parsed = ConfigArguments.Parse(new[] { P("after") + "@1714564800", P("later") + "@1714568400" });
        var result = ConfigLoader.Load(parsed.Sources);
        Assert.NotNull(result.Timeline);
        Assert.Equal(new[] { long.MinValue, T0 + (3600L * 1_000_000_000L) }, result.Timeline!.Versions.Select(v => v.EffectiveFromNs));
        Assert.Equal("@1714564800", result.Timeline.Versions[0].Label);
        Assert.Contains(result.Warnings, w => w.Code == ConfigDiagnosticCodes.NoBaseVersion);
    }

    [Fact]
    public void ErrorsInAnyVersion_LeaveNoTimeline()
    {
        Write("bad/sgs.json", "{ nope");
        var result = ConfigLoader.Load(ConfigArguments.Parse(new[] { P("base"), P("bad") + "@1714564800" }).Sources);
        Assert.Null(result.Timeline);
        Assert.Equal(P("bad/sgs.json"), Assert.Single(result.Errors).Location!.File);
    }

    [Fact]
    public void TheSameFileInTwoVersions_ReportsItsWarningsOnce()
    {
        Write("warn/enis.json", """{ "NetworkInterfaces": [ { "NetworkInterfaceId": "eni-9", "PrivateIpAddress": "10.0.9.9", "Groups": [ { "GroupId": "sg-missing" } ] } ] }""");
        var result = ConfigLoader.Load(ConfigArguments.Parse(new[] { P("warn"), P("warn") + "@1714564800" }).Sources);
        Assert.Equal(2, result.Timeline!.Versions.Count);
        Assert.Equal(ConfigDiagnosticCodes.UnknownGroup, Assert.Single(result.Warnings).Code);
    }
}
