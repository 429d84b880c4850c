using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FirewallSim.Config;
using FirewallSim.Decode;
using FirewallSim.Net;
using FirewallSim.Replay;
using FirewallSim.Reports.Diff;
using FirewallSim.Verdicts;

namespace FirewallSim.Reports.Suggest;

/// <summary>Where a need goes: a group of the current configuration, the current rule that admitted it (-1: none), direction and protocol.</summary>
internal readonly record struct BucketKey(int Group, int Rule, bool Egress, byte Protocol);

/// <summary>One thing that must stay allowed: a destination port (ICMP type &lt;&lt; 8 | code; 0 for other protocols) from or to a peer.</summary>
internal readonly record struct NeedKey(int Key, IpAddr Peer, bool CidrOnly);

internal struct NeedStats
{
    public long Packets;
    public long Bytes;
}

/// <summary>The needs of one <see cref="BucketKey"/>: (key, peer) pairs up to a limit, and every key.</summary>
internal sealed class NeedBucket
{
    public Dictionary<NeedKey, NeedStats> Needs { get; } = new();

    public HashSet<int> Keys { get; } = new();

    public HashSet<int> Enis { get; } = new();

    /// <summary>More distinct peers than <see cref="SuggestOptions.MaxPeersPerRule"/>: the rule's peer must be kept.</summary>
    public bool Overflowed { get; set; }

    public long Packets { get; set; }

    public long Bytes { get; set; }
}

/// <summary>
/// Collects what the observed traffic needs from the security groups, per group, current rule, direction,
/// protocol, port and peer. A packet needs a rule in its direction when a rule decided it: the packet that
/// opens a tracked connection (its replies pass by tracking and need nothing), ICMP errors, and every packet
/// of an untracked flow in the flow's initiating direction. Packets of untracked flows in the other
/// direction are counted but need nothing: the narrowed rules make those flows tracked (spec 3.2), so
/// their responses pass by tracking, as for every tracked flow. Verification replays (see
/// <see cref="Suggester"/>) add whatever this reasoning missed.
/// </summary>
internal sealed class NeedCollector
{
    private readonly CompiledTimeline _compiled;
    private readonly SuggestOptions _options;
    private readonly int[] _ruleGroup;
    private readonly int[] _eniFirstGroup;
    private readonly Dictionary<ConnLite, Direction> _initiator = new();
    private BucketKey _lastKey = new(-2, -2, false, 0);
    private NeedBucket? _last;

    public NeedCollector(CompiledTimeline compiled, AwsConfig current, SuggestOptions options)
    {
        _compiled = compiled;
        _options = options;
        GroupIds = current.SecurityGroups.Keys.Order(StringComparer.Ordinal).ToArray();
        var groupIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < GroupIds.Count; i++)
        {
            groupIndex[GroupIds[i]] = i;
        }

        _ruleGroup = compiled.Rules.SecurityGroupRules.Select(r => groupIndex.TryGetValue(r.GroupId, out int g) ? g : -1).ToArray();
        _eniFirstGroup = new int[compiled.Enis.Count];
        for (int i = 0; i < _eniFirstGroup.Length; i++)
        {
            _eniFirstGroup[i] = -1;
            if (current.NetworkInterfaces.TryGetValue(compiled.Enis.Id(i), out var eni))
            {
                foreach (string g in eni.GroupIds)
                {
                    if (groupIndex.TryGetValue(g, out int gi))
                    {
                        _eniFirstGroup[i] = gi;
                        break;
                    }
                }
            }
        }

