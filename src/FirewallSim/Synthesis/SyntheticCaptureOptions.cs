using System.Globalization;

namespace FirewallSim.Synthesis;

/// <summary>What one generated flow is. Every kind except <see cref="Scan"/> can be IPv6.</summary>
public enum SyntheticFlowKind : byte
{
    /// <summary>Internet client → web server, TCP 443 (TLS records): most of the bytes.</summary>
    InternetHttps,

    /// <summary>
    /// Like <see cref="InternetHttps"/>, but the first full-size response segment draws an ICMP
    /// "fragmentation needed" (type 3 code 4, MTU 1400; IPv6: packet too big, MTU 1280) from a router
    /// near the client, quoting the segment; the server then resends with the smaller MSS.
    /// </summary>
    InternetHttpsPathMtu,

    /// <summary>Internet client → web server, TCP 80 (HTTP/1.1).</summary>
    InternetHttp,

    /// <summary>Web server → app server, TCP 8080 (HTTP/1.1).</summary>
    WebToApp,

    /// <summary>App server → database server, TCP 5432 (PostgreSQL framing).</summary>
    AppToDb,

    /// <summary>Any server → the VPC resolver 10.0.0.2 (fd00:ec2::253), UDP 53: one query, one response.</summary>
    DnsVpcResolver,

    /// <summary>Any server → 8.8.8.8 (2001:4860:4860::8888), UDP 53: one query, one response.</summary>
    DnsPublic,

    /// <summary>Internet client → web server: one to four ICMP echo requests, each answered.</summary>
    EchoInbound,

    /// <summary>Any server → an internet host: one to four ICMP echo requests, each answered.</summary>
    EchoOutbound,

    /// <summary>
    /// Internet client → web server, one traceroute probe (UDP to 33434–33534), answered with ICMP
    /// port unreachable (type 3 code 3; IPv6 type 1 code 4) quoting the whole probe.
    /// </summary>
    Traceroute,

    /// <summary>
    /// A scanner → web server, one TCP SYN to a port of its sweep: unanswered, or answered with
    /// RST-ACK; on 80 and 443 answered with SYN-ACK, which the scanner resets.
    /// </summary>
    Scan,
}

/// <summary>Relative weights of the flow kinds, by number of flows. They need not sum to 1.</summary>
public sealed record SyntheticFlowMix
{
    public double InternetHttps { get; init; } = 0.28;
    public double InternetHttpsPathMtu { get; init; } = 0.01;
    public double InternetHttp { get; init; } = 0.06;
    public double WebToApp { get; init; } = 0.15;
    public double AppToDb { get; init; } = 0.10;
    public double DnsVpcResolver { get; init; } = 0.12;
    public double DnsPublic { get; init; } = 0.04;
    public double EchoInbound { get; init; } = 0.03;
    public double EchoOutbound { get; init; } = 0.02;
    public double Traceroute { get; init; } = 0.02;
    public double Scan { get; init; } = 0.17;

    public static SyntheticFlowMix Default { get; } = new();

    public double Weight(SyntheticFlowKind kind) => kind switch
    {
        SyntheticFlowKind.InternetHttps => InternetHttps,
        SyntheticFlowKind.InternetHttpsPathMtu => InternetHttpsPathMtu,
        SyntheticFlowKind.InternetHttp => InternetHttp,
        SyntheticFlowKind.WebToApp => WebToApp,
        SyntheticFlowKind.AppToDb => AppToDb,
        SyntheticFlowKind.DnsVpcResolver => DnsVpcResolver,
        SyntheticFlowKind.DnsPublic => DnsPublic,
        SyntheticFlowKind.EchoInbound => EchoInbound,
        SyntheticFlowKind.EchoOutbound => EchoOutbound,
        SyntheticFlowKind.Traceroute => Traceroute,
        SyntheticFlowKind.Scan => Scan,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The weights normalised to fractions, indexed by kind.</summary>
    public double[] Fractions()
    {
        var kinds = Enum.GetValues<SyntheticFlowKind>();
        var w = new double[kinds.Length];
        double total = 0;
        foreach (var k in kinds)
        {
            w[(int)k] = Weight(k);
            total += w[(int)k];
        }

        for (int i = 0; i < w.Length; i++)
        {
            w[i] /= total;
        }

        return w;
    }
}

/// <summary>
/// What <see cref="SyntheticCaptureGenerator"/> makes. The same options always give the same bytes.
/// </summary>
public sealed record SyntheticCaptureOptions
{
    /// <summary>Packets in the capture, exactly.</summary>
    public long Packets { get; init; } = 1_000_000;

