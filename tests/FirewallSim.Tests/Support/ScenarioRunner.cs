using System.Globalization;
using System.Text;
using FirewallSim.Config;
using FirewallSim.Decode;
using FirewallSim.FlowLogs;
using FirewallSim.Net;
using FirewallSim.Replay;
using FirewallSim.Rules;
using FirewallSim.Verdicts;

namespace FirewallSim.Tests.Support;

/// <summary>
/// A packet scenario for engine tests, end to end: the test lists packets (time, endpoints, protocol,
/// flags or ICMP type/code/id, optional MACs, raw fragments), <see cref="Run"/> builds real Ethernet
/// frames with <see cref="FrameBuilder"/>, writes them to a real nanosecond pcap file with
/// <see cref="TestCaptureBuilder"/>, replays the file through <see cref="ReplayRunner"/> and
/// <see cref="SimulationEngine"/> with a collecting sink, feeds a <see cref="FlowLogAggregator"/> on the
/// way, and returns what happened to every frame.
/// </summary>
/// <example>
/// <code>
/// var s = new Scenario(TestVpc.Standard("in tcp 22 203.0.113.1/32").Build());
/// int syn = s.Tcp(1, "203.0.113.1:50000", "10.0.1.10:22", Syn);
/// int synAck = s.Tcp(1.1, "10.0.1.10:22", "203.0.113.1:50000", Syn | Ack);
/// var r = s.Run();
/// r.Frame(synAck).Count(1).Egress("eni-e").Accept(AllowedByTrackedConnection).Rule("sg-e", "in", 0).Tracked(TrackState.SynRecv);
/// </code>
/// </example>
public sealed class Scenario
{
    /// <summary>Scenario time 0 in the capture: aligned to both 60 s and 600 s flow-log windows.</summary>
    public const long T0Seconds = 1_700_000_400;

    private readonly List<ConfigVersion> _versions = new();
    private readonly List<(long Ns, byte[] Frame)> _frames = new();

    public Scenario(AwsConfig config, EngineOptions? options = null)
    {
        _versions.Add(new ConfigVersion(long.MinValue, config, "base"));
        Options = options ?? EngineOptions.Default;
    }

    public EngineOptions Options { get; }

    /// <summary>Flow-log aggregation interval (60 or 600 s).</summary>
    public int FlowLogInterval { get; init; } = 60;

    /// <summary>D24 NODATA records on or off.</summary>
    public bool FlowLogNoData { get; init; } = true;

    /// <summary>Scenario time in seconds → absolute capture time in nanoseconds.</summary>
    public static long AbsoluteNs(double t) => checked((T0Seconds * 1_000_000_000L) + (long)Math.Round(t * 1e9));

    /// <summary>D19: from scenario time <paramref name="t"/> on, <paramref name="config"/> applies.</summary>
    public Scenario ChangeAt(double t, AwsConfig config, string? label = null)
    {
        _versions.Add(new ConfigVersion(AbsoluteNs(t), config, label ?? "v" + _versions.Count.ToString(CultureInfo.InvariantCulture)));
        return this;
    }

    /// <summary>A TCP segment; endpoints "10.0.1.10:22" or "[2001:db8::1]:443". Returns the frame number.</summary>
    public int Tcp(double t, string from, string to, byte flags, int payload = 0, MacAddr? srcMac = null, MacAddr? dstMac = null)
    {
        var (src, sport) = Endpoint(from);
        var (dst, dport) = Endpoint(to);
        return Add(t, IpPacket(src, dst, IpProtocol.Tcp, FrameBuilder.Tcp(sport, dport, flags, payloadLength: payload)), srcMac, dstMac);
    }

    public int Udp(double t, string from, string to, int payload = 0, MacAddr? srcMac = null, MacAddr? dstMac = null)
    {
        var (src, sport) = Endpoint(from);
        var (dst, dport) = Endpoint(to);
        return Add(t, IpPacket(src, dst, IpProtocol.Udp, FrameBuilder.Udp(sport, dport, payload)), srcMac, dstMac);
    }

