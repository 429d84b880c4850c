using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using FirewallSim.Capture;
using FirewallSim.Decode;
using FirewallSim.Net;

namespace FirewallSim.Synthesis;

/// <summary>
/// One generation run. A fixed number of flow slots (<see cref="SyntheticCaptureOptions.Concurrent"/>)
/// each hold one open flow; a min-heap orders the slots by the time of their next packet. Each
/// step takes the earliest slot, builds its packet in place in one reused buffer, writes it and
/// schedules the slot's next packet; a finished flow makes room for a new one. A flow's packet
/// count is fixed when it starts and the starts stop once the packets left are all promised, so
/// the capture holds exactly the packets asked for and no flow is cut short.
/// </summary>
internal sealed class SyntheticEngine
{
    /// <summary>Endpoint index of internet hosts (clients, scanners, routers): behind the gateway MAC.</summary>
    public const byte Internet = 255;

    private const int EniCount = 14;
    private const byte ResolverEndpoint = 14;
    private const byte PublicDnsEndpoint = 15;
    private const int EndpointCount = 16;

    private const int PoolSize = 1 << 20;
    private const int FrameCapacity = 2048;
    private const int EthernetHeader = 14;
    private const ushort EtherTypeIpv4 = 0x0800;
    private const ushort EtherTypeIpv6 = 0x86DD;

    private const ushort MssIpv4 = 1460;
    private const ushort MssIpv6 = 1440;
    private const ushort PathMtuIpv4 = 1400;
    private const ushort PathMtuIpv6 = 1280;
    private const int TcpHeader = 20;
    private const int SynOptionsLength = 12;
    private const int ScanOptionsLength = 4;
    private const int EchoPayload = 56;
    private const int TraceroutePayload = 32;
    private const int QuoteLimitIpv6 = 1280 - 40 - 8;

    // Windows as Linux sets them: SYN windows are MSS multiples, later ones scaled by 2^7.
    private const ushort ClientWindow = 502;
    private const ushort ServerWindow = 501;

    // Relative gaps before the next packet of a flow (see Gap): answers, back-to-back segments, pauses.
    private const double GapReplyInternet = 0.6;
    private const double GapReplyVpc = 0.05;
    private const double GapBurst = 0.05;
    private const double GapThink = 2.0;
    private const double GapNewFlow = 0.2;

    // Mean data packets of a TCP flow, relative between kinds.
    private static readonly double[] TcpSizeFactor = [1.5, 1.5, 1.0, 0.7, 0.6];

    // Minimum data-phase packets: request + response, and for the path-MTU kind request + too-big segment + ICMP + 2 resent + ACK.
    private const int MinDataPackets = 1;
    private const int MinDataPacketsPathMtu = 6;
    private const double MeanTeardown = (0.5 * 3) + (0.35 * 4) + (0.15 * 1);
    private const double MeanScanPackets = (0.6 * 1) + (0.4 * 2);

    private static readonly SyntheticFlowKind[] FillerKinds =
    [
        SyntheticFlowKind.DnsVpcResolver, SyntheticFlowKind.DnsPublic, SyntheticFlowKind.EchoInbound,
        SyntheticFlowKind.EchoOutbound, SyntheticFlowKind.Traceroute, SyntheticFlowKind.Scan,
    ];

    private static readonly byte[][] DnsNames = new[]
    {
        "www.example.com", "api.example.com", "s3.us-east-1.amazonaws.com", "sqs.us-east-1.amazonaws.com",
        "dynamodb.us-east-1.amazonaws.com", "sts.amazonaws.com", "app.internal.example", "db.internal.example",
        "time.aws.com", "ocsp.example.net", "cdn.example.org", "logs.us-east-1.amazonaws.com",
    }.Select(EncodeDnsName).ToArray();

    private readonly long _packets;
    private readonly double[] _fractions;
    private readonly double[] _cumulativeMix;
    private readonly double _ipv6Share;
    private readonly double[] _meanDataPackets = new double[5];
    private readonly double _gapNs;

    private readonly byte[] _pool = new byte[PoolSize + FrameCapacity];
    private readonly byte[] _frame = new byte[FrameCapacity];
    private readonly byte[] _scratch = new byte[FrameCapacity];
    private readonly FlowSlot[] _slots;
    private readonly EventQueue _queue;
    private readonly ClientAddressSpace _clients;
    private readonly PortAllocator _ports = new(EniCount, EndpointCount);
    private readonly IpAddr[] _endpointV4 = new IpAddr[EndpointCount];
    private readonly IpAddr[] _endpointV6 = new IpAddr[EndpointCount];
    private readonly ulong[] _endpointMac = new ulong[EndpointCount];
    private readonly ushort[] _echoIds = new ushort[EniCount];
    private readonly ScannerState[] _scanners;
    private Xoshiro256 _rng;
    private ClientRun _v4Run;
    private ClientRun _v6Run;
    private ulong _nextClientId;
    private uint _nextSerial;

    private readonly bool[] _slotStarted;
    private long _written;
    private long _committed;
    private int _startedSlots;
    private int _retiredSlots;
    private double _gapWeightSum;
    private double _gapWeightCount;
    private int _active;
    private int _maxActive;
    private long _frameBytes;
    private long _firstTs = -1;
    private long _lastTs;
    private long _flows;
    private long _ipv6Flows;
    private readonly long[] _flowsByKind = new long[Enum.GetValues<SyntheticFlowKind>().Length];
    private readonly long[] _packetsByKind = new long[Enum.GetValues<SyntheticFlowKind>().Length];

    public SyntheticEngine(SyntheticCaptureOptions options)
    {
        _packets = options.Packets;
        _ipv6Share = options.Ipv6Share;
        _rng = new Xoshiro256(options.Seed);
        _clients = new ClientAddressSpace(options.Seed);

        var fractions = _fractions = options.Mix.Fractions();
        _cumulativeMix = new double[fractions.Length];
        double acc = 0;
        for (int i = 0; i < fractions.Length; i++)
        {
            acc += fractions[i];
            _cumulativeMix[i] = acc;
        }

        _cumulativeMix[^1] = 1.0;
        double meanFlowPackets = (double)options.Packets / options.Flows;
        PlanTcpSizes(fractions, meanFlowPackets);

        for (int i = 0; i < PoolSize; i += 8)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(_pool.AsSpan(i), _rng.NextUInt64());
        }

        _pool.AsSpan(0, FrameCapacity).CopyTo(_pool.AsSpan(PoolSize)); // a segment may run past the end

        var enis = SyntheticNetworkPlan.Enis;
        for (int i = 0; i < EniCount; i++)
        {
            _endpointV4[i] = enis[i].Ipv4;
            _endpointV6[i] = enis[i].Ipv6;
            _endpointMac[i] = enis[i].Mac.Value;
            _echoIds[i] = (ushort)_rng.NextUInt32();
        }

