using System.Globalization;
using System.Runtime.CompilerServices;
using FirewallSim.Attribution;
using FirewallSim.Decode;
using FirewallSim.Net;
using FirewallSim.Rules;
using FirewallSim.Tracking;

namespace FirewallSim.Verdicts;

/// <summary>One phase of the packet path as <c>fwsim explain</c> shows it.</summary>
public sealed record TraceStep(string Eni, string Direction, string Phase, string Outcome, string Detail);

/// <summary>Collects the phases the engine goes through; only used by explain, never on a normal replay.</summary>
public sealed class EngineTrace
{
    public List<TraceStep> Steps { get; } = new();

    public bool Enabled { get; set; } = true;

    internal void Add(string eni, Direction? dir, string phase, string outcome, string detail)
    {
        if (Enabled)
        {
            Steps.Add(new TraceStep(eni, dir is null ? "-" : VerdictNames.Direction(dir.Value), phase, outcome, detail));
        }
    }
}

/// <summary>
/// The packet path of AWS semantics 0.1 for every packet: attribution (D13), exempt traffic (D17),
/// sender egress (SG with conntrack, then NACL) before receiver ingress (NACL, then SG with conntrack),
/// fragments (D12) and configuration versions by packet time (D19). One instance is one simulated VPC
/// state; it is not thread-safe. Nothing here allocates per packet.
/// </summary>
public sealed class SimulationEngine
{
    private static readonly PrefetchHint NoHint = default;
    private readonly CompiledTimeline _timeline;
    private readonly EngineOptions _options;
    private readonly ConnTable<ConnEntryV4> _v4;
    private readonly ConnTable<ConnEntryV6> _v6;
    private int _tracked;
    private int _peakTracked;
    private readonly FragmentTable _fragments;
    private readonly int[] _allowanceUsed;
    private readonly int _allowanceMax;
    private CompiledVersion _version;
    private int _versionIndex;
    private long _versionEnd;

    // No entry expires before this (a lower bound): while packet time has not passed it, nothing in the
    // table is expired, so the allowance check never needs a sweep (D10).
    private long _earliestExpiry = long.MaxValue;

    public SimulationEngine(CompiledTimeline timeline, EngineOptions? options = null)
    {
        _timeline = timeline;
        _options = options ?? EngineOptions.Default;
        _allowanceUsed = new int[Math.Max(1, timeline.AllowanceGroups)];
        _allowanceMax = _options.ConntrackMax ?? int.MaxValue;
        _v4 = new ConnTable<ConnEntryV4>(_options.InitialConntrackCapacity, OnConnectionRemoved);
        _v6 = new ConnTable<ConnEntryV6>(_options.InitialConntrackCapacity / 4, OnConnectionRemoved);
        _fragments = new FragmentTable((long)_options.FragmentLifetime.TotalMilliseconds * 1_000_000L);
        Counters = new EngineCounters(timeline.Enis.Count, timeline.Rules.SecurityGroupRules.Count, timeline.Rules.NaclEntries.Count);
        _version = timeline.Versions[0];
        _versionIndex = 0;
        _versionEnd = timeline.Versions.Count > 1 ? timeline.Versions[1].EffectiveFromNs : long.MaxValue;
    }

    public CompiledTimeline Timeline => _timeline;

    public EngineCounters Counters { get; }

    /// <summary>When set, every phase is recorded (explain); leave null for replays.</summary>
    public EngineTrace? Trace { get; set; }

    /// <summary>The configuration version in force for the last packet processed.</summary>
    public CompiledVersion CurrentVersion => _version;

    public int TrackedConnections => _tracked;

    public int TableEntries => _v4.Count + _v6.Count;

    public long ConntrackMemoryBytes => _v4.MemoryBytes + _v6.MemoryBytes;

    /// <summary>Bytes of one IPv4 and one IPv6 connection-table slot.</summary>
    public static (int V4, int V6) ConntrackEntrySizes => (ConnTable<ConnEntryV4>.EntrySize, ConnTable<ConnEntryV6>.EntrySize);

