using System.Runtime.CompilerServices;
using FirewallSim.Net;
using FirewallSim.Verdicts;

namespace FirewallSim.Reports.Diff;

/// <summary>
/// One flow of <c>fwsim diff</c>: (ENI, direction, protocol, source, destination, source port, destination
/// port) over the whole capture — a flow-log record's key without window and action. Ports are 0 for
/// protocols without ports (ICMP included, as in flow logs); a later fragment carries its first fragment's
/// ports (D12). <see cref="Eni"/> indexes the ENIs of both configurations together (<see cref="EniUnion"/>).
/// </summary>
public readonly struct FlowKey : IEquatable<FlowKey>
{
    public readonly IpAddr Src;
    public readonly IpAddr Dst;
    public readonly int Eni;
    public readonly ushort SrcPort;
    public readonly ushort DstPort;
    public readonly byte Protocol;
    public readonly Direction Direction;

    public FlowKey(int eni, Direction direction, byte protocol, IpAddr src, IpAddr dst, ushort srcPort, ushort dstPort)
    {
        Eni = eni;
        Direction = direction;
        Protocol = protocol;
        Src = src;
        Dst = dst;
        SrcPort = srcPort;
        DstPort = dstPort;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Equals(FlowKey other) =>
        Src.Equals(other.Src) && Dst.Equals(other.Dst) && Eni == other.Eni && SrcPort == other.SrcPort
        && DstPort == other.DstPort && Protocol == other.Protocol && Direction == other.Direction;

    public override bool Equals(object? obj) => obj is FlowKey other && Equals(other);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override int GetHashCode()
    {
        ulong h = Src.Lo * 0x9E3779B97F4A7C15UL;
        h ^= Dst.Lo * 0xC2B2AE3D27D4EB4FUL;
        h ^= (Src.Hi ^ (Dst.Hi << 1)) * 0x165667B19E3779F9UL;
        h ^= ((ulong)SrcPort << 48) | ((ulong)DstPort << 32) | ((ulong)Protocol << 24) | ((ulong)(uint)Eni << 1) | (byte)Direction;
        h ^= h >> 29;
        return (int)h ^ (int)(h >> 32);
    }

    public static bool operator ==(FlowKey left, FlowKey right) => left.Equals(right);

    public static bool operator !=(FlowKey left, FlowKey right) => !left.Equals(right);
}

/// <summary>
/// The ENIs of two compiled configurations under one index space, by interface id: an ENI that exists
/// on both sides has one index; one that exists on one side only is still given an index.
/// </summary>
public sealed class EniUnion
{
    private readonly List<string> _ids = new();
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    public EniUnion(CompiledTimeline a, CompiledTimeline b)
    {
        MapA = Map(a);
        MapB = Map(b);
        InA = new bool[_ids.Count];
        InB = new bool[_ids.Count];
        foreach (int i in MapA)
        {
            InA[i] = true;
        }

        foreach (int i in MapB)
        {
            InB[i] = true;
        }
    }

    /// <summary>Side A's ENI index → union index.</summary>
    internal int[] MapA { get; }

    /// <summary>Side B's ENI index → union index.</summary>
    internal int[] MapB { get; }

    /// <summary>The union index of side A's ENI <paramref name="indexA"/>.</summary>
    public int UnionOfA(int indexA) => MapA[indexA];

    /// <summary>The union index of side B's ENI <paramref name="indexB"/>.</summary>
    public int UnionOfB(int indexB) => MapB[indexB];

    internal bool[] InA { get; }

    internal bool[] InB { get; }

    public int Count => _ids.Count;

    public string Id(int index) => _ids[index];

    private int[] Map(CompiledTimeline t)
    {
        var map = new int[t.Enis.Count];
        for (int i = 0; i < map.Length; i++)
        {
            string id = t.Enis.Id(i);
            if (!_index.TryGetValue(id, out int u))
            {
                u = _ids.Count;
                _ids.Add(id);
                _index[id] = u;
            }

            map[i] = u;
        }

        return map;
    }
}
