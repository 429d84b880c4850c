using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace FirewallSim.IO;

/// <summary>Linux's <c>sync_file_range(2)</c>, which starts writing a file's dirty pages without waiting for them.</summary>
internal static partial class Writeback
{
    public const uint SyncFileRangeWrite = 2;

    [LibraryImport("libc", EntryPoint = "sync_file_range", SetLastError = true)]
    public static partial int SyncFileRange(SafeFileHandle fd, long offset, long bytes, uint flags);
}
