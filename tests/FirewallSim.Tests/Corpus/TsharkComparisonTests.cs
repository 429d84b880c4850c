using FirewallSim.Net;
using FirewallSim.Tests.Support;

namespace FirewallSim.Tests.Corpus;

/// <summary>
/// The tshark comparison itself: it must notice a wrong value in every field it claims to compare,
/// attribute multi-valued fields to the right header, and actually cover tunnels, extension chains,
/// fragments and ICMP quotes across the corpus (an agreement that compared nothing proves nothing).
/// </summary>
public sealed class TsharkComparisonTests
{
    public static TheoryData<string, long, string> Mutations() => new()
    {
        { "zeek__icmp-destunreach-udp.pcap", 1, "time" },
        { "zeek__icmp-destunreach-udp.pcap", 1, "wire_length" },
        { "zeek__icmp-destunreach-udp.pcap", 1, "captured_length" },
        { "zeek__icmp-destunreach-udp.pcap", 1, "file_offset" },
        { "zeek__icmp-destunreach-udp.pcap", 1, "family" },
        { "zeek__icmp-destunreach-udp.pcap", 1, "src" },
        { "zeek__icmp-destunreach-udp.pcap", 1, "dst" },
        { "zeek__icmp-destunreach-udp.pcap", 1, "protocol" },
        { "zeek__icmp-destunreach-udp.pcap", 1, "icmp_type" },
        { "zeek__icmp-destunreach-udp.pcap", 1, "icmp_code" },
        { "zeek__icmp-destunreach-udp.pcap", 1, "inner" },
        { "zeek__icmp-destunreach-udp.pcap", 1, "inner_src" },
        { "zeek__icmp-destunreach-udp.pcap", 1, "inner_dst" },
        { "zeek__icmp-destunreach-udp.pcap", 1, "inner_protocol" },
        { "zeek__icmp-destunreach-udp.pcap", 1, "inner_sport" },
        { "zeek__icmp-destunreach-udp.pcap", 1, "inner_dport" },
        { "zeek__icmp6-destunreach-ip6ext-udp.pcap", 1, "inner_protocol" },
        { "zeek__icmp6-destunreach-ip6ext-udp.pcap", 1, "inner_sport" },
        { "arkime__dns-udp.pcap", 1, "sport" },
        { "arkime__dns-udp.pcap", 1, "dport" },
        { "zeek__fragmented-1.pcap", 2, "frag_offset" },
        { "zeek__fragmented-1.pcap", 1, "more_fragments" },
        { "zeek__ipv6-fragmented-dns.pcap", 4, "frag_offset" },
        { "libpcap__ipv6_ext_headers.pcap", 1, "protocol" },
        { "pcapng-test-generator__le_test202.pcapng", 4, "interface" },
        { "pcapng-test-generator__le_test202.pcapng", 4, "section" },
        { "pcapng-test-generator__le_test010.pcapng", 2, "time" },
    };

    [SharedCorpusTheory]
    [MemberData(nameof(Mutations))]
    public void A_wrong_value_is_reported_with_its_field(string capture, long frame, string field)
    {
        var packets = CorpusCapture.Read(capture).Packets.ToList();
        var expectation = TsharkExpectation.Load(capture);
        Assert.Empty(TsharkComparison.Compare(capture, packets, expectation));

        int i = packets.FindIndex(p => p.Frame == frame);
        packets[i] = Mutate(packets[i], field);
        var diffs = TsharkComparison.Compare(capture, packets, expectation);

        var d = Assert.Single(diffs);
        Assert.Equal((capture, frame, field), (d.Capture, d.Frame, d.Field));
        Assert.Contains($"{capture} frame {frame}", d.ToString(), StringComparison.Ordinal);
    }

