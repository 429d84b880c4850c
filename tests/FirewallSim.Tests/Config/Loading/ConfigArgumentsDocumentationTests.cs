using FirewallSim.Config.Loading;

namespace FirewallSim.Tests.Config.Loading;

public class ConfigArgumentsDocumentationTests
{
    [Fact]
    public void DocumentationFilesInAConfigurationDirectoryAreSkippedButNamedOnesAreRead()
    {
        string dir = Path.Combine(Path.GetTempPath(), "fwsim-cfgdoc-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "README.md"), "# notes\n* not yaml: [");
            File.WriteAllText(Path.Combine(dir, "notes.TXT"), "free text");
            File.WriteAllText(Path.Combine(dir, "sg.json"), "{\"SecurityGroups\": []}");
            var parsed = ConfigArguments.Parse(new[] { dir });
            Assert.False(parsed.HasErrors);
            Assert.Equal(new[] { Path.Combine(dir, "sg.json") }, parsed.Sources.Select(s => s.Path));

            var named = ConfigArguments.Parse(new[] { Path.Combine(dir, "README.md") });
            Assert.Equal(Path.Combine(dir, "README.md"), Assert.Single(named.Sources).Path);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