        _endpointV4[ResolverEndpoint] = SyntheticNetworkPlan.VpcResolverIpv4;
        _endpointV6[ResolverEndpoint] = SyntheticNetworkPlan.VpcResolverIpv6;
        _endpointV4[PublicDnsEndpoint] = SyntheticNetworkPlan.PublicDnsIpv4;
        _endpointV6[PublicDnsEndpoint] = SyntheticNetworkPlan.PublicDnsIpv6;
        _endpointMac[ResolverEndpoint] = SyntheticNetworkPlan.GatewayMac.Value;
        _endpointMac[PublicDnsEndpoint] = SyntheticNetworkPlan.GatewayMac.Value;

        _scanners = new ScannerState[SyntheticNetworkPlan.Scanners.Count];
        for (int i = 0; i < _scanners.Length; i++)
        {
            _scanners[i].Target = (byte)(i % SyntheticNetworkPlan.WebEnis.Count);
            _scanners[i].Ttl = (byte)_rng.Between(230, 250);
            NewSweep(ref _scanners[i]);
        }

        // Closed system: each slot sends one packet per mean gap, so C slots send C / gap packets a
        // second, and a slot is busy for N / C gaps. Slots start at random within one flow's life
        // (M = N / F gaps), which adds between M / 2 gaps (many flows per slot: the speed-up at the
        // end, see Gap, wins back the rest) and M gaps (one flow per slot). Measured: the capture
        // lasts D within about 10–25%.
        int slots = (int)Math.Min(options.Concurrent, options.Flows);
        double durationNs = options.EffectiveDurationSeconds * 1e9;
        double rampGaps = meanFlowPackets * 0.5 * (1.0 + ((double)slots / options.Flows));
        _gapNs = durationNs / (((double)options.Packets / slots) + rampGaps);
        long rampNs = Math.Max(1, (long)(meanFlowPackets * _gapNs));
        long startNs = (options.Start.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

        _slots = new FlowSlot[slots];
        _slotStarted = new bool[slots];
        _queue = new EventQueue(slots);
        for (int s = 0; s < slots; s++)
        {
            _queue.AddUnordered(s == 0 ? startNs : startNs + (long)(_rng.NextUInt64() % (ulong)rampNs), s);
        }

        _queue.Heapify();
    }

    public SyntheticCaptureSummary Run(PcapWriter writer, Action<long>? progress, CancellationToken cancellation)
    {
        var queue = _queue;
        while (queue.Count > 0)
        {
            long now = queue.MinTime;
            int slot = queue.MinSlot;
            ref FlowSlot f = ref _slots[slot];
            if (!f.IsActive)
            {
                if (!_slotStarted[slot])
                {
                    _slotStarted[slot] = true;
                    _startedSlots++;
                }

                if (!StartFlow(ref f))
                {
                    _retiredSlots++;
                    queue.RemoveMin();
                    continue;
                }
            }

            int length = EmitNext(ref f, out double nextGap);
            writer.Write(_frame.AsSpan(0, length), now);
            _written++;
            _frameBytes += length;
            _packetsByKind[(int)f.Kind]++;
            if (_firstTs < 0)
            {
                _firstTs = now;
            }

            _lastTs = now;
            if ((_written & (SyntheticCaptureGenerator.ProgressInterval - 1)) == 0)
            {
                cancellation.ThrowIfCancellationRequested();
                progress?.Invoke(_written);
            }

            if (--f.Remaining == 0)
            {
                EndFlow(ref f);
                if (_committed == _packets)
                {
                    // No packets left for another flow: the slot stops now rather than after a pause.
                    _retiredSlots++;
                    queue.RemoveMin();
                    continue;
                }

                nextGap = GapNewFlow;
            }

            queue.ReplaceMin(now + Gap(nextGap));
        }

        if (_written != _packets)
        {
            throw new InvalidOperationException($"generator bug: wrote {_written} packets, not {_packets}");
        }

        progress?.Invoke(_written);
        return new SyntheticCaptureSummary
        {
            Packets = _written,
            Flows = _flows,
            Ipv6Flows = _ipv6Flows,
            FrameBytes = _frameBytes,
            FileBytes = 24 + (16 * _written) + _frameBytes,
            FirstTimestampNs = _firstTs,
            LastTimestampNs = _lastTs,
            FlowsByKind = _flowsByKind,
            PacketsByKind = _packetsByKind,
            MaxConcurrentFlows = _maxActive,
        };
    }

    // ---- scheduling -----------------------------------------------------------------------------

    /// <summary>
    /// Time to a flow's next packet: exponential, with a mean of <c>weight</c> relative to the other
    /// gaps. The running mean of all weights drawn divides it out, so the mean gap stays at
    /// <see cref="_gapNs"/> whatever the mix. Gaps shrink with the share of started slots that are
    /// still in use, which keeps the packet rate steady when slots stop at the end: the last flows
    /// speed up instead of stretching the capture far beyond its duration.
    /// </summary>
    private long Gap(double weight)
    {
        _gapWeightSum += weight;
        _gapWeightCount++;
        double meanWeight = (_gapWeightSum + 1000.0) / (_gapWeightCount + 1000.0);
        double load = (double)Math.Max(_startedSlots - _retiredSlots, 1) / Math.Max(_startedSlots, 1);
        double ns = _gapNs * load * weight / meanWeight * Math.Min(_rng.NextExponential(), 8.0); // no pause beyond 8 means
        return Math.Max(1, (long)Math.Min(ns, 1e15));
    }

    private static double ReplyGap(in FlowSlot f) => (f.Flags & FlowFlags.InternetPath) != 0 ? GapReplyInternet : GapReplyVpc;

    private void PlanTcpSizes(double[] fractions, double meanFlowPackets)
    {
        // Solve sum_k w_k E[P_k] = N / F for the scale of the TCP kinds' data packets.
        double fixedPackets = ((fractions[(int)SyntheticFlowKind.DnsVpcResolver] + fractions[(int)SyntheticFlowKind.DnsPublic]
                                + fractions[(int)SyntheticFlowKind.Traceroute]) * 2.0)
                              + ((fractions[(int)SyntheticFlowKind.EchoInbound] + fractions[(int)SyntheticFlowKind.EchoOutbound]) * 5.0)
                              + (fractions[(int)SyntheticFlowKind.Scan] * MeanScanPackets);
        double tcpShare = 0, weighted = 0;
        for (int k = 0; k < TcpSizeFactor.Length; k++)
        {
            tcpShare += fractions[k];
            weighted += fractions[k] * TcpSizeFactor[k];
        }

        double scale = weighted > 0 ? (meanFlowPackets - fixedPackets - ((3 + MeanTeardown) * tcpShare)) / weighted : 0;
        for (int k = 0; k < TcpSizeFactor.Length; k++)
        {
            double min = k == (int)SyntheticFlowKind.InternetHttpsPathMtu ? MinDataPacketsPathMtu : MinDataPackets;
            _meanDataPackets[k] = Math.Max(min, scale * TcpSizeFactor[k]);
        }
    }

    // ---- flow start and end ---------------------------------------------------------------------

