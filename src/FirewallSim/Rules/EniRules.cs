using FirewallSim.Config;
using FirewallSim.Net;

namespace FirewallSim.Rules;

/// <summary>
/// The security-group layer of one ENI, compiled: the union of its groups' rules per direction, with
/// group references and prefix lists expanded, plus what the untracked-flow test (3.2, D1) needs.
/// </summary>
internal sealed class EniRules
{
    // [direction][family][tcp=0/udp=1]: a rule of that direction with a literal open peer admits every port.
    private readonly bool[] _openAllPorts = new bool[8];

    public EniRules(DirectionRules inbound, DirectionRules outbound, bool skipSecurityGroups)
    {
        Inbound = inbound;
        Outbound = outbound;
        SkipSecurityGroups = skipSecurityGroups;
    }

    public DirectionRules Inbound { get; }

    public DirectionRules Outbound { get; }

    /// <summary>D16: requester-managed and NAT/transit/GWLB ENIs without groups have no SG layer.</summary>
    public bool SkipSecurityGroups { get; }

    public DirectionRules For(bool egress) => egress ? Outbound : Inbound;

    /// <summary>
    /// Condition 2 of the untracked test for <paramref name="egress"/>'s rules: some rule of that direction
    /// with peer exactly 0.0.0.0/0 (or ::/0) admits the protocol on every port (D1).
    /// </summary>
    public bool OpensAllPorts(bool egress, bool v4, bool udp) => _openAllPorts[Index(egress, v4, udp)];

    internal void SetOpensAllPorts(bool egress, bool v4, bool udp) => _openAllPorts[Index(egress, v4, udp)] = true;

    private static int Index(bool egress, bool v4, bool udp) => (egress ? 4 : 0) + (v4 ? 2 : 0) + (udp ? 1 : 0);
}

/// <summary>Options that change how rules compile (switches for the UNCONFIRMED points).</summary>
public sealed record RuleCompileOptions
{
    /// <summary>D15/U9: group references also match members' IPv6 addresses and delegated prefixes.</summary>
    public bool GroupReferencesIncludeIpv6AndPrefixes { get; init; } = true;

    /// <summary>D1 option: the untracked test's opposite-direction rule must be all protocols (-1).</summary>
    public bool UntrackedRequiresAllProtocols { get; init; }
}

/// <summary>Compiles the security groups of ENIs into <see cref="EniRules"/>, sharing the result between ENIs with the same group set.</summary>
internal sealed class SecurityGroupCompiler
{
    private readonly AwsConfig _config;
    private readonly RuleTable _table;
    private readonly RuleCompileOptions _options;
    private readonly Dictionary<string, List<IpPrefix>> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EniRules> _cache = new(StringComparer.Ordinal);

    public SecurityGroupCompiler(AwsConfig config, RuleTable table, RuleCompileOptions options)
    {
        _config = config;
        _table = table;
        _options = options;
        foreach (var eni in config.NetworkInterfaces.Values)
        {
            foreach (string g in eni.GroupIds)
            {
                if (!_members.TryGetValue(g, out var list))
                {
                    _members[g] = list = new List<IpPrefix>();
                }

                foreach (var a in eni.PrivateIpv4Addresses)
                {
                    list.Add(IpPrefix.Host(a));
                }

                if (options.GroupReferencesIncludeIpv6AndPrefixes)
                {
                    foreach (var a in eni.Ipv6Addresses)
                    {
                        list.Add(IpPrefix.Host(a));
                    }

                    list.AddRange(eni.Ipv4Prefixes);
                    list.AddRange(eni.Ipv6Prefixes);
                }
            }
        }
    }

    public EniRules Compile(NetworkInterface eni)
    {
        bool skip = eni.GroupIds.Count == 0 && (eni.RequesterManaged || eni.InterfaceType is "natGateway" or "nat_gateway"
            or "transit_gateway" or "gateway_load_balancer" or "gateway_load_balancer_endpoint");
        string key = (skip ? "skip|" : "") + string.Join(",", eni.GroupIds);
        if (_cache.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var inbound = new List<(int, RuleAtom)>();
        var outbound = new List<(int, RuleAtom)>();
        var groups = new List<SecurityGroup>();
        foreach (string gid in eni.GroupIds)
        {
            if (_config.SecurityGroups.TryGetValue(gid, out var g))
            {
                groups.Add(g);
            }
        }

        foreach (var g in groups)
        {
            foreach (var r in g.Inbound)
            {
                Expand(r, inbound);
            }

            foreach (var r in g.Outbound)
            {
                Expand(r, outbound);
            }
        }

        var rules = new EniRules(new DirectionRules(inbound), new DirectionRules(outbound), skip);
        foreach (var g in groups)
        {
            foreach (var r in g.Inbound.Concat(g.Outbound))
            {
                if (!r.Peer.IsOpenCidr)
                {
                    continue;
                }

                bool v4 = r.Peer.Cidr.IsV4;
                if (r.Protocol == RuleProtocol.All)
                {
                    rules.SetOpensAllPorts(r.Egress, v4, udp: false);
                    rules.SetOpensAllPorts(r.Egress, v4, udp: true);
                }
                else if (!_options.UntrackedRequiresAllProtocols && r.PortsApply && r.CoversAllPorts)
                {
                    rules.SetOpensAllPorts(r.Egress, v4, udp: r.Protocol == IpProtocol.Udp);
                }
            }
        }

        _cache[key] = rules;
        return rules;
    }

    private void Expand(SecurityGroupRule r, List<(int, RuleAtom)> into)
    {
        int id = _table.IdFor(r);
        (int from, int to) = KeyRange(r);
        switch (r.Peer.Kind)
        {
            case PeerKind.Cidr:
                into.Add((r.Protocol, new RuleAtom(r.Peer.Cidr, from, to, id, r.Peer.Cidr.IsAll ? AtomFlags.LiteralOpen : AtomFlags.None)));
                break;
            case PeerKind.PrefixList:
                if (r.Peer.PrefixListId is { } pl && _config.PrefixLists.TryGetValue(pl, out var list))
                {
                    foreach (var e in list.Entries)
                    {
                        into.Add((r.Protocol, new RuleAtom(e.Cidr, from, to, id, AtomFlags.None)));
                    }
                }

                break;
            case PeerKind.SecurityGroup:
                if (!r.Peer.IsStale && r.Peer.GroupId is { } gid && _members.TryGetValue(gid, out var members))
                {
                    foreach (var m in members)
                    {
                        into.Add((r.Protocol, new RuleAtom(m, from, to, id, AtomFlags.GroupReference)));
                    }
                }

                break;
        }
    }

    /// <summary>The rule's range in the key space <see cref="DirectionRules.KeyOf"/> uses.</summary>
    internal static (int From, int To) KeyRange(SecurityGroupRule r)
    {
        if (r.PortsApply)
        {
            return r.FromPort < 0 || r.ToPort < 0 ? (0, 65535) : (Math.Max(0, r.FromPort), Math.Min(65535, r.ToPort));
        }

        if (r.IcmpApplies)
        {
            int type = r.FromPort, code = r.ToPort;
            if (type < 0)
            {
                return (0, 0xFFFF);
            }

            return code < 0 ? (type << 8, (type << 8) | 0xFF) : ((type << 8) | code, (type << 8) | code);
        }

        return (0, 65535);
    }
}
