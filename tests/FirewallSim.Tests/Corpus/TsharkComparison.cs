using System.Globalization;
using FirewallSim.Net;

namespace FirewallSim.Tests.Corpus;

/// <summary>One field on which FirewallSim and tshark disagree.</summary>
public sealed record Difference(string Capture, long Frame, long TsharkFrame, string Field, string Ours, string Tshark)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Capture} frame {Frame}{(TsharkFrame != Frame ? $" (tshark frame {TsharkFrame})" : "")} {Field}: ours {Ours}, tshark {Tshark}");
}

/// <summary>
/// A disagreement that is known and accepted, with the reason. <see cref="Frame"/> null means every
/// frame of the capture. A tolerance that no longer matches anything is itself a failure.
/// </summary>
public sealed record Tolerance(string Capture, long? Frame, string Field, string Reason)
{
    public bool Covers(Difference d) =>
        d.Capture == Capture && (Frame is null || Frame == d.Frame) && (Field == "*" || Field == d.Field);

    public override string ToString() => $"{Capture} frame {(Frame?.ToString(CultureInfo.InvariantCulture) ?? "*")} {Field} ({Reason})";
}

/// <summary>
/// Compares FirewallSim's view of a capture with tshark's, packet by packet (the n-th packet record on
/// each side; pcapng custom blocks, which tshark numbers as frames, are left out first).
/// </summary>
/// <remarks>
/// Outer header: our Src/Dst/Protocol are the outermost IP header, which is what a security group sees,
/// so they are compared with the first occurrence of tshark's multi-valued fields (tunnels give several).
/// IPv6: our Protocol is the upper layer after walking hop-by-hop, routing, fragment, destination options
/// and AH; tshark's ipv6.nxt is only the first next-header, so the expected value is the next-header of
/// the last extension header tshark lists after that IPv6 header. ICMP errors: our Inner* fields are the
/// quoted header, compared with the IP layer that follows icmp/icmpv6 in frame.protocols. Packets whose
/// decode status is not ok are compared only on capture metadata (time, lengths, offset, interface); their
/// status itself is checked against an explicit table by the corpus tests.
/// </remarks>
public static class TsharkComparison
{
    public static List<Difference> Compare(string capture, IReadOnlyList<ObservedPacket> ours, TsharkExpectation tshark, ComparisonCoverage? coverage = null)
    {
        coverage ??= new ComparisonCoverage();
        var diffs = new List<Difference>();
        var theirs = tshark.Packets;
        if (ours.Count != theirs.Count)
        {
            diffs.Add(new Difference(capture, 0, 0, "packets", Text(ours.Count), Text(theirs.Count)));
        }

        // The time a packet without its own (a simple packet block) inherits: the previous packet's as
        // tshark reported it, 0 before the first. Taken from tshark's side so that one wrong time of ours
        // is one difference, not a cascade.
        long inherited = 0;
        for (int i = 0; i < Math.Min(ours.Count, theirs.Count); i++)
        {
            inherited = ComparePacket(capture, ours[i], theirs[i], inherited, diffs, coverage);
        }

        return diffs;
    }

