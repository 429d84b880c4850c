using System.Runtime.CompilerServices;
using FirewallSim.Config;
using FirewallSim.Decode;
using FirewallSim.Net;
using FirewallSim.Verdicts;

namespace FirewallSim.Attribution;

/// <summary>The ENIs a packet leaves (egress) and enters (ingress), at most two each (IP owner, MAC owner).</summary>
public struct EniAttribution
{
    public int Egress0;
    public int Egress1;
    public int Ingress0;
    public int Ingress1;

    /// <summary>The source address's owner, for group-reference and auto-tracking checks (-1 if none).</summary>
    public int SrcOwner;

    public int DstOwner;

    /// <summary>ENIs owning the source / destination MAC (-1 if unknown).</summary>
    public int SrcMacOwner;

    public int DstMacOwner;

    public readonly bool Any => Egress0 >= 0 || Ingress0 >= 0;
}

/// <summary>
/// Who owns which address (D13) and which traffic is exempt (D17) in one configuration version.
/// Per packet this is a handful of flat-hash probes and never allocates.
/// </summary>
public sealed class AddressBook
{
    private readonly IpAddrMap _owners;                 // private IPv4/IPv6 → ENI index
    private readonly (IpPrefix Prefix, int Eni)[] _delegated;
    private readonly IpAddrMap _macOwners;               // MAC (as IpAddr(ulong.MaxValue, mac)) → ENI index
    private readonly IpAddrMap _exempt;                 // address → ExemptKind
    private readonly IpPrefix[] _ipv6Subnets;           // for the reserved-address arithmetic
    private readonly bool _linkLocalExempt;

