using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using FirewallSim.Config;
using FirewallSim.FlowLogs;
using FirewallSim.IO;
using FirewallSim.Net;
using FirewallSim.Reports;
using FirewallSim.Verdicts;

namespace FirewallSim.Replay;

public sealed record TrafficCount(long Packets, long Bytes);

public sealed record DirectionSummary(TrafficCount Accept, TrafficCount Reject, TrafficCount Drop);

/// <summary>One ENI's totals; <paramref name="Addresses"/> are its own private IPv4 and IPv6 addresses, which tell fwsim report each record's direction.</summary>
public sealed record EniSummary(string Id, string? InstanceId, string? SubnetId, string Type, DirectionSummary Ingress, DirectionSummary Egress,
    IReadOnlyList<string>? Addresses = null);

public sealed record InputSummary(string File, long Packets, string? Error, long? ErrorOffset);

public sealed record ConfigVersionSummary(string Label, long? EffectiveFromNs, IReadOnlyList<string> Files);

public sealed record FlowLogSummary(int Interval, string Format, int Version, long Records, long NoData, long SkipData, long LatePackets, long Windows);

public sealed record CountsSummary(
    long Packets,
    long Evaluated,
    long Unattributed,
    long SameEni,
    long NotIp,
    long Undecodable,
    long Exempt,
    long OrphanFragments,
    long ConntrackAllowanceExceeded,
    int PeakTrackedConnections,
    int? ConntrackMax);

/// <summary>Observed use of one rule: which ports/ICMP keys and peers it admitted.</summary>
public sealed record RuleUsageSummary(int DistinctKeys, IReadOnlyList<int> Keys, int DistinctPeers, bool PeersOverflowed, IReadOnlyList<string> Peers, string? PeerCover);

public sealed record SgRuleSummary(
    int? Id,
    string Group,
    string? GroupName,
    string Direction,
    int Index,
    string? RuleId,
    string Protocol,
    int FromPort,
    int ToPort,
    string Ports,
    string PeerKind,
    string Peer,
    string? Description,
    bool Attached,
    long MatchedPackets,
    long TrackedPackets,
    long Flows,
    long? FirstHitNs,
    long? LastHitNs,
    RuleUsageSummary? Usage);

public sealed record NaclEntrySummary(int? Id, string Acl, string Direction, string RuleNumber, string Action, string Protocol, string Cidr, string? Ports, long Packets, long? FirstHitNs, long? LastHitNs);

/// <summary>
/// Everything a replay counted, as written to <c>replay.json</c> beside the flow logs: per-ENI totals,
/// reasons, exemptions, conntrack peak and allowance use, and hit counters for every rule of every
/// group and every NACL entry (zero for rules never hit). <c>fwsim report</c> reads it back.
/// </summary>
public sealed record ReplaySummary
{
    public string Tool { get; init; } = "fwsim";

    public int SummaryVersion { get; init; } = 1;

    public required IReadOnlyList<InputSummary> Inputs { get; init; }

    public long FilteredOut { get; init; }

    public long FirstTimeNs { get; init; }

    public long LastTimeNs { get; init; }

    public required IReadOnlyList<ConfigVersionSummary> ConfigVersions { get; init; }

    public FlowLogSummary? FlowLog { get; init; }

    public required CountsSummary Counts { get; init; }

    public required IReadOnlyDictionary<string, long> Reasons { get; init; }

    public required IReadOnlyDictionary<string, long> Exempt { get; init; }

    public required IReadOnlyList<EniSummary> Enis { get; init; }

    public required IReadOnlyList<SgRuleSummary> SecurityGroupRules { get; init; }

    public required IReadOnlyList<NaclEntrySummary> NaclEntries { get; init; }

    public static ReplaySummary Build(SimulationEngine engine, ReplayOutcome outcome, FlowLogAggregator? flows, FlowLogFormat? format,
        int interval, RuleUsage? usage, EngineOptions options)
    {
        var c = engine.Counters;
        var timeline = engine.Timeline;
        var enis = new List<EniSummary>();
        for (int i = 0; i < timeline.Enis.Count; i++)
        {
            var model = timeline.Enis.Interface(i);
            DirectionSummary Dir(Direction d) => new(
                new TrafficCount(c.EniPackets(i, d, VerdictAction.Accept), c.EniBytes(i, d, VerdictAction.Accept)),
                new TrafficCount(c.EniPackets(i, d, VerdictAction.Reject), c.EniBytes(i, d, VerdictAction.Reject)),
                new TrafficCount(c.EniPackets(i, d, VerdictAction.Drop), c.EniBytes(i, d, VerdictAction.Drop)));
            var addresses = (model.PrimaryIpv4 is { } primary ? new[] { primary } : Array.Empty<IpAddr>())
                .Concat(model.PrivateIpv4Addresses).Concat(model.Ipv6Addresses).Distinct().Select(a => a.ToString()).ToList();
            enis.Add(new EniSummary(model.Id, model.InstanceId, model.SubnetId, model.InterfaceType, Dir(Direction.Ingress), Dir(Direction.Egress), addresses));
        }

        var reasons = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var r in Enum.GetValues<VerdictReason>())
        {
            reasons[VerdictNames.Reason(r)] = c.Reasons[(int)r];
        }