    /// <summary>
    /// Flows to aim for: flow sizes are drawn so that the mean is <see cref="Packets"/> / Flows.
    /// The count comes out close to this, not exactly (flows are never cut off to hit it).
    /// </summary>
    public long Flows { get; init; } = 50_000;

    public ulong Seed { get; init; } = 1;

    /// <summary>Flows open at the same time once the capture has ramped up (fewer at the very end).</summary>
    public int Concurrent { get; init; } = 10_000;

    /// <summary>Fraction of the flows that can be IPv6 (all kinds but scans) that are.</summary>
    public double Ipv6Share { get; init; } = 0.15;

    /// <summary>Timestamp of the first packet.</summary>
    public DateTimeOffset Start { get; init; } = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Approximate time from the first packet to the last; null: one second per 100,000 packets.</summary>
    public double? DurationSeconds { get; init; }

    public SyntheticFlowMix Mix { get; init; } = SyntheticFlowMix.Default;

    /// <summary>Packets per second that set the default duration.</summary>
    public const double DefaultPacketRate = 100_000;

    /// <summary>Bounds the per-flow state (about 100 bytes a flow): 50 million flows open at once.</summary>
    public const int MaxConcurrent = 50_000_000;

    public double EffectiveDurationSeconds => DurationSeconds ?? Math.Max(Packets / DefaultPacketRate, 0.001);

    /// <summary>Every problem with these options at once; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        var inv = CultureInfo.InvariantCulture;
        if (Packets < 1)
        {
            problems.Add(string.Create(inv, $"--packets must be at least 1 (got {Packets})"));
        }

        if (Flows < 1)
        {
            problems.Add(string.Create(inv, $"--flows must be at least 1 (got {Flows})"));
        }
        else if (Packets >= 1 && Flows > Packets)
        {
            problems.Add(string.Create(inv, $"--flows ({Flows}) cannot exceed --packets ({Packets}): every flow has at least one packet"));
        }

        if (Concurrent < 1 || Concurrent > MaxConcurrent)
        {
            problems.Add(string.Create(inv, $"--concurrent must be between 1 and {MaxConcurrent} (got {Concurrent})"));
        }

        if (!(Ipv6Share >= 0 && Ipv6Share <= 1))
        {
            problems.Add(string.Create(inv, $"--ipv6-share must be between 0 and 1 (got {Ipv6Share})"));
        }

        if (DurationSeconds is { } d && !(d > 0 && d <= 1e9))
        {
            problems.Add(string.Create(inv, $"--duration must be a positive number of seconds (got {d})"));
        }

        long startSeconds = Start.ToUnixTimeSeconds();
        if (startSeconds < 0)
        {
            problems.Add("--start must not be before 1970-01-01T00:00:00Z");
        }
        else if (startSeconds + (EffectiveDurationSeconds * 2) + 3600 > uint.MaxValue)
        {
            problems.Add("--start and --duration reach past 2106, beyond what classic pcap timestamps can hold");
        }

        double total = 0;
        foreach (var kind in Enum.GetValues<SyntheticFlowKind>())
        {
            double w = Mix.Weight(kind);
            if (!(w >= 0) || double.IsInfinity(w))
            {
                problems.Add(string.Create(inv, $"flow-mix weight of {kind} must be a finite number >= 0 (got {w})"));
            }
            else
            {
                total += w;
            }
        }

        if (!(total > 0))
        {
            problems.Add("the flow mix has no kind with a positive weight");
        }

        return problems;
    }
}

/// <summary>What a generation run made.</summary>
public sealed record SyntheticCaptureSummary
{
    public required long Packets { get; init; }

    public required long Flows { get; init; }

    public required long Ipv6Flows { get; init; }

    /// <summary>Sum of the frames' lengths (Ethernet headers included, pcap headers not).</summary>
    public required long FrameBytes { get; init; }

    /// <summary>Bytes of the capture file.</summary>
    public required long FileBytes { get; init; }

    public required long FirstTimestampNs { get; init; }

    public required long LastTimestampNs { get; init; }

    /// <summary>Flows by kind, indexed by <see cref="SyntheticFlowKind"/>.</summary>
    public required IReadOnlyList<long> FlowsByKind { get; init; }

    /// <summary>Packets by kind, indexed by <see cref="SyntheticFlowKind"/>.</summary>
    public required IReadOnlyList<long> PacketsByKind { get; init; }

    /// <summary>Most flows open at once.</summary>
    public required int MaxConcurrentFlows { get; init; }

    public long FlowsOf(SyntheticFlowKind kind) => FlowsByKind[(int)kind];

    public long PacketsOf(SyntheticFlowKind kind) => PacketsByKind[(int)kind];
}
