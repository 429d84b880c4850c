using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace FirewallSim.Reports.Diff;

/// <summary>Writes a <see cref="DiffReport"/> as terminal text, Markdown (for a pull-request comment) or JSON.</summary>
public static class DiffReportWriter
{
    public static void WriteText(TextWriter w, DiffReport r)
    {
        var s = r.Summary;
        w.WriteLine($"fwsim diff: {N(s.PacketsReplayed)} packets from {r.Inputs.Count} capture(s)");
        w.WriteLine($"  A (current):  {Configs(r.Options.ConfigA)}");
        w.WriteLine($"  B (proposed): {Configs(r.Options.ConfigB)}");
        w.WriteLine($"Compared {N(s.PacketsCompared)} evaluated packets in {N(s.Flows)} flows (flow = ENI, direction, protocol, addresses, ports, over the whole capture).");
        w.WriteLine();

        w.WriteLine(s.BrokenFlows == 0
            ? "WOULD BREAK: nothing"
            : $"WOULD BREAK: {Flows(s.BrokenFlows)}, {Count(s.BrokenPackets, "packet")}, {Count(s.BrokenBytes, "byte")} accepted under A are not accepted under B");
        foreach (var f in r.Broken)
        {
            WriteChange(w, f, f.Broken!);
        }

        w.WriteLine();
        w.WriteLine(s.OpenedFlows == 0
            ? "WOULD OPEN: nothing"
            : $"WOULD OPEN: {Flows(s.OpenedFlows)}, {Count(s.OpenedPackets, "packet")}, {Count(s.OpenedBytes, "byte")} not accepted under A are accepted under B");
        foreach (var f in r.Opened)
        {
            WriteChange(w, f, f.Opened!);
        }

        w.WriteLine();
        if (r.TrackingChanges.Count == 0)
        {
            w.WriteLine("TRACKING CHANGES: none");
        }
        else
        {
            w.WriteLine($"TRACKING CHANGES: {Flows(r.TrackingChanges.Count)} accepted on both sides change between tracked and untracked.");
            w.WriteLine("  Untracked flows are cut at once when their rule is later removed; tracked ones survive until idle (spec 3.4).");
            w.WriteLine("  Tracked flows count against the instance's conntrack allowance.");
            foreach (var t in r.TrackingChanges)
            {
                w.WriteLine($"  {t.Flow}");
                w.WriteLine($"      A {t.A,-10} {t.DecisionA.Text}");
                w.WriteLine($"      B {t.B,-10} {t.DecisionB.Text}");
            }
        }

        w.WriteLine($"Peak tracked connections: A {N(s.PeakTrackedA)}, B {N(s.PeakTrackedB)}.");
        if (r.EnisOnlyInA.Count > 0)
        {
            w.WriteLine($"ENIs only in A: {string.Join(", ", r.EnisOnlyInA)}");
        }

        if (r.EnisOnlyInB.Count > 0)
        {
            w.WriteLine($"ENIs only in B: {string.Join(", ", r.EnisOnlyInB)}");
        }

        if (r.OneSided.Count > 0)
        {
            w.WriteLine($"Evaluated on one side only (not compared): {Flows(r.OneSided.Count)}");
            foreach (var o in r.OneSided)
            {
                w.WriteLine($"  {o.Side} only  {o.Action,-6} {N(o.Packets)} pkts  {o.Flow}");
            }
        }

        w.WriteLine();
        w.WriteLine(s.WouldBreak
            ? $"Result: {Flows(s.BrokenFlows)} would break."
            : s.OpenedFlows > 0 ? $"Result: nothing would break; {Flows(s.OpenedFlows)} would open." : "Result: no observed flow changes its action.");
    }

    public static void WriteMarkdown(TextWriter w, DiffReport r)
    {
        var s = r.Summary;
        w.WriteLine(s.WouldBreak ? "## fwsim diff: :x: " + Flows(s.BrokenFlows) + " would break" : "## fwsim diff: :white_check_mark: nothing would break");
        w.WriteLine();
        w.WriteLine("| | |");
        w.WriteLine("| --- | --- |");
        w.WriteLine($"| A (current) | {Cell(Configs(r.Options.ConfigA), code: true)} |");
        w.WriteLine($"| B (proposed) | {Cell(Configs(r.Options.ConfigB), code: true)} |");
        w.WriteLine($"| Captures | {Cell(string.Join(", ", r.Inputs.Select(Path.GetFileName)), code: true)} |");
        w.WriteLine($"| Packets compared | {N(s.PacketsCompared)} in {N(s.Flows)} flows |");
        w.WriteLine($"| Would break | {Flows(s.BrokenFlows)}, {Count(s.BrokenPackets, "packet")}, {Count(s.BrokenBytes, "byte")} |");
        w.WriteLine($"| Would open | {Flows(s.OpenedFlows)}, {Count(s.OpenedPackets, "packet")}, {Count(s.OpenedBytes, "byte")} |");
        w.WriteLine($"| Tracking changes | {Flows(s.TrackingChanges)} |");
        w.WriteLine($"| Peak tracked connections | A {N(s.PeakTrackedA)}, B {N(s.PeakTrackedB)} |");
        ChangeTable(w, "Would break", r.Broken, f => f.Broken!);
        ChangeTable(w, "Would open", r.Opened, f => f.Opened!);
        if (r.TrackingChanges.Count > 0)
        {
            w.WriteLine();
            w.WriteLine($"### Tracking changes ({r.TrackingChanges.Count})");
            w.WriteLine();
            w.WriteLine("| Flow | A | B |");
            w.WriteLine("| --- | --- | --- |");
            foreach (var t in r.TrackingChanges)
            {
                w.WriteLine($"| {Cell(t.Flow.ToString(), code: true)} | {t.A}: {Cell(t.DecisionA.Text)} | {t.B}: {Cell(t.DecisionB.Text)} |");
            }
        }
    }