    /// <returns>The packet's time as tshark gave it (or as it was inherited), for the next packet.</returns>
    private static long ComparePacket(string capture, ObservedPacket o, TsharkFrame t, long inherited, List<Difference> diffs, ComparisonCoverage coverage)
    {
        coverage.Packets++;
        void Check<T>(string field, T? ours, T? theirs)
        {
            if (!EqualityComparer<T>.Default.Equals(ours, theirs))
            {
                diffs.Add(new Difference(capture, o.Frame, t.Number, field, Text(ours), Text(theirs)));
            }
        }

        // Capture metadata.
        string? epoch = t.First("frame.time_epoch");
        long time;
        if (epoch is null)
        {
            // tshark shows no time for a simple packet block (it has none); D20: it takes the previous packet's.
            coverage.SimplePacketBlocks++;
            time = inherited;
            Check("time", o.TimeNs, time);
        }
        else if (t.TimeNs is { } ns)
        {
            time = ns;
            Check("time", o.TimeNs, time);
        }
        else
        {
            time = o.TimeNs;
            diffs.Add(new Difference(capture, o.Frame, t.Number, "time", Text(o.TimeNs), epoch));
        }

        if (o.WireLength is not null)
        {
            Check("wire_length", (long?)o.WireLength, t.FirstLong("frame.len"));
            Check("captured_length", (long?)o.CapturedLength, t.FirstLong("frame.cap_len"));
        }

        if (o.FileOffset is not null)
        {
            Check("file_offset", o.FileOffset, t.FirstLong("frame.file_off"));
        }

        if (o.Section is not null && t.FirstLong("frame.section_number") is { } section)
        {
            Check("section", (long?)o.Section + 1, section);
        }

        if (o.LocalInterface is not null && t.FirstLong("frame.interface_id") is { } iface)
        {
            Check("interface", (long?)o.LocalInterface, iface);
        }

        if (o.Status is not ("ok" or "not-ip"))
        {
            return time;
        }

        TsharkIpLayer? ip;
        try
        {
            ip = TsharkIpLayer.Outer(t);
        }
        catch (InvalidDataException ex)
        {
            diffs.Add(new Difference(capture, o.Frame, t.Number, "tshark-layers", o.Status, ex.Message));
            return time;
        }

        if (o.Status == "not-ip" || ip is null)
        {
            Check("family", (long?)o.Family, (long?)(ip?.Family ?? 0));
            return time;
        }

        coverage.IpHeaders++;
        if (ip.Family == 6 && t.Protocols.Any(l => l is "ipv6.hopopts" or "ipv6.routing" or "ipv6.fraghdr" or "ipv6.dstopts" or "ah"))
        {
            coverage.Ipv6ExtensionChains++;
        }

        if (t.Protocols.Count(l => l is "ip" or "ipv6") > (ip.Quoted is null ? 1 : 2))
        {
            coverage.Tunnels++;
        }

        Check("family", (long?)o.Family, (long?)ip.Family);
        Check("src", o.Src, Address(ip.Src));
        Check("dst", o.Dst, Address(ip.Dst));
        Check("protocol", o.Protocol, ip.Protocol);
        if (ip.FragmentOffset > 0 || ip.MoreFragments == true)
        {
            coverage.Fragments++;
        }

        Check("frag_offset", o.FragmentOffset, ip.FragmentOffset);
        if (o.MoreFragments is not null)
        {
            Check("more_fragments", o.MoreFragments, ip.MoreFragments);
        }

        if (o.SrcPort is not null || (ip.SrcPort is not null && o.Protocol is IpProtocol.Tcp or IpProtocol.Udp))
        {
            coverage.Ports++;
            Check("sport", o.SrcPort, ip.SrcPort);
            Check("dport", o.DstPort, ip.DstPort);
        }

        if (o.IcmpType is not null || ip.IcmpType is not null)
        {
            coverage.Icmp++;
            Check("icmp_type", o.IcmpType, ip.IcmpType);
            Check("icmp_code", o.IcmpCode, ip.IcmpCode);
        }

        if (o.IsIcmpError)
        {
            var q = ip.Quoted;
            Check("inner", o.HasInner, q is not null);
            if (o.HasInner && q is not null)
            {
                coverage.IcmpErrorQuotes++;
                Check("inner_src", o.InnerSrc, Address(q.Src));
                Check("inner_dst", o.InnerDst, Address(q.Dst));
                Check("inner_protocol", o.InnerProtocol, q.Protocol);

                // The decoder takes ports from any quote with at least four transport bytes, and leaves 0 otherwise.
                Check("inner_sport", o.InnerSrcPort, q.SrcPort ?? 0);
                Check("inner_dport", o.InnerDstPort, q.DstPort ?? 0);
            }
        }

        return time;
    }

    /// <summary>Keeps the differences no tolerance covers, and reports tolerances that covered nothing.</summary>
    public static (List<Difference> Unexpected, List<Tolerance> Unused) Apply(IEnumerable<Difference> diffs, IEnumerable<Tolerance> tolerances)
    {
        var list = tolerances.ToList();
        var used = new HashSet<Tolerance>();
        var unexpected = new List<Difference>();
        foreach (var d in diffs)
        {
            var match = list.FirstOrDefault(t => t.Covers(d));
            if (match is null)
            {
                unexpected.Add(d);
            }
            else
            {
                used.Add(match);
            }
        }

        return (unexpected, list.Where(t => !used.Contains(t)).ToList());
    }

    private static IpAddr? Address(string? text) => text is null ? null : IpAddr.TryParse(text, out var a) ? a : null;

    private static string Text<T>(T? value) => value switch
    {
        null => "(none)",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "(none)",
    };
}

/// <summary>How much a comparison actually compared, so that a test can tell it was not vacuous.</summary>
public sealed class ComparisonCoverage
{
    public int Packets { get; set; }

    public int IpHeaders { get; set; }

    public int Ipv6ExtensionChains { get; set; }

    /// <summary>Frames with more IP headers than the outer one and an ICMP quote (tunnels).</summary>
    public int Tunnels { get; set; }

    public int Fragments { get; set; }

    public int Ports { get; set; }

    public int Icmp { get; set; }

    public int IcmpErrorQuotes { get; set; }

    public int SimplePacketBlocks { get; set; }

    public override string ToString() =>
        $"{Packets} packets, {IpHeaders} IP headers, {Ipv6ExtensionChains} IPv6 extension chains, {Tunnels} tunnelled, " +
        $"{Fragments} fragments, {Ports} with ports, {Icmp} ICMP, {IcmpErrorQuotes} ICMP error quotes, {SimplePacketBlocks} simple packet blocks";
}
