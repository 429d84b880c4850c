using System.Numerics;
using FirewallSim.Net;

namespace FirewallSim.Reports.Suggest;

/// <summary>
/// Turns the peer addresses a rule was used for into CIDR blocks: exact host blocks (/32, /128) while
/// there are few, covering blocks when there are many — but never a block shorter than a limit, and
/// never one outside the block the current rule allows.
/// </summary>
public static class CidrAggregator
{
    /// <summary>
    /// Aggregates addresses of one family.
    /// <list type="number">
    /// <item>Host blocks; sibling blocks that together fill their parent are joined (no address is added).</item>
    /// <item>While there are more than <paramref name="maxBlocks"/> blocks, the two neighbours with the longest
    /// common prefix are replaced by that covering block (which also swallows any block inside it) — as long
    /// as the cover is at least <paramref name="minLength"/> long and inside <paramref name="within"/>.</item>
    /// </list>
    /// When no join is allowed, more than <paramref name="maxBlocks"/> blocks are returned: the limit on width wins.
    /// </summary>
    public static IReadOnlyList<IpPrefix> Aggregate(IEnumerable<IpAddr> addresses, int maxBlocks, int minLength, IpPrefix? within = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBlocks, 1);
        var list = addresses.Distinct().Order().Select(IpPrefix.Host).ToList();
        if (list.Count == 0)
        {
            return list;
        }

        bool v4 = list[0].IsV4;
        if (list.Any(p => p.IsV4 != v4))
        {
            throw new ArgumentException("addresses of both families; aggregate each family on its own", nameof(addresses));
        }

        int floor = Math.Max(minLength, within is { } w && w.IsV4 == v4 ? w.Length : 0);
        list = Collapse(list);
        while (list.Count > maxBlocks)
        {
            int best = -1, bestLength = -1;
            for (int i = 0; i + 1 < list.Count; i++)
            {
                int common = Math.Min(CommonLength(list[i].Network, list[i + 1].Network, v4), Math.Min(list[i].Length, list[i + 1].Length));
                if (common > bestLength)
                {
                    bestLength = common;
                    best = i;
                }
            }

            if (best < 0 || bestLength < floor)
            {
                break;
            }

            var cover = new IpPrefix(list[best].Network, bestLength);
            if (within is { } limit && !limit.Contains(cover))
            {
                break;
            }

            list.RemoveAll(cover.Contains);
            list.Add(cover);
            list.Sort(CompareBlocks);
            list = Collapse(list);
        }

        return list;
    }

    /// <summary>Length of the common leading bits of two addresses in the family's terms (0–32 or 0–128).</summary>
    public static int CommonLength(IpAddr a, IpAddr b, bool v4)
    {
        if (v4)
        {
            return BitOperations.LeadingZeroCount(a.V4 ^ b.V4);
        }

        var x = a.ToUInt128() ^ b.ToUInt128();
        return x == UInt128.Zero ? 128 : (int)UInt128.LeadingZeroCount(x);
    }

    /// <summary>Removes blocks inside others and joins siblings, repeatedly (input sorted by network).</summary>
    private static List<IpPrefix> Collapse(List<IpPrefix> sorted)
    {
        var stack = new List<IpPrefix>(sorted.Count);
        foreach (var p in sorted)
        {
            if (stack.Count > 0 && stack[^1].Contains(p))
            {
                continue;
            }

            stack.Add(p);
            while (stack.Count >= 2 && TryJoin(stack[^2], stack[^1], out var parent))
            {
                stack.RemoveRange(stack.Count - 2, 2);
                stack.Add(parent);
            }
        }

        return stack;
    }

    private static bool TryJoin(IpPrefix a, IpPrefix b, out IpPrefix parent)
    {
        parent = default;
        if (a.Length != b.Length || a.Length == 0 || a.IsV4 != b.IsV4)
        {
            return false;
        }

        var up = new IpPrefix(a.Network, a.Length - 1);
        if (!up.Network.Equals(a.Network) || !up.Contains(b.Network) || a.Network.Equals(b.Network))
        {
            return false;
        }

        parent = up;
        return true;
    }

    private static int CompareBlocks(IpPrefix x, IpPrefix y)
    {
        int c = x.Network.CompareTo(y.Network);
        return c != 0 ? c : x.Length.CompareTo(y.Length);
    }
}
