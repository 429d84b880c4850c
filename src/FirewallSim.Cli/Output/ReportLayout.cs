using System.Globalization;
using FirewallSim.Reports;

namespace FirewallSim.Cli.Output;

/// <summary>Lays a <see cref="FlowLogReport"/> out as headings and tables, for the text and Markdown formats.</summary>
internal static class ReportLayout
{
    /// <summary>Time-series rows shown in text/Markdown; JSON and HTML have every window.</summary>
    private const int MaxSeriesRows = 200;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static ReportDocument Build(FlowLogReport r)
    {
        var d = new ReportDocument();
        d.Heading(1, "Flow-log report");
        Overview(d, r);
        Enis(d, r);
        Talkers(d, r);
        Rejected(d, r);
        Sensitive(d, r);
        Series(d, r);
        if (r.Replay is { } replay)
        {
            Replay(d, replay);
        }
        else
        {
            d.Heading(2, "Rule hits");
            d.Paragraph("No replay.json: rule hit counters, never-hit and over-broad rules, reasons and conntrack use need the " +
                        "replay's own counters (give --replay-summary, or keep replay.json beside flowlogs.log).");
        }

        return d;
    }

    private static string N(long v) => v.ToString("N0", Inv);

    private static string Clock(string? iso) => iso is null ? "-" : iso.Length >= 19 ? iso[11..19] : iso;

    private static void Overview(ReportDocument d, FlowLogReport r)
    {
        var rec = r.Records;
        string span = r.Time.FirstStart is null ? "no timestamps" : $"{r.Time.FirstStart} to {r.Time.LastEnd}";
        d.Paragraph($"{N(rec.Total)} records from {r.Inputs.Count} file(s): {N(rec.Traffic)} traffic, {N(rec.NoData)} NODATA, " +
                    $"{N(rec.SkipData)} SKIPDATA; {span}.");
        if (r.Inputs.Count <= 5)
        {
            d.Items(r.Inputs.Select(i => $"{i.File}: {N(i.Records)} records ({i.Kind}{(i.Gzip ? ", gzip" : string.Empty)}" +
                                         $"{(i.SkippedLines > 0 ? $", {N(i.SkippedLines)} lines skipped" : string.Empty)})"));
        }

        if (r.Skipped.Lines > 0)
        {
            d.Paragraph($"Skipped {N(r.Skipped.Lines)} lines that are not records: " +
                        string.Join("; ", r.Skipped.First.Select(s => $"{s.Location} ({s.Reason})")) + (r.Skipped.Lines > r.Skipped.First.Count ? "; …" : "."));
        }

        var dir = r.Directions;
        d.Paragraph($"A flow is a distinct (ENI, direction, source, destination, ports, protocol) across all windows. " +
                    $"Direction: {N(dir.FromField)} flows from the flow-direction field, {N(dir.FromReplayAddresses)} from the ENI addresses in replay.json, " +
                    $"{N(dir.Inferred)} inferred from the address recurring in the ENI's records, {N(dir.Unresolved)} unresolved.");
    }

    private static void Enis(ReportDocument d, FlowLogReport r)
    {
        d.Heading(2, "Per ENI");
        var t = d.Table(new("ENI", MaxWidth: 24), new("direction"), new("accepted pkts", true), new("bytes", true), new("rejected pkts", true),
            new("bytes", true), new("flows", true), new("peers", true));
        foreach (var e in r.Enis)
        {
            foreach (var (name, x) in new[] { ("ingress", e.Ingress), ("egress", e.Egress), ("unresolved", e.Unresolved) })
            {
                if (x is null)
                {
                    continue;
                }

                t.Row(e.Id, name, N(x.Accept.Packets), N(x.Accept.Bytes), N(x.Reject.Packets), N(x.Reject.Bytes), N(x.Flows), N(x.Peers));
            }
        }

        var s = d.Table(new("ENI", MaxWidth: 24), new("records", true), new("flows", true), new("peers", true), new("NODATA", true), new("SKIPDATA", true));
        foreach (var e in r.Enis)
        {
            s.Row(e.Id, N(e.Records), N(e.Flows), N(e.Peers), N(e.NoDataRecords), N(e.SkipDataRecords));
        }
    }

