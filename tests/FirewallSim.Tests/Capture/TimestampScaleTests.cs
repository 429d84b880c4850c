using FirewallSim.Capture;

namespace FirewallSim.Tests.Capture;

/// <summary>if_tsresol/if_tsoffset arithmetic: exact where it fits, saturating where it does not.</summary>
public class TimestampScaleTests
{
    [Theory]
    [InlineData((byte)6, 1UL, 1_000L, "1e-6")]
    [InlineData((byte)9, 1UL, 1L, "1e-9")]
    [InlineData((byte)0, 3UL, 3_000_000_000L, "1e-0")]
    [InlineData((byte)10, 19UL, 1L, "1e-10")]            // 1.9 ns truncates to 1
    [InlineData((byte)15, 999_999UL, 0L, "1e-15")]
    [InlineData((byte)28, ulong.MaxValue, 1L, "1e-28")]  // 10^19 divisor: the largest that fits a ulong
    [InlineData((byte)29, ulong.MaxValue, 0L, "1e-29")]  // finer still: every timestamp is 0 ns
    [InlineData((byte)0x88, 256UL, 1_000_000_000L, "2^-8")]
    [InlineData((byte)0x88, 1UL, 3_906_250L, "2^-8")]
    [InlineData((byte)0x9E, (1UL << 30) + 1, 1_000_000_000L, "2^-30")] // 0.93 ns truncates
    [InlineData((byte)0xA0, 1UL << 32, 1_000_000_000L, "2^-32")]
    [InlineData((byte)0xFF, ulong.MaxValue, 0L, "2^-127")]
    public void ConvertsUnitsToNanoseconds(byte tsresol, ulong units, long ns, string description)
    {
        var scale = TimestampScale.From(tsresol, 0);

        Assert.Equal(ns, scale.ToNanoseconds(units));
        Assert.Equal(description, scale.Description);
    }

    [Theory]
    [InlineData((byte)9, ulong.MaxValue)]
    [InlineData((byte)6, (ulong.MaxValue / 1000) + 1)]
    [InlineData((byte)6, ulong.MaxValue)]
    [InlineData((byte)0, 9_223_372_037UL)]            // just past long.MaxValue nanoseconds
    [InlineData((byte)0x80, ulong.MaxValue)]          // 2^0 = seconds
    [InlineData((byte)0x81, 18_446_744_074UL)]
    public void ValuesThatDoNotFitSaturate(byte tsresol, ulong units)
    {
        Assert.Equal(long.MaxValue, TimestampScale.From(tsresol, 0).ToNanoseconds(units));
    }

    [Theory]
    [InlineData(100L, 5UL, 100_000_005_000L)]
    [InlineData(-100L, 5UL, -99_999_995_000L)]
    [InlineData(long.MaxValue, 1UL, long.MaxValue)]   // the offset alone saturates
    [InlineData(9_223_372_036L, 854_775_808UL, long.MaxValue)] // offset + value overflows
    [InlineData(long.MinValue, 0UL, long.MinValue)]
    [InlineData(-9_223_372_036L, 0UL, -9_223_372_036_000_000_000L)]
    public void OffsetIsAddedWithSaturation(long offsetSeconds, ulong microseconds, long ns)
    {
        var scale = TimestampScale.From(6, offsetSeconds);

        Assert.Equal(ns, scale.ToNanoseconds(microseconds));
    }
}
