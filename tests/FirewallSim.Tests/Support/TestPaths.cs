namespace FirewallSim.Tests.Support;

/// <summary>Where the tests find the repository and the shared corpus (../shared beside the clone).</summary>
public static class TestPaths
{
    private static readonly Lazy<string> RepoRootLazy = new(FindRepoRoot);

    public static string RepoRoot => RepoRootLazy.Value;

    /// <summary>FWSIM_SHARED overrides; otherwise ../shared next to the repository, as CI lays it out.</summary>
    public static string SharedDir =>
        Environment.GetEnvironmentVariable("FWSIM_SHARED") is { Length: > 0 } env
            ? env
            : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    public static string CorpusPcaps => Path.Combine(SharedDir, "corpus", "pcaps");

    public static string CorpusAws => Path.Combine(SharedDir, "corpus", "aws");

    public static bool HasShared => Directory.Exists(Path.Combine(SharedDir, "corpus"));

    /// <summary>CI sets FWSIM_REQUIRE_ALL=1: a missing prerequisite must fail a test, not skip it.</summary>
    public static bool RequireAll => Environment.GetEnvironmentVariable("FWSIM_REQUIRE_ALL") == "1";

    public static string Samples => Path.Combine(RepoRoot, "samples");

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FirewallSim.sln")))
            {
                return dir.FullName;
            }

            dir = dir.Parent;
        }

        throw new InvalidOperationException("FirewallSim.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>
/// A fact that needs the shared corpus. xunit 2 cannot skip at run time, so the condition is checked
/// when the test is discovered: without ../shared the test reports itself skipped, with the reason.
/// </summary>
public sealed class SharedCorpusFactAttribute : FactAttribute
{
    public SharedCorpusFactAttribute()
    {
        if (!TestPaths.HasShared && !TestPaths.RequireAll)
        {
            Skip = $"needs the shared corpus at {TestPaths.SharedDir} (CI has it beside the clone; set FWSIM_SHARED to point elsewhere)";
        }
    }
}

/// <summary>The theory form of <see cref="SharedCorpusFactAttribute"/>.</summary>
public sealed class SharedCorpusTheoryAttribute : TheoryAttribute
{
    public SharedCorpusTheoryAttribute()
    {
        if (!TestPaths.HasShared && !TestPaths.RequireAll)
        {
            Skip = $"needs the shared corpus at {TestPaths.SharedDir} (CI has it beside the clone; set FWSIM_SHARED to point elsewhere)";
        }
    }
}