        UntrackedResponses = new long[compiled.Rules.SecurityGroupRules.Count];
    }

    /// <summary>Group ids of the current configuration, sorted; bucket keys index into it.</summary>
    public IReadOnlyList<string> GroupIds { get; }

    public Dictionary<BucketKey, NeedBucket> Buckets { get; } = new();

    /// <summary>Per current rule id: packets it admitted in the responding direction of untracked flows.</summary>
    public long[] UntrackedResponses { get; }

    /// <summary>Untracked flows seen (by initiating direction), and their responding packets.</summary>
    public long UntrackedFlows { get; private set; }

    public long UntrackedResponsePackets { get; private set; }

    /// <summary>--all-attempted: attempts a network ACL rejected; security groups cannot change that.</summary>
    public long NaclRejectedAttempts { get; private set; }

    /// <summary>--all-attempted: attempts rejected on ENIs without any known group.</summary>
    public long AttemptsWithoutGroup { get; private set; }

    public int TotalNeeds => Buckets.Values.Sum(b => b.Needs.Count);

    /// <summary>Round 0: the verdicts of a replay against the current configuration.</summary>
    public void Observe(in PacketInfo p, in PacketResult r)
    {
        if (r.Disposition != PacketDisposition.Evaluated)
        {
            return;
        }

        for (int i = 0; i < r.Count; i++)
        {
            ref readonly var v = ref r.Verdicts[i];
            if (v.FragmentCopy)
            {
                continue;
            }

            bool egress = v.Direction == Direction.Egress;
            if (v.Action == VerdictAction.Accept)
            {
                if (v.Reason != VerdictReason.AllowedByRule || v.RuleId < 0)
                {
                    continue; // tracked connection (no rule needed in this direction) or no SG layer
                }

                if (v.Tracking == TrackingMode.Untracked && !InitiatingDirection(v, p))
                {
                    UntrackedResponses[v.RuleId]++;
                    UntrackedResponsePackets++;
                    continue;
                }

                int group = _ruleGroup[v.RuleId];
                if (group < 0)
                {
                    group = _eniFirstGroup[v.Eni];
                }

                if (group >= 0)
                {
                    Add(new BucketKey(group, v.RuleId, egress, p.Protocol), Need(p, r, egress, cidrOnly: false), p.IpLength, v.Eni);
                }
            }
            else if (_options.AllAttempted && IsAttempt(p))
            {
                if (v.Reason == VerdictReason.RejectedNoMatchingRule)
                {
                    int group = _eniFirstGroup[v.Eni];
                    if (group < 0)
                    {
                        AttemptsWithoutGroup++;
                        continue;
                    }

                    Add(new BucketKey(group, -1, egress, p.Protocol), Need(p, r, egress, cidrOnly: false), p.IpLength, v.Eni);
                }
                else if (v.Reason == VerdictReason.RejectedByNacl)
                {
                    NaclRejectedAttempts++;
                }
            }
        }
    }

    /// <summary>The group a need found by verification goes to: the group of the rule A used, else the ENI's first group.</summary>
    public int GroupFor(int ruleId, int eni) => ruleId >= 0 && _ruleGroup[ruleId] >= 0 ? _ruleGroup[ruleId] : _eniFirstGroup[eni];

    /// <summary>Adds one need; true when it was not known before.</summary>
    public bool Add(BucketKey key, NeedKey need, long bytes, int eni, long packets = 1)
    {
        NeedBucket bucket;
        if (key == _lastKey && _last is not null)
        {
            bucket = _last;
        }
        else
        {
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(Buckets, key, out _);
            bucket = slot ??= new NeedBucket();
            _lastKey = key;
            _last = bucket;
        }

        bucket.Packets += packets;
        bucket.Bytes += bytes;
        bucket.Enis.Add(eni);
        bool newKey = bucket.Keys.Add(need.Key);
        if (bucket.Needs.Count >= _options.MaxPeersPerRule && !bucket.Needs.ContainsKey(need))
        {
            bucket.Overflowed = true;
            return newKey;
        }

        ref var stats = ref CollectionsMarshal.GetValueRefOrAddDefault(bucket.Needs, need, out bool exists);
        stats.Packets += packets;
        stats.Bytes += bytes;
        return !exists || newKey;
    }

    /// <summary>True when <see cref="Add"/> would not add anything new.</summary>
    public bool Contains(BucketKey key, NeedKey need) =>
        Buckets.TryGetValue(key, out var b) && b.Keys.Contains(need.Key) && (b.Overflowed || b.Needs.ContainsKey(need));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static NeedKey Need(in PacketInfo p, in PacketResult r, bool egress, bool cidrOnly)
    {
        int key = p.Protocol switch
        {
            IpProtocol.Tcp or IpProtocol.Udp => r.DstPort,
            IpProtocol.Icmp or IpProtocol.Icmpv6 => (p.IcmpType << 8) | p.IcmpCode,
            _ => 0,
        };
        return new NeedKey(key, egress ? p.Dst : p.Src, cidrOnly);
    }

    /// <summary>A packet that starts something: TCP SYN without ACK, UDP, ICMP other than echo/timestamp/information/mask replies, other protocols.</summary>
    public static bool IsAttempt(in PacketInfo p) => p.Protocol switch
    {
        IpProtocol.Tcp => (p.TcpFlags & (TcpFlags.Syn | TcpFlags.Ack)) == TcpFlags.Syn,
        IpProtocol.Udp => true,
        IpProtocol.Icmp => p.IcmpType is not (0 or 14 or 16 or 18),
        IpProtocol.Icmpv6 => p.IcmpType is not 129,
        _ => true,
    };

    /// <summary>
    /// For an untracked flow: is this packet in the direction that started it? A TCP SYN without ACK starts a
    /// flow, a SYN-ACK answers one; otherwise the first direction seen on the ENI is the initiator.
    /// </summary>
    private bool InitiatingDirection(in Verdict v, in PacketInfo p)
    {
        bool egress = v.Direction == Direction.Egress;
        var key = new ConnLite(v.Eni, p.Protocol, egress ? p.Src : p.Dst, egress ? p.Dst : p.Src, egress ? p.SrcPort : p.DstPort, egress ? p.DstPort : p.SrcPort);
        if (p.Protocol == IpProtocol.Tcp)
        {
            byte sa = (byte)(p.TcpFlags & (TcpFlags.Syn | TcpFlags.Ack));
            if (sa == TcpFlags.Syn)
            {
                if (!_initiator.TryGetValue(key, out var d) || d != v.Direction)
                {
                    UntrackedFlows++;
                }

                _initiator[key] = v.Direction;
                return true;
            }

            if (sa == (TcpFlags.Syn | TcpFlags.Ack) && !_initiator.ContainsKey(key))
            {
                _initiator[key] = egress ? Direction.Ingress : Direction.Egress;
                UntrackedFlows++;
                return false;
            }
        }

        ref var dir = ref CollectionsMarshal.GetValueRefOrAddDefault(_initiator, key, out bool exists);
        if (!exists)
        {
            dir = v.Direction;
            UntrackedFlows++;
            return true;
        }

        return dir == v.Direction;
    }

    /// <summary>A flow as seen from an ENI: local and remote address and port.</summary>
    private readonly record struct ConnLite(int Eni, byte Protocol, IpAddr Local, IpAddr Remote, ushort LocalPort, ushort RemotePort);
}

