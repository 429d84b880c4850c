using System.Globalization;
using FirewallSim.Capture;
using FirewallSim.IO;

namespace FirewallSim.Synthesis;

/// <summary>
/// Writes deterministic synthetic captures (classic pcap, Ethernet, nanosecond timestamps) of the
/// <see cref="SyntheticNetworkPlan"/> network: the same options give the same bytes on every
/// machine. See <see cref="SyntheticFlowKind"/> for what the flows are and
/// <see cref="SyntheticCaptureOptions"/> for the knobs.
/// </summary>
public static class SyntheticCaptureGenerator
{
    /// <summary>How often (in packets) progress is reported and cancellation checked.</summary>
    public const int ProgressInterval = 1 << 16;

    /// <summary>
    /// Writes the capture to <paramref name="path"/> atomically: under a temporary name, renamed
    /// into place only when complete (an error or cancellation leaves nothing behind).
    /// </summary>
    public static SyntheticCaptureSummary WriteFile(SyntheticCaptureOptions options, string path, Action<long>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        ThrowIfInvalid(options);
        using var file = AtomicFile.Create(path);
        var summary = Write(options, file.Stream, progress, cancellation);
        file.Commit();
        return summary;
    }

    /// <summary>Writes the capture to a stream (left open).</summary>
    /// <param name="progress">Called with the packets written so far, every <see cref="ProgressInterval"/> packets and at the end.</param>
    public static SyntheticCaptureSummary Write(SyntheticCaptureOptions options, Stream stream, Action<long>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ThrowIfInvalid(options);
        using var writer = new PcapWriter(stream, LinkTypes.Ethernet, nanosecond: true, snapLength: 65_535, ownsStream: false);
        var summary = new SyntheticEngine(options).Run(writer, progress, cancellation);
        writer.Flush();
        return summary;
    }

    /// <summary>The capture as one array: for tests and benchmarks of small captures.</summary>
    public static byte[] Generate(SyntheticCaptureOptions options)
    {
        using var memory = new MemoryStream();
        Write(options, memory);
        return memory.ToArray();
    }

    private static void ThrowIfInvalid(SyntheticCaptureOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }
    }

    /// <summary>Stable lower-case names of the flow kinds, as <c>fwsim gen</c> prints them.</summary>
    public static string KindName(SyntheticFlowKind kind) => kind switch
    {
        SyntheticFlowKind.InternetHttps => "internet-https",
        SyntheticFlowKind.InternetHttpsPathMtu => "internet-https-pmtu",
        SyntheticFlowKind.InternetHttp => "internet-http",
        SyntheticFlowKind.WebToApp => "web-to-app",
        SyntheticFlowKind.AppToDb => "app-to-db",
        SyntheticFlowKind.DnsVpcResolver => "dns-vpc-resolver",
        SyntheticFlowKind.DnsPublic => "dns-public",
        SyntheticFlowKind.EchoInbound => "echo-inbound",
        SyntheticFlowKind.EchoOutbound => "echo-outbound",
        SyntheticFlowKind.Traceroute => "traceroute",
        SyntheticFlowKind.Scan => "scan",
        _ => kind.ToString().ToLower(CultureInfo.InvariantCulture),
    };
}
