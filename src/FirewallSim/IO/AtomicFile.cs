using System.Globalization;

namespace FirewallSim.IO;

/// <summary>
/// A file that appears under its final name only when complete: writes go to a hidden temporary
/// file in the same directory, which <see cref="Commit"/> renames into place. Disposing without
/// committing deletes the temporary file, so an error never leaves a half-written output behind.
/// </summary>
public sealed class AtomicFile : IDisposable
{
    /// <summary>Bytes written between two starts of the disk writes (see <see cref="StartWriteback"/>).</summary>
    internal const long WritebackInterval = 8 << 20;

    private readonly FileStream _stream;
    private readonly WritebackStream _writer;
    private bool _committed;

    private AtomicFile(string path, string tempPath, FileStream stream)
    {
        FinalPath = path;
        TempPath = tempPath;
        _stream = stream;
        _writer = new WritebackStream(this);
    }

    public string FinalPath { get; }

    public string TempPath { get; }

    /// <summary>Where to write the file's content (write-only, not seekable; <see cref="Stream.Position"/> is the bytes written).</summary>
    public Stream Stream => _writer;

    /// <summary>How many times the disk writes were started before <see cref="Commit"/> (and the system took the hint).</summary>
    internal int WritebacksStarted { get; private set; }

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
    /// with <c>SYNC_FILE_RANGE_WRITE</c>; elsewhere nothing), every <see cref="WritebackInterval"/> bytes. The
    /// flush to disk in <see cref="Commit"/> then finds most of a large file written already, instead of
    /// writing all of it at the end while nothing else is left to do (a replay's 112 MB flowlogs.log: 80–86 →
    /// 9–36 ms). A file system that refuses the hint (EINVAL) costs nothing: Commit flushes as always.
    /// </summary>
    private void StartWriteback()
    {
        _stream.Flush();
        if (OperatingSystem.IsLinux() && Writeback.SyncFileRange(_stream.SafeFileHandle, 0, 0, Writeback.SyncFileRangeWrite) == 0)
        {
            WritebacksStarted++;
        }
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

    /// <summary>The file's stream as writers see it: writes go straight through, and start the disk writes as they accumulate.</summary>
    private sealed class WritebackStream : Stream
    {
        private readonly AtomicFile _file;
        private long _next = WritebackInterval;

        public WritebackStream(AtomicFile file) => _file = file;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => _file._stream.CanWrite; // false once committed, as the file's own

        public override long Length => _file._stream.Length;

        public override long Position
        {
            get => _file._stream.Position;
            set => throw new NotSupportedException();
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _file._stream.Write(buffer);
            Written();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void WriteByte(byte value)
        {
            _file._stream.WriteByte(value);
            Written();
        }

        public override void Flush() => _file._stream.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        private void Written()
        {
            long position = _file._stream.Position;
            if (position >= _next)
            {
                _file.StartWriteback();
                _next = position + WritebackInterval;
            }
        }
    }
}
