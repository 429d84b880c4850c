using System.Globalization;

namespace FirewallSim.Tests.Corpus;

/// <summary>
/// One IP header as tshark decoded it, with what follows it: the final upper-layer protocol after the
/// IPv6 extension headers, ports or ICMP type/code, fragment fields, and for ICMP errors the quoted header.
/// </summary>
/// <remarks>
/// tshark prints every occurrence of a field in protocol-tree order, so a tunnel or an ICMP error gives
/// several ip.src values. frame.protocols lists the layers in the same order (eth:ethertype:ip:icmp:ip:udp),
/// so the n-th "ip" layer owns the n-th ip.src, ip.dst, ip.proto…; the n-th "ipv6.fraghdr" layer owns the
/// n-th ipv6.fraghdr.nxt, and so on. That is how one header's values are picked out of the lists.
/// </remarks>
public sealed record TsharkIpLayer
{
    /// <summary>Layers that our decoder walks through after an IPv6 header (RFC 8200 extension headers and AH).</summary>
    private static readonly Dictionary<string, string> Ipv6ExtensionNext = new(StringComparer.Ordinal)
    {
        ["ipv6.hopopts"] = "ipv6.hopopts.nxt",
        ["ipv6.routing"] = "ipv6.routing.nxt",
        ["ipv6.fraghdr"] = "ipv6.fraghdr.nxt",
        ["ipv6.dstopts"] = "ipv6.dstopts.nxt",
        ["ah"] = "ah.next_header",
    };

    /// <summary>Layer name → the fields that layer contributes one occurrence of.</summary>
    private static readonly Dictionary<string, string[]> LayerFields = new(StringComparer.Ordinal)
    {
        ["ip"] = ["ip.src", "ip.dst", "ip.proto", "ip.frag_offset", "ip.flags.mf"],
        ["ipv6"] = ["ipv6.src", "ipv6.dst", "ipv6.nxt"],
        ["ipv6.hopopts"] = ["ipv6.hopopts.nxt"],
        ["ipv6.routing"] = ["ipv6.routing.nxt"],
        ["ipv6.fraghdr"] = ["ipv6.fraghdr.nxt", "ipv6.fraghdr.offset", "ipv6.fraghdr.more"],
        ["ipv6.dstopts"] = ["ipv6.dstopts.nxt"],
        ["ah"] = ["ah.next_header"],
        ["tcp"] = ["tcp.srcport", "tcp.dstport"],
        ["udp"] = ["udp.srcport", "udp.dstport"],
        ["sctp"] = ["sctp.srcport", "sctp.dstport"],
        ["icmp"] = ["icmp.type", "icmp.code"],
        ["icmpv6"] = ["icmpv6.type", "icmpv6.code"],
    };

    public int Family { get; init; }

    public string? Src { get; init; }

    public string? Dst { get; init; }

    /// <summary>IPv4: ip.proto. IPv6: the next-header value of the last extension header (or ipv6.nxt without any).</summary>
    public int? Protocol { get; init; }

    /// <summary>In bytes (tshark prints 8-octet units).</summary>
    public int? FragmentOffset { get; init; }

    public bool? MoreFragments { get; init; }

    public int? SrcPort { get; init; }

    public int? DstPort { get; init; }

    public int? IcmpType { get; init; }

    public int? IcmpCode { get; init; }

    /// <summary>The IP header quoted by an ICMP or ICMPv6 message, when tshark decoded one.</summary>
    public TsharkIpLayer? Quoted { get; init; }

    /// <summary>The outermost IP header of a frame, or null when tshark found none.</summary>
    /// <exception cref="InvalidDataException">A field has more values than frame.protocols has layers for it.</exception>
    public static TsharkIpLayer? Outer(TsharkFrame frame)
    {
        var layers = frame.Protocols;

        // Occurrence index of each layer among the layers of the same name, and a check that tshark
        // printed exactly one value per layer for the fields we use.
        var occurrence = new int[layers.Count];
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < layers.Count; i++)
        {
            occurrence[i] = seen.GetValueOrDefault(layers[i]);
            seen[layers[i]] = occurrence[i] + 1;
        }

        foreach (var (layer, fields) in LayerFields)
        {
            int count = seen.GetValueOrDefault(layer);
            foreach (string field in fields)
            {
                // Fewer values than layers happens when tshark gives up inside the last such layer (a
                // truncated SCTP header, a quoted IPv6 header too short to decode): the values then belong
                // to the first layers and the last ones have none. More values than layers would mean a
                // field added by some other dissector, and then no value can be attributed safely.
                int values = frame.Values(field).Length;
                if (values > count)
                {
                    throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                        $"{frame}: {count} '{layer}' layers but {values} values of {field}; cannot tell which header a value belongs to"));
                }
            }
        }

        int first = -1;
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i] is "ip" or "ipv6")
            {
                first = i;
                break;
            }
        }

        return first < 0 ? null : Parse(frame, layers, occurrence, first);
    }

    private static TsharkIpLayer Parse(TsharkFrame f, IReadOnlyList<string> layers, int[] occurrence, int at)
    {
        int k = occurrence[at];
        int next = at + 1;
        TsharkIpLayer ip;
        if (layers[at] == "ip")
        {
            ip = new TsharkIpLayer
            {
                Family = 4,
                Src = f.At("ip.src", k),
                Dst = f.At("ip.dst", k),
                Protocol = Int(f.At("ip.proto", k)),
                FragmentOffset = Int(f.At("ip.frag_offset", k)) * 8,
                MoreFragments = Bool(f.At("ip.flags.mf", k)),
            };
        }
        else
        {
            int? protocol = Int(f.At("ipv6.nxt", k));
            int fragmentOffset = 0;
            bool more = false;
            while (next < layers.Count && Ipv6ExtensionNext.TryGetValue(layers[next], out string? nxtField))
            {
                int e = occurrence[next];
                protocol = Int(f.At(nxtField, e));
                if (layers[next] == "ipv6.fraghdr")
                {
                    fragmentOffset = (Int(f.At("ipv6.fraghdr.offset", e)) ?? 0) * 8;
                    more = Bool(f.At("ipv6.fraghdr.more", e)) ?? false;
                }

                next++;
            }

            ip = new TsharkIpLayer
            {
                Family = 6,
                Src = f.At("ipv6.src", k),
                Dst = f.At("ipv6.dst", k),
                Protocol = protocol,
                FragmentOffset = fragmentOffset,
                MoreFragments = more,
            };
        }

        if (next >= layers.Count)
        {
            return ip;
        }

        int o = occurrence[next];
        switch (layers[next])
        {
            case "tcp" or "udp" or "sctp":
                return ip with
                {
                    SrcPort = Int(f.At(layers[next] + ".srcport", o)),
                    DstPort = Int(f.At(layers[next] + ".dstport", o)),
                };
            case "icmp" or "icmpv6":
                ip = ip with
                {
                    IcmpType = Int(f.At(layers[next] + ".type", o)),
                    IcmpCode = Int(f.At(layers[next] + ".code", o)),
                };
                if (next + 1 < layers.Count && layers[next + 1] is "ip" or "ipv6")
                {
                    ip = ip with { Quoted = Parse(f, layers, occurrence, next + 1) };
                }

                return ip;
            default:
                return ip;
        }
    }

    private static int? Int(string? s) => s is null ? null : int.Parse(s, CultureInfo.InvariantCulture);

    private static bool? Bool(string? s) => s switch
    {
        null => null,
        "1" or "True" or "true" => true,
        "0" or "False" or "false" => false,
        _ => throw new FormatException("not a tshark boolean: " + s),
    };
}