    [SharedCorpusFact]
    public void Tunnels_are_compared_on_their_outer_header()
    {
        // GRE, IP-in-IP, 6in4, Teredo, VXLAN, Geneve: tshark's first ip.src is the outer header; the
        // inner one (second occurrence) must not be accepted in its place.
        foreach (string capture in new[] { "zeek__gre-sample.pcap", "zeek__4in4.pcap", "zeek__6in4.pcap", "zeek__Teredo.pcap", "zeek__vxlan.pcap", "zeek__geneve.pcap" })
        {
            var packets = CorpusCapture.Read(capture).Packets.ToList();
            var expectation = TsharkExpectation.Load(capture);
            var frame = expectation.Packets.First(f => f.Protocols.Count(l => l is "ip" or "ipv6") >= 2);
            int i = (int)(frame.Number - 1);
            var inner = InnerSource(frame);
            Assert.NotEqual(packets[i].Src, inner);

            packets[i] = packets[i] with { Src = inner };
            var d = Assert.Single(TsharkComparison.Compare(capture, packets, expectation));
            Assert.Equal("src", d.Field);
        }
    }

    [SharedCorpusFact]
    public void The_corpus_comparison_covers_every_kind_of_header()
    {
        var coverage = new ComparisonCoverage();
        foreach (string capture in CorpusCapture.Names())
        {
            TsharkComparison.Compare(capture, CorpusCapture.Read(capture).Packets, TsharkExpectation.Load(capture), coverage);
        }

        string what = coverage.ToString();
        // Floors a little under what the corpus gives today (6882 packets, 4980 IP headers, 100 IPv6
        // extension chains, 87 tunnelled, 20 fragments, 4586 with ports, 118 ICMP, 10 ICMP error quotes,
        // 11 simple packet blocks): if one drops, some comparison stopped happening.
        Assert.True(coverage.Packets >= 6800, what);
        Assert.True(coverage.IpHeaders >= 4900, what);
        Assert.True(coverage.Ipv6ExtensionChains >= 100, what);
        Assert.True(coverage.Tunnels >= 80, what);
        Assert.True(coverage.Fragments >= 20, what);
        Assert.True(coverage.Ports >= 4500, what);
        Assert.True(coverage.Icmp >= 110, what);
        Assert.True(coverage.IcmpErrorQuotes >= 10, what);
        Assert.True(coverage.SimplePacketBlocks >= 10, what);
    }

    private static IpAddr InnerSource(TsharkFrame frame)
    {
        // The second IP layer in protocol order, whichever family it is.
        var layers = frame.Protocols.Where(l => l is "ip" or "ipv6").ToList();
        string second = layers[1];
        int occurrence = second == layers[0] ? 1 : 0;
        return IpAddr.Parse(frame.At(second + ".src", occurrence)!);
    }

    private static ObservedPacket Mutate(ObservedPacket p, string field)
    {
        static IpAddr? Flip(IpAddr? a) => a is { } v ? IpAddr.FromUInt128(v.ToUInt128() ^ 1) : null;
        static int? Next(int? v) => v + 1;
        return field switch
        {
            "time" => p with { TimeNs = p.TimeNs + 1 },
            "wire_length" => p with { WireLength = Next(p.WireLength) },
            "captured_length" => p with { CapturedLength = Next(p.CapturedLength) },
            "file_offset" => p with { FileOffset = p.FileOffset + 4 },
            "family" => p with { Family = p.Family == 4 ? 6 : 4 },
            "src" => p with { Src = Flip(p.Src) },
            "dst" => p with { Dst = Flip(p.Dst) },
            "protocol" => p with { Protocol = Next(p.Protocol) },
            "sport" => p with { SrcPort = Next(p.SrcPort) },
            "dport" => p with { DstPort = Next(p.DstPort) },
            "icmp_type" => p with { IcmpType = Next(p.IcmpType) },
            "icmp_code" => p with { IcmpCode = Next(p.IcmpCode) },
            "frag_offset" => p with { FragmentOffset = p.FragmentOffset + 8 },
            "more_fragments" => p with { MoreFragments = !p.MoreFragments },
            "inner" => p with { HasInner = false },
            "inner_src" => p with { InnerSrc = Flip(p.InnerSrc) },
            "inner_dst" => p with { InnerDst = Flip(p.InnerDst) },
            "inner_protocol" => p with { InnerProtocol = Next(p.InnerProtocol) },
            "inner_sport" => p with { InnerSrcPort = Next(p.InnerSrcPort) },
            "inner_dport" => p with { InnerDstPort = Next(p.InnerDstPort) },
            "interface" => p with { LocalInterface = Next(p.LocalInterface) },
            "section" => p with { Section = Next(p.Section) },
            _ => throw new ArgumentOutOfRangeException(nameof(field), field, "no mutation for this field"),
        };
    }
}
