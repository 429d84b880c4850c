using System.Text.Json;
using System.Text.Json.Serialization;

namespace FirewallSim.Reports;

// The JSON schema of `fwsim report --format json` (report_version 1). Every renderer (text, Markdown,
// HTML) reads this model, so what each format shows is the same numbers. Times are ISO 8601 UTC
// strings except the time-series window starts, which are Unix seconds.

/// <summary>The whole report.</summary>
public sealed record FlowLogReport
{
    public string Tool { get; init; } = "fwsim";

    public int ReportVersion { get; init; } = 1;

    public required IReadOnlyList<ReportInput> Inputs { get; init; }

    public required ReportSkipped Skipped { get; init; }

    public required ReportRecordCounts Records { get; init; }

    public required ReportTimeRange Time { get; init; }

    public required ReportDirections Directions { get; init; }

    public required IReadOnlyList<EniReport> Enis { get; init; }

    public required TopTalkersReport TopTalkers { get; init; }

    public required RejectedReport Rejected { get; init; }

    public required IReadOnlyList<SensitivePortReport> SensitivePorts { get; init; }

    public required TimeSeriesReport TimeSeries { get; init; }

    /// <summary>From replay.json; null when the flow logs came without one.</summary>
    public ReplayRulesReport? Replay { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, FlowLogReportJson.Default.FlowLogReport);
}

public sealed record ReportInput(string File, string Kind, bool Gzip, string Format, long Records, long SkippedLines, string? Error);

public sealed record SkippedLine(string Location, string Reason);

/// <summary>Lines that were not records: how many, and the first few places.</summary>
public sealed record ReportSkipped(long Lines, IReadOnlyList<SkippedLine> First);

/// <summary>Records read: traffic (OK) records, NODATA and SKIPDATA records.</summary>
public sealed record ReportRecordCounts(long Total, long Traffic, long NoData, long SkipData);

public sealed record ReportTimeRange(string? FirstStart, string? LastEnd, long? FirstStartUnix, long? LastEndUnix);

/// <summary>
/// How each flow's direction was known: from the flow-direction field; from the ENI's own addresses
/// listed in replay.json; inferred from which side's address recurs across the ENI's records (the ENI's
/// own address is in every record); or unresolved.
/// </summary>
public sealed record ReportDirections(long FromField, long FromReplayAddresses, long Inferred, long Unresolved);

/// <summary>Packets, bytes, records and distinct flows of one slice of traffic.</summary>
public sealed record TrafficTotals(long Packets, long Bytes, long Records, long Flows)
{
    public static TrafficTotals Zero { get; } = new(0, 0, 0, 0);
}

public sealed record DirectionReport(TrafficTotals Accept, TrafficTotals Reject, long Flows, long Peers);

/// <summary>One ENI: traffic per direction (ingress, egress, and unresolved when the direction could not be told).</summary>
public sealed record EniReport(
    string Id,
    long Records,
    long Flows,
    long Peers,
    long NoDataRecords,
    long SkipDataRecords,
    DirectionReport Ingress,
    DirectionReport Egress,
    DirectionReport? Unresolved);

/// <summary>One entry of a ranking: an address, a pair "a -> b", or a port "tcp/443".</summary>
public sealed record Talker(string Key, long Packets, long Bytes, long Flows);

public sealed record TalkerRanking(IReadOnlyList<Talker> ByBytes, IReadOnlyList<Talker> ByPackets);

public sealed record FamilyTalkers(TalkerRanking Sources, TalkerRanking Destinations, TalkerRanking Pairs, TalkerRanking Ports);

/// <summary>Top talkers per address family. Each packet 5-tuple counts once, even when two logged ENIs both recorded it.</summary>
public sealed record TopTalkersReport(FamilyTalkers Ipv4, FamilyTalkers Ipv6);

public sealed record RejectedEni(string Id, TrafficTotals Ingress, TrafficTotals Egress, TrafficTotals Unresolved);

public sealed record RejectedReport(TrafficTotals Total, IReadOnlyList<RejectedEni> ByEni, IReadOnlyList<Talker> BySource, IReadOnlyList<Talker> ByDestinationPort);

public sealed record SensitiveSource(string Address, string Eni, long AcceptedPackets, long RejectedPackets, string? FirstSeen, string? LastSeen);

/// <summary>Ingress traffic to one sensitive service (SSH, RDP, databases, admin ports), accepted and rejected.</summary>
public sealed record SensitivePortReport(
    string Service,
    string Category,
    string Protocol,
    string Ports,
    TrafficTotals Accepted,
    TrafficTotals Rejected,
    long Sources,
    IReadOnlyList<SensitiveSource> TopSources);

public sealed record EniSeries(string Id, IReadOnlyList<long> AcceptPackets, IReadOnlyList<long> RejectPackets, IReadOnlyList<long> AcceptBytes, IReadOnlyList<long> RejectBytes);

/// <summary>Accepted and rejected traffic per ENI per window (by record start time), dense from the first window to the last.</summary>
public sealed record TimeSeriesReport(int WindowSeconds, IReadOnlyList<long> WindowStarts, IReadOnlyList<EniSeries> Enis);

public sealed record ConntrackReport(int PeakTrackedConnections, int? Allowance, double? PeakUsePercent, long AllowanceExceeded);

public sealed record RuleHitReport(
    int? Id,
    string Group,
    string? GroupName,
    string Direction,
    int Index,
    string? RuleId,
    string Protocol,
    string Ports,
    string PeerKind,
    string Peer,
    string? Description,
    bool Attached,
    long MatchedPackets,
    long TrackedPackets,
    long Flows,
    string? FirstHit,
    string? LastHit,
    string? Used);

public sealed record NaclHitReport(int? Id, string Acl, string Direction, string RuleNumber, string Action, string Protocol, string Cidr, string? Ports,
    long Packets, string? FirstHit, string? LastHit);

/// <summary>A rule that allows much more than the traffic used: what it allows, why it counts as broad, what was used.</summary>
public sealed record OverBroadRule(int? Id, string Group, string Direction, int Index, string Rule, IReadOnlyList<string> Broad, string Used, string Summary);

public sealed record NeverHitReport(IReadOnlyList<RuleHitReport> SecurityGroupRules, IReadOnlyList<NaclHitReport> NaclEntries, int DefaultNaclEntriesNotListed);

/// <summary>The replay's own counters (replay.json): rule and NACL hits, never-hit and over-broad rules, reasons, exemptions, conntrack.</summary>
public sealed record ReplayRulesReport(
    string File,
    int? FlowLogInterval,
    IReadOnlyDictionary<string, long> Reasons,
    long ExemptTotal,
    IReadOnlyDictionary<string, long> Exempt,
    ConntrackReport Conntrack,
    IReadOnlyList<RuleHitReport> SecurityGroupRules,
    IReadOnlyList<NaclHitReport> NaclEntries,
    NeverHitReport NeverHit,
    IReadOnlyList<OverBroadRule> OverBroad);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(FlowLogReport))]
internal sealed partial class FlowLogReportJson : JsonSerializerContext
{
}
