using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace FirewallSim.Net;

/// <summary>
/// An IPv4 or IPv6 address as a 128-bit value. IPv4 addresses are stored IPv4-mapped
/// (<c>::ffff:a.b.c.d</c>) so that one type can key tables for both families without a separate
/// family field, and so that an IPv4 and an IPv6 address can never compare equal.
/// </summary>
public readonly struct IpAddr : IEquatable<IpAddr>, IComparable<IpAddr>, ISpanFormattable, IUtf8SpanFormattable
{
    private const ulong V4MappedHi = 0;
    private const ulong V4MappedLoPrefix = 0x0000_FFFF_0000_0000UL;

    /// <summary>High 64 bits (network order: the first eight bytes).</summary>
    public readonly ulong Hi;

    /// <summary>Low 64 bits (the last eight bytes).</summary>
    public readonly ulong Lo;

    public IpAddr(ulong hi, ulong lo)
    {
        Hi = hi;
        Lo = lo;
    }

    public static IpAddr None => default;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static IpAddr FromV4(uint address) => new(V4MappedHi, V4MappedLoPrefix | address);

    /// <summary>Reads an IPv4 address from four bytes in network order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static IpAddr ReadV4(ReadOnlySpan<byte> src) => FromV4(BinaryPrimitives.ReadUInt32BigEndian(src));

    /// <summary>Reads an IPv6 address from sixteen bytes in network order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static IpAddr ReadV6(ReadOnlySpan<byte> src) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(src), BinaryPrimitives.ReadUInt64BigEndian(src.Slice(8)));

    public bool IsV4
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Hi == V4MappedHi && (Lo & 0xFFFF_FFFF_0000_0000UL) == V4MappedLoPrefix;
    }

    /// <summary>The IPv4 address as a host-order number; only meaningful when <see cref="IsV4"/>.</summary>
    public uint V4
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (uint)Lo;
    }

    public bool IsNone => Hi == 0 && Lo == 0;

    public UInt128 ToUInt128() => new(Hi, Lo);

    public static IpAddr FromUInt128(UInt128 value) => new((ulong)(value >> 64), (ulong)value);

    public void WriteBytes(Span<byte> destination)
    {
        if (IsV4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, V4);
        }
        else
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination, Hi);
            BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(8), Lo);
        }
    }

    public bool Equals(IpAddr other) => Hi == other.Hi && Lo == other.Lo;

    public override bool Equals([NotNullWhen(true)] object? obj) => obj is IpAddr other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Hi, Lo);

    /// <summary>Numeric order; every IPv4 address sorts before every global IPv6 address.</summary>
    public int CompareTo(IpAddr other)
    {
        // IPv4-mapped values are numerically small-ish but not below e.g. ::1; order v4 first explicitly.
        bool a = IsV4, b = other.IsV4;
        if (a != b)
        {
            return a ? -1 : 1;
        }

        int c = Hi.CompareTo(other.Hi);
        return c != 0 ? c : Lo.CompareTo(other.Lo);
    }

    public static bool operator ==(IpAddr left, IpAddr right) => left.Equals(right);

    public static bool operator !=(IpAddr left, IpAddr right) => !left.Equals(right);

    public static bool operator <(IpAddr left, IpAddr right) => left.CompareTo(right) < 0;

    public static bool operator >(IpAddr left, IpAddr right) => left.CompareTo(right) > 0;

    public static bool operator <=(IpAddr left, IpAddr right) => left.CompareTo(right) <= 0;

    public static bool operator >=(IpAddr left, IpAddr right) => left.CompareTo(right) >= 0;

    public static IpAddr Parse(string text) =>
        TryParse(text, out var a) ? a : throw new FormatException($"'{text}' is not an IPv4 or IPv6 address");

    /// <summary>Parses dotted-quad IPv4 or any RFC 4291 text form of IPv6 (including embedded IPv4).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out IpAddr address)
    {
        address = default;
        text = text.Trim();
        if (text.IsEmpty)
        {
            return false;
        }

        if (text.IndexOf(':') < 0)
        {
            if (TryParseV4(text, out uint v4))
            {
                address = FromV4(v4);
                return true;
            }

            return false;
        }

        return TryParseV6(text, out address);
    }

    private static bool TryParseV4(ReadOnlySpan<char> text, out uint value)
    {
        value = 0;
        int parts = 0;
        while (true)
        {
            int dot = text.IndexOf('.');
            var part = dot < 0 ? text : text[..dot];
            if (part.IsEmpty || part.Length > 3)
            {
                return false;
            }

            uint octet = 0;
            foreach (char ch in part)
            {
                if (ch < '0' || ch > '9')
                {
                    return false;
                }

                octet = (octet * 10) + (uint)(ch - '0');
            }

            if (octet > 255)
            {
                return false;
            }

            value = (value << 8) | octet;
            parts++;
            if (dot < 0)
            {
                break;
            }

            text = text[(dot + 1)..];
        }

        return parts == 4;
    }

    private static bool TryParseV6(ReadOnlySpan<char> text, out IpAddr address)
    {
        address = default;

        // A zone id (fe80::1%eth0) has no meaning for cloud rules; refuse it rather than guess.
        if (text.IndexOf('%') >= 0)
        {
            return false;
        }

        Span<ushort> words = stackalloc ushort[8];
        int count = 0;
        int gap = -1;
        int i = 0;
        if (text.StartsWith("::"))
        {
            gap = 0;
            i = 2;
            if (text.Length == 2)
            {
                address = new IpAddr(0, 0);
                return true;
            }
        }
        else if (text[0] == ':')
        {
            return false;
        }

        while (i < text.Length)
        {
            int end = i;
            while (end < text.Length && text[end] != ':')
            {
                end++;
            }

            var group = text[i..end];
            if (group.IndexOf('.') >= 0)
            {
                // Embedded IPv4 must be last and take two words.
                if (end != text.Length || count > 6 || !TryParseV4(group, out uint v4))
                {
                    return false;
                }

                words[count++] = (ushort)(v4 >> 16);
                words[count++] = (ushort)v4;
                i = end;
                break;
            }

            if (group.IsEmpty || group.Length > 4 || count >= 8)
            {
                return false;
            }

            if (!ushort.TryParse(group, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ushort w))
            {
                return false;
            }

            words[count++] = w;
            if (end == text.Length)
            {
                i = end;
                break;
            }

            // end points at ':'
            if (end + 1 < text.Length && text[end + 1] == ':')
            {
                if (gap >= 0)
                {
                    return false;
                }

                gap = count;
                i = end + 2;
                if (i == text.Length)
                {
                    break;
                }
            }
            else
            {
                i = end + 1;
                if (i == text.Length)
                {
                    return false; // trailing single colon
                }
            }
        }

        Span<ushort> full = stackalloc ushort[8];
        if (gap >= 0)
        {
            if (count >= 8)
            {
                return false;
            }

            int tail = count - gap;
            for (int k = 0; k < gap; k++)
            {
                full[k] = words[k];
            }

            for (int k = 0; k < tail; k++)
            {
                full[8 - tail + k] = words[gap + k];
            }
        }
        else
        {
            if (count != 8)
            {
                return false;
            }

            words.CopyTo(full);
        }

        ulong hi = 0, lo = 0;
        for (int k = 0; k < 4; k++)
        {
            hi = (hi << 16) | full[k];
            lo = (lo << 16) | full[k + 4];
        }

        address = new IpAddr(hi, lo);
        return true;
    }

    public override string ToString()
    {
        Span<char> buffer = stackalloc char[48];
        TryFormat(buffer, out int written);
        return new string(buffer[..written]);
    }

    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null) =>
        TryFormatText(destination, out charsWritten);

    /// <summary>The same text as ASCII bytes, straight into a UTF-8 buffer (flow-log lines), with no chars in between.</summary>
    public bool TryFormat(Span<byte> utf8Destination, out int bytesWritten, ReadOnlySpan<char> format = default, IFormatProvider? provider = null) =>
        TryFormatText(utf8Destination, out bytesWritten);

    /// <summary>Dotted decimal, or RFC 5952 (lower case, the longest run of two or more zero words compressed).</summary>
    private bool TryFormatText<TChar>(Span<TChar> destination, out int written)
        where TChar : unmanaged, IBinaryInteger<TChar>
    {
        written = 0;
        int pos = 0;
        if (IsV4)
        {
            uint v = V4;
            int length = 3;
            for (int shift = 24; shift >= 0; shift -= 8)
            {
                uint octet = (v >> shift) & 0xFF;
                length += octet >= 100 ? 3 : octet >= 10 ? 2 : 1;
            }

            if (destination.Length < length)
            {
                return false;
            }

            for (int shift = 24; shift >= 0; shift -= 8)
            {
                uint octet = (v >> shift) & 0xFF;
                if (octet >= 100)
                {
                    destination[pos++] = Digit<TChar>(octet / 100);
                }

                if (octet >= 10)
                {
                    destination[pos++] = Digit<TChar>(octet / 10 % 10);
                }

                destination[pos++] = Digit<TChar>(octet % 10);
                if (shift != 0)
                {
                    destination[pos++] = TChar.CreateTruncating('.');
                }
            }

            written = pos;
            return true;
        }

        if (destination.Length < 39)
        {
            return false;
        }

        Span<ushort> w = stackalloc ushort[8];
        for (int k = 0; k < 4; k++)
        {
            w[k] = (ushort)(Hi >> (48 - (16 * k)));
            w[k + 4] = (ushort)(Lo >> (48 - (16 * k)));
        }

        int bestStart = -1, bestLen = 0;
        for (int k = 0; k < 8;)
        {
            if (w[k] != 0)
            {
                k++;
                continue;
            }

            int start = k;
            while (k < 8 && w[k] == 0)
            {
                k++;
            }

            if (k - start > bestLen)
            {
                bestStart = start;
                bestLen = k - start;
            }
        }

        if (bestLen < 2)
        {
            bestStart = -1;
        }

        var colon = TChar.CreateTruncating(':');
        for (int k = 0; k < 8; k++)
        {
            if (k == bestStart)
            {
                destination[pos++] = colon;
                if (k == 0)
                {
                    destination[pos++] = colon;
                }

                k += bestLen - 1;
                continue;
            }

            uint word = w[k];
            for (int nibble = word == 0 ? 0 : (31 - BitOperations.LeadingZeroCount(word)) / 4; nibble >= 0; nibble--)
            {
                destination[pos++] = TChar.CreateTruncating("0123456789abcdef"[(int)(word >> (4 * nibble)) & 0xF]);
            }

            if (k < 7)
            {
                destination[pos++] = colon;
            }
        }

        written = pos;
        return true;
    }

    private static TChar Digit<TChar>(uint d)
        where TChar : unmanaged, IBinaryInteger<TChar> => TChar.CreateTruncating('0' + d);
}
