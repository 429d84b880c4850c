using System.Globalization;
using System.Text;
using FirewallSim.Capture;
using FirewallSim.Tests.Support;

namespace FirewallSim.Tests.Corpus;

/// <summary>
/// Every capture of the shared corpus goes through CaptureReader and PacketDecoder without an exception,
/// and ends the way it should: the malformed ones (MANIFEST.tsv says which) with their specific error,
/// the rest cleanly; packets that do not decode cleanly are all listed here with the reason.
/// </summary>
public sealed class CorpusReadTests
{
    /// <summary>How the structurally broken captures end: packets read before the error, kind, byte offset, message.</summary>
    public static readonly IReadOnlyDictionary<string, (int Packets, CaptureErrorKind Kind, long Offset, string Message)> ExpectedErrors =
        new Dictionary<string, (int, CaptureErrorKind, long, string)>(StringComparer.Ordinal)
        {
            // Record 2's incl_len (at 228 + 8) is 1409179648: a hostile length, not a short file.
            ["suricata-verify__fuzz.pcap"] = (1, CaptureErrorKind.Corrupt, 236, "record 2 claims captured length 1409179648, more than the maximum 262144"),

            // Classic pcap 1.4 never existed; nothing is read.
            ["libpcap__pcap-invalid-version-1.pcap"] = (0, CaptureErrorKind.NotACapture, 4, "unsupported pcap version 1.4"),

            // Section 1 is fine and its packet is read; the SHB of section 2 (at 480) says version 2.0.
            ["gopacket__le_test901.pcapng"] = (1, CaptureErrorKind.Corrupt, 492, "unsupported pcapng version 2.0"),

            // An orphan enhanced packet block without any file header.
            ["pcap-parser__err-eof.bin"] = (0, CaptureErrorKind.NotACapture, 0, "not a pcap or pcapng file"),

            // Bits 16-25 of the link-type field are reserved (libpcap refuses the file too).
            ["libpcap__linktype-reserved-field-not-zero.pcap"] = (0, CaptureErrorKind.NotACapture, 20, "has reserved bits set"),

            // The first SHB says version 0.1.
            ["libpcap__pcapng-invalid-vers-1.pcapng"] = (0, CaptureErrorKind.NotACapture, 12, "unsupported pcapng version 0.1"),

            // The first SHB's option overruns its 52-byte block; the trailing length (at 48) is not 52.
            ["libpcap__shb-option-too-long.pcapng"] = (0, CaptureErrorKind.Corrupt, 48, "trailing length differs from leading length"),
        };

    /// <summary>
    /// Every packet of the corpus whose decode status is truncated or malformed, with why. A packet that
    /// starts or stops decoding cleanly fails the test until this table is updated.
    /// </summary>
    public static readonly (string Capture, long Frame, string Status, string Why)[] ExpectedDecodeProblems =
    [
        ("suricata-verify__decode-too-small_test.pcap", 1, "truncated:tcp", "IPv4 total length 20: no room for a TCP header"),
        ("suricata-verify__decode-too-small_test.pcap", 2, "truncated:udp", "IPv4 total length 20: no room for a UDP header"),
        ("suricata-verify__decode-too-small_test.pcap", 3, "truncated:udp", "IPv4 total length 24: 4 of 8 UDP header bytes"),
        ("suricata-verify__decode-too-small_test.pcap", 5, "truncated:tcp", "IPv6 payload length 0 and nothing after the header"),
        ("suricata-verify__decode-too-small_test.pcap", 6, "truncated:udp", "IPv6 payload length 0 and nothing after the header"),
        ("suricata-verify__decode-too-small_test.pcap", 7, "truncated:udp", "4 of 8 UDP header bytes after the IPv6 header"),
        ("suricata-verify__frag-eth-vlan-ip-tcp-syn.pcap", 1, "truncated:tcp", "first fragment carries only 8 bytes of the TCP header (tiny fragment)"),
        ("suricata-verify__fuzz.pcap", 1, "malformed:tcp-header-length", "fuzzed: TCP data offset 0"),
        ("tcpdump__ip_ts_opts_asan.pcap", 1, "truncated:icmp", "snaplen ends the frame right after the 36-byte IPv4 header"),
        ("tcpdump__ipv4_invalid_hdr_length.pcap", 1, "malformed:ipv4-header-length", "IHL below 5"),
        ("tcpdump__ipv4_invalid_total_length.pcap", 1, "malformed:ipv4-total-length", "total length beyond the frame"),
        ("tcpdump__ipv6_invalid_length.pcap", 1, "truncated:ipv6", "the frame ends 39 bytes into the IPv6 header"),
        ("tcpdump__ipv6hdr-heapoverflow.pcap", 1, "truncated:ipv6-ext", "hop-by-hop header of 392 bytes in a 48-byte capture"),
        ("zeek__ipv4-truncated-broken-header.pcap", 1, "malformed:ipv4-total-length", "total length 20 below IHL 60"),
        ("zeek__ipv6-mobility-dst-opts.pcap", 2, "malformed:ipv6-extension-chain", "40-byte destination options header in a 36-byte payload"),
        ("zeek__trunc-hdr.pcap", 1, "truncated:link", "8 bytes captured of a 78-byte Ethernet frame"),
    ];