    private bool StartFlow(ref FlowSlot f)
    {
        long avail = _packets - _committed;
        if (avail <= 0)
        {
            return false;
        }

        var kind = PickKind();
        bool v6 = kind != SyntheticFlowKind.Scan && _ipv6Share > 0 && _rng.Chance(_ipv6Share);
        f = default;
        f.Serial = _nextSerial++;
        f.Flags = FlowFlags.Active | (v6 ? FlowFlags.V6 : 0);
        f.ClientIpId = (ushort)_rng.NextUInt32();
        f.ServerIpId = (ushort)_rng.NextUInt32();
        f.FlowLabels = _rng.NextUInt32();
        f.ClientTtl = 64;
        f.ServerTtl = 64;

        int packets = kind switch
        {
            <= SyntheticFlowKind.AppToDb => PlanTcp(ref f, ref kind, avail),
            SyntheticFlowKind.EchoInbound or SyntheticFlowKind.EchoOutbound => (int)Math.Min(2 * _rng.Between(1, 4), avail & ~1L),
            SyntheticFlowKind.Scan => 0, // decided with the port
            _ => 2,
        };
        if (kind != SyntheticFlowKind.Scan && (packets == 0 || packets > avail))
        {
            // The very end of the capture: fill the last packets with a whole flow small enough, or
            // when the mix has none, with the first packet of the one drawn (a SYN, a query…).
            if (Filler(avail) is { } filler)
            {
                kind = filler;
                packets = 2;
                v6 &= kind != SyntheticFlowKind.Scan;
                f.Flags = FlowFlags.Active | (v6 ? FlowFlags.V6 : 0); // drops what a TCP plan set
            }
            else
            {
                packets = (int)avail;
            }
        }

        f.Kind = kind;
        switch (kind)
        {
            case SyntheticFlowKind.InternetHttps:
            case SyntheticFlowKind.InternetHttpsPathMtu:
            case SyntheticFlowKind.InternetHttp:
                FromInternetClient(ref f, v6);
                ToWebServer(ref f, v6);
                f.ServerPort = kind == SyntheticFlowKind.InternetHttp ? SyntheticNetworkPlan.HttpPort : SyntheticNetworkPlan.HttpsPort;
                break;
            case SyntheticFlowKind.WebToApp:
                BetweenServers(ref f, v6, SyntheticNetworkPlan.WebEnis, SyntheticNetworkPlan.AppEnis);
                f.ServerPort = SyntheticNetworkPlan.AppPort;
                break;
            case SyntheticFlowKind.AppToDb:
                BetweenServers(ref f, v6, SyntheticNetworkPlan.AppEnis, SyntheticNetworkPlan.DbEnis);
                f.ServerPort = SyntheticNetworkPlan.DbPort;
                break;
            case SyntheticFlowKind.DnsVpcResolver:
            case SyntheticFlowKind.DnsPublic:
                StartDns(ref f, v6, kind == SyntheticFlowKind.DnsPublic);
                break;
            case SyntheticFlowKind.EchoInbound:
                FromInternetClient(ref f, v6);
                ToWebServer(ref f, v6);
                f.Aux = f.ClientPort; // the run's counter: distinct for each flow of the same client
                f.ClientPort = 0;
                f.Phase = FlowPhase.EchoRequest;
                break;
            case SyntheticFlowKind.EchoOutbound:
                StartEchoOutbound(ref f, v6);
                break;
            case SyntheticFlowKind.Traceroute:
                FromInternetClient(ref f, v6);
                ToWebServer(ref f, v6);
                f.ServerPort = (ushort)(SyntheticNetworkPlan.TraceroutePortBase + _rng.Between(0, 100));
                f.ClientTtl = 1; // the probe that reaches the destination has one hop left
                f.Phase = FlowPhase.Probe;
                break;
            case SyntheticFlowKind.Scan:
                packets = StartScan(ref f, avail);
                break;
        }

        f.Remaining = packets;
        _committed += packets;
        _flows++;
        _flowsByKind[(int)kind]++;
        if (v6)
        {
            _ipv6Flows++;
        }

        if (++_active > _maxActive)
        {
            _maxActive = _active;
        }

        return true;
    }

    private void EndFlow(ref FlowSlot f)
    {
        if ((f.Flags & FlowFlags.PortReserved) != 0)
        {
            _ports.Release(f.ClientEndpoint, f.ServerEndpoint, f.IsV6, f.ClientPort);
        }

        f.Flags = FlowFlags.None;
        _active--;
    }

    private SyntheticFlowKind PickKind()
    {
        double u = _rng.NextDouble();
        int k = 0;
        while (k < _cumulativeMix.Length - 1 && u >= _cumulativeMix[k])
        {
            k++;
        }

        return (SyntheticFlowKind)k;
    }

    /// <summary>
    /// Packets of a TCP flow: handshake, data phase, teardown; shortened to fit in
    /// <paramref name="avail"/> (a path-MTU flow too short for its error becomes a plain HTTPS one),
    /// or 0 when even the shortest connection does not fit.
    /// </summary>
    private int PlanTcp(ref FlowSlot f, ref SyntheticFlowKind kind, long avail)
    {
        int r = (int)_rng.Below(100);
        f.Teardown = (byte)(r < 50 ? 3 : r < 85 ? 4 : 1);
        if (_rng.Chance(0.4))
        {
            f.Flags |= FlowFlags.ServerCloses;
        }

        int minData = kind == SyntheticFlowKind.InternetHttpsPathMtu ? MinDataPacketsPathMtu : MinDataPackets;
        double mean = _meanDataPackets[(int)kind];
        long data = minData + (long)((_rng.NextExponential() * (mean - minData)) + 0.5);
        data = Math.Min(data, 1_000_000);
        f.Phase = FlowPhase.Syn;
        f.ClientSeq = _rng.NextUInt32();
        f.ServerSeq = _rng.NextUInt32();
        f.Mss = f.IsV6 ? MssIpv6 : MssIpv4;
        f.AckEvery = _rng.Chance(0.5) ? (byte)1 : (byte)2; // quick ACKs, or delayed ACKs every second segment
        if (3 + data + f.Teardown > avail)
        {
            f.Teardown = 1;
            data = avail - 4;
            if (data < MinDataPackets)
            {
                return 0;
            }

            if (data < minData)
            {
                kind = SyntheticFlowKind.InternetHttps;
            }
        }

        if (kind == SyntheticFlowKind.InternetHttpsPathMtu)
        {
            f.Flags |= FlowFlags.PathMtuPending;
        }

        f.DataLeft = (int)data;
        return 3 + (int)data + f.Teardown;
    }

    /// <summary>
    /// The kind for the last few packets of the capture when the drawn flow does not fit: the first
    /// kind of the mix whose whole flow fits (a DNS or echo exchange, or a lone scan probe).
    /// </summary>
    private SyntheticFlowKind? Filler(long avail)
    {
        foreach (var kind in FillerKinds)
        {
            if (_fractions[(int)kind] > 0 && (avail >= 2 || kind == SyntheticFlowKind.Scan))
            {
                return kind;
            }
        }

        return null;
    }

