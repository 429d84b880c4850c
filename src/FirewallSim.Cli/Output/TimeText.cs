using System.Globalization;

namespace FirewallSim.Cli.Output;

internal static class TimeText
{
    /// <summary>ISO 8601 UTC with nanoseconds: 2024-05-01T12:00:00.123456789Z.</summary>
    public static string Iso(long ns)
    {
        long sec = Math.DivRem(ns, 1_000_000_000L, out long frac);
        if (frac < 0)
        {
            sec--;
            frac += 1_000_000_000L;
        }

        if (sec < -62135596800L || sec > 253402300799L)
        {
            return sec.ToString(CultureInfo.InvariantCulture) + "s";
        }

        var t = DateTimeOffset.FromUnixTimeSeconds(sec).UtcDateTime;
        return string.Create(CultureInfo.InvariantCulture, $"{t:yyyy-MM-ddTHH:mm:ss}.{frac:D9}Z");
    }
}