    /// <summary>
    /// An ICMP (IPv4 addresses) or ICMPv6 (IPv6 addresses) message. Query types carry <paramref name="id"/>;
    /// error types carry a quoted TCP packet from <paramref name="to"/> back to <paramref name="from"/>. A query's
    /// IP length is 20 (IPv4 header) + 8 (ICMP header) + <paramref name="payload"/>.
    /// </summary>
    public int Icmp(double t, string from, string to, byte type, byte code = 0, ushort id = 0, int payload = 4, MacAddr? srcMac = null, MacAddr? dstMac = null)
    {
        bool v4 = IpAddr.Parse(from).IsV4;
        bool query = v4 ? type is 0 or 8 or 13 or 14 or 15 or 16 or 17 or 18 : type is 128 or 129;
        bool error = v4 ? type is 3 or 4 or 5 or 11 or 12 : type < 128;
        byte[] body;
        if (query)
        {
            byte[] rest = new byte[4 + payload];
            rest[0] = (byte)(id >> 8);
            rest[1] = (byte)id;
            rest[3] = 1;
            body = FrameBuilder.Icmp(type, code, rest);
        }
        else if (error)
        {
            byte[] quoted = v4
                ? FrameBuilder.Ipv4(to, from, IpProtocol.Tcp, FrameBuilder.Tcp(40000, 443, TcpFlags.Ack))
                : FrameBuilder.Ipv6(to, from, IpProtocol.Tcp, FrameBuilder.Tcp(40000, 443, TcpFlags.Ack));
            body = FrameBuilder.IcmpError(type, code, FrameBuilder.Quote(quoted, v4 ? 28 : 48));
        }
        else
        {
            body = FrameBuilder.Icmp(type, code, new byte[20]);
        }

        return Add(t, IpPacket(from, to, v4 ? IpProtocol.Icmp : IpProtocol.Icmpv6, body), srcMac, dstMac);
    }

    /// <summary>Any other IP protocol (GRE, ESP…) with <paramref name="payload"/> bytes of data.</summary>
    public int Ip(double t, string from, string to, byte protocol, int payload = 16, MacAddr? srcMac = null, MacAddr? dstMac = null) =>
        Add(t, IpPacket(from, to, protocol, FrameBuilder.Pattern(payload, 3)), srcMac, dstMac);

    /// <summary>A ready IP packet (fragments, odd headers) put into an Ethernet frame.</summary>
    public int Raw(double t, byte[] ipPacket, MacAddr? srcMac = null, MacAddr? dstMac = null) => Add(t, ipPacket, srcMac, dstMac);

    /// <summary>Writes the capture, replays it and returns the per-frame results and flow-log records.</summary>
    public ScenarioResult Run()
    {
        var pcap = TestCaptureBuilder.Pcap(nanosecond: true);
        foreach (var (ns, frame) in _frames)
        {
            pcap.Record(frame, (uint)(ns / 1_000_000_000L), (uint)(ns % 1_000_000_000L));
        }

        return Replay(new[] { pcap.ToArray() });
    }

    /// <summary>
    /// Replays capture files (pcap or pcapng bytes, in this order) against the scenario's configuration, on
    /// one thread and on two (the pipelined path, where the engine reuses its prefetch's attribution); both
    /// must give the same verdicts and flow-log records. Returns the one-thread result.
    /// </summary>
    public ScenarioResult Replay(IReadOnlyList<byte[]> captures)
    {
        string dir = Path.Combine(Path.GetTempPath(), "fwsim-scenario-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var files = new List<string>();
            for (int i = 0; i < captures.Count; i++)
            {
                string path = Path.Combine(dir, $"capture{i}.pcap");
                File.WriteAllBytes(path, captures[i]);
                files.Add(path);
            }

            var one = ReplayFiles(files, threads: 1);
            var two = ReplayFiles(files, threads: 2);
            Assert.Equal(Signature(one), Signature(two));
            return one;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private ScenarioResult ReplayFiles(List<string> files, int threads)
    {
        var timeline = new ConfigTimeline(_versions.ToArray());
        var compiled = CompiledTimeline.Compile(timeline, Options);
        var engine = new SimulationEngine(compiled, Options);
        var flowSink = new CollectingFlowLogSink();
        var aggregator = new FlowLogAggregator(compiled.Enis, new FlowLogOptions { IntervalSeconds = FlowLogInterval, NoData = FlowLogNoData }, new[] { flowSink });
        var sink = new CollectingReplaySink(new List<FrameResult>(), aggregator, compiled);
        var outcome = new ReplayRunner(engine) { Threads = threads }.Run(files, ref sink);
        aggregator.Finish();
        Assert.All(outcome.Inputs, i => Assert.Null(i.Error));
        return new ScenarioResult(compiled, engine, sink.Frames, flowSink.Records);
    }

    private static string Signature(ScenarioResult r) =>
        string.Join("\n", r.Frames.Select(f => $"{f.Number} {f.Disposition} {f.ExemptKind} {f.SrcPort} {f.DstPort} {f.FlowFlags} {f.Describe()}"))
        + "\n--\n" + string.Join("\n", r.FlowRecords.Select(x =>
            $"{x.WindowStart} {x.Eni} {x.Direction} {x.Action} {x.Status} {x.Protocol} {x.TcpFlags} {x.PktSrc} {x.PktDst} {x.SrcPort} {x.DstPort} {x.Packets} {x.Bytes} {x.Start} {x.End}"));

    /// <summary>Builds an Ethernet frame around an IP packet as <see cref="Run"/> would, for hand-made captures.</summary>
    public static byte[] EthernetFrame(byte[] ipPacket, MacAddr? srcMac = null, MacAddr? dstMac = null) =>
        FrameBuilder.Ethernet(ipPacket, src: srcMac, dst: dstMac);

    public static byte[] IpPacket(string src, string dst, byte protocol, byte[] payload) =>
        IpAddr.Parse(src).IsV4 ? FrameBuilder.Ipv4(src, dst, protocol, payload) : FrameBuilder.Ipv6(src, dst, protocol, payload);

    /// <summary>"10.0.1.10:22" → (10.0.1.10, 22); "[2001:db8::1]:443" → (2001:db8::1, 443); an address alone has port 0.</summary>
    public static (string Address, ushort Port) Endpoint(string text)
    {
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']', StringComparison.Ordinal);
            string a = text[1..close];
            return (a, close + 1 < text.Length ? ushort.Parse(text[(close + 2)..], CultureInfo.InvariantCulture) : (ushort)0);
        }

        int colon = text.LastIndexOf(':');
        if (colon > 0 && text.IndexOf(':', StringComparison.Ordinal) == colon)
        {
            return (text[..colon], ushort.Parse(text[(colon + 1)..], CultureInfo.InvariantCulture));
        }

        return (text, 0);
    }

