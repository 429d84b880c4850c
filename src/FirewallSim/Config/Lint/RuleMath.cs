using System.Globalization;
using FirewallSim.Net;

namespace FirewallSim.Config.Lint;

/// <summary>Set arithmetic on rules: which ports they open, whether one contains another.</summary>
internal static class RuleMath
{
    /// <summary>The destination ports a TCP/UDP rule opens (0–65535 for "all", also for AWS's -1/-1 form).</summary>
    public static (int From, int To) Ports(SecurityGroupRule rule) =>
        rule.CoversAllPorts ? (0, 65535) : (Math.Max(0, rule.FromPort), Math.Min(65535, rule.ToPort));

    public static int PortCount(SecurityGroupRule rule)
    {
        var (from, to) = Ports(rule);
        return Math.Max(0, to - from + 1);
    }

    /// <summary>Whether the rule admits some traffic to the service's port(s).</summary>
    public static bool Reaches(SecurityGroupRule rule, SensitiveService service)
    {
        if (rule.Protocol != RuleProtocol.All && rule.Protocol != service.Protocol)
        {
            return false;
        }

        if (rule.Protocol == RuleProtocol.All)
        {
            return true;
        }

        var (from, to) = Ports(rule);
        return from <= service.ToPort && to >= service.FromPort;
    }

    /// <summary>True when every packet <paramref name="inner"/> admits is admitted by <paramref name="outer"/> (same direction).</summary>
    public static bool Contains(SecurityGroupRule outer, SecurityGroupRule inner)
    {
        if (outer.Egress != inner.Egress || !PeerContains(outer.Peer, inner.Peer))
        {
            return false;
        }

        if (outer.Protocol == RuleProtocol.All)
        {
            return true;
        }

        if (inner.Protocol != outer.Protocol)
        {
            return false;
        }

        if (outer.PortsApply)
        {
            var (of, ot) = Ports(outer);
            var (inf, intTo) = Ports(inner);
            return of <= inf && ot >= intTo;
        }

        if (outer.IcmpApplies)
        {
            return IcmpContains(outer.FromPort, outer.ToPort, inner.FromPort, inner.ToPort);
        }

        return true; // other protocols: ports are ignored
    }

    /// <summary>ICMP type/code containment; -1 (or null) is "all".</summary>
    public static bool IcmpContains(int outerType, int outerCode, int innerType, int innerCode)
    {
        if (outerType < 0)
        {
            return true;
        }

        if (innerType != outerType)
        {
            return false;
        }

        return outerCode < 0 || innerCode == outerCode;
    }

    /// <summary>CIDRs by containment; prefix lists and group references only when identical. Stale references never.</summary>
    public static bool PeerContains(SecurityGroupPeer outer, SecurityGroupPeer inner)
    {
        if (outer.Kind != inner.Kind)
        {
            return false;
        }

        return outer.Kind switch
        {
            PeerKind.Cidr => outer.Cidr.Contains(inner.Cidr),
            PeerKind.PrefixList => outer.PrefixListId is not null && string.Equals(outer.PrefixListId, inner.PrefixListId, StringComparison.Ordinal),
            _ => outer.GroupId is not null && !outer.IsStale && !inner.IsStale &&
                 string.Equals(outer.GroupId, inner.GroupId, StringComparison.Ordinal),
        };
    }

    /// <summary>Network ACL entry containment (semantics 4.2): same direction and family, CIDR, protocol, ports or ICMP.</summary>
    public static bool Contains(NetworkAclEntry outer, NetworkAclEntry inner)
    {
        if (outer.Egress != inner.Egress || outer.Cidr.IsV4 != inner.Cidr.IsV4 || !outer.Cidr.Contains(inner.Cidr))
        {
            return false;
        }

        if (outer.Protocol == RuleProtocol.All)
        {
            return true;
        }

        if (inner.Protocol != outer.Protocol)
        {
            return false;
        }

        switch (outer.Protocol)
        {
            case IpProtocol.Tcp:
            case IpProtocol.Udp:
                var (of, ot) = AclPorts(outer);
                var (inf, intTo) = AclPorts(inner);
                return of <= inf && ot >= intTo;
            case IpProtocol.Icmp:
                return IcmpContains(outer.IcmpType ?? -1, outer.IcmpCode ?? -1, inner.IcmpType ?? -1, inner.IcmpCode ?? -1);
            case IpProtocol.Icmpv6:
                // With an IPv4 CIDR every type and code matches (CreateNetworkAclEntry).
                return outer.Cidr.IsV4 || IcmpContains(outer.IcmpType ?? -1, outer.IcmpCode ?? -1, inner.IcmpType ?? -1, inner.IcmpCode ?? -1);
            default:
                return true;
        }
    }

    private static (int From, int To) AclPorts(NetworkAclEntry e) =>
        e.PortFrom is { } f && e.PortTo is { } t && f >= 0 ? (f, Math.Min(65535, t)) : (0, 65535);

    /// <summary>A readable name for a rule: "sg-1 inbound[0] tcp 22 from 0.0.0.0/0 (sgr-…)".</summary>
    public static string Describe(SecurityGroupRule rule) =>
        rule.RuleId is { Length: > 0 } id ? rule + " (" + id + ")" : rule.ToString();

    /// <summary>"sg-1/inbound[0]".</summary>
    public static string LogicalName(SecurityGroupRule rule) =>
        string.Create(CultureInfo.InvariantCulture, $"{rule.GroupId}/{(rule.Egress ? "outbound" : "inbound")}[{rule.Index}]");

    public static string Describe(SecurityGroup group) =>
        group.Name is { Length: > 0 } name && !string.Equals(name, group.Id, StringComparison.Ordinal) ? $"{group.Id} ({name})" : group.Id;

    public static string Describe(NetworkAcl acl, NetworkAclEntry entry) => acl.Id + " " + entry;

    public static string LogicalName(NetworkAcl acl, NetworkAclEntry entry) =>
        string.Create(CultureInfo.InvariantCulture, $"{acl.Id}/{(entry.Egress ? "outbound" : "inbound")}/{entry.RuleNumber}");

    /// <summary>"a, b, c and 4 more".</summary>
    public static string List(IReadOnlyList<string> items, int max = 5)
    {
        if (items.Count <= max)
        {
            return items.Count switch
            {
                0 => string.Empty,
                1 => items[0],
                _ => string.Join(", ", items.Take(items.Count - 1)) + " and " + items[^1],
            };
        }

        return string.Join(", ", items.Take(max)) + string.Create(CultureInfo.InvariantCulture, $" and {items.Count - max} more");
    }
}