    /// <summary>Evaluates one decoded packet; the result is written into <paramref name="r"/>.</summary>
    public void Process(in PacketInfo p, ref PacketResult r) => Process(p, ref r, NoHint);

    /// <summary>As <see cref="Process(in PacketInfo, ref PacketResult)"/>, reusing what <see cref="Prefetch"/> worked out for the packet.</summary>
    internal void Process(in PacketInfo p, ref PacketResult r, in PrefetchHint hint)
    {
        r.Count = 0;
        r.Exempt = ExemptKind.None;
        r.SrcPort = r.DstPort = 0;
        r.FlowFlags = 0;
        Counters.Packets++;
        if (p.Status != DecodeStatus.Ok)
        {
            r.Disposition = p.Status == DecodeStatus.NotIp ? PacketDisposition.NotIp : PacketDisposition.Undecodable;
            if (r.Disposition == PacketDisposition.NotIp)
            {
                Counters.NotIp++;
            }
            else
            {
                Counters.Undecodable++;
            }

            Trace?.Add("-", null, "decode", "not evaluated", DecodeNames.Status(p));
            return;
        }

        long now = p.TimestampNs;
        if (now >= _versionEnd || now < _version.EffectiveFromNs)
        {
            SelectVersion(now);
        }

        var version = _version;
        EniAttribution a;
        if (ReferenceEquals(hint.Version, version))
        {
            a = hint.Attribution;
        }
        else
        {
            version.Book.Attribute(p, out a);
        }

        if (!a.Any)
        {
            r.Disposition = PacketDisposition.Unattributed;
            Counters.Unattributed++;
            Trace?.Add("-", null, "attribution", "unattributed", $"neither {p.Src} nor {p.Dst} belongs to a configured ENI");
            return;
        }

        if (a.SrcOwner >= 0 && a.SrcOwner == a.DstOwner)
        {
            r.Disposition = PacketDisposition.SameEni;
            Counters.SameEni++;
            Trace?.Add(EniName(a.SrcOwner), null, "attribution", "ignored", "source and destination are the same ENI (D13)");
            return;
        }

        if (Trace is not null)
        {
            Trace.Add("-", null, "attribution", "attributed", AttributionText(a));
        }

        var exempt = version.Book.Exempt(p);
        if (exempt != ExemptKind.None)
        {
            r.Disposition = PacketDisposition.Exempt;
            r.Exempt = exempt;
            Counters.Exempt[(int)exempt]++;
            Trace?.Add("-", null, "exempt check", "exempt", VerdictNames.Exempt(exempt) + ": never filtered, never logged (D17)");
            return;
        }

        Trace?.Add("-", null, "exempt check", "not exempt", "");
        r.Disposition = PacketDisposition.Evaluated;
        Counters.Evaluated++;

        if (p.IsLaterFragment)
        {
            LaterFragment(p, a, ref r);
            return;
        }

        bool hasPorts = p.Protocol is IpProtocol.Tcp or IpProtocol.Udp;
        r.SrcPort = hasPorts ? p.SrcPort : (ushort)0;
        r.DstPort = hasPorts ? p.DstPort : (ushort)0;
        r.FlowFlags = p.Protocol == IpProtocol.Tcp ? FlowLogFlags(p.TcpFlags) : (byte)0;

        // D13: the sender's egress first; a rejection there means the receiver never sees the packet.
        bool delivered = true;
        if (a.Egress0 >= 0)
        {
            delivered = EvaluateInto(version, a.Egress0, Direction.Egress, p, a, ref r);
        }

        if (delivered && a.Egress1 >= 0)
        {
            delivered = EvaluateInto(version, a.Egress1, Direction.Egress, p, a, ref r);
        }

        if (a.Ingress0 >= 0)
        {
            if (delivered)
            {
                EvaluateInto(version, a.Ingress0, Direction.Ingress, p, a, ref r);
                if (a.Ingress1 >= 0)
                {
                    EvaluateInto(version, a.Ingress1, Direction.Ingress, p, a, ref r);
                }
            }
            else
            {
                NotDelivered(a.Ingress0, p, ref r);
                if (a.Ingress1 >= 0)
                {
                    NotDelivered(a.Ingress1, p, ref r);
                }
            }
        }

        if (p.IsFragment)
        {
            _fragments.RememberFirst(p, r);
        }
    }

