using System.Globalization;
using FirewallSim.Net;
using FirewallSim.Replay;

namespace FirewallSim.Reports;

/// <summary>
/// The part of the report that needs the replay's own counters (replay.json): hits of every security-group
/// rule and NACL entry, rules never hit, over-broad rules with what their traffic actually used, reasons,
/// exemptions and connection-tracking use.
/// </summary>
public static class ReplayRulesAnalysis
{
    /// <summary>Keys of a rule's usage listed by name before the rest is summarised as a count.</summary>
    private const int KeysListed = 5;

    /// <summary>At most this many distinct peers counts as "a small part" of a large CIDR, whatever their spread.</summary>
    private const int FewPeers = 16;

    public static ReplayRulesReport Build(ReplaySummary s, string file, ReportOptions options)
    {
        var rules = s.SecurityGroupRules.Select(r => new RuleHitReport(
            r.Id, r.Group, r.GroupName, r.Direction, r.Index, r.RuleId, r.Protocol, r.Ports, r.PeerKind, r.Peer, r.Description, r.Attached,
            r.MatchedPackets, r.TrackedPackets, r.Flows,
            r.FirstHitNs is { } f ? ReportTime.IsoNs(f) : null, r.LastHitNs is { } l ? ReportTime.IsoNs(l) : null,
            r.Usage is { } u ? Used(r, u) : null)).ToList();
        var nacls = s.NaclEntries.Select(e => new NaclHitReport(e.Id, e.Acl, e.Direction, e.RuleNumber, e.Action, e.Protocol, e.Cidr, e.Ports, e.Packets,
            e.FirstHitNs is { } f ? ReportTime.IsoNs(f) : null, e.LastHitNs is { } l ? ReportTime.IsoNs(l) : null)).ToList();

        var neverRules = rules.Where(r => r.MatchedPackets + r.TrackedPackets == 0).ToList();
        var neverNacl = nacls.Where(e => e.Packets == 0 && e.RuleNumber != "*").ToList();
        int defaults = nacls.Count(e => e.Packets == 0 && e.RuleNumber == "*");

        var broad = new List<OverBroadRule>();
        foreach (var r in s.SecurityGroupRules)
        {
            if (r.Usage is { } u && OverBroad(r, u, options) is { } o)
            {
                broad.Add(o);
            }
        }

        var c = s.Counts;
        double? use = c.ConntrackMax is > 0 and { } max ? Math.Round(100.0 * c.PeakTrackedConnections / max, 1) : null;
        return new ReplayRulesReport(
            file,
            s.FlowLog?.Interval,
            s.Reasons,
            c.Exempt,
            s.Exempt,
            new ConntrackReport(c.PeakTrackedConnections, c.ConntrackMax, use, c.ConntrackAllowanceExceeded),
            rules,
            nacls,
            new NeverHitReport(neverRules, neverNacl, defaults),
            broad);
    }

    /// <summary>"tcp 443 from 0.0.0.0/0", "all to sg-0app…".</summary>
    public static string RuleText(string ports, string direction, string peerKind, string peer) =>
        $"{ports} {(direction == "outbound" ? "to" : "from")} {ShortPeer(peerKind, peer)}";

    /// <summary>A group reference without its account prefix (111122223333/sg-… → sg-…).</summary>
    public static string ShortPeer(string peerKind, string peer) =>
        peerKind == "securitygroup" && peer.IndexOf('/', StringComparison.Ordinal) is int slash and > 0 ? peer[(slash + 1)..] : peer;

