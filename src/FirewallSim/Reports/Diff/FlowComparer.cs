using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FirewallSim.Decode;
using FirewallSim.Verdicts;

namespace FirewallSim.Reports.Diff;

/// <summary>What decided one packet on one side: enough to name the rule, NACL entry or tracked connection.</summary>
public struct Decision
{
    public long Frame;
    public long TimestampNs;
    public int RuleId;
    public int NaclEntryId;
    public VerdictAction Action;
    public VerdictReason Reason;
    public TrackingMode Tracking;
    public bool Set;

    /// <summary>Side B only: the packet was not given to B's engine because B refused its TCP connection's SYN (at <see cref="RefusedAtFrame"/>).</summary>
    public bool NotSent;

    public long RefusedAtFrame;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Decision Of(in Verdict v, in PacketInfo p) => new()
    {
        Frame = p.FrameNumber,
        TimestampNs = p.TimestampNs,
        RuleId = v.RuleId,
        NaclEntryId = v.NaclEntryId,
        Action = v.Action,
        Reason = v.Reason,
        Tracking = v.Tracking,
        Set = true,
    };
}

/// <summary>Packets and bytes of one flow on one side, by action, and the first decision of each kind.</summary>
public struct SideTotals
{
    public const byte SeenTracked = 1;
    public const byte SeenUntracked = 2;

    public long AcceptedPackets;
    public long AcceptedBytes;
    public long RejectedPackets;
    public long RejectedBytes;

    /// <summary>DROP verdicts: not delivered, conntrack allowance, orphan fragment (no flow-log record).</summary>
    public long DroppedPackets;
    public long DroppedBytes;

    /// <summary>Side B only: packets of a TCP connection whose SYN B refused; they would never have been sent (<see cref="RefusedConnections"/>).</summary>
    public long NotSentPackets;
    public long NotSentBytes;

    /// <summary>Tracking modes of the accepted packets: <see cref="SeenTracked"/> | <see cref="SeenUntracked"/>.</summary>
    public byte TrackingSeen;

    public Decision FirstAccepted;
    public Decision FirstRefused;

    public readonly long Packets => AcceptedPackets + RejectedPackets + DroppedPackets + NotSentPackets;

    public readonly long Bytes => AcceptedBytes + RejectedBytes + DroppedBytes + NotSentBytes;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void AddNotSent(in Verdict a, in PacketInfo p, long refusedAt)
    {
        NotSentPackets++;
        NotSentBytes += p.IpLength;
        if (!FirstRefused.Set)
        {
            FirstRefused = NotSentDecision(a, p, refusedAt);
        }
    }

    internal static Decision NotSentDecision(in Verdict a, in PacketInfo p, long refusedAt) => new()
    {
        Frame = p.FrameNumber,
        TimestampNs = p.TimestampNs,
        RuleId = -1,
        NaclEntryId = -1,
        Action = VerdictAction.Drop,
        Reason = VerdictReason.NotDelivered,
        Tracking = TrackingMode.NotApplicable,
        Set = true,
        NotSent = true,
        RefusedAtFrame = refusedAt,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Add(in Verdict v, in PacketInfo p)
    {
        long bytes = p.IpLength;
        switch (v.Action)
        {
            case VerdictAction.Accept:
                AcceptedPackets++;
                AcceptedBytes += bytes;
                if (v.Tracking == TrackingMode.Tracked)
                {
                    TrackingSeen |= SeenTracked;
                }
                else if (v.Tracking == TrackingMode.Untracked)
                {
                    TrackingSeen |= SeenUntracked;
                }

                if (!FirstAccepted.Set)
                {
                    FirstAccepted = Decision.Of(v, p);
                }

                break;
            case VerdictAction.Reject:
                RejectedPackets++;
                RejectedBytes += bytes;
                if (!FirstRefused.Set)
                {
                    FirstRefused = Decision.Of(v, p);
                }

                break;
            default:
                DroppedPackets++;
                DroppedBytes += bytes;
                if (!FirstRefused.Set)
                {
                    FirstRefused = Decision.Of(v, p);
                }

                break;
        }
    }
}

/// <summary>
/// One flow compared packet by packet. A packet "broke" when side A accepted it and side B did not
/// (REJECT or DROP); it "opened" when B accepted what A did not. Packets evaluated on one side only
/// (the ENI exists in one configuration, or the packet is exempt or unattributed on the other) are
/// counted apart and are neither.
/// </summary>
public struct FlowTotals
{
    public SideTotals A;
    public SideTotals B;
    public long BrokenPackets;
    public long BrokenBytes;
    public long OpenedPackets;
    public long OpenedBytes;
    public long OnlyAPackets;
    public long OnlyBPackets;

