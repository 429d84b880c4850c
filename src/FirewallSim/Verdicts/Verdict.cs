using System.Runtime.CompilerServices;

namespace FirewallSim.Verdicts;

/// <summary>Direction of a packet relative to the ENI it is evaluated on.</summary>
public enum Direction : byte
{
    Ingress = 0,
    Egress = 1,
}

public enum VerdictAction : byte
{
    Accept,
    Reject,

    /// <summary>Dropped without a flow-log record: conntrack allowance, orphan fragment, not delivered.</summary>
    Drop,
}

/// <summary>Why a verdict was reached: a fixed set, printed by stable names (<see cref="VerdictNames"/>).</summary>
public enum VerdictReason : byte
{
    /// <summary>A security-group rule of the packet's direction allowed it (the rule is named).</summary>
    AllowedByRule,

    /// <summary>A tracked connection allowed it, whatever the rules of this direction say.</summary>
    AllowedByTrackedConnection,

    /// <summary>The ENI has no security-group layer (NAT gateway, transit gateway… D16); only NACLs apply.</summary>
    AllowedNoSecurityGroups,

    /// <summary>No rule of any group on the ENI matched (includes ENIs with no groups, D16).</summary>
    RejectedNoMatchingRule,

    /// <summary>A network ACL entry denied it (the entry number is named; 32767/32768 are the catch-all "*").</summary>
    RejectedByNacl,

    /// <summary>A new tracked connection was needed but the tracking allowance was exhausted (D10).</summary>
    DroppedConntrackAllowance,

    /// <summary>A non-first IP fragment whose first fragment was not seen (D12).</summary>
    OrphanFragment,

    /// <summary>The sending ENI rejected the packet, so it never reached this one (D13).</summary>
    NotDelivered,
}

/// <summary>Connection-tracking state of the flow after the packet (or None / Untracked).</summary>
public enum TrackState : byte
{
    None = 0,
    SynSent,
    SynRecv,
    Established,
    FinWait,
    CloseWait,
    LastAck,
    TimeWait,
    Close,

    /// <summary>UDP flow with at most one request-response exchange.</summary>
    UdpSingle,

    /// <summary>UDP flow with two or more replies (UdpStreamTimeout).</summary>
    UdpStream,

    /// <summary>ICMP query (echo, timestamp…) keyed by identifier.</summary>
    IcmpQuery,

    /// <summary>Other protocol, keyed by address pair.</summary>
    Other,
}

/// <summary>Whether the flow is tracked (entry grants the reverse direction) or untracked (marker only, D4).</summary>
public enum TrackingMode : byte
{
    /// <summary>No entry involved: judged by rules alone (ICMP errors, replies without a request, rejects).</summary>
    NotApplicable,
    Tracked,
    Untracked,
}

/// <summary>The outcome for one packet on one ENI in one direction.</summary>
public struct Verdict
{
    public int Eni;
    public Direction Direction;
    public VerdictAction Action;
    public VerdictReason Reason;
    public TrackState State;
    public TrackingMode Tracking;

    /// <summary>True for a later fragment that copied its first fragment's verdict (D12).</summary>
    public bool FragmentCopy;

    /// <summary>True when the NACL layer was evaluated for this packet on this ENI (the peer was outside the subnet).</summary>
    public bool NaclEvaluated;

    /// <summary>Global security-group rule id (see RuleTable) that allowed the packet or opened its connection; -1 if none.</summary>
    public int RuleId;

    /// <summary>Global NACL entry id that decided (allow or deny); -1 when no NACL applied.</summary>
    public int NaclEntryId;
}

/// <summary>Up to four verdicts per packet: sender egress (IP owner, MAC owner) then receiver ingress (same).</summary>
[InlineArray(4)]
public struct VerdictBuffer
{
    private Verdict _element0;
}

/// <summary>What happened to a packet as a whole.</summary>
public enum PacketDisposition : byte
{
    /// <summary>Evaluated on one or more ENIs; see the verdicts.</summary>
    Evaluated,

    /// <summary>Traffic AWS never filters or logs (D17); no verdict, no record.</summary>
    Exempt,

