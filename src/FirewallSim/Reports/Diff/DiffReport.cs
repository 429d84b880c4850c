using System.Globalization;
using FirewallSim.Net;
using FirewallSim.Replay;
using FirewallSim.Verdicts;

namespace FirewallSim.Reports.Diff;

/// <summary>Labels for the two sides of a report.</summary>
public sealed record DiffReportOptions
{
    /// <summary>The --config arguments of side A, as given.</summary>
    public IReadOnlyList<string> ConfigA { get; init; } = Array.Empty<string>();

    /// <summary>The --config-b arguments of side B, as given.</summary>
    public IReadOnlyList<string> ConfigB { get; init; } = Array.Empty<string>();
}

/// <summary>A flow's key as text.</summary>
public sealed record FlowText(string Eni, string Direction, string Protocol, string Src, string Dst, int SrcPort, int DstPort)
{
    public override string ToString()
    {
        bool ports = Protocol is "tcp" or "udp";
        return ports
            ? string.Create(CultureInfo.InvariantCulture, $"{Eni} {Direction} {Protocol} {Host(Src)}:{SrcPort} -> {Host(Dst)}:{DstPort}")
            : $"{Eni} {Direction} {Protocol} {Src} -> {Dst}";
    }

    private static string Host(string address) => address.Contains(':', StringComparison.Ordinal) ? "[" + address + "]" : address;
}

/// <summary>One side's decision for a packet, named: the rule (group, direction, index), NACL entry or tracked connection.</summary>
public sealed record DecisionInfo(
    string Action,
    string Reason,
    string Tracking,
    long Frame,
    string Text,
    string? GroupId = null,
    string? RuleDirection = null,
    int? RuleIndex = null,
    string? SecurityGroupRuleId = null,
    string? Rule = null,
    string? NaclId = null,
    string? NaclEntry = null);

/// <summary>One side's packets and bytes of a flow by action, and the tracking modes of its accepted packets.</summary>
public sealed record SideCounts(long AcceptedPackets, long AcceptedBytes, long RejectedPackets, long RejectedBytes, long DroppedPackets, long DroppedBytes, string Tracking,
    long NotSentPackets = 0, long NotSentBytes = 0)
{
    public long Packets => AcceptedPackets + RejectedPackets + DroppedPackets + NotSentPackets;

    public long Bytes => AcceptedBytes + RejectedBytes + DroppedBytes + NotSentBytes;
}

/// <summary>The packets of a flow whose action changed one way, and what decided the first of them on each side.</summary>
public sealed record ChangeDetail(long Packets, long Bytes, DecisionInfo A, DecisionInfo B);

/// <summary>A flow with packets whose action differs between A and B.</summary>
public sealed record FlowChange(FlowText Flow, SideCounts A, SideCounts B, ChangeDetail? Broken, ChangeDetail? Opened, long FirstNs, long LastNs);

/// <summary>A flow accepted on both sides whose accepted packets are tracked on one side and untracked on the other (3.2, 3.4).</summary>
public sealed record TrackingChange(FlowText Flow, string A, string B, DecisionInfo DecisionA, DecisionInfo DecisionB);

/// <summary>A flow evaluated on one side only (its ENI exists in one configuration, or the packets are exempt or unattributed on the other).</summary>
public sealed record OneSidedFlow(FlowText Flow, string Side, long Packets, long Bytes, string Action);

public sealed record DiffSummary
{
    public long PacketsReplayed { get; init; }

    public long PacketsCompared { get; init; }

    public int Flows { get; init; }

    public int ChangedFlows { get; init; }

    public int BrokenFlows { get; init; }

    /// <summary>Verdicts (packet on an ENI in a direction) accepted by A and not by B, summed over the flows.</summary>
    public long BrokenPackets { get; init; }

    public long BrokenBytes { get; init; }

    /// <summary>Distinct packets with at least one broken verdict.</summary>
    public long BrokenDistinctPackets { get; init; }

    public int OpenedFlows { get; init; }

    public long OpenedPackets { get; init; }

    public long OpenedBytes { get; init; }

    public long OpenedDistinctPackets { get; init; }

    public int TrackingChanges { get; init; }

    public int OneSidedFlows { get; init; }

    public int PeakTrackedA { get; init; }

    public int PeakTrackedB { get; init; }

    public bool Partial { get; init; }

    public bool WouldBreak => BrokenFlows > 0;
}

