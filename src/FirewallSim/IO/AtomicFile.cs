using System.Globalization;

namespace FirewallSim.IO;

/// <summary>
/// A file that appears under its final name only when complete: writes go to a hidden temporary
/// file in the same directory, which <see cref="Commit"/> renames into place. Disposing without
/// committing deletes the temporary file, so an error never leaves a half-written output behind.
/// </summary>
public sealed class AtomicFile : IDisposable
{
    private readonly FileStream _stream;
    private bool _committed;

    private AtomicFile(string path, string tempPath, FileStream stream)
    {
        FinalPath = path;
        TempPath = tempPath;
        _stream = stream;
    }

    public string FinalPath { get; }

    public string TempPath { get; }

    public Stream Stream => _stream;

    public static AtomicFile Create(string path, int bufferSize = 1 << 16)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, string.Create(CultureInfo.InvariantCulture,
            $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp"));
        var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize);
        return new AtomicFile(full, temp, fs);
    }

    /// <summary>
    /// Hands what has been written so far to the disk now, without waiting for it (Linux: <c>sync_file_range</c>
    /// with <c>SYNC_FILE_RANGE_WRITE</c>; elsewhere nothing). Called between large pieces of output, so the
    /// flush to disk in <see cref="Commit"/> finds most of the file written already instead of writing all of it
    /// at the end, while nothing else is left to do. The caller flushes any buffer it keeps above
    /// <see cref="Stream"/> first. Returns whether the system took the hint; a file system that refuses it
    /// (EINVAL) costs nothing, the file is flushed at <see cref="Commit"/> as always.
    /// </summary>
    public bool StartWriteback()
    {
        if (_committed)
        {
            return false;
        }

        _stream.Flush();
        return OperatingSystem.IsLinux() && Writeback.SyncFileRange(_stream.SafeFileHandle, 0, 0, Writeback.SyncFileRangeWrite) == 0;
    }

    /// <summary>Flushes to disk and renames the temporary file to the final name, replacing any old file.</summary>
    public void Commit()
    {
        if (_committed)
        {
            return;
        }

        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        File.Move(TempPath, FinalPath, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        if (!_committed)
        {
            _stream.Dispose();
            try
            {
                File.Delete(TempPath);
            }
            catch (IOException)
            {
                // Best effort: the temp name is hidden and unique, it never masquerades as output.
            }
        }
    }
}