    private void FromInternetClient(ref FlowSlot f, bool v6)
    {
        ref ClientRun run = ref v6 ? ref _v6Run : ref _v4Run;
        if (run.Left == 0)
        {
            ulong id = _nextClientId++;
            run.Address = v6 ? _clients.Ipv6(id) : IpAddr.FromV4(_clients.Ipv4(id));
            bool windows = _rng.Chance(0.4);
            run.Ttl = (byte)((windows ? 128 : 64) - _rng.Between(6, 24));
            run.NextPort = windows
                ? (ushort)_rng.Between(SyntheticNetworkPlan.WindowsEphemeralFirst, SyntheticNetworkPlan.WindowsEphemeralLast - 16)
                : (ushort)_rng.Between(SyntheticNetworkPlan.LinuxEphemeralFirst, SyntheticNetworkPlan.LinuxEphemeralLast - 16);
            run.Left = (byte)Math.Min(8, 1 + (int)(_rng.NextExponential() * 2.0));
        }

        run.Left--;
        f.Client = run.Address;
        f.ClientPort = run.NextPort++;
        f.ClientTtl = run.Ttl;
        f.ClientEndpoint = Internet;
        f.Flags |= FlowFlags.InternetPath;
    }

    private void ToWebServer(ref FlowSlot f, bool v6)
    {
        var web = SyntheticNetworkPlan.WebEnis;
        var eni = web[(int)_rng.Below((uint)web.Count)];
        f.ServerEndpoint = (byte)eni.Index;
        f.Server = v6 ? eni.Ipv6 : eni.Ipv4;
    }

    private void BetweenServers(ref FlowSlot f, bool v6, IReadOnlyList<SyntheticEni> clients, IReadOnlyList<SyntheticEni> servers)
    {
        var c = clients[(int)_rng.Below((uint)clients.Count)];
        var s = servers[(int)_rng.Below((uint)servers.Count)];
        FromServer(ref f, v6, c.Index, s.Index);
    }

    private void FromServer(ref FlowSlot f, bool v6, int client, int server)
    {
        f.ClientEndpoint = (byte)client;
        f.ServerEndpoint = (byte)server;
        f.Client = v6 ? _endpointV6[client] : _endpointV4[client];
        f.Server = v6 ? _endpointV6[server] : _endpointV4[server];
        f.ClientPort = _ports.Allocate(client, server, v6, ref _rng, out bool reserved);
        if (reserved)
        {
            f.Flags |= FlowFlags.PortReserved;
        }
    }

    private void StartDns(ref FlowSlot f, bool v6, bool publicDns)
    {
        FromServer(ref f, v6, (int)_rng.Below(EniCount), publicDns ? PublicDnsEndpoint : ResolverEndpoint);
        f.ServerPort = SyntheticNetworkPlan.DnsPort;
        if (publicDns)
        {
            f.Flags |= FlowFlags.InternetPath;
            f.ServerTtl = (byte)(128 - _rng.Between(4, 12));
        }

        f.Aux = (ushort)_rng.NextUInt32();
        f.Step = (byte)(_rng.Below((uint)DnsNames.Length) | (_rng.Chance(v6 ? 0.5 : 0.15) ? 0x80u : 0));
        f.Phase = FlowPhase.DnsQuery;
    }

    private void StartEchoOutbound(ref FlowSlot f, bool v6)
    {
        int eni = (int)_rng.Below(EniCount);
        f.ClientEndpoint = (byte)eni;
        f.Client = v6 ? _endpointV6[eni] : _endpointV4[eni];
        ulong id = _nextClientId++;
        f.Server = v6 ? _clients.Ipv6(id) : IpAddr.FromV4(_clients.Ipv4(id));
        f.ServerEndpoint = Internet;
        f.ServerTtl = (byte)(64 - _rng.Between(6, 24));
        f.Flags |= FlowFlags.InternetPath;
        f.Aux = _echoIds[eni]++;
        f.Phase = FlowPhase.EchoRequest;
    }

    /// <summary>A probe of the next port of a scanner's sweep; returns its packet count (at most <paramref name="avail"/>).</summary>
    private int StartScan(ref FlowSlot f, long avail)
    {
        int which = (int)_rng.Below((uint)_scanners.Length);
        ref ScannerState s = ref _scanners[which];
        ushort port;
        do
        {
            port = (ushort)(1 + ((s.Start + ((ulong)s.Position * ScannerState.Stride)) % 65535));
            if (++s.Position == 65535)
            {
                s.Target = (byte)((s.Target + 1) % SyntheticNetworkPlan.WebEnis.Count);
                NewSweep(ref s);
            }
        }
        while (avail < 3 && IsOpenPort(port)); // an open port is answered: SYN, SYN-ACK, RST

        var eni = SyntheticNetworkPlan.WebEnis[s.Target];
        f.Client = SyntheticNetworkPlan.Scanners[which];
        f.ClientPort = s.SourcePort;
        f.ClientTtl = s.Ttl;
        f.ClientEndpoint = Internet;
        f.Server = eni.Ipv4;
        f.ServerEndpoint = (byte)eni.Index;
        f.ServerPort = port;
        f.Flags |= FlowFlags.InternetPath;
        f.ClientSeq = _rng.NextUInt32();
        f.ServerSeq = _rng.NextUInt32();
        f.Mss = MssIpv4;
        f.Phase = FlowPhase.ScanSyn;
        if (IsOpenPort(port))
        {
            return 3;
        }

        return avail >= 2 && _rng.Chance(0.4) ? 2 : 1;
    }

    private static bool IsOpenPort(ushort port) => port is SyntheticNetworkPlan.HttpsPort or SyntheticNetworkPlan.HttpPort;

    private void NewSweep(ref ScannerState s)
    {
        s.Start = _rng.Below(65535);
        s.Position = 0;
        s.SourcePort = (ushort)_rng.Between(40000, 65000);
    }

    // ---- packets --------------------------------------------------------------------------------