    /// <summary>A's and B's decisions for the first packet that broke.</summary>
    public Decision BrokenA;
    public Decision BrokenB;

    /// <summary>A's and B's decisions for the first packet that opened.</summary>
    public Decision OpenedA;
    public Decision OpenedB;
    public long FirstNs;
    public long LastNs;

    public readonly bool Changed => BrokenPackets > 0 || OpenedPackets > 0;

    /// <summary>Both sides accepted packets of the flow and saw different tracking modes for them.</summary>
    public readonly bool TrackingChanged => A.TrackingSeen != 0 && B.TrackingSeen != 0 && A.TrackingSeen != B.TrackingSeen;
}

/// <summary>Gets both sides' verdicts for every packet of a lockstep replay (struct implementations devirtualise).</summary>
public interface IVerdictPairObserver
{
    void OnPair(in PacketInfo packet, in PacketResult a, in PacketResult b);
}

/// <summary>An observer that does nothing.</summary>
public struct NoPairObserver : IVerdictPairObserver
{
    public readonly void OnPair(in PacketInfo packet, in PacketResult a, in PacketResult b)
    {
    }
}

/// <summary>
/// Aggregates the two sides' verdicts of every packet into flows (<see cref="FlowKey"/>) in one hash table.
/// The verdicts of one packet are paired by (ENI, direction); work per packet is a few table probes and
/// additions, with no allocation once a flow has been seen.
/// </summary>
public sealed class FlowComparer
{
    private readonly EniUnion _enis;
    private readonly Dictionary<FlowKey, int> _index;
    private FlowTotals[] _flows;
    private int _count;

    public FlowComparer(EniUnion enis, int initialCapacity = 1024)
    {
        _enis = enis;
        _index = new Dictionary<FlowKey, int>(initialCapacity);
        _flows = new FlowTotals[initialCapacity];
    }

    public EniUnion Enis => _enis;

    public int FlowCount => _count;

    /// <summary>Packets evaluated on at least one side.</summary>
    public long PacketsCompared { get; private set; }

    /// <summary>Packets evaluated (some verdict) on one side and not evaluated at all on the other.</summary>
    public long PacketsOneSided { get; private set; }

    public long PacketsBroken { get; private set; }

    public long PacketsOpened { get; private set; }

    public IEnumerable<(FlowKey Key, FlowTotals Totals)> Flows
    {
        get
        {
            foreach (var kv in _index)
            {
                yield return (kv.Key, _flows[kv.Value]);
            }
        }
    }

    public bool TryGet(in FlowKey key, out FlowTotals totals)
    {
        if (_index.TryGetValue(key, out int i))
        {
            totals = _flows[i];
            return true;
        }

        totals = default;
        return false;
    }

