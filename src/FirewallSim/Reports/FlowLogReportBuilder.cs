using System.Globalization;
using System.Runtime.InteropServices;
using FirewallSim.Config.Lint;
using FirewallSim.FlowLogs.Reading;
using FirewallSim.Net;
using FirewallSim.Replay;

namespace FirewallSim.Reports;

public sealed record ReportOptions
{
    /// <summary>Entries per ranking (--top).</summary>
    public int Top { get; init; } = 10;

    /// <summary>Time-series window in seconds; null: automatic (the replay's interval or 60 s, widened to keep at most <see cref="MaxWindows"/>).</summary>
    public int? WindowSeconds { get; init; }

    public int MaxWindows { get; init; } = 240;

    /// <summary>A rule allowing at least this many ports is wide (--broad-ports).</summary>
    public int BroadPorts { get; init; } = 100;

    /// <summary>An IPv4 CIDR of this prefix length or shorter is large (--broad-prefix); IPv6 uses the length + 32.</summary>
    public int BroadPrefixV4 { get; init; } = 16;
}

/// <summary>
/// Aggregates flow-log records as the reader streams them, then computes every report. Memory grows with
/// the distinct flows (ENI, direction, packet 5-tuple) and the time-series windows, not with the records:
/// a flow seen in a thousand windows is one entry.
/// </summary>
public sealed class FlowLogReportBuilder : IFlowLogRecordSink
{
    private static readonly int[] WindowLadder = { 60, 300, 600, 1800, 3600, 10800, 21600, 43200, 86400, 604800 };

    private readonly ReportOptions _options;
    private readonly Dictionary<string, int> _eniIndex = new(StringComparer.Ordinal);
    private readonly List<EniState> _enis = new();
    private readonly Dictionary<FlowKey, FlowAgg> _flows = new();
    private Dictionary<(int Eni, long Window), long[]> _series = new();
    private int _window;
    private readonly bool _autoWindow;
    private long _minWindow = long.MaxValue;
    private long _maxWindow = long.MinValue;
    private long _records;
    private long _traffic;
    private long _noData;
    private long _skipData;
    private long _firstStart = long.MaxValue;
    private long _lastEnd = long.MinValue;