    public AddressBook(AwsConfig config, Func<string, int> eniIndex, bool linkLocalExempt)
    {
        _linkLocalExempt = linkLocalExempt;
        var owners = new Dictionary<IpAddr, int>();
        var delegated = new List<(IpPrefix, int)>();
        var macOwners = new Dictionary<IpAddr, int>();
        foreach (var eni in config.NetworkInterfaces.Values)
        {
            int idx = eniIndex(eni.Id);
            foreach (var a in eni.PrivateIpv4Addresses.Concat(eni.Ipv6Addresses))
            {
                owners.TryAdd(a, idx);
            }

            foreach (var p in eni.Ipv4Prefixes.Concat(eni.Ipv6Prefixes))
            {
                delegated.Add((p, idx));
            }

            if (!eni.Mac.IsNone)
            {
                macOwners.TryAdd(MacKey(eni.Mac), idx);
            }
        }

        _owners = new IpAddrMap(owners);
        _macOwners = new IpAddrMap(macOwners);

        // Longest prefix first, so the first hit is the most specific delegation.
        _delegated = delegated.OrderByDescending(d => d.Item1.Length128).ToArray();

        var exempt = new Dictionary<IpAddr, int>();
        void Add(string a, ExemptKind k) => exempt[IpAddr.Parse(a)] = (int)k;
        Add("169.254.169.253", ExemptKind.AmazonDns);
        Add("fd00:ec2::253", ExemptKind.AmazonDns);
        Add("169.254.169.254", ExemptKind.InstanceMetadata);
        Add("fd00:ec2::254", ExemptKind.InstanceMetadata);
        Add("169.254.169.123", ExemptKind.TimeSync);
        Add("fd00:ec2::123", ExemptKind.TimeSync);
        Add("169.254.169.250", ExemptKind.WindowsActivation);
        Add("169.254.169.251", ExemptKind.WindowsActivation);
        Add("169.254.170.2", ExemptKind.EcsMetadata);
        Add("fe80:ec2::1", ExemptKind.VpcRouter);

        var v6Subnets = new List<IpPrefix>();
        foreach (var subnet in config.Subnets.Values)
        {
            if (subnet.CidrBlock is { } v4 && v4.Length <= 30)
            {
                // First four (network, router, DNS, reserved) and the last (broadcast) address.
                uint net = v4.Network.V4;
                for (uint k = 0; k < 4; k++)
                {
                    exempt.TryAdd(IpAddr.FromV4(net + k), (int)ExemptKind.SubnetReserved);
                }

                exempt.TryAdd(v4.Last, (int)ExemptKind.SubnetReserved);
            }

            v6Subnets.AddRange(subnet.Ipv6CidrBlocks);
        }

        foreach (var vpc in config.Vpcs.Values)
        {
            if (vpc.CidrBlocks.Count > 0)
            {
                // The Amazon DNS server: primary CIDR base + 2 (takes precedence over "subnet reserved").
                exempt[IpAddr.FromV4(vpc.CidrBlocks[0].Network.V4 + 2)] = (int)ExemptKind.AmazonDns;
            }
        }

        _exempt = new IpAddrMap(exempt);
        _ipv6Subnets = v6Subnets.ToArray();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int OwnerOf(IpAddr address)
    {
        if (_owners.TryGetValue(address, out int eni))
        {
            return eni;
        }

        return _delegated.Length == 0 ? -1 : DelegatedOwner(address);
    }

    private int DelegatedOwner(IpAddr address)
    {
        foreach (var (prefix, eni) in _delegated)
        {
            if (prefix.Contains(address))
            {
                return eni;
            }
        }

        return -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int OwnerOfMac(MacAddr mac) => mac.IsNone || _macOwners.Count == 0 ? -1 : (_macOwners.TryGetValue(MacKey(mac), out int e) ? e : -1);

    // MACs share the flat map type with addresses; the all-ones high word can never be an address of ours.
    private static IpAddr MacKey(MacAddr mac) => new(ulong.MaxValue, mac.Value);

    /// <summary>D13: egress on every ENI owning the source (address or MAC), ingress on every ENI owning the destination.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Attribute(in PacketInfo p, out EniAttribution a)
    {
        a.SrcOwner = OwnerOf(p.Src);
        a.DstOwner = OwnerOf(p.Dst);
        a.SrcMacOwner = OwnerOfMac(p.SrcMac);
        a.DstMacOwner = OwnerOfMac(p.DstMac);
        a.Egress0 = a.SrcOwner >= 0 ? a.SrcOwner : a.SrcMacOwner;
        a.Egress1 = a.SrcOwner >= 0 && a.SrcMacOwner >= 0 && a.SrcMacOwner != a.SrcOwner ? a.SrcMacOwner : -1;
        a.Ingress0 = a.DstOwner >= 0 ? a.DstOwner : a.DstMacOwner;
        a.Ingress1 = a.DstOwner >= 0 && a.DstMacOwner >= 0 && a.DstMacOwner != a.DstOwner ? a.DstMacOwner : -1;
    }

    /// <summary>D17: the kind of exempt traffic this packet is, or None. Either address matching is enough.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ExemptKind Exempt(in PacketInfo p)
    {
        if (_exempt.TryGetValue(p.Dst, out int k) || _exempt.TryGetValue(p.Src, out k))
        {
            return (ExemptKind)k;
        }

        return ExemptSlow(p);
    }

    private ExemptKind ExemptSlow(in PacketInfo p)
    {
        if (p.Protocol == IpProtocol.Udp && !p.IsLaterFragment)
        {
            if (p.SrcPort is 67 or 68 && p.DstPort is 67 or 68)
            {
                return ExemptKind.Dhcp;
            }

            if (p.SrcPort is 546 or 547 && p.DstPort is 546 or 547)
            {
                return ExemptKind.Dhcpv6;
            }
        }
        else if (p.Protocol == IpProtocol.Icmpv6 && p.IcmpType is >= 133 and <= 137)
        {
            return ExemptKind.NeighborDiscovery;
        }

        if (_linkLocalExempt && (IsLinkLocal(p.Src) || IsLinkLocal(p.Dst)))
        {
            return ExemptKind.LinkLocal;
        }

        if (p.Family == IpFamily.V6 && _ipv6Subnets.Length > 0 && (IsReservedV6(p.Src) || IsReservedV6(p.Dst)))
        {
            return ExemptKind.SubnetReserved;
        }

        return ExemptKind.None;
    }

    /// <summary>169.254.0.0/16 or fe80::/10, by bit tests (called for every packet that is not otherwise exempt).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsLinkLocal(IpAddr a) =>
        a.IsV4 ? (a.V4 >> 16) == 0xA9FE : (a.Hi >> 54) == (0xFE80UL >> 6);

    /// <summary>The first four and the last address of every /64 inside a known IPv6 subnet.</summary>
    private bool IsReservedV6(IpAddr a)
    {
        if (a.Lo > 3 && a.Lo != ulong.MaxValue)
        {
            return false;
        }

        foreach (var s in _ipv6Subnets)
        {
            if (s.Contains(a))
            {
                return true;
            }
        }

        return false;
    }
}