    /// <summary>Builds the flow's next packet in <see cref="_frame"/>; returns its length and the weight of the gap after it.</summary>
    private int EmitNext(ref FlowSlot f, out double nextGap)
    {
        Span<byte> frame = _frame;
        switch (f.Phase)
        {
            case FlowPhase.Syn:
                nextGap = ReplyGap(f);
                f.Phase = FlowPhase.SynAck;
                return Tcp(frame, ref f, fromClient: true, TcpFlags.Syn, f.ClientSeq++, 0, f.IsV6 ? (ushort)64800 : (ushort)64240, SynOptionsLength, 0);

            case FlowPhase.SynAck:
                nextGap = ReplyGap(f);
                f.Phase = FlowPhase.HandshakeAck;
                return Tcp(frame, ref f, fromClient: false, TcpFlags.Syn | TcpFlags.Ack, f.ServerSeq++, f.ClientSeq, f.IsV6 ? (ushort)64800 : (ushort)65160, SynOptionsLength, 0);

            case FlowPhase.HandshakeAck:
                nextGap = GapBurst;
                f.Phase = FlowPhase.Request;
                return Tcp(frame, ref f, fromClient: true, TcpFlags.Ack, f.ClientSeq, f.ServerSeq, ClientWindow, 0, 0);

            case FlowPhase.Request:
                return Request(frame, ref f, out nextGap);

            case FlowPhase.Response:
                return Response(frame, ref f, out nextGap);

            case FlowPhase.PathMtuIcmp:
                f.DataLeft--;
                nextGap = GapBurst;
                return PathMtuError(frame, ref f);

            case FlowPhase.Teardown:
                return Teardown(frame, ref f, out nextGap);

            case FlowPhase.EchoRequest:
            case FlowPhase.EchoReply:
            {
                bool request = f.Phase == FlowPhase.EchoRequest;
                ushort seq = (ushort)((f.Step >> 1) + 1);
                f.Step++;
                f.Phase = request ? FlowPhase.EchoReply : FlowPhase.EchoRequest;
                nextGap = request ? ReplyGap(f) : GapThink;
                return Echo(frame, ref f, request, seq);
            }

            case FlowPhase.DnsQuery:
            case FlowPhase.DnsResponse:
            {
                bool query = f.Phase == FlowPhase.DnsQuery;
                f.Phase = FlowPhase.DnsResponse;
                nextGap = ReplyGap(f);
                return Dns(frame, ref f, query);
            }

            case FlowPhase.Probe:
                f.Phase = FlowPhase.PortUnreachable;
                nextGap = ReplyGap(f);
                return TracerouteProbe(frame, ref f, f.ClientIpId++);

            case FlowPhase.PortUnreachable:
                nextGap = ReplyGap(f);
                return PortUnreachable(frame, ref f);

            case FlowPhase.ScanSyn:
                f.Phase = FlowPhase.ScanReply;
                nextGap = ReplyGap(f);
                return Tcp(frame, ref f, fromClient: true, TcpFlags.Syn, f.ClientSeq, 0, 1024, ScanOptionsLength, 0);

            case FlowPhase.ScanReply:
                nextGap = ReplyGap(f);
                if (f.Remaining == 1)
                {
                    // Closed port: RST-ACK acknowledging the SYN.
                    return Tcp(frame, ref f, fromClient: false, TcpFlags.Rst | TcpFlags.Ack, 0, f.ClientSeq + 1, 0, 0, 0);
                }

                f.Phase = FlowPhase.ScanReset;
                return Tcp(frame, ref f, fromClient: false, TcpFlags.Syn | TcpFlags.Ack, f.ServerSeq, f.ClientSeq + 1, 65160, SynOptionsLength, 0);

            case FlowPhase.ScanReset:
                nextGap = ReplyGap(f);
                return Tcp(frame, ref f, fromClient: true, TcpFlags.Rst, f.ClientSeq + 1, 0, 0, 0, 0);

            default:
                throw new InvalidOperationException("generator bug: unknown flow phase " + f.Phase);
        }
    }

    private static MessageFormat FormatOf(SyntheticFlowKind kind) => kind switch
    {
        SyntheticFlowKind.InternetHttp => MessageFormat.HttpGet,
        SyntheticFlowKind.WebToApp => MessageFormat.HttpPost,
        SyntheticFlowKind.AppToDb => MessageFormat.Postgres,
        _ => MessageFormat.Tls,
    };

    private int Request(Span<byte> frame, ref FlowSlot f, out double nextGap)
    {
        var format = FormatOf(f.Kind);
        uint length;
        if (MessageFraming.FixedRequestLength(format, out int fixedLength))
        {
            length = (uint)fixedLength;
        }
        else
        {
            int body = format switch
            {
                MessageFormat.Tls => _rng.Between(100, 900),
                MessageFormat.HttpPost => _rng.Between(100, 1000),
                _ => _rng.Between(40, 400),
            };
            length = MessageFraming.Normalize(format, request: true, (uint)(MessageFraming.MinimumLength(format, true) + body));
        }

        length = Math.Min(length, f.Mss);
        f.MessageLength = length;
        f.PoolOffset = _rng.Below(PoolSize);
        int frameLength = Tcp(frame, ref f, fromClient: true, TcpFlags.Psh | TcpFlags.Ack, f.ClientSeq, f.ServerSeq, ClientWindow, 0, (int)length);
        f.ClientSeq += length;
        f.DataLeft--;
        if (f.DataLeft == 0)
        {
            f.Phase = FlowPhase.Teardown;
            nextGap = GapThink;
        }
        else
        {
            PlanResponse(ref f);
            f.Phase = FlowPhase.Response;
            nextGap = ReplyGap(f);
        }

        return frameLength;
    }

    /// <summary>Sizes the response to fit the data packets left: S segments and about S/2 client ACKs.</summary>
    private void PlanResponse(ref FlowSlot f)
    {
        var format = FormatOf(f.Kind);
        double mean = format switch
        {
            MessageFormat.Tls => 4_000,
            MessageFormat.HttpGet => 2_500,
            MessageFormat.HttpPost => 1_500,
            _ => 800,
        };
        double drawn = MessageFraming.MinimumLength(format, request: false) + (_rng.NextExponential() * mean);
        bool pathMtu = (f.Flags & FlowFlags.PathMtuPending) != 0;

        // Packets this response may use: the path-MTU case adds the too-big segment and the ICMP error.
        int budget = pathMtu ? f.DataLeft - 2 : f.DataLeft;
        ushort mss = pathMtu ? (f.IsV6 ? (ushort)(PathMtuIpv6 - 60) : (ushort)(PathMtuIpv4 - 40)) : f.Mss;
        int maxSegments = MaxSegments(budget, f.AckEvery);
        uint length = (uint)Math.Min(drawn, (double)maxSegments * mss);
        if (pathMtu)
        {
            length = Math.Max(length, f.Mss + 1u); // the first segment must be full-size to be too big
        }

        length = MessageFraming.Normalize(format, request: false, length);
        int segments = (int)((length + mss - 1) / mss);
        int acks = Math.Min(segments / f.AckEvery, budget - segments);
        if (budget - segments - acks == 1 && segments % f.AckEvery != 0)
        {
            acks++; // the unacknowledged last segment gets its own ACK rather than leaving a lone packet over
        }

        f.MessageLength = length;
        f.MessageSent = 0;
        f.PoolOffset = _rng.Below(PoolSize);
        f.SegmentsLeft = (ushort)(segments + (pathMtu ? 1 : 0));
        f.AcksLeft = (ushort)acks;
        f.SegmentsUntilAck = f.AckEvery;
    }

    /// <summary>The most segments S, with an ACK after every <paramref name="ackEvery"/>, within <paramref name="packets"/> (at least 1).</summary>
    private static int MaxSegments(int packets, int ackEvery)
    {
        int s = (int)(((long)packets * ackEvery / (ackEvery + 1)) + 1);
        while (s > 1 && s + (s / ackEvery) > packets)
        {
            s--;
        }

        return Math.Min(s, 40_000);
    }