    public FlowLogReportBuilder(ReportOptions? options = null, int? replayInterval = null)
    {
        _options = options ?? new ReportOptions();
        _autoWindow = _options.WindowSeconds is null;
        _window = _options.WindowSeconds ?? (replayInterval is > 0 ? replayInterval.Value : 60);
        if (_window <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "the time-series window must be positive");
        }
    }

    public void Add(in FlowLogRecord r, in RecordLocation location)
    {
        _records++;
        int eni = Eni(r.InterfaceId ?? "-");
        var state = _enis[eni];
        if (r.Start is { } s)
        {
            _firstStart = Math.Min(_firstStart, s);
        }

        if (r.End is { } e)
        {
            _lastEnd = Math.Max(_lastEnd, e);
        }

        if (r.Status == RecordStatus.NoData)
        {
            _noData++;
            state.NoData++;
            return;
        }

        if (r.Status == RecordStatus.SkipData)
        {
            _skipData++;
            state.SkipData++;
            return;
        }

        _traffic++;
        state.Records++;
        long packets = r.Packets ?? 0, bytes = r.Bytes ?? 0;
        var key = new FlowKey(eni, r.SrcAddr, r.DstAddr, r.PacketSrc == r.SrcAddr ? IpAddr.None : r.PacketSrc,
            r.PacketDst == r.DstAddr ? IpAddr.None : r.PacketDst, r.SrcPort ?? -1, r.DstPort ?? -1, r.Protocol ?? -1, r.Direction);
        if (!_flows.TryGetValue(key, out var f))
        {
            _flows[key] = f = new FlowAgg();
        }

        switch (r.Action)
        {
            case RecordAction.Accept:
                f.AcceptPackets += packets;
                f.AcceptBytes += bytes;
                f.AcceptRecords++;
                break;
            case RecordAction.Reject:
                f.RejectPackets += packets;
                f.RejectBytes += bytes;
                f.RejectRecords++;
                break;
            default:
                f.OtherPackets += packets;
                f.OtherBytes += bytes;
                f.OtherRecords++;
                break;
        }

        if (r.Start is { } start)
        {
            f.First = Math.Min(f.First, start);
            AddToSeries(eni, start, r.Action, packets, bytes);
        }

        if (r.End is { } end)
        {
            f.Last = Math.Max(f.Last, end);
        }
    }

    private int Eni(string id)
    {
        if (!_eniIndex.TryGetValue(id, out int i))
        {
            i = _enis.Count;
            _eniIndex[id] = i;
            _enis.Add(new EniState(id));
        }

        return i;
    }

    private void AddToSeries(int eni, long start, RecordAction action, long packets, long bytes)
    {
        if (action == RecordAction.None)
        {
            return;
        }

        long w = Floor(start, _window);
        if (!_series.TryGetValue((eni, w), out var v))
        {
            _series[(eni, w)] = v = new long[4];
            _minWindow = Math.Min(_minWindow, w);
            _maxWindow = Math.Max(_maxWindow, w);
            if (_autoWindow && (_maxWindow - _minWindow) / _window + 1 > _options.MaxWindows)
            {
                Widen();
                w = Floor(start, _window);
                v = _series[(eni, w)];
            }
        }

        int a = action == RecordAction.Accept ? 0 : 1;
        v[a] += packets;
        v[a + 2] += bytes;
    }

    /// <summary>Moves the series to the next wider window (each rung divides the next, so windows merge whole).</summary>
    private void Widen()
    {
        while ((_maxWindow - _minWindow) / _window + 1 > _options.MaxWindows)
        {
            int next = Array.FindIndex(WindowLadder, x => x > _window);
            _window = next >= 0 ? WindowLadder[next] : _window * 2;
            _minWindow = Floor(_minWindow, _window);
            _maxWindow = Floor(_maxWindow, _window);
        }

        var merged = new Dictionary<(int, long), long[]>(_series.Count);
        foreach (var ((eni, w), v) in _series)
        {
            var k = (eni, Floor(w, _window));
            if (!merged.TryGetValue(k, out var m))
            {
                merged[k] = m = new long[4];
            }

            for (int i = 0; i < 4; i++)
            {
                m[i] += v[i];
            }
        }

        _series = merged;
    }

    private static long Floor(long t, long w) => t - (((t % w) + w) % w);

    /// <summary>Computes every report from what was added, plus the replay's counters when given.</summary>
    public FlowLogReport Build(FlowLogReadResult read, ReplaySummary? replay = null, string? replayPath = null)
    {
        var directions = ResolveDirections(replay);
        var eniOrder = Enumerable.Range(0, _enis.Count).OrderBy(i => _enis[i].Id, StringComparer.Ordinal).ToList();
        return new FlowLogReport
        {
            Inputs = read.Files.Select(f => new ReportInput(f.File, KindName(f.Kind), f.Gzip, f.Format, f.Records, f.SkippedLines, f.Error)).ToList(),
            Skipped = new ReportSkipped(read.SkippedLines, read.FirstSkipped.Select(s => new SkippedLine(s.Location.ToString(), s.Reason)).ToList()),
            Records = new ReportRecordCounts(_records, _traffic, _noData, _skipData),
            Time = new ReportTimeRange(
                _firstStart == long.MaxValue ? null : ReportTime.Iso(_firstStart),
                _lastEnd == long.MinValue ? null : ReportTime.Iso(_lastEnd),
                _firstStart == long.MaxValue ? null : _firstStart,
                _lastEnd == long.MinValue ? null : _lastEnd),
            Directions = directions,
            Enis = eniOrder.Select(EniSummary).ToList(),
            TopTalkers = Talkers(),
            Rejected = Rejected(eniOrder),
            SensitivePorts = Sensitive(),
            TimeSeries = Series(eniOrder),
            Replay = replay is null ? null : ReplayRulesAnalysis.Build(replay, replayPath ?? "replay.json", _options),
        };
    }

    private static string KindName(FlowLogFileKind k) => k switch
    {
        FlowLogFileKind.Header => "text",
        FlowLogFileKind.Headerless => "text-headerless",
        _ => "cloudwatch-jsonl",
    };

    /// <summary>
    /// Flow direction for records without flow-direction: the side holding one of the ENI's own addresses
    /// (listed in replay.json) is the ENI; else the ENI side is the address that recurs across the ENI's
    /// flows (its primary private IPv4 is in every IPv4 record, D25). Ties are broken by an address known
    /// to belong to another logged ENI, then by private vs public addresses.
    /// </summary>
    private ReportDirections ResolveDirections(ReplaySummary? replay)
    {
        var occurrences = new Dictionary<(int, IpAddr), int>();
        var own = new HashSet<(int, IpAddr)>();
        var listed = new HashSet<(int, IpAddr)>();
        foreach (var e in replay?.Enis ?? Array.Empty<EniSummary>())
        {
            if (_eniIndex.TryGetValue(e.Id, out int i))
            {
                foreach (string a in e.Addresses ?? Array.Empty<string>())
                {
                    if (IpAddr.TryParse(a, out var addr))
                    {
                        listed.Add((i, addr));
                    }
                }
            }
        }

        long fromField = 0, fromReplay = 0, inferred = 0, unresolved = 0;
        foreach (var (k, _) in _flows)
        {
            Bump(occurrences, (k.Eni, k.Src));
            if (k.Dst != k.Src)
            {
                Bump(occurrences, (k.Eni, k.Dst));
            }

            if (k.Direction == RecordDirection.Egress)
            {
                own.Add((k.Eni, k.Src));
            }
            else if (k.Direction == RecordDirection.Ingress)
            {
                own.Add((k.Eni, k.Dst));
            }
        }

        var ties = new List<(FlowKey, FlowAgg)>();
        foreach (var (k, f) in _flows)
        {
            if (k.Direction != RecordDirection.Unknown)
            {
                f.Resolved = k.Direction;
                fromField++;
                continue;
            }

            bool srcListed = listed.Contains((k.Eni, k.Src)), dstListed = listed.Contains((k.Eni, k.Dst));
            if (srcListed != dstListed)
            {
                f.Resolved = srcListed ? RecordDirection.Egress : RecordDirection.Ingress;
                f.FromReplay = true;
                continue;
            }

            bool srcOwn = own.Contains((k.Eni, k.Src)), dstOwn = own.Contains((k.Eni, k.Dst));
            int srcCount = occurrences.GetValueOrDefault((k.Eni, k.Src)), dstCount = occurrences.GetValueOrDefault((k.Eni, k.Dst));
            f.Resolved = srcOwn != dstOwn ? (srcOwn ? RecordDirection.Egress : RecordDirection.Ingress)
                : srcCount != dstCount ? (srcCount > dstCount ? RecordDirection.Egress : RecordDirection.Ingress)
                : RecordDirection.Unknown;
            if (f.Resolved == RecordDirection.Unknown)
            {
                ties.Add((k, f));
            }
        }

        // Addresses now known to be some ENI's own: a tie whose one side is another ENI's address is traffic with that ENI.
        var owner = new Dictionary<IpAddr, int>();
        foreach (var (k, f) in _flows)
        {
            if (f.Resolved != RecordDirection.Unknown)
            {
                var mine = f.Resolved == RecordDirection.Egress ? k.Src : k.Dst;
                owner[mine] = owner.TryGetValue(mine, out int o) && o != k.Eni ? -1 : k.Eni;
            }
        }

        foreach (var (k, f) in ties)
        {
            bool srcOther = owner.TryGetValue(k.Src, out int so) && so != k.Eni;
            bool dstOther = owner.TryGetValue(k.Dst, out int d) && d != k.Eni;
            bool srcPrivate = IsPrivate(k.Src), dstPrivate = IsPrivate(k.Dst);
            f.Resolved = srcOther != dstOther ? (srcOther ? RecordDirection.Ingress : RecordDirection.Egress)
                : srcPrivate != dstPrivate ? (srcPrivate ? RecordDirection.Egress : RecordDirection.Ingress)
                : RecordDirection.Unknown;
        }

        foreach (var (k, f) in _flows)
        {
            if (k.Direction == RecordDirection.Unknown)
            {
                if (f.Resolved == RecordDirection.Unknown)
                {
                    unresolved++;
                }
                else if (f.FromReplay)
                {
                    fromReplay++;
                }
                else
                {
                    inferred++;
                }
            }
        }

        return new ReportDirections(fromField, fromReplay, inferred, unresolved);
    }

    private static void Bump<TKey>(Dictionary<TKey, int> d, TKey key)
        where TKey : notnull => d[key] = d.GetValueOrDefault(key) + 1;

    /// <summary>RFC 1918, RFC 6598 shared, and IPv6 unique-local addresses: where an ENI's own address usually is.</summary>
    internal static bool IsPrivate(IpAddr a)
    {
        if (a.IsV4)
        {
            uint v = a.V4;
            return (v >> 24) == 10 || (v >> 20) == ((172u << 4) | 1) || (v >> 16) == ((192u << 8) | 168) || (v >> 22) == ((100u << 2) | 1);
        }

        return !a.IsNone && (a.Hi >> 57) == (0xfcUL >> 1);
    }

    private EniReport EniSummary(int eni)
    {
        var state = _enis[eni];
        var acc = new SliceAcc[3];
        for (int i = 0; i < 3; i++)
        {
            acc[i] = new SliceAcc();
        }

        var peers = new HashSet<IpAddr>();
        long flows = 0;
        foreach (var (k, f) in _flows)
        {
            if (k.Eni != eni)
            {
                continue;
            }

            flows++;
            acc[(int)f.Resolved].Add(k, f);
            if (Peer(k, f.Resolved) is { } p)
            {
                peers.Add(p);
            }
        }

        var unresolved = acc[(int)RecordDirection.Unknown];
        return new EniReport(state.Id, state.Records, flows, peers.Count, state.NoData, state.SkipData,
            acc[(int)RecordDirection.Ingress].ToReport(), acc[(int)RecordDirection.Egress].ToReport(),
            unresolved.Flows > 0 ? unresolved.ToReport() : null);
    }

    /// <summary>The traffic of one ENI and direction: accept/reject totals, distinct flows and peers.</summary>
    private sealed class SliceAcc
    {
        private readonly HashSet<IpAddr> _peers = new();
        private readonly ActionTotals _totals = new();

        public long Flows { get; private set; }

        public void Add(FlowKey k, FlowAgg f)
        {
            Flows++;
            _totals.Add(f);
            if (Peer(k, f.Resolved) is { } p)
            {
                _peers.Add(p);
            }
        }

        public DirectionReport ToReport() => new(_totals.Accept, _totals.Reject, Flows, _peers.Count);
    }

    /// <summary>Accepted and rejected packets, bytes, records and flows of a set of flows.</summary>
    private sealed class ActionTotals
    {
        private long _ap, _ab, _ar, _af, _rp, _rb, _rr, _rf;

        public TrafficTotals Accept => new(_ap, _ab, _ar, _af);

        public TrafficTotals Reject => new(_rp, _rb, _rr, _rf);

        public void Add(FlowAgg f)
        {
            _ap += f.AcceptPackets;
            _ab += f.AcceptBytes;
            _ar += f.AcceptRecords;
            _af += f.AcceptRecords > 0 ? 1 : 0;
            _rp += f.RejectPackets;
            _rb += f.RejectBytes;
            _rr += f.RejectRecords;
            _rf += f.RejectRecords > 0 ? 1 : 0;
        }
    }

    /// <summary>The other side of a flow as written in the packet; null when the direction or the address is unknown.</summary>
    private static IpAddr? Peer(FlowKey k, RecordDirection d)
    {
        var p = d switch
        {
            RecordDirection.Ingress => k.PacketSrc,
            RecordDirection.Egress => k.PacketDst,
            _ => IpAddr.None,
        };
        return p.IsNone ? null : p;
    }

    private TopTalkersReport Talkers()
    {
        // One entry per packet 5-tuple: traffic between two logged ENIs is in both ENIs' records (egress
        // on one, ingress on the other); keep the ENI that recorded the most of it instead of adding both.
        var tuples = new Dictionary<(IpAddr, IpAddr, int, int, int), (long Packets, long Bytes)>();
        foreach (var (k, f) in _flows)
        {
            if (k.PacketSrc.IsNone || k.PacketDst.IsNone)
            {
                continue;
            }

            long p = f.AcceptPackets + f.RejectPackets + f.OtherPackets, b = f.AcceptBytes + f.RejectBytes + f.OtherBytes;
            var t = (k.PacketSrc, k.PacketDst, k.SrcPort, k.DstPort, k.Protocol);
            if (!tuples.TryGetValue(t, out var have) || b > have.Bytes || (b == have.Bytes && p > have.Packets))
            {
                tuples[t] = (p, b);
            }
        }

        FamilyTalkers Family(bool v4)
        {
            var sources = new TalkerAcc<IpAddr>(a => a.ToString());
            var destinations = new TalkerAcc<IpAddr>(a => a.ToString());
            var pairs = new TalkerAcc<(IpAddr, IpAddr)>(x => $"{x.Item1} -> {x.Item2}");
            var ports = new TalkerAcc<(int, int)>(PortText);
            foreach (var ((src, dst, sp, dp, proto), (p, b)) in tuples)
            {
                if (src.IsV4 != v4)
                {
                    continue;
                }

                sources.Add(src, p, b);
                destinations.Add(dst, p, b);
                pairs.Add((src, dst), p, b);
                ports.Add(ServicePort(proto, sp, dp), p, b);
            }

            return new FamilyTalkers(sources.Rank(_options.Top), destinations.Rank(_options.Top), pairs.Rank(_options.Top), ports.Rank(_options.Top));
        }

        return new TopTalkersReport(Family(v4: true), Family(v4: false));
    }

    /// <summary>The service side of a flow: the lower of its two ports (servers listen low, clients use ephemeral ports); -1 without ports.</summary>
    private static (int Protocol, int Port) ServicePort(int protocol, int srcPort, int dstPort) =>
        HasPorts(protocol) && srcPort >= 0 && dstPort >= 0 ? (protocol, Math.Min(srcPort, dstPort)) : (protocol, -1);

    private static bool HasPorts(int protocol) => protocol is IpProtocol.Tcp or IpProtocol.Udp or IpProtocol.Sctp;

    /// <summary>"tcp/443"; the protocol name alone when there is no port.</summary>
    private static string PortText((int Protocol, int Port) p)
    {
        string name = p.Protocol < 0 ? "-" : IpProtocol.Name(p.Protocol);
        return p.Port >= 0 ? string.Create(CultureInfo.InvariantCulture, $"{name}/{p.Port}") : name;
    }

    /// <summary>
    /// Sums per key, then ranks by bytes and by packets (ties by the other measure, then the key's own
    /// order: addresses numerically). Keys are formatted only for the entries shown.
    /// </summary>
    private sealed class TalkerAcc<TKey>
        where TKey : notnull
    {
        private readonly Dictionary<TKey, (long Packets, long Bytes, long Flows)> _d = new();
        private readonly Func<TKey, string> _format;

        public TalkerAcc(Func<TKey, string> format) => _format = format;

        public void Add(TKey key, long packets, long bytes)
        {
            ref var v = ref CollectionsMarshal.GetValueRefOrAddDefault(_d, key, out _);
            v = (v.Packets + packets, v.Bytes + bytes, v.Flows + 1);
        }

        public TalkerRanking Rank(int top) => new(ByBytes(top), ByPackets(top));

        public List<Talker> ByBytes(int top) => Ranked(_d.OrderByDescending(x => x.Value.Bytes).ThenByDescending(x => x.Value.Packets), top);

        public List<Talker> ByPackets(int top) => Ranked(_d.OrderByDescending(x => x.Value.Packets).ThenByDescending(x => x.Value.Bytes), top);

        private List<Talker> Ranked(IOrderedEnumerable<KeyValuePair<TKey, (long Packets, long Bytes, long Flows)>> order, int top) =>
            order.ThenBy(x => x.Key, Comparer<TKey>.Default).Take(top).Select(x => new Talker(_format(x.Key), x.Value.Packets, x.Value.Bytes, x.Value.Flows)).ToList();
    }

    private RejectedReport Rejected(List<int> eniOrder)
    {
        var perEni = new long[_enis.Count, 3, 4];
        var sources = new TalkerAcc<IpAddr>(a => a.IsNone ? "-" : a.ToString());
        var ports = new TalkerAcc<(int, int)>(PortText);
        long p = 0, b = 0, r = 0, n = 0;
        foreach (var (k, f) in _flows)
        {
            if (f.RejectRecords == 0)
            {
                continue;
            }

            int d = (int)f.Resolved;
            perEni[k.Eni, d, 0] += f.RejectPackets;
            perEni[k.Eni, d, 1] += f.RejectBytes;
            perEni[k.Eni, d, 2] += f.RejectRecords;
            perEni[k.Eni, d, 3]++;
            p += f.RejectPackets;
            b += f.RejectBytes;
            r += f.RejectRecords;
            n++;
            sources.Add(k.PacketSrc, f.RejectPackets, f.RejectBytes);
            ports.Add(HasPorts(k.Protocol) && k.DstPort >= 0 ? (k.Protocol, k.DstPort) : (k.Protocol, -1), f.RejectPackets, f.RejectBytes);
        }

        TrafficTotals T(int eni, RecordDirection d) => new(perEni[eni, (int)d, 0], perEni[eni, (int)d, 1], perEni[eni, (int)d, 2], perEni[eni, (int)d, 3]);
        var byEni = eniOrder.Where(i => Enumerable.Range(0, 3).Any(d => perEni[i, d, 2] > 0))
            .Select(i => new RejectedEni(_enis[i].Id, T(i, RecordDirection.Ingress), T(i, RecordDirection.Egress), T(i, RecordDirection.Unknown)))
            .OrderByDescending(e => e.Ingress.Packets + e.Egress.Packets + e.Unresolved.Packets).ThenBy(e => e.Id, StringComparer.Ordinal)
            .ToList();
        return new RejectedReport(new TrafficTotals(p, b, r, n), byEni, sources.ByPackets(_options.Top), ports.ByPackets(_options.Top));
    }

    private List<SensitivePortReport> Sensitive()
    {
        var services = SensitivePorts.All;
        var acc = new Dictionary<int, SensitiveAcc>();
        foreach (var (k, f) in _flows)
        {
            if (f.Resolved == RecordDirection.Egress || k.DstPort < 0)
            {
                continue;
            }

            for (int i = 0; i < services.Count; i++)
            {
                var s = services[i];
                if (s.Protocol == k.Protocol && k.DstPort >= s.FromPort && k.DstPort <= s.ToPort)
                {
                    if (!acc.TryGetValue(i, out var a))
                    {
                        acc[i] = a = new SensitiveAcc();
                    }

                    a.Add(k, f, _enis[k.Eni].Id);
                    break;
                }
            }
        }

        return acc.OrderBy(x => services[x.Key].Category).ThenBy(x => services[x.Key].FromPort).ThenBy(x => services[x.Key].Protocol)
            .Select(x =>
            {
                var s = services[x.Key];
                string ports = s.FromPort == s.ToPort
                    ? s.FromPort.ToString(CultureInfo.InvariantCulture)
                    : string.Create(CultureInfo.InvariantCulture, $"{s.FromPort}-{s.ToPort}");
                return x.Value.ToReport(s.Name, CategoryName(s.Category), IpProtocol.Name(s.Protocol), ports, _options.Top);
            })
            .ToList();
    }

    private static string CategoryName(ExposureCategory c) => c switch
    {
        ExposureCategory.RemoteAccess => "remote-access",
        ExposureCategory.Database => "database",
        _ => "admin",
    };

    private sealed class SensitiveAcc
    {
        private readonly Dictionary<(IpAddr, string), long[]> _sources = new();
        private readonly HashSet<IpAddr> _distinct = new();
        private readonly ActionTotals _totals = new();

        public void Add(FlowKey k, FlowAgg f, string eni)
        {
            _totals.Add(f);
            _distinct.Add(k.PacketSrc);
            if (!_sources.TryGetValue((k.PacketSrc, eni), out var v))
            {
                _sources[(k.PacketSrc, eni)] = v = new[] { 0, 0, long.MaxValue, long.MinValue };
            }

            v[0] += f.AcceptPackets;
            v[1] += f.RejectPackets;
            v[2] = Math.Min(v[2], f.First);
            v[3] = Math.Max(v[3], f.Last);
        }

        public SensitivePortReport ToReport(string service, string category, string protocol, string ports, int top) => new(
            service, category, protocol, ports,
            _totals.Accept, _totals.Reject, _distinct.Count,
            _sources.OrderByDescending(s => s.Value[0] + s.Value[1]).ThenBy(s => s.Key.Item1).ThenBy(s => s.Key.Item2, StringComparer.Ordinal).Take(top)
                .Select(s => new SensitiveSource(s.Key.Item1.IsNone ? "-" : s.Key.Item1.ToString(), s.Key.Item2, s.Value[0], s.Value[1],
                    s.Value[2] == long.MaxValue ? null : ReportTime.Iso(s.Value[2]), s.Value[3] == long.MinValue ? null : ReportTime.Iso(s.Value[3])))
                .ToList());
    }

    private TimeSeriesReport Series(List<int> eniOrder)
    {
        if (_series.Count == 0)
        {
            return new TimeSeriesReport(_window, Array.Empty<long>(), Array.Empty<EniSeries>());
        }

        int n = checked((int)((_maxWindow - _minWindow) / _window) + 1);
        var starts = Enumerable.Range(0, n).Select(i => _minWindow + ((long)i * _window)).ToList();
        var series = new List<EniSeries>();
        foreach (int eni in eniOrder)
        {
            var v = new long[4][];
            for (int j = 0; j < 4; j++)
            {
                v[j] = new long[n];
            }

            bool any = false;
            for (int i = 0; i < n; i++)
            {
                if (_series.TryGetValue((eni, starts[i]), out var x))
                {
                    any = true;
                    for (int j = 0; j < 4; j++)
                    {
                        v[j][i] = x[j];
                    }
                }
            }

            if (any)
            {
                series.Add(new EniSeries(_enis[eni].Id, v[0], v[1], v[2], v[3]));
            }
        }

        return new TimeSeriesReport(_window, starts, series);
    }

    private readonly record struct FlowKey(int Eni, IpAddr Src, IpAddr Dst, IpAddr PktSrc, IpAddr PktDst, int SrcPort, int DstPort, int Protocol, RecordDirection Direction)
    {
        public IpAddr PacketSrc => PktSrc.IsNone ? Src : PktSrc;

        public IpAddr PacketDst => PktDst.IsNone ? Dst : PktDst;
    }

    private sealed class FlowAgg
    {
        public long AcceptPackets;
        public long AcceptBytes;
        public long AcceptRecords;
        public long RejectPackets;
        public long RejectBytes;
        public long RejectRecords;
        public long OtherPackets;
        public long OtherBytes;
        public long OtherRecords;
        public long First = long.MaxValue;
        public long Last = long.MinValue;
        public RecordDirection Resolved;
        public bool FromReplay;
    }

    private sealed class EniState
    {
        public EniState(string id) => Id = id;

        public string Id { get; }

        public long Records;
        public long NoData;
        public long SkipData;
    }
}

/// <summary>Times as the reports print them.</summary>
public static class ReportTime
{
    /// <summary>Unix seconds as ISO 8601 UTC, e.g. 2024-05-01T12:00:03Z.</summary>
    public static string Iso(long unixSeconds) =>
        DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(unixSeconds, -62135596800L, 253402300799L)).UtcDateTime
            .ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Nanoseconds since the epoch as ISO 8601 UTC with the fraction when there is one (…03.5Z).</summary>
    public static string IsoNs(long ns)
    {
        long sec = Math.DivRem(ns, 1_000_000_000L, out long frac);
        if (frac < 0)
        {
            sec--;
            frac += 1_000_000_000L;
        }

        string s = Iso(sec);
        return frac == 0 ? s : s[..^1] + "." + frac.ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0') + "Z";
    }
}
