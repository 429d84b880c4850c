using System.Globalization;
using System.Runtime.CompilerServices;

namespace FirewallSim.Net;

/// <summary>
/// A CIDR block of one address family. The network is canonical (host bits cleared), as AWS
/// stores CIDRs: <c>100.68.0.18/18</c> becomes <c>100.68.0.0/18</c>.
/// </summary>
public readonly struct IpPrefix : IEquatable<IpPrefix>
{
    /// <summary>The first address of the block.</summary>
    public readonly IpAddr Network;

    /// <summary>Prefix length in the family's own terms (0–32 for IPv4, 0–128 for IPv6).</summary>
    public readonly byte Length;

    /// <summary>True for an IPv4 block (its network is IPv4-mapped).</summary>
    public readonly bool IsV4;

    public IpPrefix(IpAddr address, int length)
    {
        IsV4 = address.IsV4;
        int max = IsV4 ? 32 : 128;
        if ((uint)length > (uint)max)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"prefix length {length} is out of range 0–{max}");
        }

        Length = (byte)length;
        Network = Mask(address, IsV4 ? length + 96 : length);
    }

    public static IpPrefix AllV4 => new(IpAddr.FromV4(0), 0);

    public static IpPrefix AllV6 => new(new IpAddr(0, 0), 0);

    public static IpPrefix Host(IpAddr address) => new(address, address.IsV4 ? 32 : 128);

    /// <summary>Length in the 128-bit space (IPv4 lengths shifted by 96).</summary>
    public int Length128 => IsV4 ? Length + 96 : Length;

    public bool IsAll => Length == 0;

    /// <summary>Number of addresses, saturated at <see cref="ulong.MaxValue"/>.</summary>
    public ulong Size
    {
        get
        {
            int hostBits = (IsV4 ? 32 : 128) - Length;
            return hostBits >= 64 ? ulong.MaxValue : 1UL << hostBits;
        }
    }

    public IpAddr Last
    {
        get
        {
            int len = Length128;
            ulong hiHost = len >= 64 ? 0 : (len == 0 ? ulong.MaxValue : ulong.MaxValue >> len);
            ulong loHost = len >= 128 ? 0 : (len <= 64 ? ulong.MaxValue : ulong.MaxValue >> (len - 64));
            return new IpAddr(Network.Hi | hiHost, Network.Lo | loHost);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Contains(IpAddr address)
    {
        if (address.IsV4 != IsV4)
        {
            return false;
        }

        return Mask(address, Length128).Equals(Network);
    }

    /// <summary>True when every address of <paramref name="other"/> is inside this block.</summary>
    public bool Contains(IpPrefix other) => other.IsV4 == IsV4 && other.Length >= Length && Contains(other.Network);

    public bool Overlaps(IpPrefix other) => Contains(other) || other.Contains(this);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static IpAddr Mask(IpAddr address, int length128)
    {
        if (length128 >= 128)
        {
            return address;
        }

        if (length128 <= 0)
        {
            return default;
        }

        if (length128 <= 64)
        {
            ulong m = length128 == 64 ? ulong.MaxValue : ~(ulong.MaxValue >> length128);
            return new IpAddr(address.Hi & m, 0);
        }

        return new IpAddr(address.Hi, address.Lo & ~(ulong.MaxValue >> (length128 - 64)));
    }

    public static IpPrefix Parse(string text) =>
        TryParse(text, out var p, out string? error) ? p : throw new FormatException(error);

    /// <summary>
    /// Parses <c>a.b.c.d/n</c> or <c>x::y/n</c>. A bare address is a host route (/32 or /128).
    /// Host bits are cleared, as AWS does.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out IpPrefix prefix, out string? error)
    {
        prefix = default;
        text = text.Trim();
        int slash = text.IndexOf('/');
        var addrText = slash < 0 ? text : text[..slash];
        if (!IpAddr.TryParse(addrText, out var address))
        {
            error = $"'{text.ToString()}' is not a CIDR block: '{addrText.ToString()}' is not an IPv4 or IPv6 address";
            return false;
        }

        int max = address.IsV4 ? 32 : 128;
        int length = max;
        if (slash >= 0)
        {
            var lenText = text[(slash + 1)..];
            if (!int.TryParse(lenText, NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > max)
            {
                error = $"'{text.ToString()}' is not a CIDR block: prefix length must be 0–{max}";
                return false;
            }
        }

        prefix = new IpPrefix(address, length);
        error = null;
        return true;
    }

    public bool Equals(IpPrefix other) => Network.Equals(other.Network) && Length == other.Length && IsV4 == other.IsV4;

    public override bool Equals(object? obj) => obj is IpPrefix other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Network, Length);

    public static bool operator ==(IpPrefix left, IpPrefix right) => left.Equals(right);

    public static bool operator !=(IpPrefix left, IpPrefix right) => !left.Equals(right);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Network}/{Length}");
}
