namespace FirewallSim.Config.Lint;

/// <summary>Thresholds and switches of <see cref="ConfigLinter"/>. The defaults are AWS's default quotas (semantics 1.7, 4.6).</summary>
public sealed record LintOptions
{
    public static LintOptions Default { get; } = new();

    /// <summary>A TCP/UDP rule opening more than this many ports to an open or large CIDR is "very wide" (FWS004).</summary>
    public int WidePortRangeThreshold { get; init; } = 1000;

    /// <summary>An IPv4 CIDR with this prefix length or shorter counts as large (a /16 is as big as a VPC can be).</summary>
    public int LargeCidrMaxPrefixV4 { get; init; } = 16;

    /// <summary>An IPv6 CIDR with this prefix length or shorter counts as large (a VPC gets a /56).</summary>
    public int LargeCidrMaxPrefixV6 { get; init; } = 48;

    /// <summary>Inbound or outbound rules per group, per address family (adjustable quota).</summary>
    public int RulesPerGroupQuota { get; init; } = 60;

    /// <summary>Groups per network interface (adjustable quota).</summary>
    public int GroupsPerEniQuota { get; init; } = 5;

    /// <summary>Groups per network interface that AWS allows at most, whatever the quota.</summary>
    public int GroupsPerEniMax { get; init; } = 16;

    /// <summary>Groups per ENI × rules per group may not exceed this.</summary>
    public int RulesTimesGroupsMax { get; init; } = 1000;

    /// <summary>Network ACL rules per direction per address family, the default deny included (adjustable quota).</summary>
    public int NaclRulesQuota { get; init; } = 20;

    /// <summary>Network ACL rules per direction per address family that AWS allows at most.</summary>
    public int NaclRulesMax { get; init; } = 40;

    /// <summary>References to groups or prefix lists missing from the configuration are errors, not warnings (--strict).</summary>
    public bool Strict { get; init; }

    /// <summary>Rule ids (FWS…) not to report.</summary>
    public IReadOnlySet<string> DisabledRules { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    internal bool IsLarge(Net.IpPrefix cidr) =>
        cidr.Length <= (cidr.IsV4 ? LargeCidrMaxPrefixV4 : LargeCidrMaxPrefixV6);
}
