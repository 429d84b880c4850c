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
    /// <item>While there are more than <paramref name="maxBlocks"/> blocks, neighbours (in address order) are joined
    /// deepest first — the pair with the longest common prefix, which adds the fewest addresses — into the block
    /// of their common prefix, as long as that block is at least <paramref name="minLength"/> long and inside
    /// <paramref name="within"/>.</item>
    /// </list>
    /// When no join is allowed, more than <paramref name="maxBlocks"/> blocks are returned: the limit on width wins.
    /// O(n log n): the n − 1 boundaries between neighbouring addresses are sorted by common-prefix length once.
    /// </summary>
    public static IReadOnlyList<IpPrefix> Aggregate(IEnumerable<IpAddr> addresses, int maxBlocks, int minLength, IpPrefix? within = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBlocks, 1);
        var a = addresses.Distinct().Order().ToArray();
        if (a.Length == 0)
        {
            return Array.Empty<IpPrefix>();
        }

        bool v4 = a[0].IsV4;
        if (a.Any(x => x.IsV4 != v4))
        {
            throw new ArgumentException("addresses of both families; aggregate each family on its own", nameof(addresses));
        }

        int floor = Math.Max(minLength, within is { } w && w.IsV4 == v4 ? w.Length : 0);

        // Boundary i lies between a[i] and a[i + 1]; joining it puts both in one block.
        var common = new int[Math.Max(0, a.Length - 1)];
        for (int i = 0; i < common.Length; i++)
        {
            common[i] = CommonLength(a[i], a[i + 1], v4);
        }

        var joined = new bool[common.Length];
        int blocks = a.Length;
        if (blocks > maxBlocks)
        {
            var order = Enumerable.Range(0, common.Length).OrderByDescending(i => common[i]).ThenBy(i => i).ToArray();
            foreach (int i in order)
            {
                if (blocks <= maxBlocks || common[i] < floor)
                {
                    break;
                }

                joined[i] = true;
                blocks--;
            }
        }

        // Each run of joined neighbours becomes the block of its common prefix (the shortest boundary inside it).
        // A join needs a common prefix at least as long as the floor, so a block made of addresses inside
        // `within` is inside it too.
        var result = new List<IpPrefix>();
        for (int start = 0; start < a.Length;)
        {
            int end = start, length = v4 ? 32 : 128;
            while (end < common.Length && joined[end])
            {
                length = Math.Min(length, common[end]);
                end++;
            }

            result.Add(new IpPrefix(a[start], length));
            start = end + 1;
        }

        result.Sort(CompareBlocks);
        return Collapse(result);
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
