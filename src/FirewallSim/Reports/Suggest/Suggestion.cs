using System.Globalization;
using FirewallSim.Config;
using FirewallSim.Net;
using FirewallSim.Reports.Diff;

namespace FirewallSim.Reports.Suggest;

/// <summary>What happens to a current rule.</summary>
public enum RuleFate
{
    /// <summary>The observed traffic needs it exactly as it is.</summary>
    Keep,

    /// <summary>Replaced by narrower rules (protocol, ports, peers) that still admit everything observed.</summary>
    Narrow,

    /// <summary>Nothing observed needs it.</summary>
    Remove,
}

/// <summary>Why a suggested rule exists.</summary>
public enum RuleOrigin
{
    /// <summary>A current rule, unchanged.</summary>
    Kept,

    /// <summary>Narrows one or more current rules.</summary>
    Narrowed,

    /// <summary>No current rule admitted the traffic: an attempt (--all-attempted) or a packet the verification found.</summary>
    Added,
}

/// <summary>The traffic behind a suggested rule.</summary>
public sealed record RuleEvidence(long Packets, long Bytes, int Peers, int Keys, IReadOnlyList<string> Enis);

/// <summary>One suggested rule, why it exists and which current rules it stands in for.</summary>
public sealed record SuggestedRule(SecurityGroupRule Rule, RuleOrigin Origin, RuleEvidence Evidence, IReadOnlyList<SecurityGroupRule> Replaces);

/// <summary>A current rule's fate, with its replacement and the evidence.</summary>
public sealed record RuleAssessment(
    SecurityGroupRule Current,
    RuleFate Fate,
    IReadOnlyList<SecurityGroupRule> Replacement,
    long HitPackets,
    long HitFlows,
    long UntrackedResponsePackets,
    string Reason);

/// <summary>A current group and its least-privilege version (same id, name and members).</summary>
public sealed record SuggestedGroup(
    SecurityGroup Current,
    SecurityGroup Suggested,
    IReadOnlyList<string> Members,
    IReadOnlyList<SuggestedRule> Rules,
    IReadOnlyList<RuleAssessment> Assessments)
{
    public bool Changed => Assessments.Any(a => a.Fate != RuleFate.Keep) || Rules.Any(r => r.Origin != RuleOrigin.Kept);
}

/// <summary>How the suggestion was checked: the last verification replay's comparison of the current configuration (A) with the suggestion (B).</summary>
public sealed record SuggestVerification(int Rounds, DiffReport Report, long Unfixable)
{
    public bool Holds => Report.Summary.BrokenFlows == 0;
}

public sealed record SuggestStats
{
    public long Packets { get; init; }

    public int Captures { get; init; }

    public long UntrackedFlows { get; init; }

    public long UntrackedResponsePackets { get; init; }

    public long NaclRejectedAttempts { get; init; }

    public long AttemptsWithoutGroup { get; init; }

    public bool Partial { get; init; }
}

/// <summary>The result of <c>fwsim suggest</c>.</summary>
public sealed record Suggestion(
    IReadOnlyList<SuggestedGroup> Groups,
    IReadOnlyList<SecurityGroup> Unattached,
    IReadOnlyList<string> Notes,
    SuggestVerification? Verification,
    SuggestOptions Options,
    SuggestStats Stats,
    IReadOnlyList<string> Inputs,
    IReadOnlyList<string> ConfigArguments)
{
    /// <summary>The suggested groups in place of the current ones, every other group of <paramref name="current"/> unchanged.</summary>
    public AwsConfig Apply(AwsConfig current)
    {
        var groups = current.SecurityGroups.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        foreach (var g in Groups)
        {
            groups[g.Suggested.Id] = g.Suggested;
        }

        return current with { SecurityGroups = groups };
    }
}

/// <summary>
/// A rule reduced to what it matches — direction, protocol, normalised ports and the peer's identity — for
/// comparing rules regardless of descriptions, rule ids and how an export spells "all ports".
/// </summary>
public readonly record struct RuleShape(bool Egress, int Protocol, int From, int To, PeerKind PeerKind, string Peer)
{
    public static RuleShape Of(SecurityGroupRule r)
    {
        int from, to;
        if (r.PortsApply)
        {
            (from, to) = r.CoversAllPorts ? (0, 65535) : (r.FromPort, r.ToPort);
        }
        else if (r.IcmpApplies)
        {
            (from, to) = (r.FromPort, r.FromPort < 0 ? -1 : r.ToPort);
        }
        else
        {
            (from, to) = (-1, -1);
        }

        return new RuleShape(r.Egress, r.Protocol, from, to, r.Peer.Kind, PeerId(r.Peer));
    }

    public static string PeerId(SecurityGroupPeer p) => p.Kind switch
    {
        PeerKind.Cidr => p.Cidr.ToString(),
        PeerKind.PrefixList => p.PrefixListId ?? "?",
        _ => p.GroupId ?? "?",
    };

    public override string ToString()
    {
        string what = Protocol == RuleProtocol.All ? "all"
            : IpProtocol.HasPorts(Protocol) ? (From == To ? $"{RuleProtocol.Name(Protocol)} {From}" : $"{RuleProtocol.Name(Protocol)} {From}-{To}")
            : IpProtocol.IsIcmpFamily(Protocol) ? $"{RuleProtocol.Name(Protocol)} {From}/{To}"
            : RuleProtocol.Name(Protocol);
        return string.Create(CultureInfo.InvariantCulture, $"{(Egress ? "outbound" : "inbound")} {what} {(Egress ? "to" : "from")} {Peer}");
    }
}