    private int Add(double t, byte[] ipPacket, MacAddr? srcMac, MacAddr? dstMac)
    {
        long ns = AbsoluteNs(t);
        if (ns < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(t));
        }

        _frames.Add((ns, FrameBuilder.Ethernet(ipPacket, src: srcMac, dst: dstMac)));
        return _frames.Count;
    }

    private struct CollectingReplaySink : IReplaySink
    {
        private readonly FlowLogAggregator _aggregator;
        private readonly CompiledTimeline _timeline;

        public CollectingReplaySink(List<FrameResult> frames, FlowLogAggregator aggregator, CompiledTimeline timeline)
        {
            Frames = frames;
            _aggregator = aggregator;
            _timeline = timeline;
        }

        public List<FrameResult> Frames { get; }

        public readonly bool ReadsFrames => false;

        public readonly void Prefetch(in PacketInfo packet, in PacketResult result)
        {
        }

        public readonly void OnPacket(in PacketInfo packet, in PacketResult result, ReadOnlySpan<byte> frame)
        {
            _aggregator.Add(packet, result);
            var verdicts = new List<VerdictResult>();
            for (int i = 0; i < result.Count; i++)
            {
                verdicts.Add(new VerdictResult(packet.FrameNumber, result.Verdicts[i], _timeline));
            }

            Frames.Add(new FrameResult(packet, result.Disposition, result.Exempt, verdicts, result.SrcPort, result.DstPort, result.FlowFlags));
        }
    }

    private sealed class CollectingFlowLogSink : IFlowLogSink
    {
        public List<FlowRecord> Records { get; } = new();

        public void WriteWindow(long windowStart, IReadOnlyList<FlowRecord> records) => Records.AddRange(records);

        public void Complete()
        {
        }

        public void Dispose()
        {
        }
    }
}

/// <summary>What a replayed scenario produced.</summary>
public sealed class ScenarioResult
{
    private readonly List<FrameResult> _frames;
    private readonly List<FlowRecord> _records;

    internal ScenarioResult(CompiledTimeline timeline, SimulationEngine engine, List<FrameResult> frames, List<FlowRecord> records)
    {
        Timeline = timeline;
        Engine = engine;
        _frames = frames;
        _records = records;
    }

    public CompiledTimeline Timeline { get; }

    public SimulationEngine Engine { get; }

    public EngineCounters Counters => Engine.Counters;

    public IReadOnlyList<FrameResult> Frames => _frames;

    public IReadOnlyList<FlowRecord> FlowRecords => _records;

