using System.Globalization;
using System.Text.Json;
using FirewallSim.Config;

namespace FirewallSim.Reports.Suggest;

/// <summary>The suggestion for people (text) and for tools (an analysis JSON document beside the outputs).</summary>
public static class SuggestReportWriter
{
    public static void WriteText(TextWriter w, Suggestion s)
    {
        var st = s.Stats;
        w.WriteLine($"fwsim suggest: least-privilege security groups from {N(st.Packets)} packets ({Count(st.Captures, "capture")}), " +
                    (s.Options.AllAttempted ? "accepted traffic and rejected attempts (--all-attempted)" : "accepted traffic (--accepted-only)"));
        w.WriteLine($"Configuration: {string.Join(" ", s.ConfigArguments)}");
        int narrowed = s.Groups.Sum(g => g.Assessments.Count(a => a.Fate == RuleFate.Narrow));
        int removed = s.Groups.Sum(g => g.Assessments.Count(a => a.Fate == RuleFate.Remove));
        int kept = s.Groups.Sum(g => g.Assessments.Count(a => a.Fate == RuleFate.Keep));
        int added = s.Groups.Sum(g => g.Rules.Count(r => r.Origin == RuleOrigin.Added));
        w.WriteLine($"Current rules: {N(kept)} kept, {N(narrowed)} narrowed, {N(removed)} not needed; {N(added)} rules added.");

        foreach (var g in s.Groups)
        {
            w.WriteLine();
            w.WriteLine($"{g.Current.Id}{(g.Current.Name is null ? "" : " (" + g.Current.Name + ")")} on {string.Join(", ", g.Members)}{(g.Changed ? "" : ": no change")}");
            if (g.Assessments.Count > 0)
            {
                w.WriteLine("  current rules");
                foreach (var a in g.Assessments)
                {
                    string where = (a.Current.Egress ? "outbound" : "inbound") + "[" + a.Current.Index.ToString(CultureInfo.InvariantCulture) + "]";
                    w.WriteLine($"    {FateText(a.Fate),-7} {where,-12} {Shape(a.Current),-44} {a.Reason}");
                    if (a.Fate == RuleFate.Narrow)
                    {
                        foreach (var r in a.Replacement)
                        {
                            w.WriteLine($"            -> {Shape(r)}");
                        }
                    }
                }
            }

            if (g.Changed)
            {
                w.WriteLine($"  suggested rules ({g.Suggested.Inbound.Count} inbound, {g.Suggested.Outbound.Count} outbound)");
                foreach (var r in g.Rules)
                {
                    var e = r.Evidence;
                    w.WriteLine($"    {Shape(r.Rule),-52} {OriginText(r.Origin),-8} {Count(e.Packets, "packet")}, {Count(e.Peers, "peer")}");
                }

                if (g.Rules.Count == 0)
                {
                    w.WriteLine("    (none: nothing observed needs this group's rules)");
                }
            }
        }

        if (s.Notes.Count > 0)
        {
            w.WriteLine();
            w.WriteLine("Notes:");
            foreach (string n in s.Notes)
            {
                w.WriteLine("  - " + n);
            }
        }

        if (s.Verification is { } v)
        {
            var d = v.Report.Summary;
            w.WriteLine();
            w.WriteLine($"Verification ({Count(v.Rounds, "round")}): the captures replayed against the current groups and the suggested ones side by side, packet by packet:");
            w.WriteLine(v.Holds
                ? $"  every packet accepted now is accepted with the suggestion ({N(d.PacketsCompared)} packets, {N(d.Flows)} flows)."
                : $"  {Count(d.BrokenFlows, "flow")} ({Count(d.BrokenPackets, "packet")}) accepted now would be refused:");
            foreach (var f in v.Report.Broken)
            {
                w.WriteLine($"    {f.Flow}: {f.Broken!.B.Text}");
            }

            w.WriteLine($"  would open: {Count(d.OpenedFlows, "flow")}; tracking changes: {Count(d.TrackingChanges, "flow")}; peak tracked connections {N(d.PeakTrackedA)} -> {N(d.PeakTrackedB)}.");
        }
    }

