namespace FirewallSim.Reports.Suggest;

/// <summary>An inclusive range of ports (or ICMP keys).</summary>
public readonly record struct PortRange(int From, int To)
{
    public int Count => To - From + 1;

    public override string ToString() => From == To ? From.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{From}-{To}";
}

/// <summary>Turns the set of destination ports a rule was used for into few, narrow ranges.</summary>
public static class PortRanges
{
    /// <summary>
    /// Sorted, distinct ports → ranges: contiguous ports always form one range, ranges separated by at most
    /// <paramref name="gap"/> unused ports are joined, and while there are more than <paramref name="maxRanges"/>
    /// ranges the two closest neighbours are joined (the fewest unused ports admitted per join). Every range
    /// starts and ends on a used port, so the result never reaches beyond the lowest and highest port seen.
    /// </summary>
    public static IReadOnlyList<PortRange> Merge(IEnumerable<int> ports, int maxRanges = 8, int gap = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRanges, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(gap);
        var sorted = ports.Distinct().Order().ToList();
        var ranges = new List<PortRange>();
        foreach (int p in sorted)
        {
            if (ranges.Count > 0 && p - ranges[^1].To - 1 <= gap)
            {
                ranges[^1] = ranges[^1] with { To = p };
            }
            else
            {
                ranges.Add(new PortRange(p, p));
            }
        }

        while (ranges.Count > maxRanges)
        {
            int best = 0;
            long bestGap = long.MaxValue;
            for (int i = 0; i + 1 < ranges.Count; i++)
            {
                long g = ranges[i + 1].From - ranges[i].To - 1;
                if (g < bestGap)
                {
                    bestGap = g;
                    best = i;
                }
            }

            ranges[best] = new PortRange(ranges[best].From, ranges[best + 1].To);
            ranges.RemoveAt(best + 1);
        }

        return ranges;
    }
}