    /// <summary>Link types the decoder does not know; their packets must say so, and nothing else must.</summary>
    public static readonly IReadOnlySet<int> UnsupportedLinkTypesInCorpus = new HashSet<int>
    {
        LinkTypes.Ppp,        // tcpdump__mpls-traceroute.pcap
        LinkTypes.FrameRelay, // arkime__icmp-frame-relay.pcap
        LinkTypes.Nflog,      // arkime__nflog.pcap
        271,                  // LINKTYPE_VSOCK, tcpdump__vsock-1.pcapng
    };

    public static TheoryData<string> Captures() => CorpusCapture.Rows();

    [SharedCorpusTheory]
    [MemberData(nameof(Captures))]
    public void Capture_reads_to_its_expected_end(string capture)
    {
        CorpusCapture result;
        try
        {
            result = CorpusCapture.Read(capture);
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"{capture}: reading and decoding threw {ex}");
            throw;
        }

        if (ExpectedErrors.TryGetValue(capture, out var expected))
        {
            Assert.True(result.Error is not null, $"{capture}: expected {expected.Kind} at {expected.Offset}, but the file read cleanly ({result.Packets.Count} packets)");
            Assert.Equal(
                (expected.Packets, expected.Kind, expected.Offset),
                (result.Packets.Count, result.Error.Kind, result.Error.Offset));
            Assert.Contains(expected.Message, result.Error.Message, StringComparison.Ordinal);
            Assert.Equal(CorpusCapture.PathOf(capture), result.Error.Source);
        }
        else
        {
            Assert.True(result.Error is null, $"{capture}: unexpected read error {result.Error}");
        }
    }

    [SharedCorpusTheory]
    [MemberData(nameof(Captures))]
    public void A_trickling_pipe_gives_the_same_packets_and_end_as_the_file(string capture)
    {
        // Standard input arrives in pieces; with the smallest buffer (64 KiB) records also straddle
        // buffer refills in the larger captures. Neither may change a single value.
        var file = CorpusCapture.Read(capture);
        foreach (int chunk in new[] { 1, 7, 4096 })
        {
            var piped = CorpusCapture.ReadTrickled(capture, chunk);
            Assert.Equal(file.Packets, piped.Packets);
            Assert.Equal(file.Error, piped.Error);
            Assert.Equal(file.Interfaces, piped.Interfaces);
        }
    }

    [SharedCorpusTheory]
    [MemberData(nameof(Captures))]
    public void Capture_matches_its_manifest_entry(string capture)
    {
        var entry = CorpusManifestEntry.Load()[capture];
        var result = CorpusCapture.Read(capture);
        if (entry.Container is null || ExpectedErrors.TryGetValue(capture, out var error) && error.Kind == CaptureErrorKind.NotACapture)
        {
            Assert.Equal(CaptureErrorKind.NotACapture, result.Error?.Kind);
            return;
        }

        var expectedFormat = entry.Container == "pcapng" ? CaptureFormat.PcapNg
            : entry.Nanosecond ? CaptureFormat.PcapNanosecond
            : CaptureFormat.Pcap;
        Assert.Equal(expectedFormat, result.Format);
        if (entry.BigEndian is { } big && result.SectionBigEndian.Count > 0)
        {
            Assert.Equal(big, result.SectionBigEndian[0]);
        }

        if (result.Error is not null)
        {
            return; // the manifest describes the whole file; we stopped part-way on purpose
        }

        if (entry.Sections is { } sections)
        {
            Assert.Equal(sections, result.Sections);
        }

        Assert.Equal(entry.InterfaceLinkTypes, result.Interfaces.Select(i => (int)i.LinkType).Order().ToList());
        if (entry.PacketCount is { } count)
        {
            Assert.Equal(count, result.Packets.Count);
        }
    }

    [SharedCorpusFact]
    public void Every_capture_has_a_manifest_row_and_a_tshark_expectation()
    {
        var captures = CorpusCapture.Names();
        var manifest = CorpusManifestEntry.Load().Keys.Order(StringComparer.Ordinal);
        var expectations = Directory.GetFiles(TsharkExpectation.Directory, "*.tsv")
            .Select(f => Path.GetFileName(f)[..^".tsv".Length])
            .Order(StringComparer.Ordinal);
        Assert.Equal(captures, manifest);
        Assert.True(captures.SequenceEqual(expectations),
            $"the tshark expectations do not match the corpus; run {TsharkExpectation.Script} and commit the result.\n" +
            $"  without expectation: {string.Join(", ", captures.Except(expectations))}\n" +
            $"  without capture: {string.Join(", ", expectations.Except(captures))}");
        foreach (string name in ExpectedErrors.Keys.Concat(ExpectedDecodeProblems.Select(p => p.Capture)))
        {
            Assert.Contains(name, captures);
        }
    }

    [SharedCorpusFact]
    public void Decode_problems_in_the_corpus_are_exactly_the_listed_ones()
    {
        var found = new List<(string Capture, long Frame, string Status)>();
        foreach (string capture in CorpusCapture.Names())
        {
            foreach (var p in CorpusCapture.Read(capture).Packets)
            {
                if (p.Status.StartsWith("truncated:", StringComparison.Ordinal) || p.Status.StartsWith("malformed:", StringComparison.Ordinal))
                {
                    found.Add((capture, p.Frame, p.Status));
                }
            }
        }

        var expected = ExpectedDecodeProblems.Select(e => (e.Capture, e.Frame, e.Status)).ToList();
        var message = new StringBuilder();
        foreach (var f in found.Except(expected))
        {
            message.Append(CultureInfo.InvariantCulture, $"  new decode problem: {f.Capture} frame {f.Frame}: {f.Status}\n");
        }

        foreach (var e in expected.Except(found))
        {
            message.Append(CultureInfo.InvariantCulture, $"  listed problem did not happen: {e.Capture} frame {e.Frame}: {e.Status}\n");
        }

        Assert.True(message.Length == 0, "decode problems differ from ExpectedDecodeProblems:\n" + message);
    }

    [SharedCorpusFact]
    public void Unsupported_link_types_show_as_such_and_nothing_else_does()
    {
        var seen = new HashSet<int>();
        foreach (string capture in CorpusCapture.Names())
        {
            foreach (var p in CorpusCapture.Read(capture).Packets)
            {
                bool unsupported = UnsupportedLinkTypesInCorpus.Contains(p.LinkType!.Value);
                Assert.True(unsupported == (p.Status == "unsupported-link"),
                    $"{capture} frame {p.Frame}: link type {p.LinkType} decoded as {p.Status}");
                Assert.Equal(unsupported, !LinkTypes.IsSupported(p.LinkType.Value));
                if (unsupported)
                {
                    seen.Add(p.LinkType.Value);
                }
            }
        }

        Assert.Equal(UnsupportedLinkTypesInCorpus.Order(), seen.Order());
    }

    [SharedCorpusFact]
    public void Record_longer_than_the_wire_is_kept_and_counted()
    {
        // tcpdump's aoe-oobr-1: incl_len > orig_len. libpcap keeps such records; so do we, and count them.
        var result = CorpusCapture.Read("tcpdump__aoe-oobr-1.pcap");
        Assert.Null(result.Error);
        Assert.Single(result.Packets);
        Assert.Equal(1, result.CaptureLongerThanWire);
        Assert.True(result.Packets[0].CapturedLength > result.Packets[0].WireLength);
    }
}
