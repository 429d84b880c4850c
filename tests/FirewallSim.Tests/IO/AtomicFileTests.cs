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
            file.Stream.Write(new byte[AtomicFile.WritebackInterval + 1]); // its disk writes started, still not committed
        }

        Assert.Equal("old", File.ReadAllText(path));
        Assert.False(File.Exists(temp));
        Assert.Single(Directory.GetFiles(_dir));
    }

    /// <summary>
    /// Writing starts the file's disk writes every few megabytes (so the flush at Commit has little left to
    /// do); the bytes still arrive complete and in order, whether written in pieces, byte by byte or through a
    /// buffer above the stream, and a buffer disposed after the commit has nothing to flush into.
    /// </summary>
    [Fact]
    public void WritebackAsTheFileGrowsKeepsEveryByteInOrder()
    {
        string path = Path.Combine(_dir, "out.bin");
        var expected = new MemoryStream();
        var buffered = default(BufferedStream);
        using (var file = AtomicFile.Create(path, bufferSize: 4096))
        {
            buffered = new BufferedStream(file.Stream, 1 << 16);
            var random = new Random(5);
            for (int piece = 0; expected.Length < 3 * AtomicFile.WritebackInterval; piece++)
            {
                // Pieces larger and smaller than both buffers; now and then single bytes straight to the file.
                var bytes = new byte[random.Next(1, 300_000)];
                random.NextBytes(bytes);
                expected.Write(bytes);
                buffered.Write(bytes);
                if (piece % 7 == 0)
                {
                    buffered.Flush();
                    file.Stream.WriteByte((byte)piece);
                    expected.WriteByte((byte)piece);
                }
            }

            buffered.Flush();
            Assert.Equal(expected.Length, file.Stream.Position);
            Assert.InRange(file.WritebacksStarted, OperatingSystem.IsLinux() ? 2 : 0, 3);
            file.Commit();
            Assert.False(file.Stream.CanWrite);
        }

        buffered.Dispose();
        Assert.Equal(expected.ToArray(), File.ReadAllBytes(path));
    }
}