    public void Add(in PacketInfo p, in PacketResult a, in PacketResult b)
    {
        int na = a.Disposition == PacketDisposition.Evaluated ? a.Count : 0;
        int nb = b.Disposition == PacketDisposition.Evaluated ? b.Count : 0;
        if (na == 0 && nb == 0)
        {
            return;
        }

        PacketsCompared++;
        if (na == 0 || nb == 0)
        {
            PacketsOneSided++;
        }

        var mapA = _enis.MapA;
        var mapB = _enis.MapB;
        ushort sport = na > 0 ? a.SrcPort : b.SrcPort;
        ushort dport = na > 0 ? a.DstPort : b.DstPort;
        int usedB = 0;
        bool broke = false, opened = false;
        for (int i = 0; i < na; i++)
        {
            ref readonly var va = ref a.Verdicts[i];
            int eni = mapA[va.Eni];
            int j = 0;
            for (; j < nb; j++)
            {
                if ((usedB & (1 << j)) == 0 && b.Verdicts[j].Direction == va.Direction && mapB[b.Verdicts[j].Eni] == eni)
                {
                    break;
                }
            }

            ref var f = ref Flow(new FlowKey(eni, va.Direction, p.Protocol, p.Src, p.Dst, sport, dport), p.TimestampNs);
            f.A.Add(va, p);
            if (j == nb)
            {
                f.OnlyAPackets++;
                continue;
            }

            usedB |= 1 << j;
            ref readonly var vb = ref b.Verdicts[j];
            f.B.Add(vb, p);
            bool acceptA = va.Action == VerdictAction.Accept;
            bool acceptB = vb.Action == VerdictAction.Accept;
            if (acceptA && !acceptB)
            {
                f.BrokenPackets++;
                f.BrokenBytes += p.IpLength;
                broke = true;
                if (!f.BrokenA.Set)
                {
                    f.BrokenA = Decision.Of(va, p);
                    f.BrokenB = Decision.Of(vb, p);
                }
            }
            else if (!acceptA && acceptB)
            {
                f.OpenedPackets++;
                f.OpenedBytes += p.IpLength;
                opened = true;
                if (!f.OpenedA.Set)
                {
                    f.OpenedA = Decision.Of(va, p);
                    f.OpenedB = Decision.Of(vb, p);
                }
            }
        }

        for (int j = 0; j < nb; j++)
        {
            if ((usedB & (1 << j)) != 0)
            {
                continue;
            }

            ref readonly var vb = ref b.Verdicts[j];
            ref var f = ref Flow(new FlowKey(mapB[vb.Eni], vb.Direction, p.Protocol, p.Src, p.Dst, sport, dport), p.TimestampNs);
            f.B.Add(vb, p);
            f.OnlyBPackets++;
        }

        if (broke)
        {
            PacketsBroken++;
        }

        if (opened)
        {
            PacketsOpened++;
        }
    }

    /// <summary>
    /// A packet of a TCP connection whose opening SYN B refused (<see cref="RefusedConnections"/>): only A
    /// evaluated it; on every ENI and direction where A accepted it, it counts as broken ("not sent" in B).
    /// </summary>
    public void AddNotSent(in PacketInfo p, in PacketResult a, long refusedAtFrame)
    {
        int na = a.Disposition == PacketDisposition.Evaluated ? a.Count : 0;
        if (na == 0)
        {
            return;
        }

        PacketsCompared++;
        bool broke = false;
        for (int i = 0; i < na; i++)
        {
            ref readonly var va = ref a.Verdicts[i];
            ref var f = ref Flow(new FlowKey(_enis.MapA[va.Eni], va.Direction, p.Protocol, p.Src, p.Dst, a.SrcPort, a.DstPort), p.TimestampNs);
            f.A.Add(va, p);
            f.B.AddNotSent(va, p, refusedAtFrame);
            if (va.Action == VerdictAction.Accept)
            {
                f.BrokenPackets++;
                f.BrokenBytes += p.IpLength;
                broke = true;
                if (!f.BrokenA.Set)
                {
                    f.BrokenA = Decision.Of(va, p);
                    f.BrokenB = SideTotals.NotSentDecision(va, p, refusedAtFrame);
                }
            }
        }

        if (broke)
        {
            PacketsBroken++;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref FlowTotals Flow(in FlowKey key, long now)
    {
        ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_index, key, out bool exists);
        if (!exists)
        {
            if (_count == _flows.Length)
            {
                Array.Resize(ref _flows, _flows.Length * 2);
            }

            slot = _count++;
            _flows[slot].FirstNs = now;
        }

        ref var f = ref _flows[slot];
        f.LastNs = now;
        return ref f;
    }
}