    /// <summary>
    /// Starts loading the connection-table slots that <see cref="Process"/> will probe for this packet,
    /// and hands back the packet's attribution for Process to reuse. A caller that prefetches a few
    /// packets ahead of the one it processes hides most of the memory latency of a large table. Changes
    /// no state.
    /// </summary>
    internal void Prefetch(in PacketInfo p, out PrefetchHint hint)
    {
        hint = default;
        if (p.Status != DecodeStatus.Ok)
        {
            return;
        }

        // The version of the packets processed so far; Process uses the hint only if it selects the same one.
        var version = _version;
        version.Book.Attribute(p, out hint.Attribution);
        hint.Version = version;
        if (p.IsLaterFragment)
        {
            return;
        }

        var kind = StateMachine.Classify(p);
        if (kind == TrackKind.IcmpUntracked)
        {
            return;
        }

        if (p.Family == IpFamily.V4)
        {
            PrefetchEntries(_v4, hint.Attribution, kind, p);
        }
        else
        {
            PrefetchEntries(_v6, hint.Attribution, kind, p);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchEntries<TEntry>(ConnTable<TEntry> table, in EniAttribution a, TrackKind kind, in PacketInfo p)
        where TEntry : unmanaged, IConnEntry<TEntry>
    {
        if (a.Egress0 >= 0)
        {
            table.Prefetch(TEntry.Probe(a.Egress0, egress: true, kind, p));
        }

        if (a.Ingress0 >= 0)
        {
            table.Prefetch(TEntry.Probe(a.Ingress0, egress: false, kind, p));
        }
    }

    /// <summary>Removes expired entries everywhere and refreshes the peak (call at the end of a replay).</summary>
    public void Finish(long now)
    {
        _v4.SweepAll(now);
        _v6.SweepAll(now);
        Counters.PeakTrackedConnections = Math.Max(Counters.PeakTrackedConnections, _peakTracked);
    }

    /// <summary>FIN 1, SYN 2, RST 4, SYN-ACK 18 (D22, AWS semantics 5.4).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte FlowLogFlags(byte tcp)
    {
        int v = tcp & (TcpFlags.Fin | TcpFlags.Syn | TcpFlags.Rst);
        if ((tcp & (TcpFlags.Syn | TcpFlags.Ack)) == (TcpFlags.Syn | TcpFlags.Ack))
        {
            v |= 16;
        }

        return (byte)v;
    }

    private bool EvaluateInto(CompiledVersion version, int eniIndex, Direction dir, in PacketInfo p, in EniAttribution a, ref PacketResult r)
    {
        ref var v = ref r.Verdicts[r.Count++];
        var eni = version.Enis[eniIndex]!;
        Evaluate(version, eni, dir, p, a, ref v);
        Counters.Count(v, p.IpLength);
        if (v.Reason == VerdictReason.DroppedConntrackAllowance)
        {
            // D10: counted whether the option turns the drop into a REJECT record or not.
            Counters.ConntrackAllowanceExceeded++;
        }

        return v.Action == VerdictAction.Accept;
    }

    private void NotDelivered(int eniIndex, in PacketInfo p, ref PacketResult r)
    {
        ref var v = ref r.Verdicts[r.Count++];
        v = new Verdict
        {
            Eni = eniIndex,
            Direction = Direction.Ingress,
            Action = VerdictAction.Drop,
            Reason = VerdictReason.NotDelivered,
            RuleId = -1,
            NaclEntryId = -1,
        };
        Counters.Count(v, p.IpLength);
        Trace?.Add(EniName(eniIndex), Direction.Ingress, "delivery", "not delivered", "the sender rejected the packet, so it never arrived here (D13)");
    }

    private void LaterFragment(in PacketInfo p, in EniAttribution a, ref PacketResult r)
    {
        if (_fragments.TryGetFirst(p, out var first))
        {
            // D12: copy the first fragment's verdicts and ports, leave conntrack alone, tcp-flags 0.
            r.SrcPort = first.SrcPort;
            r.DstPort = first.DstPort;
            r.FlowFlags = 0;
            r.Count = first.Count;
            for (int i = 0; i < first.Count; i++)
            {
                ref var v = ref r.Verdicts[i];
                v = first.Verdicts[i];
                v.FragmentCopy = true;
                Counters.Count(v, p.IpLength);
                if (v.RuleId >= 0 && v.Action == VerdictAction.Accept)
                {
                    Counters.Rule(v.RuleId).Hit(p.TimestampNs, tracked: v.Reason == VerdictReason.AllowedByTrackedConnection);
                }

                Trace?.Add(EniName(v.Eni), v.Direction, "fragment", VerdictNames.Action(v.Action), "later fragment: copies the verdict of its first fragment (D12)");
            }

            return;
        }

        Counters.OrphanFragments++;
        Span<int> enis = stackalloc int[] { a.Egress0, a.Egress1, a.Ingress0, a.Ingress1 };
        for (int i = 0; i < 4; i++)
        {
            if (enis[i] < 0)
            {
                continue;
            }

            ref var v = ref r.Verdicts[r.Count++];
            v = new Verdict
            {
                Eni = enis[i],
                Direction = i < 2 ? Direction.Egress : Direction.Ingress,
                Action = VerdictAction.Drop,
                Reason = VerdictReason.OrphanFragment,
                RuleId = -1,
                NaclEntryId = -1,
            };
            Counters.Count(v, p.IpLength);
            Trace?.Add(EniName(v.Eni), v.Direction, "fragment", "DROP", "later fragment whose first fragment was not seen in the last 30 s (D12)");
        }
    }

    private void Evaluate(CompiledVersion version, EniRuntime eni, Direction dir, in PacketInfo p, in EniAttribution a, ref Verdict v)
    {
        v = new Verdict { Eni = eni.Index, Direction = dir, RuleId = -1, NaclEntryId = -1 };
        bool egress = dir == Direction.Egress;
        var peer = egress ? p.Dst : p.Src;
        int portKey = p.DstPort;
        int icmpKey = (p.IcmpType << 8) | p.IcmpCode;
        var nacl = eni.Nacl;
        bool naclApplies = nacl is not null && !eni.InSubnet(peer);

        if (!egress)
        {
            if (naclApplies && !NaclAllows(nacl!, eni, false, peer, p, portKey, icmpKey, ref v))
            {
                return; // D14: on ingress the security group never sees a packet the NACL denied
            }

            if (!naclApplies)
            {
                TraceNaclSkipped(eni, dir, nacl is null);
            }
        }

        SecurityGroupStage(version, eni, dir, p, a, ref v);
        if (v.Action != VerdictAction.Accept)
        {
            return;
        }

        if (egress)
        {
            // D14: the SG stage (and its conntrack update) ran first; the NACL can still reject.
            if (naclApplies)
            {
                NaclAllows(nacl!, eni, true, peer, p, portKey, icmpKey, ref v);
            }
            else
            {
                TraceNaclSkipped(eni, dir, nacl is null);
            }
        }
    }

    private bool NaclAllows(NaclMatcher nacl, EniRuntime eni, bool egress, IpAddr peer, in PacketInfo p, int portKey, int icmpKey, ref Verdict v)
    {
        int id = nacl.Evaluate(egress, peer, p.Protocol, portKey, icmpKey, out bool allow);
        v.NaclEntryId = id;
        v.NaclEvaluated = true;
        Counters.Nacl(id).Hit(p.TimestampNs, tracked: false);
        if (Trace is not null)
        {
            var e = _timeline.Rules.NaclEntry(id);
            Trace.Add(eni.Model.Id, egress ? Direction.Egress : Direction.Ingress, egress ? "NACL outbound" : "NACL inbound",
                allow ? "allow" : "deny", $"{nacl.Id} entry {e.RuleNumberText}: {e.Entry}{(e.Implicit ? " (catch-all)" : "")}");
        }

        if (!allow)
        {
            v.Action = VerdictAction.Reject;
            v.Reason = VerdictReason.RejectedByNacl;
        }

        return allow;
    }

    private void TraceNaclSkipped(EniRuntime eni, Direction dir, bool noAcl)
    {
        if (Trace is not null)
        {
            Trace.Add(eni.Model.Id, dir, dir == Direction.Egress ? "NACL outbound" : "NACL inbound", "not applied",
                noAcl ? "no network ACL is known for the ENI's subnet" : "the peer is inside the ENI's subnet (D14)");
        }
    }

    private void SecurityGroupStage(CompiledVersion version, EniRuntime eni, Direction dir, in PacketInfo p, in EniAttribution a, ref Verdict v)
    {
        bool egress = dir == Direction.Egress;
        long now = p.TimestampNs;
        if (eni.Rules.SkipSecurityGroups)
        {
            v.Action = VerdictAction.Accept;
            v.Reason = VerdictReason.AllowedNoSecurityGroups;
            if (Trace is not null)
            {
                TraceSkipped(eni, dir);
            }

            return;
        }

        var kind = StateMachine.Classify(p);
        if (kind == TrackKind.IcmpUntracked)
        {
            // D8: ICMP errors and other non-query messages never create or match an entry.
            Decide(eni, dir, MatchRules(eni, egress, p, a), now, ref v, Note.IcmpRulesOnly);
            return;
        }

        if (p.Family == IpFamily.V4)
        {
            Track(_v4, version, eni, dir, kind, p, a, ref v);
        }
        else
        {
            Track(_v6, version, eni, dir, kind, p, a, ref v);
        }
    }

    /// <summary>The conntrack lookup and the decisions that follow it, for one address family's table.</summary>
    private void Track<TEntry>(ConnTable<TEntry> table, CompiledVersion version, EniRuntime eni, Direction dir, TrackKind kind,
        in PacketInfo p, in EniAttribution a, ref Verdict v)
        where TEntry : unmanaged, IConnEntry<TEntry>
    {
        bool egress = dir == Direction.Egress;
        long now = p.TimestampNs;
        var probe = TEntry.Probe(eni.Index, egress, kind, p);
        if (Trace is not null)
        {
            TraceExpired(table, eni, dir, probe, now);
        }

        int slot = table.Find(probe, now);
        if (slot >= 0)
        {
            ref var e = ref TEntry.StateOf(ref table[slot]);
            if (kind == TrackKind.Tcp && StateMachine.SynRestarts(e, p.TcpFlags))
            {
                if (Trace is not null)
                {
                    TraceRestart(eni, dir, e);
                }

                table.Remove(slot);
            }
            else if ((e.Flags & ConnFlags.Untracked) == 0)
            {
                // The common case: a tracked connection admits the packet whatever this direction's rules say.
                StateMachine.Advance(ref e, kind, p.TcpFlags, fromRemote: !egress);
                SetExpiry(ref e, now + eni.Timeouts.For((TrackState)e.State));
                v.Action = VerdictAction.Accept;
                v.Reason = VerdictReason.AllowedByTrackedConnection;
                v.Tracking = TrackingMode.Tracked;
                v.State = (TrackState)e.State;
                v.RuleId = e.RuleId;
                if (e.RuleId >= 0)
                {
                    Counters.Rule(e.RuleId).Hit(now, tracked: true);
                }

                if (Trace is not null)
                {
                    TraceTracked(eni, dir, v.State, e.RuleId);
                }

                return;
            }
            else
            {
                // D4: the marker only remembers the flow; every packet is judged by its own direction's rules.
                var mu = MatchRules(eni, egress, p, a);
                v.Tracking = TrackingMode.Untracked;
                v.State = (TrackState)e.State;
                if (mu.Matched)
                {
                    StateMachine.Advance(ref e, kind, p.TcpFlags, fromRemote: !egress);
                    SetExpiry(ref e, now + eni.Timeouts.For((TrackState)e.State));
                    v.State = (TrackState)e.State;
                }

                Decide(eni, dir, mu, now, ref v, Note.UntrackedMarker);
                return;
            }
        }

        var m = MatchRules(eni, egress, p, a);
        if (!m.Matched || kind == TrackKind.IcmpReply)
        {
            Decide(eni, dir, m, now, ref v, m.Matched ? Note.IcmpReplyWithoutRequest : Note.NoEntry);
            return;
        }

        NewFlow(table, version, eni, dir, kind, probe, m, p, a, ref v);
    }

    /// <summary>The first accepted packet of a flow: tracked or untracked (3.2, D1–D4, D11), allowance (D10), a new entry.</summary>
    private void NewFlow<TEntry>(ConnTable<TEntry> table, CompiledVersion version, EniRuntime eni, Direction dir, TrackKind kind, in TEntry probe,
        RuleMatch m, in PacketInfo p, in EniAttribution a, ref Verdict v)
        where TEntry : unmanaged, IConnEntry<TEntry>
    {
        bool egress = dir == Direction.Egress;
        long now = p.TimestampNs;
        var peer = egress ? p.Dst : p.Src;
        int peerOwner = egress ? a.DstOwner : a.SrcOwner;
        int peerMacOwner = egress ? a.DstMacOwner : a.SrcMacOwner;
        bool dynamo = version.DynamoPrefixes.Length > 0 && version.IsDynamo(peer);
        bool autoTracked = dynamo
            || (peerOwner >= 0 && version.Enis[peerOwner]?.AutoTrackPeer == true)
            || (peerMacOwner >= 0 && version.Enis[peerMacOwner]?.AutoTrackPeer == true);
        bool untracked = kind is TrackKind.Tcp or TrackKind.Udp
            && m.OpenMatch
            && !autoTracked
            && eni.Rules.OpensAllPorts(!egress, peer.IsV4, kind == TrackKind.Udp);

        int weight = dynamo ? 2 : 1;
        if (!untracked && _allowanceUsed[eni.AllowanceGroup] + weight > _allowanceMax && now > _earliestExpiry)
        {
            // D10: entries that idled out no longer count, even where the lazy sweep has not reached them yet.
            _earliestExpiry = Math.Min(_v4.SweepExpired(now), _v6.SweepExpired(now));
        }

        if (!untracked && _allowanceUsed[eni.AllowanceGroup] + weight > _allowanceMax)
        {
            v.Action = _options.RejectOnAllowanceDrop ? VerdictAction.Reject : VerdictAction.Drop;
            v.Reason = VerdictReason.DroppedConntrackAllowance;
            v.RuleId = m.RuleId;
            if (Trace is not null)
            {
                TraceAllowance(eni, dir);
            }

            return;
        }

        int slot = table.Insert(probe, now);
        ref var n = ref TEntry.StateOf(ref table[slot]);
        n.RuleId = m.RuleId;
        if (untracked)
        {
            n.Flags |= ConnFlags.Untracked;
        }
        else
        {
            if (weight == 2)
            {
                n.Flags |= ConnFlags.DoubleWeight;
            }

            _allowanceUsed[eni.AllowanceGroup] += weight;
            _tracked += weight;
            if (_tracked > _peakTracked)
            {
                _peakTracked = _tracked;
            }
        }

        StateMachine.Start(ref n, kind, p.TcpFlags, fromRemote: !egress);
        SetExpiry(ref n, now + eni.Timeouts.For((TrackState)n.State));
        Counters.Rule(m.RuleId).Flows++;
        v.Tracking = untracked ? TrackingMode.Untracked : TrackingMode.Tracked;
        v.State = (TrackState)n.State;
        Decide(eni, dir, m, now, ref v,
            untracked ? Note.NewUntracked
            : autoTracked ? Note.NewAutoTracked
            : kind is TrackKind.Tcp or TrackKind.Udp ? (m.OpenMatch ? Note.NewTrackedOtherSideNotOpen : Note.NewTrackedNarrowRule)
            : kind == TrackKind.Other ? Note.NewTrackedOtherProtocol : Note.NewTrackedIcmp);
    }

    /// <summary>The rules of the packet's direction; D15: group references never match a frame relayed by another configured ENI.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static RuleMatch MatchRules(EniRuntime eni, bool egress, in PacketInfo p, in EniAttribution a)
    {
        bool relayed = egress
            ? a.DstMacOwner >= 0 && a.DstMacOwner != a.DstOwner
            : a.SrcMacOwner >= 0 && a.SrcMacOwner != a.SrcOwner;
        int key = DirectionRules.KeyOf(p.Protocol, p.DstPort, p.IcmpType, p.IcmpCode);
        return eni.Rules.For(egress).Match(egress ? p.Dst : p.Src, p.Protocol, key, !relayed);
    }

    /// <summary>Why a decision was reached, for explain's trace; a value, so the hot path never builds strings.</summary>
    private enum Note : byte
    {
        None,
        NoEntry,
        IcmpRulesOnly,
        IcmpReplyWithoutRequest,
        UntrackedMarker,
        NewUntracked,
        NewAutoTracked,
        NewTrackedOtherSideNotOpen,
        NewTrackedNarrowRule,
        NewTrackedOtherProtocol,
        NewTrackedIcmp,
    }

    private static string NoteText(Note note) => note switch
    {
        Note.IcmpRulesOnly => "ICMP errors and non-query messages are judged by rules alone (D8)",
        Note.IcmpReplyWithoutRequest => "an ICMP reply without its request creates no entry (D8)",
        Note.NewUntracked => "untracked: an open rule admits it and the other direction is open on every port (3.2, D1–D3)",
        Note.NewAutoTracked => "tracked: the peer is an automatically tracked service (D11)",
        Note.NewTrackedOtherSideNotOpen => "tracked: the other direction is not open to all on every port",
        Note.NewTrackedNarrowRule => "tracked: the admitting rule is not open to 0.0.0.0/0 or ::/0",
        Note.NewTrackedOtherProtocol => "tracked: other protocols are tracked by address pair (D9)",
        Note.NewTrackedIcmp => "tracked: ICMP is always tracked (D8)",
        _ => "",
    };

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void TraceSkipped(EniRuntime eni, Direction dir) =>
        Trace!.Add(eni.Model.Id, dir, dir == Direction.Egress ? "SG outbound" : "SG inbound", "skipped", $"{eni.Model.InterfaceType} ENI without security groups (D16)");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void TraceExpired<TEntry>(ConnTable<TEntry> table, EniRuntime eni, Direction dir, in TEntry probe, long now)
        where TEntry : unmanaged, IConnEntry<TEntry>
    {
        if (table.Peek(probe, out var before) && now > before.ExpiresAt)
        {
            Trace!.Add(eni.Model.Id, dir, "conntrack", "entry expired",
                string.Create(CultureInfo.InvariantCulture,
                    $"the flow's {((before.Flags & ConnFlags.Untracked) != 0 ? "untracked marker" : "entry")} ({VerdictNames.State((TrackState)before.State)}) idled out {(now - before.ExpiresAt) / 1e9:0.###} s ago (D5)"));
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void TraceRestart(EniRuntime eni, Direction dir, in ConnState e) =>
        Trace!.Add(eni.Model.Id, dir, "conntrack", "restart", $"pure SYN on a {VerdictNames.State((TrackState)e.State)} entry starts a new connection (D6)");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void TraceTracked(EniRuntime eni, Direction dir, TrackState state, int ruleId) =>
        Trace!.Add(eni.Model.Id, dir, "conntrack", "tracked connection",
            $"entry found, now {VerdictNames.State(state)}; allowed whatever this direction's rules say" +
            (ruleId >= 0 ? $" (opened by {_timeline.Rules.Rule(ruleId)})" : ""));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void TraceAllowance(EniRuntime eni, Direction dir)
    {
        Trace!.Add(eni.Model.Id, dir, "conntrack", "no entry", "judged by the rules");
        Trace.Add(eni.Model.Id, dir, "conntrack", "allowance exceeded",
            $"a new tracked connection would exceed the maximum of {_allowanceMax} (D10): dropped, counted as conntrack_allowance_exceeded");
    }

    /// <summary>Sets an entry's expiry and keeps <see cref="_earliestExpiry"/> a lower bound of every entry's expiry.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetExpiry(ref ConnState e, long expiresAt)
    {
        e.ExpiresAt = expiresAt;
        if (expiresAt < _earliestExpiry)
        {
            _earliestExpiry = expiresAt;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Decide(EniRuntime eni, Direction dir, RuleMatch m, long now, ref Verdict v, Note note)
    {
        if (m.Matched)
        {
            v.Action = VerdictAction.Accept;
            v.Reason = VerdictReason.AllowedByRule;
            v.RuleId = m.RuleId;
            Counters.Rule(m.RuleId).Hit(now, tracked: false);
        }
        else
        {
            v.Action = VerdictAction.Reject;
            v.Reason = VerdictReason.RejectedNoMatchingRule;
        }

        if (Trace is not null)
        {
            TraceDecision(eni, dir, m, note);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void TraceDecision(EniRuntime eni, Direction dir, RuleMatch m, Note note)
    {
        if (note is Note.NoEntry or Note.IcmpReplyWithoutRequest or Note.NewUntracked or Note.NewAutoTracked
            or Note.NewTrackedOtherSideNotOpen or Note.NewTrackedNarrowRule or Note.NewTrackedOtherProtocol or Note.NewTrackedIcmp)
        {
            Trace!.Add(eni.Model.Id, dir, "conntrack", "no entry", "judged by the rules");
        }
        else if (note == Note.UntrackedMarker)
        {
            Trace!.Add(eni.Model.Id, dir, "conntrack", "untracked flow", "marker found: judged by the rules of this direction (D4)");
        }

        bool egress = dir == Direction.Egress;
        string detail = m.Matched
            ? $"{_timeline.Rules.Rule(m.RuleId)}"
            : eni.Model.GroupIds.Count == 0
                ? "the ENI has no security groups: nothing is allowed (D16)"
                : $"no {(egress ? "outbound" : "inbound")} rule of {string.Join(", ", eni.Model.GroupIds)} matches";
        string text = NoteText(note);
        Trace!.Add(eni.Model.Id, dir, egress ? "SG outbound" : "SG inbound", m.Matched ? "allow" : "deny",
            detail + (text.Length > 0 ? "; " + text : ""));
    }

    private void OnConnectionRemoved(int eni, int weight)
    {
        _tracked -= weight;
        int group = _timeline.AllowanceGroupOfEni[eni];
        _allowanceUsed[group] = Math.Max(0, _allowanceUsed[group] - weight);
    }

    private void SelectVersion(long now)
    {
        var versions = _timeline.Versions;
        int i = versions.Count - 1;
        while (i > 0 && versions[i].EffectiveFromNs > now)
        {
            i--;
        }

        if (i != _versionIndex)
        {
            Trace?.Add("-", null, "configuration", "version change", $"from packet time on, configuration '{versions[i].Label}' applies (D19)");
        }

        _versionIndex = i;
        _version = versions[i];
        _versionEnd = i + 1 < versions.Count ? versions[i + 1].EffectiveFromNs : long.MaxValue;
        Counters.PeakTrackedConnections = Math.Max(Counters.PeakTrackedConnections, _peakTracked);
    }

    private string EniName(int index) => index >= 0 ? _timeline.Enis.Id(index) : "-";

    private string AttributionText(in EniAttribution a)
    {
        var parts = new List<string>();
        if (a.Egress0 >= 0)
        {
            parts.Add("egress on " + EniName(a.Egress0) + (a.SrcOwner < 0 ? " (by source MAC)" : ""));
        }

        if (a.Egress1 >= 0)
        {
            parts.Add("egress on " + EniName(a.Egress1) + " (by source MAC)");
        }

        if (a.Ingress0 >= 0)
        {
            parts.Add("ingress on " + EniName(a.Ingress0) + (a.DstOwner < 0 ? " (by destination MAC)" : ""));
        }

        if (a.Ingress1 >= 0)
        {
            parts.Add("ingress on " + EniName(a.Ingress1) + " (by destination MAC)");
        }

        return string.Join(", ", parts).ToString(CultureInfo.InvariantCulture);
    }
}

/// <summary>What <see cref="SimulationEngine.Prefetch"/> worked out for a packet: its attribution under a configuration version.</summary>
internal struct PrefetchHint
{
    public CompiledVersion? Version;
    public EniAttribution Attribution;
}
