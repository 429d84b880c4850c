using System.Globalization;
using FirewallSim.FlowLogs;
using FirewallSim.Replay;
using FirewallSim.Verdicts;

namespace FirewallSim.Cli.Output;

/// <summary>The replay summary as terminal tables.</summary>
internal static class ReplaySummaryText
{
    public static void Write(TextWriter o, ReplaySummary s, CompiledTimeline timeline, string outDir, IReadOnlyList<IFlowLogSink> sinks,
        VerdictLogWriter? verdicts, RejectedPacketWriter? rejected)
    {
        var inv = CultureInfo.InvariantCulture;
        long packets = s.Inputs.Sum(i => i.Packets);
        o.WriteLine(string.Create(inv, $"Replayed {packets:N0} packets from {s.Inputs.Count} capture(s) against {s.ConfigVersions.Count} configuration version(s)."));
        if (s.FilteredOut > 0)
        {
            o.WriteLine(string.Create(inv, $"{s.FilteredOut:N0} frames did not match --filter and were skipped."));
        }

        o.WriteLine();
        o.WriteLine("ENI                    dir       accepted pkts        bytes   rejected pkts        bytes   dropped");
        foreach (var e in s.Enis.OrderBy(e => e.Id, StringComparer.Ordinal))
        {
            foreach (var (name, d) in new[] { ("ingress", e.Ingress), ("egress", e.Egress) })
            {
                o.WriteLine(string.Create(inv,
                    $"{e.Id,-22} {name,-8} {d.Accept.Packets,14:N0} {d.Accept.Bytes,12:N0} {d.Reject.Packets,15:N0} {d.Reject.Bytes,12:N0} {d.Drop.Packets,9:N0}"));
            }
        }

        o.WriteLine();
        var rejects = s.Reasons.Where(r => r.Value > 0 && (r.Key.StartsWith("rejected", StringComparison.Ordinal) || r.Key.StartsWith("dropped", StringComparison.Ordinal)
            || r.Key is "orphan-fragment" or "not-delivered")).OrderByDescending(r => r.Value).ToList();
        o.WriteLine(rejects.Count == 0 ? "Reject reasons: none" : "Reject and drop reasons:");
        foreach (var r in rejects)
        {
            o.WriteLine(string.Create(inv, $"  {r.Key,-32} {r.Value,12:N0}"));
        }

        var exempt = s.Exempt.Where(e => e.Value > 0).Select(e => string.Create(inv, $"{e.Key} {e.Value:N0}")).ToList();
        var c = s.Counts;
        o.WriteLine(string.Create(inv, $"Exempt (never filtered or logged): {c.Exempt:N0}{(exempt.Count > 0 ? " (" + string.Join(", ", exempt) + ")" : "")}"));
        o.WriteLine(string.Create(inv, $"Unattributed (no configured ENI): {c.Unattributed:N0}; same-ENI: {c.SameEni:N0}; not IP: {c.NotIp:N0}; undecodable: {c.Undecodable:N0}"));
        o.WriteLine(string.Create(inv, $"Peak tracked connections: {c.PeakTrackedConnections:N0}{(c.ConntrackMax is { } m ? $" (allowance {m:N0}, exceeded {c.ConntrackAllowanceExceeded:N0} times)" : "")}"));
        if (c.OrphanFragments > 0)
        {
            o.WriteLine(string.Create(inv, $"Orphan fragments dropped: {c.OrphanFragments:N0}"));
        }

        o.WriteLine();
        o.WriteLine("Output:");
        foreach (var sink in sinks)
        {
            switch (sink)
            {
                case PlainFileSink:
                    o.WriteLine(string.Create(inv, $"  {Path.Combine(outDir, "flowlogs.log")}  ({s.FlowLog?.Records:N0} records, {s.FlowLog?.NoData:N0} NODATA, interval {s.FlowLog?.Interval} s)"));
                    break;
                case S3LayoutSink s3:
                    o.WriteLine(string.Create(inv, $"  {Path.Combine(outDir, "s3")}  ({s3.Files.Count} gzip files in the S3 layout)"));
                    break;
                case CloudWatchJsonlSink:
                    o.WriteLine($"  {Path.Combine(outDir, "cloudwatch")}  (one JSON-lines stream per ENI)");
                    break;
            }
        }

        o.WriteLine($"  {Path.Combine(outDir, "replay.json")}  (counters and rule hits for fwsim report)");
        if (verdicts is not null)
        {
            o.WriteLine(string.Create(inv, $"  verdicts: {verdicts.Lines:N0} lines"));
        }

        if (rejected is not null)
        {
            o.WriteLine(string.Create(inv, $"  {rejected.Path}  ({rejected.Written:N0} rejected packets)"));
        }
    }
}
