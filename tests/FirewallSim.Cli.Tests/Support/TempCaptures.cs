using System.Buffers.Binary;
using System.Text;
using FirewallSim.Capture;

namespace FirewallSim.Cli.Tests.Support;

/// <summary>A frame to write, with its time and (when the capture cut it short) its original length.</summary>
internal readonly record struct TestPacket(byte[] Frame, long TimeNs, int WireLength = -1);

/// <summary>A private temporary directory for one test's capture files, deleted afterwards.</summary>
internal sealed class TempCaptures : IDisposable
{
    public TempCaptures()
    {
        Dir = Path.Combine(Path.GetTempPath(), "fwsim-cli-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Dir);
    }

    public string Dir { get; }

    public string PathOf(string name) => Path.Combine(Dir, name);

    /// <summary>Classic little-endian pcap through the library's own PcapWriter.</summary>
    public string Pcap(string name, IEnumerable<TestPacket> packets, ushort linkType = LinkTypes.Ethernet, bool nanosecond = true)
    {
        string path = PathOf(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var writer = new PcapWriter(File.Create(path), linkType, nanosecond);
        foreach (var p in packets)
        {
            writer.Write(p.Frame, p.TimeNs, p.WireLength);
        }

        return path;
    }

    public static byte[] PcapBytes(IEnumerable<TestPacket> packets, ushort linkType = LinkTypes.Ethernet, bool nanosecond = true)
    {
        using var ms = new MemoryStream();
        using (var writer = new PcapWriter(ms, linkType, nanosecond, ownsStream: false))
        {
            foreach (var p in packets)
            {
                writer.Write(p.Frame, p.TimeNs, p.WireLength);
            }
        }

        return ms.ToArray();
    }

    /// <summary>Classic big-endian microsecond pcap, which PcapWriter does not write.</summary>
    public string BigEndianPcap(string name, IEnumerable<TestPacket> packets, ushort linkType = LinkTypes.Ethernet)
    {
        using var ms = new MemoryStream();
        Span<byte> h = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32BigEndian(h, 0xA1B2C3D4);
        BinaryPrimitives.WriteUInt16BigEndian(h[4..], 2);
        BinaryPrimitives.WriteUInt16BigEndian(h[6..], 4);
        BinaryPrimitives.WriteUInt32BigEndian(h[16..], 65535);
        BinaryPrimitives.WriteUInt32BigEndian(h[20..], linkType);
        ms.Write(h);
        Span<byte> r = stackalloc byte[16];
        foreach (var p in packets)
        {
            BinaryPrimitives.WriteUInt32BigEndian(r, (uint)(p.TimeNs / 1_000_000_000));
            BinaryPrimitives.WriteUInt32BigEndian(r[4..], (uint)(p.TimeNs % 1_000_000_000 / 1000));
            BinaryPrimitives.WriteUInt32BigEndian(r[8..], (uint)p.Frame.Length);
            BinaryPrimitives.WriteUInt32BigEndian(r[12..], (uint)(p.WireLength < 0 ? p.Frame.Length : p.WireLength));
            ms.Write(r);
            ms.Write(p.Frame);
        }

        string path = PathOf(name);
        File.WriteAllBytes(path, ms.ToArray());
        return path;
    }

    /// <summary>
    /// Little-endian pcapng, one section: an IDB per (link type, name, if_tsresol) and an EPB per packet
    /// (interface index, time in that interface's units).
    /// </summary>
    public string PcapNg(string name, IReadOnlyList<(ushort LinkType, string Name, byte TsResol)> interfaces, IEnumerable<(int Interface, TestPacket Packet)> packets)
    {
        using var ms = new MemoryStream();
        Block(ms, 0x0A0D0D0A, b =>
        {
            b.Write(BitConverter.GetBytes(0x1A2B3C4Du));
            b.Write(BitConverter.GetBytes((ushort)1));
            b.Write(BitConverter.GetBytes((ushort)0));
            b.Write(BitConverter.GetBytes(-1L));
        });
        foreach (var (linkType, ifName, tsresol) in interfaces)
        {
            Block(ms, 1, b =>
            {
                b.Write(BitConverter.GetBytes(linkType));
                b.Write(BitConverter.GetBytes((ushort)0));
                b.Write(BitConverter.GetBytes(0u)); // snaplen: unlimited
                Option(b, 2, Encoding.UTF8.GetBytes(ifName));
                Option(b, 9, [tsresol]);
                Option(b, 0, []);
            });
        }

        foreach (var (iface, p) in packets)
        {
            byte resol = interfaces[iface].TsResol;
            ulong units = (ulong)(p.TimeNs / (long)Math.Pow(10, 9 - resol));
            Block(ms, 6, b =>
            {
                b.Write(BitConverter.GetBytes((uint)iface));
                b.Write(BitConverter.GetBytes((uint)(units >> 32)));
                b.Write(BitConverter.GetBytes((uint)units));
                b.Write(BitConverter.GetBytes((uint)p.Frame.Length));
                b.Write(BitConverter.GetBytes((uint)(p.WireLength < 0 ? p.Frame.Length : p.WireLength)));
                b.Write(p.Frame);
                b.Write(new byte[(4 - (p.Frame.Length % 4)) % 4]);
            });
        }

        string path = PathOf(name);
        File.WriteAllBytes(path, ms.ToArray());
        return path;
    }

    private static void Block(MemoryStream output, uint type, Action<MemoryStream> body)
    {
        using var b = new MemoryStream();
        body(b);
        uint total = (uint)(12 + b.Length);
        output.Write(BitConverter.GetBytes(type));
        output.Write(BitConverter.GetBytes(total));
        b.WriteTo(output);
        output.Write(BitConverter.GetBytes(total));
    }

    private static void Option(MemoryStream b, ushort code, byte[] value)
    {
        b.Write(BitConverter.GetBytes(code));
        b.Write(BitConverter.GetBytes((ushort)value.Length));
        b.Write(value);
        b.Write(new byte[(4 - (value.Length % 4)) % 4]);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp directory must not fail the test.
        }
    }
}