/// <summary>Round 0's sink: every packet's verdicts go to the collector.</summary>
internal struct CollectSink : IReplaySink
{
    public NeedCollector Collector;

    public readonly bool ReadsFrames => false;

    public readonly void Prefetch(in PacketInfo packet, in PacketResult result)
    {
    }

    public readonly void OnPacket(in PacketInfo packet, in PacketResult result, ReadOnlySpan<byte> frame) => Collector.Observe(packet, result);
}

/// <summary>
/// A verification replay's observer: side A is the current configuration, side B the suggestion. Every
/// packet A accepted that B's security groups reject becomes a pending need (CIDR peers only, since a
/// group reference may be what failed, D15); with --all-attempted so does every attempt B still rejects.
/// </summary>
internal sealed class FixupCollector
{
    private readonly NeedCollector _needs;
    private readonly EniUnion _enis;
    private readonly int[] _toA;
    private readonly bool _allAttempted;

    public FixupCollector(NeedCollector needs, EniUnion enis, bool allAttempted)
    {
        _needs = needs;
        _enis = enis;
        _allAttempted = allAttempted;
        _toA = Enumerable.Repeat(-1, enis.Count).ToArray();
        for (int i = 0; i < enis.MapA.Length; i++)
        {
            _toA[enis.MapA[i]] = i;
        }
    }