    public static void WriteJson(Stream stream, DiffReport r)
    {
        using var j = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        var s = r.Summary;
        j.WriteStartObject();
        j.WriteStartObject("summary");
        j.WriteBoolean("would_break", s.WouldBreak);
        j.WriteNumber("packets_replayed", s.PacketsReplayed);
        j.WriteNumber("packets_compared", s.PacketsCompared);
        j.WriteNumber("flows", s.Flows);
        j.WriteNumber("changed_flows", s.ChangedFlows);
        j.WriteNumber("broken_flows", s.BrokenFlows);
        j.WriteNumber("broken_packets", s.BrokenPackets);
        j.WriteNumber("broken_bytes", s.BrokenBytes);
        j.WriteNumber("broken_distinct_packets", s.BrokenDistinctPackets);
        j.WriteNumber("opened_flows", s.OpenedFlows);
        j.WriteNumber("opened_packets", s.OpenedPackets);
        j.WriteNumber("opened_bytes", s.OpenedBytes);
        j.WriteNumber("opened_distinct_packets", s.OpenedDistinctPackets);
        j.WriteNumber("tracking_changes", s.TrackingChanges);
        j.WriteNumber("one_sided_flows", s.OneSidedFlows);
        j.WriteNumber("peak_tracked_a", s.PeakTrackedA);
        j.WriteNumber("peak_tracked_b", s.PeakTrackedB);
        j.WriteBoolean("partial", s.Partial);
        j.WriteEndObject();
        Strings(j, "config_a", r.Options.ConfigA);
        Strings(j, "config_b", r.Options.ConfigB);
        Strings(j, "captures", r.Inputs);
        Strings(j, "enis_only_in_a", r.EnisOnlyInA);
        Strings(j, "enis_only_in_b", r.EnisOnlyInB);
        j.WriteStartArray("would_break");
        foreach (var f in r.Broken)
        {
            Change(j, f, f.Broken!);
        }

        j.WriteEndArray();
        j.WriteStartArray("would_open");
        foreach (var f in r.Opened)
        {
            Change(j, f, f.Opened!);
        }

        j.WriteEndArray();
        j.WriteStartArray("tracking_changes");
        foreach (var t in r.TrackingChanges)
        {
            j.WriteStartObject();
            Flow(j, t.Flow);
            j.WriteString("tracking_a", t.A);
            j.WriteString("tracking_b", t.B);
            DecisionJson(j, "decision_a", t.DecisionA);
            DecisionJson(j, "decision_b", t.DecisionB);
            j.WriteEndObject();
        }

        j.WriteEndArray();
        j.WriteStartArray("one_sided");
        foreach (var o in r.OneSided)
        {
            j.WriteStartObject();
            Flow(j, o.Flow);
            j.WriteString("side", o.Side);
            j.WriteString("action", o.Action);
            j.WriteNumber("packets", o.Packets);
            j.WriteNumber("bytes", o.Bytes);
            j.WriteEndObject();
        }

        j.WriteEndArray();
        j.WriteEndObject();
    }

    private static void WriteChange(TextWriter w, FlowChange f, ChangeDetail d)
    {
        w.WriteLine($"  {f.Flow}");
        w.WriteLine($"      {N(d.Packets)} of {Count(f.A.Packets, "packet")}, {N(d.Bytes)} of {Count(f.A.Bytes, "byte")} (A: {Side(f.A)}; B: {Side(f.B)})");
        w.WriteLine($"      A  {d.A.Action,-8}  {d.A.Text}  (frame {N(d.A.Frame)})");
        w.WriteLine($"      B  {d.B.Action,-8}  {d.B.Text}");
    }