/// <summary>The result of <c>fwsim diff</c>: every flow whose action changed, tracking changes, and totals.</summary>
public sealed record DiffReport(
    DiffSummary Summary,
    IReadOnlyList<FlowChange> Broken,
    IReadOnlyList<FlowChange> Opened,
    IReadOnlyList<TrackingChange> TrackingChanges,
    IReadOnlyList<OneSidedFlow> OneSided,
    IReadOnlyList<string> EnisOnlyInA,
    IReadOnlyList<string> EnisOnlyInB,
    DiffReportOptions Options,
    IReadOnlyList<string> Inputs)
{
    internal static DiffReport Build(DiffSession s, ReplayOutcome? outcome, DiffReportOptions options)
    {
        var c = s.Comparer;
        var enis = c.Enis;
        var namer = new DecisionNamer(s, enis);
        var changes = new List<(FlowKey Key, FlowChange Change)>();
        var tracking = new List<(FlowKey Key, TrackingChange Change)>();
        var oneSided = new List<(FlowKey Key, OneSidedFlow Flow)>();
        int flows = 0;
        long brokenPackets = 0, brokenBytes = 0, openedPackets = 0, openedBytes = 0;
        foreach (var (key, t) in c.Flows)
        {
            flows++;
            var text = namer.Flow(key);
            if (t.Changed)
            {
                var broken = t.BrokenPackets > 0
                    ? new ChangeDetail(t.BrokenPackets, t.BrokenBytes, namer.Name(t.BrokenA, key, side: 0), namer.Name(t.BrokenB, key, side: 1))
                    : null;
                var opened = t.OpenedPackets > 0
                    ? new ChangeDetail(t.OpenedPackets, t.OpenedBytes, namer.Name(t.OpenedA, key, side: 0), namer.Name(t.OpenedB, key, side: 1))
                    : null;
                brokenPackets += t.BrokenPackets;
                brokenBytes += t.BrokenBytes;
                openedPackets += t.OpenedPackets;
                openedBytes += t.OpenedBytes;
                changes.Add((key, new FlowChange(text, Counts(t.A), Counts(t.B), broken, opened, t.FirstNs, t.LastNs)));
            }

            if (t.TrackingChanged)
            {
                tracking.Add((key, new TrackingChange(text, TrackingText(t.A.TrackingSeen), TrackingText(t.B.TrackingSeen),
                    namer.Name(t.A.FirstAccepted, key, 0), namer.Name(t.B.FirstAccepted, key, 1))));
            }

            if (t.OnlyAPackets > 0 && t.B.Packets == 0)
            {
                oneSided.Add((key, new OneSidedFlow(text, "A", t.A.Packets, t.A.Bytes, MainAction(t.A))));
            }
            else if (t.OnlyBPackets > 0 && t.A.Packets == 0)
            {
                oneSided.Add((key, new OneSidedFlow(text, "B", t.B.Packets, t.B.Bytes, MainAction(t.B))));
            }
        }

        var order = Comparer<FlowKey>.Create((x, y) => Compare(enis, x, y));
        var sortedChanges = changes.OrderBy(x => x.Key, order).Select(x => x.Change).ToList();
        var onlyA = new List<string>();
        var onlyB = new List<string>();
        for (int i = 0; i < enis.Count; i++)
        {
            if (enis.InA[i] && !enis.InB[i])
            {
                onlyA.Add(enis.Id(i));
            }
            else if (enis.InB[i] && !enis.InA[i])
            {
                onlyB.Add(enis.Id(i));
            }
        }

        var broke = sortedChanges.Where(x => x.Broken is not null).ToList();
        var open = sortedChanges.Where(x => x.Opened is not null).ToList();
        var summary = new DiffSummary
        {
            PacketsReplayed = outcome?.Packets ?? c.PacketsCompared,
            PacketsCompared = c.PacketsCompared,
            Flows = flows,
            ChangedFlows = sortedChanges.Count,
            BrokenFlows = broke.Count,
            BrokenPackets = brokenPackets,
            BrokenBytes = brokenBytes,
            BrokenDistinctPackets = c.PacketsBroken,
            OpenedFlows = open.Count,
            OpenedPackets = openedPackets,
            OpenedBytes = openedBytes,
            OpenedDistinctPackets = c.PacketsOpened,
            TrackingChanges = tracking.Count,
            OneSidedFlows = oneSided.Count,
            PeakTrackedA = s.EngineA.Counters.PeakTrackedConnections,
            PeakTrackedB = s.EngineB.Counters.PeakTrackedConnections,
            Partial = outcome?.Partial ?? false,
        };
        return new DiffReport(
            summary,
            broke,
            open,
            tracking.OrderBy(x => x.Key, order).Select(x => x.Change).ToList(),
            oneSided.OrderBy(x => x.Key, order).Select(x => x.Flow).ToList(),
            onlyA,
            onlyB,
            options,
            outcome?.Inputs.Select(i => i.Input).ToList() ?? new List<string>());
    }

    internal static string TrackingText(byte seen) => seen switch
    {
        SideTotals.SeenTracked => "tracked",
        SideTotals.SeenUntracked => "untracked",
        SideTotals.SeenTracked | SideTotals.SeenUntracked => "tracked+untracked",
        _ => "-",
    };

    private static string MainAction(in SideTotals t) =>
        t.AcceptedPackets > 0 ? (t.RejectedPackets + t.DroppedPackets + t.NotSentPackets > 0 ? "MIXED" : "ACCEPT") : t.RejectedPackets > 0 ? "REJECT" : "DROP";

    private static SideCounts Counts(in SideTotals t) =>
        new(t.AcceptedPackets, t.AcceptedBytes, t.RejectedPackets, t.RejectedBytes, t.DroppedPackets, t.DroppedBytes, TrackingText(t.TrackingSeen),
            t.NotSentPackets, t.NotSentBytes);

    private static int Compare(EniUnion enis, in FlowKey x, in FlowKey y)
    {
        int c = string.CompareOrdinal(enis.Id(x.Eni), enis.Id(y.Eni));
        if (c == 0)
        {
            c = x.Direction.CompareTo(y.Direction);
        }

        if (c == 0)
        {
            c = x.Protocol.CompareTo(y.Protocol);
        }

        if (c == 0)
        {
            c = x.Src.CompareTo(y.Src);
        }

        if (c == 0)
        {
            c = x.Dst.CompareTo(y.Dst);
        }

        if (c == 0)
        {
            c = x.SrcPort.CompareTo(y.SrcPort);
        }

        return c != 0 ? c : x.DstPort.CompareTo(y.DstPort);
    }

    /// <summary>Names decisions with the rule tables and ENI models of the side that made them.</summary>
    private sealed class DecisionNamer
    {
        private readonly CompiledTimeline[] _sides;
        private readonly int[][] _toSide;
        private readonly EniUnion _enis;

        public DecisionNamer(DiffSession s, EniUnion enis)
        {
            _enis = enis;
            _sides = new[] { s.CompiledA, s.CompiledB };
            _toSide = new int[2][];
            for (int side = 0; side < 2; side++)
            {
                var map = side == 0 ? enis.MapA : enis.MapB;
                var reverse = Enumerable.Repeat(-1, enis.Count).ToArray();
                for (int i = 0; i < map.Length; i++)
                {
                    reverse[map[i]] = i;
                }

                _toSide[side] = reverse;
            }
        }

        public FlowText Flow(in FlowKey k) => new(
            _enis.Id(k.Eni),
            VerdictNames.Direction(k.Direction),
            IpProtocol.Name(k.Protocol),
            k.Src.ToString(),
            k.Dst.ToString(),
            k.SrcPort,
            k.DstPort);

        public DecisionInfo Name(in Decision d, in FlowKey key, int side)
        {
            if (!d.Set)
            {
                return new DecisionInfo("-", "-", "-", 0, "not evaluated");
            }

            if (d.NotSent)
            {
                return new DecisionInfo("NOT SENT", "connection-refused", "-", d.Frame,
                    string.Create(CultureInfo.InvariantCulture, $"never sent: B refused the connection's SYN at frame {d.RefusedAtFrame}"));
            }

            var t = _sides[side];
            string action = VerdictNames.Action(d.Action);
            string reason = VerdictNames.Reason(d.Reason);
            string tracking = VerdictNames.Tracking(d.Tracking);
            Config.SecurityGroupRule? rule = d.RuleId >= 0 && d.RuleId < t.Rules.SecurityGroupRules.Count ? t.Rules.Rule(d.RuleId) : null;
            Rules.NaclEntryRef? nacl = d.NaclEntryId >= 0 && d.NaclEntryId < t.Rules.NaclEntries.Count ? t.Rules.NaclEntry(d.NaclEntryId) : null;
            string text = d.Reason switch
            {
                VerdictReason.AllowedByRule => "allowed by " + rule,
                VerdictReason.AllowedByTrackedConnection => rule is null ? "tracked connection" : "tracked connection opened by " + rule,
                VerdictReason.AllowedNoSecurityGroups => "no security-group layer on this ENI (D16)",
                VerdictReason.RejectedNoMatchingRule => NoRuleText(key, side),
                VerdictReason.RejectedByNacl => "denied by NACL " + nacl + (nacl is null ? "" : " (" + nacl.Entry + ")"),
                VerdictReason.DroppedConntrackAllowance => "dropped: the conntrack allowance is exhausted (D10)",
                VerdictReason.OrphanFragment => "dropped: later fragment without its first fragment (D12)",
                VerdictReason.NotDelivered => "not delivered: the sending ENI's egress refused it (D13)",
                _ => reason,
            };
            if (d.Action == VerdictAction.Accept && d.Tracking != TrackingMode.NotApplicable)
            {
                text += " [" + tracking + "]";
            }

            bool showRule = d.Reason is VerdictReason.AllowedByRule or VerdictReason.AllowedByTrackedConnection or VerdictReason.DroppedConntrackAllowance;
            return new DecisionInfo(
                action,
                reason,
                tracking,
                d.Frame,
                text,
                showRule ? rule?.GroupId : null,
                showRule && rule is not null ? (rule.Egress ? "outbound" : "inbound") : null,
                showRule ? rule?.Index : null,
                showRule ? rule?.RuleId : null,
                showRule ? rule?.ToString() : null,
                nacl?.AclId,
                nacl?.ToString());
        }

        private string NoRuleText(in FlowKey key, int side)
        {
            int idx = _toSide[side][key.Eni];
            var groups = idx >= 0 ? _sides[side].Enis.Interface(idx).GroupIds : Array.Empty<string>();
            string dir = key.Direction == Direction.Egress ? "outbound" : "inbound";
            return groups.Count == 0
                ? "the ENI has no security groups: nothing is allowed (D16)"
                : $"no {dir} rule of {string.Join(", ", groups)} matches";
        }
    }
}
