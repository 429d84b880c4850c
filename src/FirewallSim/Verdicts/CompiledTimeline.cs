using System.Runtime.CompilerServices;
using FirewallSim.Attribution;
using FirewallSim.Config;
using FirewallSim.Net;
using FirewallSim.Rules;
using FirewallSim.Tracking;

namespace FirewallSim.Verdicts;

/// <summary>Options of the simulation; every default is the decision in decisions.md.</summary>
public sealed record EngineOptions
{
    public TrackingTimeouts Timeouts { get; init; } = TrackingTimeouts.Default;

    /// <summary>D10: maximum tracked connections per instance (per ENI when not attached); null = unlimited.</summary>
    public int? ConntrackMax { get; init; }

    /// <summary>D10 option: write allowance drops as REJECT records instead of dropping silently.</summary>
    public bool RejectOnAllowanceDrop { get; init; }

    /// <summary>D17 option: all of 169.254.0.0/16 and fe80::/10 are exempt.</summary>
    public bool LinkLocalExempt { get; init; } = true;

    public RuleCompileOptions Rules { get; init; } = new();

    /// <summary>Initial conntrack slots (grows as needed).</summary>
    public int InitialConntrackCapacity { get; init; } = 1 << 14;

    /// <summary>D12: how long a first fragment's verdict is kept for later fragments.</summary>
    public TimeSpan FragmentLifetime { get; init; } = TimeSpan.FromSeconds(30);

    public static EngineOptions Default { get; } = new();
}

/// <summary>The ENIs of every configuration version under one stable index space.</summary>
public sealed class EniDirectory
{
    private readonly List<string> _ids = new();
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly List<NetworkInterface> _latest = new();

    public int Count => _ids.Count;

    public string Id(int index) => _ids[index];

    /// <summary>The ENI as described by the newest configuration version that has it.</summary>
    public NetworkInterface Interface(int index) => _latest[index];

    public bool TryGetIndex(string id, out int index) => _index.TryGetValue(id, out index);

    internal int GetOrAdd(NetworkInterface eni)
    {
        if (!_index.TryGetValue(eni.Id, out int i))
        {
            i = _ids.Count;
            _ids.Add(eni.Id);
            _index[eni.Id] = i;
            _latest.Add(eni);
        }
        else
        {
            _latest[i] = eni;
        }

        return i;
    }

    public int IndexOf(string id) => _index[id];
}

/// <summary>One ENI of one configuration version, ready for per-packet work.</summary>
internal sealed class EniRuntime
{
    public required int Index { get; init; }

    public required NetworkInterface Model { get; init; }

    public required EniRules Rules { get; init; }

    public NaclMatcher? Nacl { get; init; }

    public IpPrefix? SubnetV4 { get; init; }

    public IpPrefix[] SubnetV6 { get; init; } = Array.Empty<IpPrefix>();

    public required EniTimeouts Timeouts { get; init; }

    /// <summary>D11: flows whose peer is this ENI are always tracked (NAT gateway, NLB, endpoints…).</summary>
    public bool AutoTrackPeer { get; init; }

    public int AllowanceGroup { get; init; }