    private static OverBroadRule? OverBroad(SgRuleSummary r, RuleUsageSummary u, ReportOptions options)
    {
        var why = new List<string>();
        long span = r.Protocol == "all" ? 65536
            : r.Protocol is "tcp" or "udp" ? (r.FromPort < 0 ? 65536 : (long)r.ToPort - r.FromPort + 1)
            : 0;
        if (span >= options.BroadPorts && u.DistinctKeys * 10L <= span)
        {
            why.Add(string.Create(CultureInfo.InvariantCulture, $"{span} ports allowed, {u.DistinctKeys} used"));
        }

        if (r.PeerKind == "cidr" && IpPrefix.TryParse(r.Peer, out var cidr, out _)
            && cidr.Length <= (cidr.IsV4 ? options.BroadPrefixV4 : options.BroadPrefixV4 + 32) && !u.PeersOverflowed)
        {
            int narrower = u.PeerCover is { } text && IpPrefix.TryParse(text, out var cover, out _) && cover.IsV4 == cidr.IsV4 ? cover.Length - cidr.Length : 0;
            if (u.DistinctPeers <= FewPeers || narrower >= 8)
            {
                why.Add(string.Create(CultureInfo.InvariantCulture, $"{r.Peer} allowed, {u.DistinctPeers} {(u.DistinctPeers == 1 ? "peer" : "peers")} used"));
            }
        }

        if (why.Count == 0)
        {
            return null;
        }

        string rule = RuleText(r.Ports, r.Direction, r.PeerKind, r.Peer);
        string used = Used(r, u);
        return new OverBroadRule(r.Id, r.Group, r.Direction, r.Index, rule, why, used, $"{rule}: only {used}");
    }

    /// <summary>What a rule's traffic used: "443 and 8443 from 3 peers within 198.51.100.0/24".</summary>
    public static string Used(SgRuleSummary r, RuleUsageSummary u)
    {
        string keys = Keys(r.Protocol, u);
        string side = r.Direction == "outbound" ? "to" : "from";
        return $"{keys} {side} {Peers(r, u)}";
    }

    private static string Keys(string protocol, RuleUsageSummary u)
    {
        bool icmp = protocol is "icmp" or "icmpv6";
        var parts = Ranges(u.Keys, icmp);
        string noun = icmp ? "ICMP" : protocol == "all" ? "ports/ICMP" : "port";
        if (u.DistinctKeys > KeysListed || parts.Count > KeysListed)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{u.DistinctKeys} {(noun == "port" ? "ports" : noun + " keys")} ({string.Join(", ", parts.Take(KeysListed))}, …)");
        }

        string list = Join(parts);
        return noun == "port" ? list : $"{noun} {list}";
    }

    /// <summary>Sorted keys with consecutive runs folded: 8000-8010; ICMP keys as type/code.</summary>
    private static List<string> Ranges(IReadOnlyList<int> keys, bool icmp)
    {
        var parts = new List<string>();
        if (icmp)
        {
            parts.AddRange(keys.Select(k => string.Create(CultureInfo.InvariantCulture, $"{k >> 8}/{k & 0xFF}")));
            return parts;
        }

        for (int i = 0; i < keys.Count;)
        {
            int j = i;
            while (j + 1 < keys.Count && keys[j + 1] == keys[j] + 1)
            {
                j++;
            }

            parts.Add(j == i ? keys[i].ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{keys[i]}-{keys[j]}"));
            i = j + 1;
        }

        return parts;
    }

    private static string Peers(SgRuleSummary r, RuleUsageSummary u)
    {
        if (u.PeersOverflowed)
        {
            return string.Create(CultureInfo.InvariantCulture, $"more than {u.DistinctPeers} peers");
        }

        string text = u.DistinctPeers == 1 ? "1 peer" : string.Create(CultureInfo.InvariantCulture, $"{u.DistinctPeers} peers");
        if (u.DistinctPeers <= 3 && u.Peers.Count == u.DistinctPeers)
        {
            text += " (" + string.Join(", ", u.Peers) + ")";
        }

        // The covering block says where the peers are, when it is narrower than what the rule allows.
        if (u.DistinctPeers > 1 && u.PeerCover is { } coverText && IpPrefix.TryParse(coverText, out var cover, out _)
            && (r.PeerKind != "cidr" || !IpPrefix.TryParse(r.Peer, out var allowed, out _) || cover.Length > allowed.Length)
            && cover.Length >= (cover.IsV4 ? 8 : 32))
        {
            text += " within " + coverText;
        }

        return text;
    }

    private static string Join(IReadOnlyList<string> parts) => parts.Count switch
    {
        0 => "nothing",
        1 => parts[0],
        _ => string.Join(", ", parts.Take(parts.Count - 1)) + " and " + parts[^1],
    };
}