    private int Response(Span<byte> frame, ref FlowSlot f, out double nextGap)
    {
        int length;
        if ((f.SegmentsUntilAck == 0 || f.SegmentsLeft == 0) && f.AcksLeft > 0)
        {
            f.AcksLeft--;
            f.SegmentsUntilAck = f.AckEvery;
            length = Tcp(frame, ref f, fromClient: true, TcpFlags.Ack, f.ClientSeq, f.ServerSeq, ClientWindow, 0, 0);
        }
        else
        {
            uint size = Math.Min(f.Mss, f.MessageLength - f.MessageSent);
            bool last = f.MessageSent + size == f.MessageLength;
            if ((f.Flags & FlowFlags.PathMtuPending) != 0)
            {
                f.Phase = FlowPhase.PathMtuIcmp;
            }

            length = Tcp(frame, ref f, fromClient: false, last ? (byte)(TcpFlags.Psh | TcpFlags.Ack) : TcpFlags.Ack, f.ServerSeq, f.ClientSeq, ServerWindow, 0,
                (int)size, messageOffset: f.MessageSent);
            f.ServerSeq += size;
            f.MessageSent += size;
            f.SegmentsLeft--;
            if (f.SegmentsUntilAck > 0)
            {
                f.SegmentsUntilAck--;
            }

            if (f.Phase == FlowPhase.PathMtuIcmp)
            {
                f.DataLeft--;
                nextGap = ReplyGap(f);
                return length;
            }
        }

        f.DataLeft--;
        if (f.SegmentsLeft == 0 && f.AcksLeft == 0)
        {
            f.Phase = f.DataLeft > 0 ? FlowPhase.Request : FlowPhase.Teardown;
            nextGap = GapThink;
        }
        else
        {
            nextGap = GapBurst;
        }

        return length;
    }

    private int Teardown(Span<byte> frame, ref FlowSlot f, out double nextGap)
    {
        bool clientFirst = (f.Flags & FlowFlags.ServerCloses) == 0;
        int step = f.Step++;
        nextGap = ReplyGap(f);
        bool fromClient;
        byte flags;
        if (f.Teardown == 1)
        {
            fromClient = clientFirst;
            flags = TcpFlags.Rst | TcpFlags.Ack;
        }
        else if (f.Teardown == 3)
        {
            // FIN, FIN-ACK, ACK.
            fromClient = step == 1 ? !clientFirst : clientFirst;
            flags = step < 2 ? (byte)(TcpFlags.Fin | TcpFlags.Ack) : TcpFlags.Ack;
        }
        else
        {
            // FIN, ACK, FIN, ACK.
            fromClient = step is 1 or 2 ? !clientFirst : clientFirst;
            flags = step is 0 or 2 ? (byte)(TcpFlags.Fin | TcpFlags.Ack) : TcpFlags.Ack;
        }

        uint seq = fromClient ? f.ClientSeq : f.ServerSeq;
        uint ack = fromClient ? f.ServerSeq : f.ClientSeq;
        int length = Tcp(frame, ref f, fromClient, flags, seq, ack, fromClient ? ClientWindow : ServerWindow, 0, 0);
        if ((flags & TcpFlags.Fin) != 0)
        {
            if (fromClient)
            {
                f.ClientSeq++;
            }
            else
            {
                f.ServerSeq++;
            }
        }

        return length;
    }

    // ---- TCP ------------------------------------------------------------------------------------

    /// <summary>
    /// Builds a TCP segment of the flow. <paramref name="options"/> is the length of the SYN options
    /// to write (MSS, window scale, SACK permitted; or MSS alone for a scanner's 4). A payload is
    /// bytes [<paramref name="messageOffset"/>, + <paramref name="payload"/>) of the current message:
    /// the random pool from the message's own start, with the message framing written over it, so a
    /// resent segment carries the same bytes as the first.
    /// </summary>
    private int Tcp(Span<byte> frame, ref FlowSlot f, bool fromClient, byte flags, uint seq, uint ack, ushort window, int options, int payload, uint messageOffset = 0)
    {
        ushort ipId = fromClient ? f.ClientIpId++ : f.ServerIpId++;
        return BuildTcp(frame, in f, fromClient, ipId, flags, seq, ack, window, options, payload, messageOffset);
    }

