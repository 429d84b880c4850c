using System.Text;
using FirewallSim.IO;

namespace FirewallSim.Tests.IO;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fwsim-atomic-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void FileAppearsUnderItsNameOnlyAtCommit()
    {
        string path = Path.Combine(_dir, "out.log");
        using var file = AtomicFile.Create(path);
        file.Stream.Write("first"u8);

        Assert.False(File.Exists(path));
        Assert.True(File.Exists(file.TempPath));
        file.Commit();
        Assert.Equal("first", File.ReadAllText(path));
        Assert.False(File.Exists(file.TempPath));
    }

    [Fact]
    public void DisposingWithoutCommitLeavesNothingBehind()
    {
        string path = Path.Combine(_dir, "out.log");
        Directory.CreateDirectory(_dir);
        File.WriteAllText(path, "old");
        string temp;
        using (var file = AtomicFile.Create(path))
        {
            temp = file.TempPath;
            file.Stream.Write("half"u8);
            file.StartWriteback();
        }

        Assert.Equal("old", File.ReadAllText(path));
        Assert.False(File.Exists(temp));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void WritebackBetweenPiecesKeepsEveryByteInOrder()
    {
        string path = Path.Combine(_dir, "out.log");
        var expected = new StringBuilder();
        using (var file = AtomicFile.Create(path, bufferSize: 4096))
        {
            file.StartWriteback(); // nothing written yet
            for (int piece = 0; piece < 50; piece++)
            {
                // Pieces larger and smaller than the stream's buffer, some still buffered at each writeback.
                string text = new((char)('a' + (piece % 26)), 1000 + (piece * 397 % 9000));
                expected.Append(text);
                file.Stream.Write(Encoding.ASCII.GetBytes(text));
                if (piece % 3 == 0)
                {
                    Assert.Equal(OperatingSystem.IsLinux(), file.StartWriteback());
                }
            }

            file.Commit();
            Assert.False(file.StartWriteback()); // after the commit: nothing to do, no error
        }

        Assert.Equal(expected.ToString(), File.ReadAllText(path));
    }
}
