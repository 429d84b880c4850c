using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FirewallSim.Capture.Libpcap;

public sealed record LiveCaptureOptions
{
    public int SnapLength { get; init; } = 262_144;

    public bool Promiscuous { get; init; } = true;

    /// <summary>Packet buffer timeout: how long libpcap may hold packets before handing a buffer over.</summary>
    public int TimeoutMs { get; init; } = 100;

    /// <summary>Deliver every packet at once (lower latency, more system calls).</summary>
    public bool Immediate { get; init; }

    /// <summary>Kernel capture buffer; larger rides out bursts without kernel drops.</summary>
    public int BufferBytes { get; init; } = 32 << 20;

    public string? Filter { get; init; }
}

/// <summary>Kernel and interface counters of a live capture (pcap_stats).</summary>
public readonly record struct CaptureStats(long Received, long KernelDropped, long InterfaceDropped);

/// <summary>Receives packets straight out of libpcap's buffer; the span is valid only during the call.</summary>
public interface ILivePacketHandler
{
    void OnPacket(ReadOnlySpan<byte> frame, long timestampNs, int wireLength);
}

/// <summary>
/// A libpcap live capture: pcap_create → settings → pcap_activate (with libpcap's errors turned into
/// actionable messages), then pcap_dispatch in a loop. Frames are handed to the handler straight from
/// libpcap's buffer, with no copy and no allocation per packet.
/// </summary>
public sealed unsafe class LiveCapture : IDisposable
{
    private IntPtr _handle;
    private GCHandle _self;
    private ILivePacketHandler? _handler;
    private Exception? _callbackError;
    private volatile bool _stop;

    private LiveCapture(string device, IntPtr handle, int linkType)
    {
        Device = device;
        _handle = handle;
        LinkType = (ushort)linkType;
    }

    public string Device { get; }

    public ushort LinkType { get; }

    /// <summary>Opens and activates a capture; throws <see cref="LibpcapException"/> with a message that says what to do.</summary>
    public static LiveCapture Open(string device, LiveCaptureOptions options)
    {
        if (!LibpcapNative.IsAvailable(out string? why))
        {
            throw new LibpcapException(why!);
        }

        byte* err = stackalloc byte[LibpcapNative.ErrorBufferSize];
        IntPtr p = LibpcapNative.pcap_create(device, err);
        if (p == IntPtr.Zero)
        {
            throw new LibpcapException($"cannot open {device}: {LibpcapNative.ErrorBuffer(err)}");
        }

        try
        {
            LibpcapNative.pcap_set_snaplen(p, options.SnapLength);
            LibpcapNative.pcap_set_promisc(p, options.Promiscuous ? 1 : 0);
            LibpcapNative.pcap_set_timeout(p, options.TimeoutMs);
            LibpcapNative.pcap_set_immediate_mode(p, options.Immediate ? 1 : 0);
            LibpcapNative.pcap_set_buffer_size(p, options.BufferBytes);
            LibpcapNative.pcap_set_tstamp_precision(p, 1); // PCAP_TSTAMP_PRECISION_NANO
            int rc = LibpcapNative.pcap_activate(p);
            if (rc < 0)
            {
                throw new LibpcapException(ActivateError(device, rc, LibpcapNative.Utf8(LibpcapNative.pcap_geterr(p))));
            }

            if (options.Filter is { } filter)
            {
                var program = default(LibpcapNative.BpfProgram);
                if (LibpcapNative.pcap_compile(p, ref program, filter, 1, LibpcapNative.PCAP_NETMASK_UNKNOWN) != 0)
                {
                    throw new LibpcapException($"invalid filter '{filter}': {LibpcapNative.Utf8(LibpcapNative.pcap_geterr(p))}");
                }

                int set = LibpcapNative.pcap_setfilter(p, ref program);
                LibpcapNative.pcap_freecode(ref program);
                if (set != 0)
                {
                    throw new LibpcapException($"cannot apply filter '{filter}' on {device}: {LibpcapNative.Utf8(LibpcapNative.pcap_geterr(p))}");
                }
            }

            return new LiveCapture(device, p, LibpcapNative.pcap_datalink(p));
        }
        catch
        {
            LibpcapNative.pcap_close(p);
            throw;
        }
    }

    private static string ActivateError(string device, int rc, string? detail) => rc switch
    {
        LibpcapNative.PCAP_ERROR_NO_SUCH_DEVICE =>
            $"no such capture device: {device} (run 'fwsim interfaces' to list them){Detail(detail)}",
        LibpcapNative.PCAP_ERROR_PERM_DENIED =>
            $"permission denied capturing on {device}: live capture needs root or the CAP_NET_RAW capability " +
            $"(e.g. sudo setcap cap_net_raw,cap_net_admin+eip $(readlink -f $(which dotnet))){Detail(detail)}",
        LibpcapNative.PCAP_ERROR_IFACE_NOT_UP => $"interface {device} is down{Detail(detail)}",
        _ => $"cannot capture on {device}: {LibpcapNative.Utf8(LibpcapNative.pcap_statustostr(rc))}{Detail(detail)}",
    };

