namespace FirewallSim.Config.Lint;

/// <summary>Every lint rule. Ids are stable: never renumber or reuse one.</summary>
public static class LintRules
{
    public static readonly LintRule OpenRemoteAccess = new(
        "FWS001", "open-remote-access", LintSeverity.Error,
        "SSH or RDP is open to the internet",
        "An inbound rule admits 0.0.0.0/0 or ::/0 (directly or through a prefix list holding it) on SSH (22) or RDP (3389), " +
        "also through a wide port range or an all-protocol rule. Restrict the source to known addresses, or use Session Manager or a bastion.");

    public static readonly LintRule OpenDatabasePort = new(
        "FWS002", "open-database-port", LintSeverity.Error,
        "A database port is open to the internet",
        "An inbound rule admits 0.0.0.0/0 or ::/0 on a database or data-store port (SQL Server, Oracle, MySQL, PostgreSQL, Redis, " +
        "Memcached, MongoDB, Cassandra, Elasticsearch…), also through a wide port range or an all-protocol rule. Allow only the application's groups.");

    public static readonly LintRule OpenAdminPort = new(
        "FWS003", "open-admin-port", LintSeverity.Error,
        "An administration port is open to the internet",
        "An inbound rule admits 0.0.0.0/0 or ::/0 on an administration, orchestration or file-sharing port (Telnet, FTP, SMB, " +
        "Docker API, etcd, VNC, WinRM, Kubernetes API, kubelet, Prometheus…), also through a wide port range or an all-protocol rule.");

    public static readonly LintRule WidePortRange = new(
        "FWS004", "wide-port-range", LintSeverity.Warning,
        "A very wide port range is open to an open or large CIDR",
        "An inbound TCP or UDP rule opens more ports than the threshold (default 1000) to 0.0.0.0/0 or ::/0 (warning) or to a large " +
        "CIDR (note: IPv4 /16 or shorter, IPv6 /48 or shorter). Open only the ports the service listens on.");

    public static readonly LintRule AllProtocolInbound = new(
        "FWS005", "all-protocol-inbound", LintSeverity.Warning,
        "An inbound rule allows all protocols",
        "An inbound rule with protocol -1 admits every protocol and port: error from 0.0.0.0/0 or ::/0, warning from a large CIDR, " +
        "note from anything narrower (a host, a prefix list, a group).");

    public static readonly LintRule DefaultGroupInUse = new(
        "FWS006", "default-group-in-use", LintSeverity.Warning,
        "A default security group has rules and is attached to network interfaces",
        "AWS recommends that a VPC's default security group allow no traffic (CIS AWS Foundations 5.4, Security Hub EC2.2): " +
        "remove its rules and give the interfaces groups of their own.");

    public static readonly LintRule UnattachedGroup = new(
        "FWS007", "unattached-group", LintSeverity.Note,
        "A security group is attached to no network interface",
        "None of the network interfaces in the configuration carries the group (reported only when interfaces were given; " +
        "default groups, which cannot be deleted, are not reported).");

    public static readonly LintRule ReferenceWithoutMembers = new(
        "FWS008", "reference-without-members", LintSeverity.Warning,
        "A rule references a group that no network interface carries",
        "A group reference matches the private addresses of the interfaces that carry the group; none in the configuration does, " +
        "so the rule matches no address (reported only when interfaces were given).");

    public static readonly LintRule UnknownReference = new(
        "FWS009", "unknown-reference", LintSeverity.Warning,
        "A security group or prefix list is referenced but not in the configuration",
        "A rule references a group or prefix list, or an interface carries a group, that none of the given files defines " +
        "(typical for other accounts' groups). The reference matches no address. Error with --strict.");

    public static readonly LintRule StaleReference = new(
        "FWS010", "stale-reference", LintSeverity.Warning,
        "A rule references a group through a deleted peering connection",
        "The peering status of the referenced group is 'deleted': the rule is stale and matches nothing (semantics 1.4.4, D15).");

    public static readonly LintRule RedundantRule = new(
        "FWS011", "redundant-rule", LintSeverity.Note,
        "A rule is redundant: another rule on the same interface allows everything it allows",
        "Security-group rules are a union: a rule whose protocol, ports and peer are contained in another rule of the same direction " +
        "on the same interface (in any of its groups) never decides anything. Warning when the wider rule is open to 0.0.0.0/0 or ::/0, " +
        "because the narrow rule then only looks like a restriction. Prefix-list and group peers count only when identical.");

    public static readonly LintRule RulesPerGroupQuota = new(
        "FWS012", "rules-per-group-quota", LintSeverity.Warning,
        "A security group has more rules in one direction and address family than the quota",
        "AWS allows 60 inbound and 60 outbound rules per group by default, counted separately for IPv4 and IPv6; a group reference " +
        "counts once for each family, a prefix-list reference counts as its MaxEntries.");

    public static readonly LintRule GroupsPerEniQuota = new(
        "FWS013", "groups-per-eni-quota", LintSeverity.Warning,
        "A network interface has more security groups than the quota",
        "AWS allows 5 security groups per network interface by default (warning) and 16 at most (error).");

    public static readonly LintRule RulesTimesGroupsQuota = new(
        "FWS014", "rules-times-groups-quota", LintSeverity.Error,
        "Groups per interface × rules per group exceeds 1000",
        "The quota for groups per network interface multiplied by the quota for rules per group cannot exceed 1000: an interface's " +
        "group count times the largest rule count of its groups (per direction and family) must stay within it.");

    public static readonly LintRule NaclRulesQuota = new(
        "FWS015", "nacl-rules-quota", LintSeverity.Warning,
        "A network ACL has more rules in one direction and address family than the quota",
        "AWS allows 20 rules per direction and address family by default, the default deny included (warning), and 40 at most (error).");

    public static readonly LintRule EniWithoutGroups = new(
        "FWS016", "eni-without-groups", LintSeverity.Warning,
        "A network interface has no security groups",
        "An ordinary interface with no groups denies all traffic in the simulator (D16); AWS always attaches at least the default group, " +
        "so the configuration is probably incomplete. Requester-managed interfaces, NAT gateways, transit-gateway and gateway-load-balancer " +
        "interfaces legitimately have none.");

    public static readonly LintRule NaclEntryShadowed = new(
        "FWS017", "nacl-entry-shadowed", LintSeverity.Note,
        "A network ACL entry can never match: a lower-numbered entry covers it",
        "Network ACL entries are evaluated in rule-number order and the first match decides. An entry whose protocol, ports and CIDR " +
        "are contained in a lower-numbered entry of the same direction never decides anything: warning when the actions differ " +
        "(the entry's intent is defeated), note when they are the same.");

    /// <summary>All rules, in id order.</summary>
    public static IReadOnlyList<LintRule> All { get; } = new[]
    {
        OpenRemoteAccess,
        OpenDatabasePort,
        OpenAdminPort,
        WidePortRange,
        AllProtocolInbound,
        DefaultGroupInUse,
        UnattachedGroup,
        ReferenceWithoutMembers,
        UnknownReference,
        StaleReference,
        RedundantRule,
        RulesPerGroupQuota,
        GroupsPerEniQuota,
        RulesTimesGroupsQuota,
        NaclRulesQuota,
        EniWithoutGroups,
        NaclEntryShadowed,
    };

    public static LintRule? Find(string id)
    {
        foreach (var rule in All)
        {
            if (string.Equals(rule.Id, id, StringComparison.OrdinalIgnoreCase) || string.Equals(rule.Name, id, StringComparison.OrdinalIgnoreCase))
            {
                return rule;
            }
        }

        return null;
    }
}