    public Dictionary<(BucketKey Bucket, NeedKey Need), (long Packets, long Bytes, int Eni)> Pending { get; } = new();

    /// <summary>Packets A accepted that B refused for a reason no security-group rule can change (NACL, conntrack allowance).</summary>
    public long Unfixable { get; private set; }

    public void OnPair(in PacketInfo p, in PacketResult a, in PacketResult b)
    {
        if (a.Disposition != PacketDisposition.Evaluated || b.Disposition != PacketDisposition.Evaluated)
        {
            return;
        }

        for (int j = 0; j < b.Count; j++)
        {
            ref readonly var vb = ref b.Verdicts[j];
            if (vb.Action == VerdictAction.Accept || vb.FragmentCopy)
            {
                continue;
            }

            int u = _enis.MapB[vb.Eni];
            int i = 0;
            for (; i < a.Count; i++)
            {
                if (a.Verdicts[i].Direction == vb.Direction && _enis.MapA[a.Verdicts[i].Eni] == u)
                {
                    break;
                }
            }

            if (i == a.Count)
            {
                continue;
            }

            ref readonly var va = ref a.Verdicts[i];
            bool acceptedBefore = va.Action == VerdictAction.Accept;
            bool attempt = _allAttempted && !acceptedBefore && NeedCollector.IsAttempt(p)
                && va.Reason is VerdictReason.RejectedNoMatchingRule or VerdictReason.NotDelivered;
            if (!acceptedBefore && !attempt)
            {
                continue;
            }

            if (vb.Reason != VerdictReason.RejectedNoMatchingRule)
            {
                if (acceptedBefore && vb.Reason != VerdictReason.NotDelivered)
                {
                    Unfixable++;
                }

                continue;
            }

            int eniA = _toA[u];
            int rule = acceptedBefore && va.Reason == VerdictReason.AllowedByRule ? va.RuleId : -1;
            int group = _needs.GroupFor(acceptedBefore ? va.RuleId : -1, eniA);
            if (group < 0)
            {
                Unfixable++;
                continue;
            }

            bool egress = vb.Direction == Direction.Egress;
            var key = (new BucketKey(group, rule, egress, p.Protocol), NeedCollector.Need(p, b, egress, cidrOnly: true));
            ref var pending = ref CollectionsMarshal.GetValueRefOrAddDefault(Pending, key, out _);
            pending.Packets++;
            pending.Bytes += p.IpLength;
            pending.Eni = eniA;
        }
    }

    /// <summary>Moves the pending needs into the collector; returns how many were new.</summary>
    public int Commit()
    {
        int added = 0;
        foreach (var ((bucket, need), (packets, bytes, eni)) in Pending)
        {
            if (!_needs.Contains(bucket, need))
            {
                added++;
            }

            _needs.Add(bucket, need, bytes, eni, packets);
        }

        Pending.Clear();
        return added;
    }

    /// <summary>How many pending needs are new.</summary>
    public int NewPending => Pending.Keys.Count(k => !_needs.Contains(k.Bucket, k.Need));
}

internal struct FixupObserver : IVerdictPairObserver
{
    public FixupCollector Collector;

    public readonly void OnPair(in PacketInfo packet, in PacketResult a, in PacketResult b) => Collector.OnPair(packet, a, b);
}
