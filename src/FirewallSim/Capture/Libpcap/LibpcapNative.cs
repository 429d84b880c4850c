using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.InteropServices.Marshalling;

namespace FirewallSim.Capture.Libpcap;

/// <summary>The libpcap entry points FirewallSim uses (Debian package libpcap0.8), bound with LibraryImport.</summary>
internal static partial class LibpcapNative
{
    private const string Lib = "pcap";
    public const int ErrorBufferSize = 256;

    // pcap_activate / pcap_next_ex status codes.
    public const int PCAP_ERROR = -1;
    public const int PCAP_ERROR_BREAK = -2;
    public const int PCAP_ERROR_NOT_ACTIVATED = -3;
    public const int PCAP_ERROR_ACTIVATED = -4;
    public const int PCAP_ERROR_NO_SUCH_DEVICE = -5;
    public const int PCAP_ERROR_RFMON_NOTSUP = -6;
    public const int PCAP_ERROR_NOT_RFMON = -7;
    public const int PCAP_ERROR_PERM_DENIED = -8;
    public const int PCAP_ERROR_IFACE_NOT_UP = -9;
    public const int PCAP_WARNING = 1;
    public const int PCAP_WARNING_PROMISC_NOTSUP = 2;

    public const uint PCAP_NETMASK_UNKNOWN = 0xFFFFFFFF;

    static LibpcapNative()
    {
        NativeLibrary.SetDllImportResolver(typeof(LibpcapNative).Assembly, Resolve);
    }

    /// <summary>Loads libpcap.so.0.8 (Debian's runtime package), then libpcap.so (the -dev symlink).</summary>
    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != Lib)
        {
            return IntPtr.Zero;
        }

        foreach (string candidate in new[] { "libpcap.so.0.8", "libpcap.so.1", "libpcap.so" })
        {
            if (NativeLibrary.TryLoad(candidate, assembly, path, out IntPtr handle))
            {
                return handle;
            }
        }

        return IntPtr.Zero;
    }

    /// <summary>True when the library can be loaded; otherwise <paramref name="error"/> says how to get it.</summary>
    public static bool IsAvailable(out string? error)
    {
        try
        {
            _ = pcap_lib_version();
            error = null;
            return true;
        }
        catch (DllNotFoundException)
        {
            error = "libpcap is not installed (looked for libpcap.so.0.8 and libpcap.so); on Debian/Ubuntu: apt-get install libpcap0.8";
            return false;
        }
        catch (EntryPointNotFoundException ex)
        {
            error = "the installed libpcap is too old: " + ex.Message;
            return false;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct BpfProgram
    {
        public uint Length;
        public IntPtr Instructions;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PacketHeader
    {
        public IntPtr TvSec;    // struct timeval: time_t and suseconds_t, both native longs on Linux
        public IntPtr TvUsec;
        public uint CapLen;
        public uint Len;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Stats
    {
        public uint Received;
        public uint Dropped;
        public uint IfDropped;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PcapIf
    {
        public IntPtr Next;
        public IntPtr Name;
        public IntPtr Description;
        public IntPtr Addresses;
        public uint Flags;
    }

    [LibraryImport(Lib)]
    public static partial IntPtr pcap_lib_version();

    [LibraryImport(Lib)]
    public static partial IntPtr pcap_open_dead(int linktype, int snaplen);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int pcap_compile(IntPtr p, ref BpfProgram fp, string str, int optimize, uint netmask);

    [LibraryImport(Lib)]
    public static partial void pcap_freecode(ref BpfProgram fp);

    [LibraryImport(Lib)]
    public static unsafe partial int pcap_offline_filter(BpfProgram* fp, PacketHeader* h, byte* pkt);

    [LibraryImport(Lib)]
    public static partial IntPtr pcap_geterr(IntPtr p);

    [LibraryImport(Lib)]
    public static partial void pcap_close(IntPtr p);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial IntPtr pcap_create(string source, byte* errbuf);

    [LibraryImport(Lib)]
    public static partial int pcap_set_snaplen(IntPtr p, int snaplen);

    [LibraryImport(Lib)]
    public static partial int pcap_set_promisc(IntPtr p, int promisc);

    [LibraryImport(Lib)]
    public static partial int pcap_set_timeout(IntPtr p, int toMs);

    [LibraryImport(Lib)]
    public static partial int pcap_set_immediate_mode(IntPtr p, int immediate);

    [LibraryImport(Lib)]
    public static partial int pcap_set_buffer_size(IntPtr p, int bufferSize);

    [LibraryImport(Lib)]
    public static partial int pcap_set_tstamp_precision(IntPtr p, int precision);

    [LibraryImport(Lib)]
    public static partial int pcap_activate(IntPtr p);

    [LibraryImport(Lib)]
    public static partial int pcap_setfilter(IntPtr p, ref BpfProgram fp);

    [LibraryImport(Lib)]
    public static partial int pcap_datalink(IntPtr p);

    [LibraryImport(Lib)]
    public static unsafe partial int pcap_next_ex(IntPtr p, PacketHeader** header, byte** data);

    [LibraryImport(Lib)]
    public static unsafe partial int pcap_dispatch(IntPtr p, int count, delegate* unmanaged<IntPtr, PacketHeader*, byte*, void> callback, IntPtr user);

    [LibraryImport(Lib)]
    public static partial int pcap_stats(IntPtr p, out Stats stats);

    [LibraryImport(Lib)]
    public static partial void pcap_breakloop(IntPtr p);

    [LibraryImport(Lib)]
    public static unsafe partial int pcap_findalldevs(out IntPtr alldevs, byte* errbuf);

    [LibraryImport(Lib)]
    public static partial void pcap_freealldevs(IntPtr alldevs);

    [LibraryImport(Lib)]
    public static partial IntPtr pcap_statustostr(int error);

    public static string? Utf8(IntPtr p) => p == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(p);

    public static unsafe string ErrorBuffer(byte* buf) => Marshal.PtrToStringUTF8((IntPtr)buf) ?? string.Empty;
}
