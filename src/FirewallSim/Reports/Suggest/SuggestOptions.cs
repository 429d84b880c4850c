namespace FirewallSim.Reports.Suggest;

/// <summary>How <c>fwsim suggest</c> turns observed traffic into rules.</summary>
public sealed record SuggestOptions
{
    /// <summary>
    /// Also make the rejected connection attempts work (TCP SYN, UDP, ICMP other than replies, other protocols
    /// rejected by security groups). Default: only what was accepted must keep working.
    /// </summary>
    public bool AllAttempted { get; init; }

    /// <summary>At most this many CIDR blocks per suggested rule when the peers allow it; up to this many peers get exact host blocks.</summary>
    public int MaxCidrs { get; init; } = 8;

    /// <summary>Aggregation never makes an IPv4 block shorter (wider) than this.</summary>
    public int MinPrefixV4 { get; init; } = 24;

    /// <summary>Aggregation never makes an IPv6 block shorter (wider) than this.</summary>
    public int MinPrefixV6 { get; init; } = 64;

    /// <summary>At most this many port ranges per protocol and peer; closest ranges are joined first.</summary>
    public int MaxPortRanges { get; init; } = 8;

    /// <summary>Ranges separated by at most this many unused ports are joined.</summary>
    public int PortGap { get; init; }

    /// <summary>Rules open to 0.0.0.0/0 or ::/0 keep their peer (public services); only protocol and ports are narrowed.</summary>
    public bool KeepOpenPeers { get; init; }

    /// <summary>Prefer security-group references for peers that are private addresses of ENIs sharing a group (AWS's recommendation).</summary>
    public bool GroupReferences { get; init; } = true;

    /// <summary>Distinct peers remembered per current rule; beyond it the rule's peer is kept and only ports are narrowed.</summary>
    public int MaxPeersPerRule { get; init; } = 10_000;

    /// <summary>Verification replays: each one may add rules for packets the previous suggestion still broke.</summary>
    public int MaxRounds { get; init; } = 4;

    public static SuggestOptions Default { get; } = new();
}