    private static void ChangeTable(TextWriter w, string title, IReadOnlyList<FlowChange> flows, Func<FlowChange, ChangeDetail> detail)
    {
        w.WriteLine();
        w.WriteLine($"### {title} ({flows.Count})");
        if (flows.Count == 0)
        {
            return;
        }

        w.WriteLine();
        w.WriteLine("| Flow | Packets changed | Bytes changed | A | B |");
        w.WriteLine("| --- | ---: | ---: | --- | --- |");
        foreach (var f in flows)
        {
            var d = detail(f);
            w.WriteLine($"| {Cell(f.Flow.ToString(), code: true)} | {N(d.Packets)} of {N(f.A.Packets)} | {N(d.Bytes)} of {N(f.A.Bytes)} | {d.A.Action}: {Cell(d.A.Text)} | {d.B.Action}: {Cell(d.B.Text)} |");
        }
    }

    private static void Change(Utf8JsonWriter j, FlowChange f, ChangeDetail d)
    {
        j.WriteStartObject();
        Flow(j, f.Flow);
        j.WriteNumber("changed_packets", d.Packets);
        j.WriteNumber("changed_bytes", d.Bytes);
        j.WriteNumber("first_ns", f.FirstNs);
        j.WriteNumber("last_ns", f.LastNs);
        SideJson(j, "a", f.A);
        SideJson(j, "b", f.B);
        DecisionJson(j, "decision_a", d.A);
        DecisionJson(j, "decision_b", d.B);
        j.WriteEndObject();
    }

    private static void Flow(Utf8JsonWriter j, FlowText f)
    {
        j.WriteString("eni", f.Eni);
        j.WriteString("direction", f.Direction);
        j.WriteString("protocol", f.Protocol);
        j.WriteString("src", f.Src);
        j.WriteString("dst", f.Dst);
        j.WriteNumber("src_port", f.SrcPort);
        j.WriteNumber("dst_port", f.DstPort);
    }

    private static void SideJson(Utf8JsonWriter j, string name, SideCounts c)
    {
        j.WriteStartObject(name);
        j.WriteNumber("accepted_packets", c.AcceptedPackets);
        j.WriteNumber("accepted_bytes", c.AcceptedBytes);
        j.WriteNumber("rejected_packets", c.RejectedPackets);
        j.WriteNumber("rejected_bytes", c.RejectedBytes);
        j.WriteNumber("dropped_packets", c.DroppedPackets);
        j.WriteNumber("dropped_bytes", c.DroppedBytes);
        j.WriteNumber("not_sent_packets", c.NotSentPackets);
        j.WriteNumber("not_sent_bytes", c.NotSentBytes);
        j.WriteString("tracking", c.Tracking);
        j.WriteEndObject();
    }

    private static void DecisionJson(Utf8JsonWriter j, string name, DecisionInfo d)
    {
        j.WriteStartObject(name);
        j.WriteString("action", d.Action);
        j.WriteString("reason", d.Reason);
        j.WriteString("tracking", d.Tracking);
        j.WriteNumber("frame", d.Frame);
        j.WriteString("text", d.Text);
        if (d.GroupId is not null)
        {
            j.WriteString("group", d.GroupId);
            j.WriteString("rule_direction", d.RuleDirection);
            j.WriteNumber("rule_index", d.RuleIndex ?? -1);
            if (d.SecurityGroupRuleId is not null)
            {
                j.WriteString("security_group_rule_id", d.SecurityGroupRuleId);
            }

            j.WriteString("rule", d.Rule);
        }

        if (d.NaclId is not null)
        {
            j.WriteString("nacl", d.NaclId);
            j.WriteString("nacl_entry", d.NaclEntry);
        }

        j.WriteEndObject();
    }

    private static void Strings(Utf8JsonWriter j, string name, IEnumerable<string> values)
    {
        j.WriteStartArray(name);
        foreach (string v in values)
        {
            j.WriteStringValue(v);
        }

        j.WriteEndArray();
    }

    private static string Side(SideCounts c)
    {
        var parts = new List<string>();
        if (c.AcceptedPackets > 0)
        {
            parts.Add($"{N(c.AcceptedPackets)} accepted");
        }

        if (c.RejectedPackets > 0)
        {
            parts.Add($"{N(c.RejectedPackets)} rejected");
        }

        if (c.DroppedPackets > 0)
        {
            parts.Add($"{N(c.DroppedPackets)} dropped");
        }

        if (c.NotSentPackets > 0)
        {
            parts.Add($"{N(c.NotSentPackets)} never sent");
        }

        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }

    private static string Configs(IReadOnlyList<string> configs) => configs.Count == 0 ? "-" : string.Join(" ", configs);

    private static string Flows(int n) => Count(n, "flow");

    private static string Count(long n, string noun) => N(n) + " " + noun + (n == 1 ? "" : "s");

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string Cell(string text, bool code = false)
    {
        string t = text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
        return code ? "`" + t.Replace("`", "'", StringComparison.Ordinal) + "`" : t;
    }
}