    private static string Detail(string? d) => string.IsNullOrWhiteSpace(d) ? "" : $" ({d})";

    /// <summary>
    /// Captures until <see cref="Stop"/> is called or the capture fails (interface gone or down):
    /// then throws <see cref="LibpcapException"/>. Runs on the calling thread.
    /// </summary>
    public void Run(ILivePacketHandler handler, Action? afterDispatch = null)
    {
        _handler = handler;
        _self = GCHandle.Alloc(this);
        try
        {
            while (!_stop)
            {
                int n = LibpcapNative.pcap_dispatch(_handle, -1, &OnPacket, GCHandle.ToIntPtr(_self));
                if (_callbackError is { } e)
                {
                    throw new LibpcapException($"packet handler failed on {Device}: {e.Message}", e);
                }

                // Hand over what this buffer held, so quiet links do not keep packets waiting in a half-full batch.
                afterDispatch?.Invoke();

                if (n == LibpcapNative.PCAP_ERROR_BREAK || _stop)
                {
                    break;
                }

                if (n < 0)
                {
                    throw new LibpcapException($"capture on {Device} failed: {LibpcapNative.Utf8(LibpcapNative.pcap_geterr(_handle))}");
                }
            }
        }
        finally
        {
            _self.Free();
        }
    }

    /// <summary>Asks the capture loop to return (pcap_breakloop); safe from any thread.</summary>
    public void Stop()
    {
        _stop = true;
        if (_handle != IntPtr.Zero)
        {
            LibpcapNative.pcap_breakloop(_handle);
        }
    }

    public CaptureStats Stats()
    {
        if (_handle == IntPtr.Zero || LibpcapNative.pcap_stats(_handle, out var s) != 0)
        {
            return default;
        }

        return new CaptureStats(s.Received, s.Dropped, s.IfDropped);
    }

    [UnmanagedCallersOnly]
    private static void OnPacket(IntPtr user, LibpcapNative.PacketHeader* header, byte* data)
    {
        var self = (LiveCapture)GCHandle.FromIntPtr(user).Target!;
        if (self._callbackError is not null)
        {
            return;
        }

        try
        {
            long ns = ((long)header->TvSec * 1_000_000_000L) + (long)header->TvUsec; // nanosecond precision was requested
            self._handler!.OnPacket(new ReadOnlySpan<byte>(data, (int)header->CapLen), ns, (int)header->Len);
        }
#pragma warning disable CA1031 // an exception must never unwind through libpcap's native frames
        catch (Exception ex)
#pragma warning restore CA1031
        {
            self._callbackError = ex;
            LibpcapNative.pcap_breakloop(self._handle);
        }
    }

    public void Dispose()
    {
        if (_handle != IntPtr.Zero)
        {
            LibpcapNative.pcap_close(_handle);
            _handle = IntPtr.Zero;
        }
    }
}

/// <summary>A capture device as pcap_findalldevs lists it.</summary>
public sealed record CaptureDevice(string Name, string? Description, bool Up, bool Running, bool Loopback, bool Wireless);

public static class CaptureDevices
{
    private const uint PcapIfLoopback = 0x1;
    private const uint PcapIfUp = 0x2;
    private const uint PcapIfRunning = 0x4;
    private const uint PcapIfWireless = 0x8;

    public static unsafe IReadOnlyList<CaptureDevice> List()
    {
        if (!LibpcapNative.IsAvailable(out string? why))
        {
            throw new LibpcapException(why!);
        }

        byte* err = stackalloc byte[LibpcapNative.ErrorBufferSize];
        if (LibpcapNative.pcap_findalldevs(out IntPtr all, err) != 0)
        {
            throw new LibpcapException("cannot list capture devices: " + LibpcapNative.ErrorBuffer(err));
        }

        var list = new List<CaptureDevice>();
        try
        {
            for (IntPtr p = all; p != IntPtr.Zero;)
            {
                var d = Unsafe.Read<LibpcapNative.PcapIf>((void*)p);
                list.Add(new CaptureDevice(LibpcapNative.Utf8(d.Name) ?? "?", LibpcapNative.Utf8(d.Description),
                    (d.Flags & PcapIfUp) != 0, (d.Flags & PcapIfRunning) != 0, (d.Flags & PcapIfLoopback) != 0, (d.Flags & PcapIfWireless) != 0));
                p = d.Next;
            }
        }
        finally
        {
            LibpcapNative.pcap_freealldevs(all);
        }

        return list;
    }
}
