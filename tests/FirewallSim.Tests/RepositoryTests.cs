using FirewallSim.Tests.Support;

namespace FirewallSim.Tests;

/// <summary>Promises the repository makes about itself.</summary>
public class RepositoryTests
{
    /// <summary>The quick start's set-up commands: the first shell block after "## Quick start".</summary>
    private static string[] QuickStartCommands()
    {
        var lines = File.ReadAllLines(Path.Combine(TestPaths.RepoRoot, "README.md"));
        int start = Array.FindIndex(lines, l => l.StartsWith("## Quick start", StringComparison.Ordinal));
        Assert.True(start >= 0, "README.md has no '## Quick start' section");
        int open = Array.FindIndex(lines, start, l => l.StartsWith("```", StringComparison.Ordinal));
        int close = Array.FindIndex(lines, open + 1, l => l.StartsWith("```", StringComparison.Ordinal));
        return lines[(open + 1)..close].Where(l => l.Trim().Length > 0).ToArray();
    }

    [Fact]
    public void QuickStartHasExactlyTwoCommandsTheMainJobAndTheTests()
    {
        var commands = QuickStartCommands();
        Assert.Equal(2, commands.Length);
        Assert.Contains(" replay", commands[0]);
        Assert.StartsWith("dotnet test", commands[1]);
    }

    [Fact]
    public void CiRunsExactlyTheReadmeTestCommand()
    {
        string test = QuickStartCommands()[1];
        var ci = File.ReadAllLines(Path.Combine(TestPaths.RepoRoot, ".ci", "run")).Select(l => l.Trim()).ToArray();
        Assert.Contains(test, ci);
    }
}