    /// <summary>The result of frame <paramref name="number"/> (1-based, as the replay numbers frames).</summary>
    public FrameResult Frame(int number)
    {
        var f = _frames.SingleOrDefault(x => x.Number == number);
        Assert.True(f is not null, $"frame {number} was not replayed ({_frames.Count} frames were)");
        return f!;
    }

    /// <summary>Every flow-log record of the replay formatted with <paramref name="format"/>, in D27 order.</summary>
    public IReadOnlyList<string> FlowLog(string format, bool includeNoData = true)
    {
        var formatter = new FlowRecordFormatter(FlowLogFormat.Parse(format), Timeline);
        return _records.Where(r => includeNoData || r.Status != LogStatus.NoData).Select(r => formatter.FormatToString(r)).ToList();
    }
}

/// <summary>One frame of a replayed scenario; assertion methods return the frame for chaining.</summary>
public sealed class FrameResult
{
    internal FrameResult(in PacketInfo packet, PacketDisposition disposition, ExemptKind exempt, List<VerdictResult> verdicts,
        ushort srcPort, ushort dstPort, byte flowFlags)
    {
        Packet = packet;
        Number = (int)packet.FrameNumber;
        Disposition = disposition;
        ExemptKind = exempt;
        Verdicts = verdicts;
        SrcPort = srcPort;
        DstPort = dstPort;
        FlowFlags = flowFlags;
    }

    public PacketInfo Packet { get; }

    public int Number { get; }

    public PacketDisposition Disposition { get; }

    public ExemptKind ExemptKind { get; }

    public IReadOnlyList<VerdictResult> Verdicts { get; }

    public ushort SrcPort { get; }

    public ushort DstPort { get; }

    public byte FlowFlags { get; }

    /// <summary>Evaluated, with exactly <paramref name="verdicts"/> verdicts.</summary>
    public FrameResult Count(int verdicts)
    {
        Assert.True(Disposition == PacketDisposition.Evaluated, $"frame {Number}: expected Evaluated, got {Disposition} {Describe()}");
        Assert.True(Verdicts.Count == verdicts, $"frame {Number}: expected {verdicts} verdict(s), got {Verdicts.Count}: {Describe()}");
        return this;
    }

    /// <summary>D17: exempt of this kind, no verdict.</summary>
    public FrameResult Exempt(ExemptKind kind)
    {
        Assert.True(Disposition == PacketDisposition.Exempt && ExemptKind == kind && Verdicts.Count == 0,
            $"frame {Number}: expected exempt {kind}, got {Disposition}/{ExemptKind} {Describe()}");
        return this;
    }

    /// <summary>Not evaluated for this reason (unattributed, same ENI, not IP…), no verdict.</summary>
    public FrameResult Is(PacketDisposition disposition)
    {
        Assert.True(Disposition == disposition && Verdicts.Count == 0, $"frame {Number}: expected {disposition}, got {Disposition} {Describe()}");
        return this;
    }

    public VerdictResult Ingress(string eni) => On(eni, Direction.Ingress);

    public VerdictResult Egress(string eni) => On(eni, Direction.Egress);

    /// <summary>The one verdict for (ENI, direction).</summary>
    public VerdictResult On(string eni, Direction direction)
    {
        var matches = Verdicts.Where(v => v.EniId == eni && v.Direction == direction).ToList();
        Assert.True(matches.Count == 1, $"frame {Number}: expected one {VerdictNames.Direction(direction)} verdict on {eni}, got {matches.Count}: {Describe()}");
        return matches[0];
    }

    /// <summary>The position of the (ENI, direction) verdict in evaluation order.</summary>
    public int IndexOf(string eni, Direction direction) =>
        Verdicts.Select((v, i) => (v, i)).Single(x => x.v.EniId == eni && x.v.Direction == direction).i;

    public string Describe() => Verdicts.Count == 0 ? "[]" : "[" + string.Join("; ", Verdicts.Select(v => v.ToString())) + "]";

    public override string ToString() => $"frame {Number} {Disposition} {Describe()}";
}

/// <summary>One verdict, with rule and NACL entry resolved to names; assertions return the verdict for chaining.</summary>
public sealed class VerdictResult
{
    internal VerdictResult(long frame, in Verdict v, CompiledTimeline timeline)
    {
        Frame = frame;
        Raw = v;
        EniId = timeline.Enis.Id(v.Eni);
        SgRule = v.RuleId >= 0 ? timeline.Rules.Rule(v.RuleId) : null;
        NaclEntry = v.NaclEntryId >= 0 ? timeline.Rules.NaclEntry(v.NaclEntryId) : null;
    }

    public long Frame { get; }