        var exempt = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var k in Enum.GetValues<ExemptKind>())
        {
            if (k != ExemptKind.None)
            {
                exempt[VerdictNames.Exempt(k)] = c.Exempt[(int)k];
            }
        }

        var attached = new HashSet<string>(timeline.Versions.SelectMany(v => v.Config.NetworkInterfaces.Values).SelectMany(e => e.GroupIds), StringComparer.Ordinal);
        var rules = new List<SgRuleSummary>();
        var seenRules = new HashSet<string>(StringComparer.Ordinal);
        var hits = c.RuleHits;
        foreach (var version in timeline.Versions)
        {
            foreach (var g in version.Config.SecurityGroups.Values.OrderBy(g => g.Id, StringComparer.Ordinal))
            {
                foreach (var r in g.Inbound.Concat(g.Outbound))
                {
                    string key = $"{r.GroupId}|{r.Egress}|{r.Index}|{r}";
                    if (!seenRules.Add(key))
                    {
                        continue;
                    }

                    int? id = timeline.Rules.TryGetId(r, out int rid) ? rid : null;
                    var h = id is { } x && x < hits.Length ? hits[x] : default;
                    rules.Add(new SgRuleSummary(
                        id, g.Id, g.Name, r.Egress ? "outbound" : "inbound", r.Index, r.RuleId, RuleProtocol.Name(r.Protocol),
                        r.FromPort, r.ToPort, r.PortText, r.Peer.Kind.ToString().ToLowerInvariant(), r.Peer.ToString(), r.Description,
                        attached.Contains(g.Id), h.MatchedPackets, h.TrackedPackets, h.Flows,
                        h.Packets > 0 ? h.FirstHitNs : null, h.Packets > 0 ? h.LastHitNs : null,
                        id is { } y ? Usage(usage?.For(y)) : null));
                }
            }
        }

        var nacls = new List<NaclEntrySummary>();
        var naclHits = c.NaclHits;
        for (int id = 0; id < timeline.Rules.NaclEntries.Count; id++)
        {
            var e = timeline.Rules.NaclEntry(id);
            var h = id < naclHits.Length ? naclHits[id] : default;
            var entry = e.Entry;
            string? ports = entry.Protocol is IpProtocol.Tcp or IpProtocol.Udp && entry.PortFrom is { } f
                ? (f == entry.PortTo ? f.ToString(CultureInfo.InvariantCulture) : $"{f}-{entry.PortTo}")
                : entry.Protocol is IpProtocol.Icmp or IpProtocol.Icmpv6 && entry.IcmpType is { } t ? $"{t}/{entry.IcmpCode ?? -1}" : null;
            nacls.Add(new NaclEntrySummary(id, e.AclId, entry.Egress ? "outbound" : "inbound", e.RuleNumberText, entry.Allow ? "allow" : "deny",
                RuleProtocol.Name(entry.Protocol), entry.Cidr.ToString(), ports, h.Packets,
                h.Packets > 0 ? h.FirstHitNs : null, h.Packets > 0 ? h.LastHitNs : null));
        }

        return new ReplaySummary
        {
            Inputs = outcome.Inputs.Select(i => new InputSummary(i.Input, i.Packets, i.Error?.Message, i.Error?.Offset)).ToList(),
            FilteredOut = outcome.FilteredOut,
            FirstTimeNs = outcome.FirstTimestampNs,
            LastTimeNs = outcome.LastTimestampNs,
            ConfigVersions = timeline.Versions.Select(v => new ConfigVersionSummary(v.Label,
                v.EffectiveFromNs == long.MinValue ? null : v.EffectiveFromNs, v.Config.Files)).ToList(),
            FlowLog = flows is null || format is null ? null : new FlowLogSummary(interval, format.Text, format.Version,
                flows.RecordsWritten, flows.NoDataRecords, flows.SkipDataRecords, flows.LatePackets, flows.WindowsEmitted),
            Counts = new CountsSummary(c.Packets, c.Evaluated, c.Unattributed, c.SameEni, c.NotIp, c.Undecodable, c.ExemptTotal,
                c.OrphanFragments, c.ConntrackAllowanceExceeded, c.PeakTrackedConnections, options.ConntrackMax),
            Reasons = reasons,
            Exempt = exempt,
            Enis = enis,
            SecurityGroupRules = rules,
            NaclEntries = nacls,
        };
    }

    private static RuleUsageSummary? Usage(RuleUsage.Entry? e)
    {
        if (e is null)
        {
            return null;
        }

        var peers = e.DistinctPeers.OrderBy(p => p).ToList();
        return new RuleUsageSummary(e.DistinctKeys, e.KeysSorted().Take(256).ToList(), e.DistinctPeers.Count, e.PeersOverflowed,
            peers.Take(64).Select(p => p.ToString()).ToList(), Cover(peers)?.ToString());
    }

    /// <summary>The smallest single CIDR block holding every peer of one family (null for mixed families).</summary>
    public static IpPrefix? Cover(IReadOnlyList<IpAddr> peers)
    {
        if (peers.Count == 0 || peers.Any(p => p.IsV4 != peers[0].IsV4))
        {
            return null;
        }

        bool v4 = peers[0].IsV4;
        int max = v4 ? 32 : 128;
        for (int len = max; len >= 0; len--)
        {
            var candidate = new IpPrefix(peers[0], len);
            if (peers.All(candidate.Contains))
            {
                return candidate;
            }
        }

        return null;
    }

    public void WriteTo(string path)
    {
        using var file = AtomicFile.Create(path);
        JsonSerializer.Serialize(file.Stream, this, ReplaySummaryJson.Default.ReplaySummary);
        file.Commit();
    }

    public static ReplaySummary Read(string path)
    {
        using var s = File.OpenRead(path);
        return JsonSerializer.Deserialize(s, ReplaySummaryJson.Default.ReplaySummary)
            ?? throw new InvalidDataException($"{path}: empty replay summary");
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ReplaySummary))]
internal sealed partial class ReplaySummaryJson : JsonSerializerContext
{
}
