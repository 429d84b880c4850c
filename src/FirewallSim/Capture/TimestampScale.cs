using System.Globalization;
using System.Runtime.CompilerServices;

namespace FirewallSim.Capture;

/// <summary>
/// Converts pcapng timestamp units (if_tsresol: 10^-n or 2^-n seconds, plus if_tsoffset seconds)
/// to integer nanoseconds since the epoch. Values that do not fit saturate instead of wrapping.
/// </summary>
internal readonly struct TimestampScale
{
    private readonly ulong _mul;      // power-of-ten resolutions ≤ 1e-9: ns = ts * _mul
    private readonly ulong _div;      // power-of-ten resolutions > 1e-9: ns = ts / _div
    private readonly int _shift;      // power-of-two resolutions: ns = ts * 1e9 >> _shift
    private readonly bool _pow2;
    private readonly long _offsetNs;

    private TimestampScale(ulong mul, ulong div, int shift, bool pow2, long offsetNs, string description)
    {
        _mul = mul;
        _div = div;
        _shift = shift;
        _pow2 = pow2;
        _offsetNs = offsetNs;
        Description = description;
    }

    public string Description { get; }

    public static TimestampScale From(byte tsresol, long offsetSeconds)
    {
        long offsetNs = SaturatingMul(offsetSeconds, 1_000_000_000L);
        int exp = tsresol & 0x7F;
        if ((tsresol & 0x80) != 0)
        {
            return new TimestampScale(0, 0, exp, pow2: true, offsetNs, "2^-" + exp.ToString(CultureInfo.InvariantCulture));
        }

        string desc = "1e-" + exp.ToString(CultureInfo.InvariantCulture);
        if (exp <= 9)
        {
            return new TimestampScale(Pow10(9 - exp), 1, 0, pow2: false, offsetNs, desc);
        }

        // 10^19 is the largest power of ten in a ulong; finer units than that make every timestamp 0 ns.
        ulong div = exp - 9 <= 19 ? Pow10(exp - 9) : 0;
        return new TimestampScale(0, div, 0, pow2: false, offsetNs, desc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long ToNanoseconds(ulong ts)
    {
        ulong ns;
        if (_pow2)
        {
            UInt128 wide = ((UInt128)ts * 1_000_000_000UL) >> _shift;
            ns = wide > long.MaxValue ? long.MaxValue : (ulong)wide;
        }
        else if (_mul != 0)
        {
            ns = ts <= (ulong)long.MaxValue / _mul ? ts * _mul : long.MaxValue;
        }
        else
        {
            ns = _div == 0 ? 0 : ts / _div;
        }

        long result = (long)Math.Min(ns, (ulong)long.MaxValue);
        return _offsetNs == 0 ? result : SaturatingAdd(result, _offsetNs);
    }

    private static ulong Pow10(int n)
    {
        ulong v = 1;
        for (int i = 0; i < n; i++)
        {
            v *= 10;
        }

        return v;
    }

    private static long SaturatingMul(long a, long b)
    {
        long r;
        try
        {
            r = checked(a * b);
        }
        catch (OverflowException)
        {
            r = (a < 0) ^ (b < 0) ? long.MinValue : long.MaxValue;
        }

        return r;
    }

    private static long SaturatingAdd(long a, long b)
    {
        long r = unchecked(a + b);
        if (((a ^ r) & (b ^ r)) < 0)
        {
            return a < 0 ? long.MinValue : long.MaxValue;
        }

        return r;
    }
}