    /// <summary>D14: NACLs apply only when the peer is outside the ENI's subnet.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool InSubnet(IpAddr peer)
    {
        if (peer.IsV4)
        {
            return SubnetV4 is { } s && s.Contains(peer);
        }

        foreach (var s in SubnetV6)
        {
            if (s.Contains(peer))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>One configuration version compiled: attribution, exemptions and per-ENI rule sets.</summary>
public sealed class CompiledVersion
{
    internal CompiledVersion(long effectiveFromNs, string label, AwsConfig config, AddressBook book, EniRuntime?[] enis, IpPrefix[] dynamoPrefixes)
    {
        EffectiveFromNs = effectiveFromNs;
        Label = label;
        Config = config;
        Book = book;
        Enis = enis;
        DynamoPrefixes = dynamoPrefixes;
    }

    public long EffectiveFromNs { get; }

    public string Label { get; }

    public AwsConfig Config { get; }

    public AddressBook Book { get; }

    internal EniRuntime?[] Enis { get; }

    /// <summary>D11: peers in a com.amazonaws.*.dynamodb prefix list are auto-tracked and cost two entries.</summary>
    internal IpPrefix[] DynamoPrefixes { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool IsDynamo(IpAddr peer)
    {
        foreach (var p in DynamoPrefixes)
        {
            if (p.Contains(peer))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Every configuration version compiled under shared rule ids and ENI indexes (D19).</summary>
public sealed class CompiledTimeline
{
    private CompiledTimeline(RuleTable rules, EniDirectory enis, CompiledVersion[] versions, int allowanceGroups, int[] allowanceGroupOfEni)
    {
        Rules = rules;
        Enis = enis;
        Versions = versions;
        AllowanceGroups = allowanceGroups;
        AllowanceGroupOfEni = allowanceGroupOfEni;
    }

    public RuleTable Rules { get; }

    public EniDirectory Enis { get; }

    public IReadOnlyList<CompiledVersion> Versions { get; }

    internal int AllowanceGroups { get; }

    internal int[] AllowanceGroupOfEni { get; }

    public static CompiledTimeline Compile(ConfigTimeline timeline, EngineOptions options)
    {
        var rules = new RuleTable();
        var enis = new EniDirectory();

        // Index every ENI of every version first, so indexes never depend on the version being compiled.
        foreach (var v in timeline.Versions)
        {
            foreach (var eni in v.Config.NetworkInterfaces.Values.OrderBy(e => e.Id, StringComparer.Ordinal))
            {
                enis.GetOrAdd(eni);
            }
        }

        // D10: the allowance is per instance, or per ENI when the ENI is not attached to one.
        var groupIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var groupOf = new int[enis.Count];
        for (int i = 0; i < enis.Count; i++)
        {
            var eni = enis.Interface(i);
            string key = eni.InstanceId is { Length: > 0 } inst ? "i:" + inst : "e:" + eni.Id;
            if (!groupIndex.TryGetValue(key, out int g))
            {
                groupIndex[key] = g = groupIndex.Count;
            }

            groupOf[i] = g;
        }

        var versions = new CompiledVersion[timeline.Versions.Count];
        for (int vi = 0; vi < versions.Length; vi++)
        {
            var v = timeline.Versions[vi];
            versions[vi] = CompileVersion(v, rules, enis, groupOf, options);
        }

        return new CompiledTimeline(rules, enis, versions, groupIndex.Count, groupOf);
    }

    private static CompiledVersion CompileVersion(ConfigVersion v, RuleTable rules, EniDirectory enis, int[] groupOf, EngineOptions options)
    {
        var config = v.Config;
        var sg = new SecurityGroupCompiler(config, rules, options.Rules);
        var nacls = new Dictionary<string, NaclMatcher>(StringComparer.Ordinal);
        var runtimes = new EniRuntime?[enis.Count];
        foreach (var eni in config.NetworkInterfaces.Values)
        {
            int idx = enis.IndexOf(eni.Id);
            Subnet? subnet = null;
            if (eni.SubnetId is { } sid)
            {
                config.Subnets.TryGetValue(sid, out subnet);
            }

            NaclMatcher? nacl = null;
            if (config.AclForSubnet(eni.SubnetId) is { } acl)
            {
                if (!nacls.TryGetValue(acl.Id, out nacl))
                {
                    nacls[acl.Id] = nacl = CompileNacl(acl, rules);
                }
            }

            var ct = eni.ConnectionTracking;
            runtimes[idx] = new EniRuntime
            {
                Index = idx,
                Model = eni,
                Rules = sg.Compile(eni),
                Nacl = nacl,
                SubnetV4 = subnet?.CidrBlock,
                SubnetV6 = subnet?.Ipv6CidrBlocks.ToArray() ?? Array.Empty<IpPrefix>(),
                Timeouts = new EniTimeouts(options.Timeouts, ct?.TcpEstablishedTimeout, ct?.UdpTimeout, ct?.UdpStreamTimeout,
                    eni.InterfaceType == "network_load_balancer"),
                AutoTrackPeer = eni.InterfaceType is "natGateway" or "nat_gateway" or "network_load_balancer" or "vpc_endpoint"
                    or "lambda" or "global_accelerator_managed" or "gateway_load_balancer_endpoint",
                AllowanceGroup = groupOf[idx],
            };
        }

        var book = new AddressBook(config, enis.IndexOf, options.LinkLocalExempt);
        var dynamo = config.PrefixLists.Values
            .Where(p => p.Name is { } n && n.StartsWith("com.amazonaws.", StringComparison.Ordinal) && n.EndsWith(".dynamodb", StringComparison.Ordinal))
            .SelectMany(p => p.Entries.Select(e => e.Cidr))
            .ToArray();
        return new CompiledVersion(v.EffectiveFromNs, v.Label, config, book, runtimes, dynamo);
    }

    private static NaclMatcher CompileNacl(NetworkAcl acl, RuleTable rules)
    {
        CompiledNaclEntry[] Direction(bool egress) => acl.Entries
            .Where(e => e.Egress == egress)
            .OrderBy(e => e.RuleNumber)
            .Select(e => new CompiledNaclEntry(e, rules.IdFor(acl.Id, e, isImplicit: false)))
            .ToArray();

        int Implicit(bool egress, bool v4)
        {
            // The "*" rules exist in every ACL whether or not the export lists them (4.3).
            var e = new NetworkAclEntry
            {
                RuleNumber = v4 ? 32767 : 32768,
                Egress = egress,
                Protocol = RuleProtocol.All,
                Allow = false,
                Cidr = v4 ? IpPrefix.AllV4 : IpPrefix.AllV6,
            };
            return rules.IdFor(acl.Id, e, isImplicit: true);
        }

        return new NaclMatcher(acl.Id, Direction(false), Direction(true),
            new[] { Implicit(false, true), Implicit(false, false), Implicit(true, true), Implicit(true, false) });
    }
}