    private int BuildTcp(Span<byte> frame, in FlowSlot f, bool fromClient, ushort ipId, byte flags, uint seq, uint ack, ushort window, int options, int payload, uint messageOffset)
    {
        int tcpLength = TcpHeader + options + payload;
        int l4 = FlowIpHeader(frame, in f, fromClient, IpProtocol.Tcp, tcpLength, ipId, dontFragment: true);
        var t = frame.Slice(l4, tcpLength);
        BinaryPrimitives.WriteUInt16BigEndian(t, fromClient ? f.ClientPort : f.ServerPort);
        BinaryPrimitives.WriteUInt16BigEndian(t.Slice(2), fromClient ? f.ServerPort : f.ClientPort);
        BinaryPrimitives.WriteUInt32BigEndian(t.Slice(4), seq);
        BinaryPrimitives.WriteUInt32BigEndian(t.Slice(8), ack);
        t[12] = (byte)(((TcpHeader + options) / 4) << 4);
        t[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(t.Slice(14), window);
        BinaryPrimitives.WriteUInt32BigEndian(t.Slice(16), 0); // checksum, urgent pointer
        if (options > 0)
        {
            var o = t.Slice(TcpHeader);
            o[0] = 2; // MSS
            o[1] = 4;
            BinaryPrimitives.WriteUInt16BigEndian(o.Slice(2), f.Mss);
            if (options == SynOptionsLength)
            {
                o[4] = 1; // NOP
                o[5] = 3; // window scale 7
                o[6] = 3;
                o[7] = 7;
                o[8] = 1;
                o[9] = 1;
                o[10] = 4; // SACK permitted
                o[11] = 2;
            }
        }

        if (payload > 0)
        {
            var data = t.Slice(TcpHeader + options);
            _pool.AsSpan((int)((f.PoolOffset + messageOffset) % PoolSize), payload).CopyTo(data);
            MessageFraming.Overlay(data, FormatOf(f.Kind), request: fromClient, messageOffset, f.MessageLength);
        }

        TransportChecksum(frame, f.IsV6, IpProtocol.Tcp, l4, tcpLength, 16);
        return l4 + tcpLength;
    }

    /// <summary>
    /// The router near the client drops the full-size segment (DF set) and answers with ICMP
    /// "fragmentation needed" (IPv6: packet too big) quoting it; the server resends the message
    /// from its start with the smaller MSS.
    /// </summary>
    private int PathMtuError(Span<byte> frame, ref FlowSlot f)
    {
        ushort oldMss = f.Mss;
        uint tooBigSeq = f.ServerSeq - oldMss;
        Span<byte> original = _scratch;
        int originalLength = BuildTcp(original, in f, fromClient: false, (ushort)(f.ServerIpId - 1), TcpFlags.Ack, tooBigSeq, f.ClientSeq, ServerWindow, 0, oldMss, 0);
        var originalIp = original.Slice(EthernetHeader, originalLength - EthernetHeader);

        IpAddr router = f.IsV6 ? new IpAddr(f.Client.Hi, 1) : IpAddr.FromV4((f.Client.V4 & 0xFFFF_FF00u) | 1u);
        int quote = f.IsV6 ? Math.Min(QuoteLimitIpv6, originalIp.Length) : 20 + 8; // RFC 792: IP header + 64 bits
        int length = IcmpError(frame, f.IsV6, router, f.Server, SyntheticNetworkPlan.GatewayMac.Value, _endpointMac[f.ServerEndpoint],
            type: f.IsV6 ? (byte)2 : (byte)3, code: f.IsV6 ? (byte)0 : (byte)4,
            word: f.IsV6 ? PathMtuIpv6 : PathMtuIpv4, originalIp.Slice(0, quote));

        f.ServerSeq = tooBigSeq;
        f.MessageSent = 0;
        f.Mss = (ushort)(f.IsV6 ? PathMtuIpv6 - 60 : PathMtuIpv4 - 40);
        f.SegmentsUntilAck = f.AckEvery;
        f.Flags &= ~FlowFlags.PathMtuPending;
        f.Phase = FlowPhase.Response;
        return length;
    }

    // ---- UDP, ICMP ------------------------------------------------------------------------------

    private int TracerouteProbe(Span<byte> frame, ref FlowSlot f, ushort ipId)
    {
        int udpLength = 8 + TraceroutePayload;
        int l4 = FlowIpHeader(frame, in f, fromClient: true, IpProtocol.Udp, udpLength, ipId, dontFragment: false);
        var u = frame.Slice(l4, udpLength);
        WriteUdpHeader(u, f.ClientPort, f.ServerPort, udpLength);
        for (int i = 0; i < TraceroutePayload; i++)
        {
            u[8 + i] = (byte)(0x40 + i); // classic traceroute's "@ABC…"
        }

        TransportChecksum(frame, f.IsV6, IpProtocol.Udp, l4, udpLength, 6);
        return l4 + udpLength;
    }

    private int PortUnreachable(Span<byte> frame, ref FlowSlot f)
    {
        Span<byte> original = _scratch;
        int originalLength = TracerouteProbe(original, ref f, (ushort)(f.ClientIpId - 1));
        var quoted = original.Slice(EthernetHeader, originalLength - EthernetHeader);
        ushort ipId = f.ServerIpId++;
        return IcmpError(frame, f.IsV6, f.Server, f.Client, _endpointMac[f.ServerEndpoint], SyntheticNetworkPlan.GatewayMac.Value,
            type: f.IsV6 ? (byte)1 : (byte)3, code: f.IsV6 ? (byte)4 : (byte)3, word: 0, quoted, ttl: f.ServerTtl, ipId: ipId);
    }

    private int IcmpError(Span<byte> frame, bool v6, IpAddr src, IpAddr dst, ulong srcMac, ulong dstMac, byte type, byte code, ushort word,
        ReadOnlySpan<byte> quoted, byte ttl = 250, ushort ipId = 0)
    {
        int icmpLength = 8 + quoted.Length;
        if (ipId == 0)
        {
            ipId = (ushort)_rng.NextUInt32();
        }

        byte protocol = v6 ? IpProtocol.Icmpv6 : IpProtocol.Icmp;
        int l4 = IpHeader(frame, srcMac, dstMac, src, dst, v6, protocol, icmpLength, ttl, ipId, 0, dontFragment: false);
        var m = frame.Slice(l4, icmpLength);
        m[0] = type;
        m[1] = code;
        BinaryPrimitives.WriteUInt32BigEndian(m.Slice(2), 0); // checksum; first half of the unused word
        BinaryPrimitives.WriteUInt16BigEndian(m.Slice(6), word); // next-hop MTU (IPv6: low half of the MTU)
        quoted.CopyTo(m.Slice(8));
        TransportChecksum(frame, v6, protocol, l4, icmpLength, 2);
        return l4 + icmpLength;
    }

    private int Echo(Span<byte> frame, ref FlowSlot f, bool request, ushort seq)
    {
        int icmpLength = 8 + EchoPayload;
        byte protocol = f.IsV6 ? IpProtocol.Icmpv6 : IpProtocol.Icmp;
        ushort ipId = request ? f.ClientIpId++ : f.ServerIpId++;
        int l4 = FlowIpHeader(frame, in f, fromClient: request, protocol, icmpLength, ipId, dontFragment: false);
        var m = frame.Slice(l4, icmpLength);
        m[0] = f.IsV6 ? (request ? (byte)128 : (byte)129) : (request ? (byte)8 : (byte)0);
        m[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(m.Slice(2), 0);
        BinaryPrimitives.WriteUInt16BigEndian(m.Slice(4), f.Aux);
        BinaryPrimitives.WriteUInt16BigEndian(m.Slice(6), seq);

        // Like Linux ping: a 16-byte timestamp (here derived from the flow, so the reply can echo it), then 0x10, 0x11, …
        ulong stamp = Xoshiro256.Mix64(((ulong)f.Serial << 16) | seq);
        BinaryPrimitives.WriteUInt64LittleEndian(m.Slice(8), stamp >> 44);
        BinaryPrimitives.WriteUInt64LittleEndian(m.Slice(16), stamp & 0xFFFFF);
        for (int i = 16; i < EchoPayload; i++)
        {
            m[8 + i] = (byte)i;
        }

        TransportChecksum(frame, f.IsV6, protocol, l4, icmpLength, 2);
        return l4 + icmpLength;
    }

    private int Dns(Span<byte> frame, ref FlowSlot f, bool query)
    {
        var name = DnsNames[f.Step & 0x7F];
        bool aaaa = (f.Step & 0x80) != 0;
        int answers = query ? 0 : 1 + (int)(f.Serial & 1);
        int rdLength = aaaa ? 16 : 4;
        int dnsLength = 12 + name.Length + 4 + (answers * (12 + rdLength));
        int udpLength = 8 + dnsLength;
        ushort ipId = query ? f.ClientIpId++ : f.ServerIpId++;
        int l4 = FlowIpHeader(frame, in f, fromClient: query, IpProtocol.Udp, udpLength, ipId, dontFragment: false);
        var u = frame.Slice(l4, udpLength);
        WriteUdpHeader(u, query ? f.ClientPort : f.ServerPort, query ? f.ServerPort : f.ClientPort, udpLength);
        var d = u.Slice(8);
        BinaryPrimitives.WriteUInt16BigEndian(d, f.Aux);
        BinaryPrimitives.WriteUInt16BigEndian(d.Slice(2), query ? (ushort)0x0100 : (ushort)0x8180); // RD; QR RD RA
        BinaryPrimitives.WriteUInt16BigEndian(d.Slice(4), 1);
        BinaryPrimitives.WriteUInt16BigEndian(d.Slice(6), (ushort)answers);
        BinaryPrimitives.WriteUInt32BigEndian(d.Slice(8), 0);
        name.CopyTo(d.Slice(12));
        int p = 12 + name.Length;
        ushort qtype = aaaa ? (ushort)28 : (ushort)1;
        BinaryPrimitives.WriteUInt16BigEndian(d.Slice(p), qtype);
        BinaryPrimitives.WriteUInt16BigEndian(d.Slice(p + 2), 1);
        p += 4;
        for (int a = 0; a < answers; a++)
        {
            ulong h = Xoshiro256.Mix64(((ulong)f.Serial << 8) | (uint)a);
            BinaryPrimitives.WriteUInt16BigEndian(d.Slice(p), 0xC00C); // pointer to the question's name
            BinaryPrimitives.WriteUInt16BigEndian(d.Slice(p + 2), qtype);
            BinaryPrimitives.WriteUInt16BigEndian(d.Slice(p + 4), 1);
            BinaryPrimitives.WriteUInt32BigEndian(d.Slice(p + 6), 60);
            BinaryPrimitives.WriteUInt16BigEndian(d.Slice(p + 10), (ushort)rdLength);
            if (aaaa)
            {
                BinaryPrimitives.WriteUInt64BigEndian(d.Slice(p + 12), 0x2600_1F18_0000_0000UL | (h >> 32));
                BinaryPrimitives.WriteUInt64BigEndian(d.Slice(p + 20), h);
            }
            else
            {
                BinaryPrimitives.WriteUInt32BigEndian(d.Slice(p + 12), 0x3400_0000u | (uint)(h & 0xFF_FFFF)); // 52.x.y.z
            }

            p += 12 + rdLength;
        }

        TransportChecksum(frame, f.IsV6, IpProtocol.Udp, l4, udpLength, 6);
        return l4 + udpLength;
    }

    private static void WriteUdpHeader(Span<byte> u, ushort src, ushort dst, int length)
    {
        BinaryPrimitives.WriteUInt16BigEndian(u, src);
        BinaryPrimitives.WriteUInt16BigEndian(u.Slice(2), dst);
        BinaryPrimitives.WriteUInt16BigEndian(u.Slice(4), (ushort)length);
        BinaryPrimitives.WriteUInt16BigEndian(u.Slice(6), 0);
    }

    // ---- link and network layers ----------------------------------------------------------------

    private int FlowIpHeader(Span<byte> frame, in FlowSlot f, bool fromClient, byte protocol, int l4Length, ushort ipId, bool dontFragment)
    {
        ulong clientMac = f.ClientEndpoint == Internet ? SyntheticNetworkPlan.GatewayMac.Value : _endpointMac[f.ClientEndpoint];
        ulong serverMac = f.ServerEndpoint == Internet ? SyntheticNetworkPlan.GatewayMac.Value : _endpointMac[f.ServerEndpoint];
        return fromClient
            ? IpHeader(frame, clientMac, serverMac, f.Client, f.Server, f.IsV6, protocol, l4Length, f.ClientTtl, ipId, f.FlowLabels & 0xFFFFF, dontFragment)
            : IpHeader(frame, serverMac, clientMac, f.Server, f.Client, f.IsV6, protocol, l4Length, f.ServerTtl, ipId, f.FlowLabels >> 12, dontFragment);
    }

    /// <summary>Writes Ethernet and IPv4 (with its checksum) or IPv6 headers; returns the transport header's offset.</summary>
    private static int IpHeader(Span<byte> frame, ulong srcMac, ulong dstMac, IpAddr src, IpAddr dst, bool v6, byte protocol, int l4Length,
        byte ttl, ushort ipId, uint flowLabel, bool dontFragment)
    {
        WriteMac(frame, dstMac);
        WriteMac(frame.Slice(6), srcMac);
        if (v6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame.Slice(12), EtherTypeIpv6);
            var ip = frame.Slice(EthernetHeader, 40);
            BinaryPrimitives.WriteUInt32BigEndian(ip, 0x6000_0000u | (flowLabel & 0xFFFFF));
            BinaryPrimitives.WriteUInt16BigEndian(ip.Slice(4), (ushort)l4Length);
            ip[6] = protocol;
            ip[7] = ttl;
            BinaryPrimitives.WriteUInt64BigEndian(ip.Slice(8), src.Hi);
            BinaryPrimitives.WriteUInt64BigEndian(ip.Slice(16), src.Lo);
            BinaryPrimitives.WriteUInt64BigEndian(ip.Slice(24), dst.Hi);
            BinaryPrimitives.WriteUInt64BigEndian(ip.Slice(32), dst.Lo);
            return EthernetHeader + 40;
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame.Slice(12), EtherTypeIpv4);
            var ip = frame.Slice(EthernetHeader, 20);
            ip[0] = 0x45;
            ip[1] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(ip.Slice(2), (ushort)(20 + l4Length));
            BinaryPrimitives.WriteUInt16BigEndian(ip.Slice(4), ipId);
            BinaryPrimitives.WriteUInt16BigEndian(ip.Slice(6), dontFragment ? (ushort)0x4000 : (ushort)0);
            ip[8] = ttl;
            ip[9] = protocol;
            BinaryPrimitives.WriteUInt16BigEndian(ip.Slice(10), 0);
            BinaryPrimitives.WriteUInt32BigEndian(ip.Slice(12), src.V4);
            BinaryPrimitives.WriteUInt32BigEndian(ip.Slice(16), dst.V4);
            InternetChecksum.Store(InternetChecksum.Add(0, ip), ip.Slice(10));
            return EthernetHeader + 20;
        }
    }