    /// <summary>IP packet involving no configured ENI.</summary>
    Unattributed,

    /// <summary>Source and destination are the same ENI (D13): ignored.</summary>
    SameEni,

    /// <summary>Not an IP packet (ARP, LLDP…).</summary>
    NotIp,

    /// <summary>Truncated, malformed or unsupported link type.</summary>
    Undecodable,
}

/// <summary>The engine's result for one packet.</summary>
public struct PacketResult
{
    public PacketDisposition Disposition;
    public ExemptKind Exempt;
    public int Count;
    public VerdictBuffer Verdicts;

    /// <summary>Ports for flow-log aggregation: the packet's own, or the first fragment's for later fragments.</summary>
    public ushort SrcPort;
    public ushort DstPort;

    /// <summary>Flow-log tcp-flags bits of this packet (D22): FIN 1, SYN 2, RST 4, SYN-ACK 18; 0 for non-TCP and later fragments.</summary>
    public byte FlowFlags;
}

/// <summary>Kinds of exempt traffic (D17), counted separately.</summary>
public enum ExemptKind : byte
{
    None = 0,
    AmazonDns,
    InstanceMetadata,
    TimeSync,
    WindowsActivation,
    EcsMetadata,
    VpcRouter,
    LinkLocal,
    SubnetReserved,
    Dhcp,
    Dhcpv6,
    NeighborDiscovery,
}

public static class VerdictNames
{
    public static string Action(VerdictAction a) => a switch
    {
        VerdictAction.Accept => "ACCEPT",
        VerdictAction.Reject => "REJECT",
        _ => "DROP",
    };

    public static string Reason(VerdictReason r) => r switch
    {
        VerdictReason.AllowedByRule => "allowed-by-rule",
        VerdictReason.AllowedByTrackedConnection => "allowed-by-tracked-connection",
        VerdictReason.AllowedNoSecurityGroups => "allowed-no-security-groups",
        VerdictReason.RejectedNoMatchingRule => "rejected-no-matching-rule",
        VerdictReason.RejectedByNacl => "rejected-by-nacl",
        VerdictReason.DroppedConntrackAllowance => "dropped-conntrack-allowance",
        VerdictReason.OrphanFragment => "orphan-fragment",
        VerdictReason.NotDelivered => "not-delivered",
        _ => r.ToString(),
    };

    public static string State(TrackState s) => s switch
    {
        TrackState.None => "none",
        TrackState.SynSent => "SYN_SENT",
        TrackState.SynRecv => "SYN_RECV",
        TrackState.Established => "ESTABLISHED",
        TrackState.FinWait => "FIN_WAIT",
        TrackState.CloseWait => "CLOSE_WAIT",
        TrackState.LastAck => "LAST_ACK",
        TrackState.TimeWait => "TIME_WAIT",
        TrackState.Close => "CLOSE",
        TrackState.UdpSingle => "UDP",
        TrackState.UdpStream => "UDP_STREAM",
        TrackState.IcmpQuery => "ICMP",
        TrackState.Other => "OTHER",
        _ => s.ToString(),
    };

    public static string Tracking(TrackingMode t) => t switch
    {
        TrackingMode.Tracked => "tracked",
        TrackingMode.Untracked => "untracked",
        _ => "n/a",
    };

    public static string Exempt(ExemptKind k) => k switch
    {
        ExemptKind.AmazonDns => "amazon-dns",
        ExemptKind.InstanceMetadata => "instance-metadata",
        ExemptKind.TimeSync => "time-sync",
        ExemptKind.WindowsActivation => "windows-activation",
        ExemptKind.EcsMetadata => "ecs-metadata",
        ExemptKind.VpcRouter => "vpc-router",
        ExemptKind.LinkLocal => "link-local",
        ExemptKind.SubnetReserved => "subnet-reserved-address",
        ExemptKind.Dhcp => "dhcp",
        ExemptKind.Dhcpv6 => "dhcpv6",
        ExemptKind.NeighborDiscovery => "neighbor-discovery",
        _ => "none",
    };

    public static string Direction(Direction d) => d == Verdicts.Direction.Ingress ? "ingress" : "egress";
}
