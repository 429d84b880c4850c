using System.Runtime.InteropServices;

namespace FirewallSim.Replay;

/// <summary>Scheduling of a pipelined replay's helper threads.</summary>
internal static partial class HelperThreads
{
    private const int PrioProcess = 0; // with a thread id as "who", Linux applies it to that thread alone

    /// <summary>
    /// Lowers the calling thread's scheduling priority by <paramref name="steps"/> nice levels (at most to 19).
    /// Linux only, and best effort: a thread that keeps its priority is slower, never wrong.
    /// </summary>
    public static void LowerPriority(int steps)
    {
        if (steps <= 0 || !OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            int tid = gettid();
            Marshal.SetLastPInvokeError(0);
            int current = getpriority(PrioProcess, tid);
            if (current == -1 && Marshal.GetLastPInvokeError() != 0)
            {
                return;
            }

            setpriority(PrioProcess, tid, Math.Min(19, current + steps));
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // A C library without gettid (glibc before 2.30): stay at the same priority.
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getpriority(int which, int who);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setpriority(int which, int who, int prio);

    [LibraryImport("libc")]
    private static partial int gettid();
}