    /// <summary>TCP, UDP and ICMPv6 checksums cover a pseudo-header of addresses, protocol and length; ICMP's does not.</summary>
    private static void TransportChecksum(Span<byte> frame, bool v6, byte protocol, int l4, int l4Length, int checksumAt)
    {
        ulong sum = 0;
        if (protocol != IpProtocol.Icmp)
        {
            sum = v6
                ? InternetChecksum.Add(sum, frame.Slice(EthernetHeader + 8, 32))
                : InternetChecksum.Add(sum, frame.Slice(EthernetHeader + 12, 8));
            sum = InternetChecksum.AddWord(sum, protocol);
            sum = InternetChecksum.AddWord(sum, (ushort)l4Length);
        }

        var segment = frame.Slice(l4, l4Length);
        sum = InternetChecksum.Add(sum, segment);
        ushort checksum = (ushort)~InternetChecksum.Fold(sum);
        if (checksum == 0 && protocol == IpProtocol.Udp)
        {
            checksum = 0xFFFF; // 0 would mean "no checksum"
        }

        BinaryPrimitives.WriteUInt16LittleEndian(segment.Slice(checksumAt), checksum);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteMac(Span<byte> destination, ulong mac)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)(mac >> 16));
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(4), (ushort)mac);
    }

    private static byte[] EncodeDnsName(string name)
    {
        var bytes = new List<byte>();
        foreach (string label in name.Split('.'))
        {
            bytes.Add((byte)label.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(label));
        }

        bytes.Add(0);
        return bytes.ToArray();
    }

    /// <summary>An internet client opening a few connections in a row, from consecutive ports.</summary>
    private struct ClientRun
    {
        public IpAddr Address;
        public ushort NextPort;
        public byte Ttl;
        public byte Left;
    }

    /// <summary>A scanner sweeps all ports of one web server in a fixed stride, then moves to the next server.</summary>
    private struct ScannerState
    {
        /// <summary>Coprime with 65535 (= 3 · 5 · 17 · 257), so a sweep visits every port once.</summary>
        public const uint Stride = 7919;

        public uint Start;
        public uint Position;
        public ushort SourcePort;
        public byte Target;
        public byte Ttl;
    }
}