    public Verdict Raw { get; }

    public string EniId { get; }

    public Direction Direction => Raw.Direction;

    public VerdictAction Action => Raw.Action;

    public VerdictReason Reason => Raw.Reason;

    public TrackingMode Tracking => Raw.Tracking;

    public TrackState State => Raw.State;

    public SecurityGroupRule? SgRule { get; }

    public NaclEntryRef? NaclEntry { get; }

    public VerdictResult Accept(VerdictReason reason) => Is(VerdictAction.Accept, reason);

    public VerdictResult Reject(VerdictReason reason) => Is(VerdictAction.Reject, reason);

    public VerdictResult Drop(VerdictReason reason) => Is(VerdictAction.Drop, reason);

    public VerdictResult Is(VerdictAction action, VerdictReason reason)
    {
        Check(Action == action && Reason == reason, $"expected {VerdictNames.Action(action)} {VerdictNames.Reason(reason)}");
        return this;
    }

    /// <summary>The security-group rule that allowed the packet or opened its connection: group, "in"/"out", index in that list.</summary>
    public VerdictResult Rule(string groupId, string direction, int index)
    {
        bool egress = direction switch { "in" => false, "out" => true, _ => throw new ArgumentException("in or out", nameof(direction)) };
        Check(SgRule is not null && SgRule.GroupId == groupId && SgRule.Egress == egress && SgRule.Index == index,
            $"expected rule {groupId} {direction}[{index}]");
        return this;
    }

    public VerdictResult NoRule()
    {
        Check(SgRule is null, "expected no security-group rule");
        return this;
    }

    /// <summary>The NACL entry (of this verdict's direction) that decided; 32767/32768 are the catch-all "*".</summary>
    public VerdictResult Nacl(int ruleNumber, string? aclId = null)
    {
        bool egress = Direction == Direction.Egress;
        Check(Raw.NaclEvaluated && NaclEntry is not null && NaclEntry.Entry.RuleNumber == ruleNumber && NaclEntry.Entry.Egress == egress
            && (aclId is null || NaclEntry.AclId == aclId) && NaclEntry.Implicit == ruleNumber is 32767 or 32768,
            $"expected NACL {(egress ? "outbound" : "inbound")} entry {ruleNumber}");
        return this;
    }

    /// <summary>No NACL layer was applied (inside the subnet, no ACL known, or the SG rejected first on egress).</summary>
    public VerdictResult NoNacl()
    {
        Check(!Raw.NaclEvaluated && NaclEntry is null, "expected no NACL evaluation");
        return this;
    }

    public VerdictResult Tracked(TrackState state)
    {
        Check(Tracking == TrackingMode.Tracked && State == state, $"expected tracked {VerdictNames.State(state)}");
        return this;
    }

    public VerdictResult Untracked(TrackState state)
    {
        Check(Tracking == TrackingMode.Untracked && State == state, $"expected untracked (marker {VerdictNames.State(state)})");
        return this;
    }

    /// <summary>No entry involved (ICMP error, reply without request, a reject before any entry).</summary>
    public VerdictResult NotTracked()
    {
        Check(Tracking == TrackingMode.NotApplicable && State == TrackState.None, "expected no tracking");
        return this;
    }

    public VerdictResult FragmentCopy(bool expected = true)
    {
        Check(Raw.FragmentCopy == expected, expected ? "expected a fragment copy" : "expected no fragment copy");
        return this;
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{EniId} {VerdictNames.Direction(Direction)} {VerdictNames.Action(Action)} {VerdictNames.Reason(Reason)}");
        sb.Append(CultureInfo.InvariantCulture, $" {VerdictNames.Tracking(Tracking)} {VerdictNames.State(State)}");
        if (SgRule is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $" rule {SgRule.GroupId} {(SgRule.Egress ? "out" : "in")}[{SgRule.Index}]");
        }

        if (NaclEntry is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $" nacl {NaclEntry}");
        }

        if (Raw.FragmentCopy)
        {
            sb.Append(" fragment-copy");
        }

        return sb.ToString();
    }

    private void Check(bool condition, string expectation) =>
        Assert.True(condition, $"frame {Frame} {EniId} {VerdictNames.Direction(Direction)}: {expectation}, got {this}");
}

/// <summary>Compares flow-log lines as one text, so a failure shows the differing line in full.</summary>
public static class Lines
{
    public static void Equal(IEnumerable<string> expected, IEnumerable<string> actual) =>
        Assert.Equal(string.Join("\n", expected), string.Join("\n", actual));
}
