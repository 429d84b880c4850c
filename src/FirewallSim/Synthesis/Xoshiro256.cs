using System.Numerics;
using System.Runtime.CompilerServices;

namespace FirewallSim.Synthesis;

/// <summary>
/// xoshiro256** (Blackman and Vigna), seeded through SplitMix64. The generator's only source of
/// randomness: the same seed gives the same sequence on every machine and every .NET version,
/// which <see cref="System.Random"/> does not promise. Integer-only apart from
/// <see cref="NextExponential"/>, which uses <see cref="DeterministicMath"/>.
/// </summary>
internal struct Xoshiro256
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    public Xoshiro256(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>One SplitMix64 step: also a good 64-bit mixing function for hashing small integers.</summary>
    public static ulong SplitMix64(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix64(state);
    }

    /// <summary>SplitMix64's finaliser: a bijective mix of 64 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mix64(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint NextUInt32() => (uint)(NextUInt64() >> 32);

    /// <summary>Uniform in [0, <paramref name="bound"/>) by Lemire's multiply-shift (bias below 2^-32, irrelevant here).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Below(uint bound) => (uint)(((ulong)NextUInt32() * bound) >> 32);

    /// <summary>Uniform in [<paramref name="min"/>, <paramref name="max"/>] (both inclusive).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Between(int min, int max) => min + (int)Below((uint)(max - min + 1));

    /// <summary>True with probability <paramref name="p"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Chance(double p) => NextDouble() < p;

    /// <summary>Uniform in [0, 1) with 53 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Exponentially distributed with mean 1.</summary>
    public double NextExponential()
    {
        // (0, 1]: never 0, so the logarithm is finite.
        double u = ((NextUInt64() >> 11) + 1) * (1.0 / (1UL << 53));
        return -DeterministicMath.Ln(u);
    }
}

/// <summary>
/// Functions whose results must not depend on the platform's math library: only IEEE 754
/// addition, subtraction, multiplication and division, which are exactly rounded everywhere.
/// </summary>
internal static class DeterministicMath
{
    private const double Ln2 = 0.6931471805599453;

    /// <summary>Natural logarithm of a positive, normal number (relative error about 1e-15).</summary>
    public static double Ln(double x)
    {
        if (!(x > 0) || !double.IsNormal(x))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "logarithm of a non-positive or non-normal number");
        }

        long bits = BitConverter.DoubleToInt64Bits(x);
        int exponent = (int)((bits >> 52) & 0x7FF) - 1023;
        double m = BitConverter.Int64BitsToDouble((bits & 0x000F_FFFF_FFFF_FFFFL) | 0x3FF0_0000_0000_0000L); // [1, 2)
        if (m > 1.4142135623730951)
        {
            m *= 0.5;
            exponent++;
        }

        // ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.172: the series converges fast.
        double s = (m - 1.0) / (m + 1.0);
        double s2 = s * s;
        double term = s;
        double sum = s;
        for (int k = 3; k <= 27; k += 2)
        {
            term *= s2;
            sum += term / k;
        }

        return (exponent * Ln2) + (2.0 * sum);
    }
}