    /// <summary>The analysis: every current rule's fate, every suggested rule with its evidence, notes and the verification.</summary>
    public static void WriteJson(Stream stream, Suggestion s)
    {
        using var j = new Utf8JsonWriter(stream, SecurityGroupJson.WriterOptions);
        j.WriteStartObject();
        j.WriteStartObject("summary");
        j.WriteNumber("packets", s.Stats.Packets);
        j.WriteNumber("captures", s.Stats.Captures);
        j.WriteString("traffic", s.Options.AllAttempted ? "all-attempted" : "accepted-only");
        j.WriteNumber("groups", s.Groups.Count);
        j.WriteNumber("changed_groups", s.Groups.Count(g => g.Changed));
        j.WriteNumber("rules_kept", s.Groups.Sum(g => g.Assessments.Count(a => a.Fate == RuleFate.Keep)));
        j.WriteNumber("rules_narrowed", s.Groups.Sum(g => g.Assessments.Count(a => a.Fate == RuleFate.Narrow)));
        j.WriteNumber("rules_removed", s.Groups.Sum(g => g.Assessments.Count(a => a.Fate == RuleFate.Remove)));
        j.WriteNumber("rules_added", s.Groups.Sum(g => g.Rules.Count(r => r.Origin == RuleOrigin.Added)));
        j.WriteNumber("untracked_flows", s.Stats.UntrackedFlows);
        j.WriteNumber("untracked_response_packets", s.Stats.UntrackedResponsePackets);
        j.WriteBoolean("partial", s.Stats.Partial);
        j.WriteEndObject();

        j.WriteStartObject("options");
        j.WriteBoolean("all_attempted", s.Options.AllAttempted);
        j.WriteNumber("max_cidrs", s.Options.MaxCidrs);
        j.WriteNumber("min_prefix_v4", s.Options.MinPrefixV4);
        j.WriteNumber("min_prefix_v6", s.Options.MinPrefixV6);
        j.WriteNumber("max_port_ranges", s.Options.MaxPortRanges);
        j.WriteNumber("port_gap", s.Options.PortGap);
        j.WriteBoolean("keep_open_peers", s.Options.KeepOpenPeers);
        j.WriteBoolean("group_references", s.Options.GroupReferences);
        j.WriteEndObject();

        j.WriteStartArray("groups");
        foreach (var g in s.Groups)
        {
            j.WriteStartObject();
            j.WriteString("group_id", g.Current.Id);
            j.WriteString("name", g.Current.Name);
            j.WriteBoolean("changed", g.Changed);
            j.WriteStartArray("members");
            foreach (string m in g.Members)
            {
                j.WriteStringValue(m);
            }

            j.WriteEndArray();
            j.WriteStartArray("current_rules");
            foreach (var a in g.Assessments)
            {
                j.WriteStartObject();
                j.WriteString("direction", a.Current.Egress ? "outbound" : "inbound");
                j.WriteNumber("index", a.Current.Index);
                if (a.Current.RuleId is not null)
                {
                    j.WriteString("security_group_rule_id", a.Current.RuleId);
                }

                j.WriteString("rule", Shape(a.Current));
                j.WriteString("fate", FateText(a.Fate).ToLowerInvariant());
                j.WriteString("reason", a.Reason);
                j.WriteNumber("hit_packets", a.HitPackets);
                j.WriteNumber("hit_flows", a.HitFlows);
                j.WriteNumber("untracked_response_packets", a.UntrackedResponsePackets);
                j.WriteStartArray("replacement");
                foreach (var r in a.Replacement)
                {
                    j.WriteStringValue(Shape(r));
                }

                j.WriteEndArray();
                j.WriteEndObject();
            }

            j.WriteEndArray();
            j.WriteStartArray("suggested_rules");
            foreach (var r in g.Rules)
            {
                j.WriteStartObject();
                j.WriteString("direction", r.Rule.Egress ? "outbound" : "inbound");
                j.WriteNumber("index", r.Rule.Index);
                j.WriteString("rule", Shape(r.Rule));
                j.WriteString("origin", OriginText(r.Origin));
                j.WriteNumber("packets", r.Evidence.Packets);
                j.WriteNumber("bytes", r.Evidence.Bytes);
                j.WriteNumber("peers", r.Evidence.Peers);
                j.WriteNumber("keys", r.Evidence.Keys);
                j.WriteStartArray("enis");
                foreach (string e in r.Evidence.Enis)
                {
                    j.WriteStringValue(e);
                }

                j.WriteEndArray();
                j.WriteStartArray("replaces");
                foreach (var c in r.Replaces)
                {
                    j.WriteStringValue((c.Egress ? "outbound" : "inbound") + "[" + c.Index.ToString(CultureInfo.InvariantCulture) + "] " + Shape(c));
                }

                j.WriteEndArray();
                j.WriteEndObject();
            }

            j.WriteEndArray();
            j.WriteEndObject();
        }

        j.WriteEndArray();
        j.WriteStartArray("unattached_groups");
        foreach (var g in s.Unattached)
        {
            j.WriteStringValue(g.Id);
        }

        j.WriteEndArray();
        j.WriteStartArray("notes");
        foreach (string n in s.Notes)
        {
            j.WriteStringValue(n);
        }

        j.WriteEndArray();
        if (s.Verification is { } v)
        {
            var d = v.Report.Summary;
            j.WriteStartObject("verification");
            j.WriteNumber("rounds", v.Rounds);
            j.WriteBoolean("holds", v.Holds);
            j.WriteNumber("packets_compared", d.PacketsCompared);
            j.WriteNumber("flows", d.Flows);
            j.WriteNumber("broken_flows", d.BrokenFlows);
            j.WriteNumber("broken_packets", d.BrokenPackets);
            j.WriteNumber("opened_flows", d.OpenedFlows);
            j.WriteNumber("opened_packets", d.OpenedPackets);
            j.WriteNumber("tracking_changes", d.TrackingChanges);
            j.WriteNumber("peak_tracked_now", d.PeakTrackedA);
            j.WriteNumber("peak_tracked_suggested", d.PeakTrackedB);
            j.WriteNumber("unfixable_packets", v.Unfixable);
            j.WriteStartArray("broken");
            foreach (var f in v.Report.Broken)
            {
                j.WriteStringValue(f.Flow + ": " + f.Broken!.B.Text);
            }

            j.WriteEndArray();
            j.WriteEndObject();
        }

        j.WriteEndObject();
    }

    /// <summary>"inbound tcp 443 from 198.51.100.7/32" (the rule without group and index).</summary>
    public static string Shape(SecurityGroupRule r) => RuleShape.Of(r).ToString();

    private static string FateText(RuleFate f) => f switch
    {
        RuleFate.Keep => "KEEP",
        RuleFate.Narrow => "NARROW",
        _ => "REMOVE",
    };

    private static string OriginText(RuleOrigin o) => o switch
    {
        RuleOrigin.Kept => "kept",
        RuleOrigin.Narrowed => "narrowed",
        _ => "added",
    };

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string Count(long n, string noun) => N(n) + " " + noun + (n == 1 ? "" : "s");
}