    private static void Talkers(ReportDocument d, FlowLogReport r)
    {
        d.Heading(2, "Top talkers");
        d.Paragraph("Accepted and rejected traffic; each packet 5-tuple counts once even when two logged ENIs recorded it. " +
                    "Ports are the service side of a flow (the lower of its two ports).");
        foreach (var (family, f) in new[] { ("IPv4", r.TopTalkers.Ipv4), ("IPv6", r.TopTalkers.Ipv6) })
        {
            if (f.Sources.ByBytes.Count == 0)
            {
                d.Paragraph($"{family}: no traffic.");
                continue;
            }

            foreach (var (what, ranking) in new[] { ("sources", f.Sources), ("destinations", f.Destinations), ("pairs", f.Pairs), ("ports", f.Ports) })
            {
                d.Heading(3, $"{family} {what} by bytes");
                var t = d.Table(new("#", true), new(what == "pairs" ? "source -> destination" : what[..^1], MaxWidth: 64), new("bytes", true),
                    new("packets", true), new("flows", true));
                int i = 1;
                foreach (var x in ranking.ByBytes)
                {
                    t.Row((i++).ToString(Inv), x.Key, N(x.Bytes), N(x.Packets), N(x.Flows));
                }

                if (!ranking.ByPackets.Select(x => x.Key).SequenceEqual(ranking.ByBytes.Select(x => x.Key)))
                {
                    d.Paragraph("By packets: " + string.Join(", ", ranking.ByPackets.Select(x => $"{x.Key} ({N(x.Packets)})")) + ".");
                }
            }
        }
    }

    private static void Rejected(ReportDocument d, FlowLogReport r)
    {
        var rej = r.Rejected;
        d.Heading(2, "Rejected traffic");
        d.Paragraph($"{N(rej.Total.Packets)} packets, {N(rej.Total.Bytes)} bytes in {N(rej.Total.Records)} records ({N(rej.Total.Flows)} flows).");
        if (rej.Total.Records == 0)
        {
            return;
        }

        var t = d.Table(new("ENI", MaxWidth: 24), new("ingress pkts", true), new("bytes", true), new("egress pkts", true), new("bytes", true),
            new("records", true), new("flows", true));
        foreach (var e in rej.ByEni)
        {
            t.Row(e.Id, N(e.Ingress.Packets), N(e.Ingress.Bytes), N(e.Egress.Packets), N(e.Egress.Bytes),
                N(e.Ingress.Records + e.Egress.Records + e.Unresolved.Records), N(e.Ingress.Flows + e.Egress.Flows + e.Unresolved.Flows));
        }

        d.Heading(3, "Rejected by source");
        var s = d.Table(new("source", MaxWidth: 40), new("packets", true), new("bytes", true), new("flows", true));
        foreach (var x in rej.BySource)
        {
            s.Row(x.Key, N(x.Packets), N(x.Bytes), N(x.Flows));
        }

        d.Heading(3, "Rejected by destination port");
        var p = d.Table(new("port"), new("packets", true), new("bytes", true), new("flows", true));
        foreach (var x in rej.ByDestinationPort)
        {
            p.Row(x.Key, N(x.Packets), N(x.Bytes), N(x.Flows));
        }
    }

    private static void Sensitive(ReportDocument d, FlowLogReport r)
    {
        d.Heading(2, "SSH, RDP, database and admin ports");
        if (r.SensitivePorts.Count == 0)
        {
            d.Paragraph("No ingress traffic to remote-access, database or admin ports.");
            return;
        }

        d.Paragraph("Ingress records whose destination port is a remote-access, database or admin service (the list fwsim lint uses).");
        var t = d.Table(new("service"), new("category"), new("port"), new("accepted pkts", true), new("rejected pkts", true), new("sources", true));
        foreach (var s in r.SensitivePorts)
        {
            t.Row(s.Service, s.Category, $"{s.Protocol}/{s.Ports}", N(s.Accepted.Packets), N(s.Rejected.Packets), N(s.Sources));
        }

        var src = d.Table(new("service"), new("source", MaxWidth: 40), new("ENI", MaxWidth: 24), new("accepted", true), new("rejected", true),
            new("first"), new("last"));
        foreach (var s in r.SensitivePorts)
        {
            foreach (var x in s.TopSources)
            {
                src.Row(s.Service, x.Address, x.Eni, N(x.AcceptedPackets), N(x.RejectedPackets), Clock(x.FirstSeen), Clock(x.LastSeen));
            }
        }
    }

    private static void Series(ReportDocument d, FlowLogReport r)
    {
        var ts = r.TimeSeries;
        d.Heading(2, string.Create(Inv, $"Accepted and rejected per ENI per {ts.WindowSeconds} s window"));
        if (ts.WindowStarts.Count == 0)
        {
            d.Paragraph("No traffic records with a start time.");
            return;
        }

        var t = d.Table(new("window (UTC)"), new("ENI", MaxWidth: 24), new("accepted pkts", true), new("bytes", true), new("rejected pkts", true), new("bytes", true));
        int rows = 0, hidden = 0;
        for (int i = 0; i < ts.WindowStarts.Count; i++)
        {
            foreach (var e in ts.Enis)
            {
                if (e.AcceptPackets[i] == 0 && e.RejectPackets[i] == 0 && e.AcceptBytes[i] == 0 && e.RejectBytes[i] == 0)
                {
                    continue;
                }

                if (rows++ >= MaxSeriesRows)
                {
                    hidden++;
                    continue;
                }

                string w = ReportTime.Iso(ts.WindowStarts[i]);
                t.Row(w[..10] + " " + w[11..19], e.Id, N(e.AcceptPackets[i]), N(e.AcceptBytes[i]), N(e.RejectPackets[i]), N(e.RejectBytes[i]));
            }
        }

        if (hidden > 0)
        {
            d.Paragraph($"… {N(hidden)} more rows: see --format json or html.");
        }
    }

