using System.Runtime.CompilerServices;
using FirewallSim.Config;
using FirewallSim.Net;

namespace FirewallSim.Rules;

/// <summary>One NACL entry ready for matching; the original entry and ACL are in <see cref="RuleTable"/>.</summary>
internal readonly struct CompiledNaclEntry
{
    public readonly IpPrefix Cidr;
    public readonly int Protocol;      // -1 = all
    public readonly int PortFrom;      // only when MatchPorts
    public readonly int PortTo;
    public readonly int IcmpKeyFrom;   // only when MatchIcmp: (type << 8 | code) range
    public readonly int IcmpKeyTo;
    public readonly bool MatchPorts;
    public readonly bool MatchIcmp;
    public readonly bool Allow;
    public readonly int Id;

    public CompiledNaclEntry(NetworkAclEntry e, int id)
    {
        Cidr = e.Cidr;
        Protocol = e.Protocol;
        Allow = e.Allow;
        Id = id;

        // CreateNetworkAclEntry: ports for TCP/UDP only; type/code for ICMP, and for ICMPv6 with an IPv6
        // block; every other protocol (and -1) matches all ports and types (AWS semantics 4.2).
        MatchPorts = e.Protocol is IpProtocol.Tcp or IpProtocol.Udp && e.PortFrom is not null;
        PortFrom = e.PortFrom ?? 0;
        PortTo = e.PortTo ?? 65535;
        bool icmp = e.Protocol == IpProtocol.Icmp || (e.Protocol == IpProtocol.Icmpv6 && !e.Cidr.IsV4);
        int type = e.IcmpType ?? -1;
        int code = e.IcmpCode ?? -1;
        MatchIcmp = icmp && type >= 0;
        if (type < 0)
        {
            IcmpKeyFrom = 0;
            IcmpKeyTo = 0xFFFF;
        }
        else if (code < 0)
        {
            IcmpKeyFrom = type << 8;
            IcmpKeyTo = (type << 8) | 0xFF;
        }
        else
        {
            IcmpKeyFrom = IcmpKeyTo = (type << 8) | code;
        }
    }
}

/// <summary>A network ACL compiled for evaluation: entries per direction in rule-number order, first match wins.</summary>
internal sealed class NaclMatcher
{
    private readonly CompiledNaclEntry[] _inbound;
    private readonly CompiledNaclEntry[] _outbound;
    private readonly int[] _implicitDeny; // [egress * 2 + (v6 ? 1 : 0)]

    public NaclMatcher(string id, CompiledNaclEntry[] inbound, CompiledNaclEntry[] outbound, int[] implicitDeny)
    {
        Id = id;
        _inbound = inbound;
        _outbound = outbound;
        _implicitDeny = implicitDeny;
    }

    public string Id { get; }

    /// <summary>Returns the id of the deciding entry and whether it allows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Evaluate(bool egress, IpAddr peer, byte protocol, int portKey, int icmpKey, out bool allow)
    {
        var entries = egress ? _outbound : _inbound;
        bool v4 = peer.IsV4;
        for (int i = 0; i < entries.Length; i++)
        {
            ref readonly var e = ref entries[i];
            if (e.Cidr.IsV4 != v4 || (e.Protocol >= 0 && e.Protocol != protocol) || !e.Cidr.Contains(peer))
            {
                continue;
            }

            if (e.MatchPorts && (portKey < e.PortFrom || portKey > e.PortTo))
            {
                continue;
            }

            if (e.MatchIcmp && (icmpKey < e.IcmpKeyFrom || icmpKey > e.IcmpKeyTo))
            {
                continue;
            }

            allow = e.Allow;
            return e.Id;
        }

        allow = false;
        return _implicitDeny[(egress ? 2 : 0) + (v4 ? 0 : 1)];
    }
}
