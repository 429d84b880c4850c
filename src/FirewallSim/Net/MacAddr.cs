using System.Globalization;
using System.Runtime.CompilerServices;

namespace FirewallSim.Net;

/// <summary>An Ethernet MAC address as a 48-bit number (0 = none).</summary>
public readonly record struct MacAddr(ulong Value)
{
    public static MacAddr None => default;

    public bool IsNone => Value == 0;

    public bool IsMulticast => (Value & 0x0100_0000_0000UL) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static MacAddr Read(ReadOnlySpan<byte> b) =>
        new(((ulong)b[0] << 40) | ((ulong)b[1] << 32) | ((ulong)b[2] << 24) | ((ulong)b[3] << 16) | ((ulong)b[4] << 8) | b[5]);

    public void Write(Span<byte> destination)
    {
        for (int i = 0; i < 6; i++)
        {
            destination[i] = (byte)(Value >> (40 - (8 * i)));
        }
    }

    /// <summary>Parses <c>0a:1b:2c:3d:4e:5f</c> or <c>0a-1b-2c-3d-4e-5f</c>, any case.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out MacAddr mac)
    {
        mac = default;
        text = text.Trim();
        if (text.Length != 17)
        {
            return false;
        }

        ulong v = 0;
        for (int i = 0; i < 6; i++)
        {
            if (i > 0 && text[(i * 3) - 1] != ':' && text[(i * 3) - 1] != '-')
            {
                return false;
            }

            if (!byte.TryParse(text.Slice(i * 3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte b))
            {
                return false;
            }

            v = (v << 8) | b;
        }

        mac = new MacAddr(v);
        return true;
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{(byte)(Value >> 40):x2}:{(byte)(Value >> 32):x2}:{(byte)(Value >> 24):x2}:{(byte)(Value >> 16):x2}:{(byte)(Value >> 8):x2}:{(byte)Value:x2}");
}