    private static void Replay(ReportDocument d, ReplayRulesReport x)
    {
        d.Heading(2, "Security-group rule hits");
        d.Paragraph($"From {x.File}. Matched: packets a rule decided; tracked: packets admitted by the connection it opened; " +
                    "flows: connections or untracked flows it admitted.");
        foreach (var g in x.SecurityGroupRules.GroupBy(r => r.Group))
        {
            var first = g.First();
            d.Heading(3, first.GroupName is { } name ? $"{g.Key} ({name}){(first.Attached ? string.Empty : ", not attached")}" : g.Key);
            var t = d.Table(new("dir"), new("#", true), new("rule", MaxWidth: 40), new("matched", true), new("tracked", true), new("flows", true),
                new("first"), new("last"));
            foreach (var r in g)
            {
                t.Row(r.Direction == "inbound" ? "in" : "out", r.Index.ToString(Inv), ReplayRulesAnalysis.RuleText(r.Ports, r.Direction, r.PeerKind, r.Peer),
                    N(r.MatchedPackets), N(r.TrackedPackets), N(r.Flows), Clock(r.FirstHit), Clock(r.LastHit));
            }
        }

        d.Heading(2, "Network ACL entry hits");
        var n = d.Table(new("ACL", MaxWidth: 22), new("rule"), new("action"), new("proto"), new("CIDR", MaxWidth: 20), new("ports", MaxWidth: 10),
            new("pkts", true), new("first"), new("last"));
        foreach (var e in x.NaclEntries)
        {
            n.Row(e.Acl, (e.Direction == "inbound" ? "in " : "out ") + e.RuleNumber, e.Action, e.Protocol, e.Cidr, e.Ports ?? "-", N(e.Packets),
                Clock(e.FirstHit), Clock(e.LastHit));
        }

        d.Heading(2, "Never-hit rules");
        var never = x.NeverHit;
        if (never.SecurityGroupRules.Count + never.NaclEntries.Count == 0)
        {
            d.Paragraph("Every rule and NACL entry was hit.");
        }
        else
        {
            d.Items(never.SecurityGroupRules.Select(r => $"{r.Group} {r.Direction}[{r.Index}] " +
                                                         $"{ReplayRulesAnalysis.RuleText(r.Ports, r.Direction, r.PeerKind, r.Peer)}" +
                                                         $"{(r.Attached ? string.Empty : " (group not attached to any ENI)")}")
                .Concat(never.NaclEntries.Select(e => $"{e.Acl} {e.Direction} rule {e.RuleNumber} {e.Action} {e.Protocol} {e.Cidr}" +
                                                      $"{(e.Ports is null ? string.Empty : " " + e.Ports)}")));
        }

        if (never.DefaultNaclEntriesNotListed > 0)
        {
            d.Paragraph($"({never.DefaultNaclEntriesNotListed} default '*' NACL entries not hit are not listed.)");
        }

        d.Heading(2, "Over-broad rules");
        if (x.OverBroad.Count == 0)
        {
            d.Paragraph("None: no rule allows a wide port range or a large CIDR of which the traffic used only a small part.");
        }
        else
        {
            d.Paragraph("Rules allowing a wide port range or a large CIDR of which the observed traffic used only a small part " +
                        "(a public service open to 0.0.0.0/0 on purpose shows here too: judge by what was used).");
            d.Items(x.OverBroad.Select(o => $"{o.Group} {o.Direction}[{o.Index}] {o.Summary} ({string.Join("; ", o.Broad)})"));
        }

        d.Heading(2, "Verdict reasons, exemptions, connection tracking");
        var reasons = d.Table(new("reason"), new("packets", true));
        foreach (var (k, v) in x.Reasons)
        {
            reasons.Row(k, N(v));
        }

        var exempt = x.Exempt.Where(e => e.Value > 0).Select(e => $"{e.Key} {N(e.Value)}").ToList();
        d.Paragraph($"Exempt (never filtered or logged): {N(x.ExemptTotal)}{(exempt.Count > 0 ? " (" + string.Join(", ", exempt) + ")" : string.Empty)}.");
        var c = x.Conntrack;
        d.Paragraph(c.Allowance is { } max
            ? $"Peak tracked connections: {N(c.PeakTrackedConnections)} of an allowance of {N(max)} ({c.PeakUsePercent?.ToString("0.0", Inv)} %); " +
              $"allowance exceeded {N(c.AllowanceExceeded)} times."
            : $"Peak tracked connections: {N(c.PeakTrackedConnections)} (no allowance set: --conntrack-max).");
    }
}
