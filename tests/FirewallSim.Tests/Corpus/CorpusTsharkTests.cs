using System.Text;
using FirewallSim.Tests.Support;

namespace FirewallSim.Tests.Corpus;

/// <summary>
/// Every corpus capture, packet by packet, against what tshark 4.0.17 made of it (the committed
/// TestData/tshark/*.tsv; regenerate them with make-tshark-expectations.sh).
/// </summary>
public sealed class CorpusTsharkTests
{
    /// <summary>
    /// The disagreements with tshark that are accepted, each with its reason. Everything else fails, and
    /// so does an entry here that no longer matches a difference.
    /// </summary>
    public static readonly Tolerance[] Tolerances =
    [
        // The file is fuzzed: record 2's incl_len is 1409179648. We stop there (CorpusReadTests pins the
        // error at byte 236); tshark's wiretap instead guesses one of the modified-libpcap record layouts
        // and shows a second, 1-byte frame. Frame 1 (time, lengths, offset) agrees.
        new("suricata-verify__fuzz.pcap", 0, "packets",
            "tshark reads a bogus second record (modified-pcap guess); we stop with Corrupt at the hostile length"),

        // A nanosecond pcap whose fractions are >= 1e9 (1000000000 and 2147483648). tshark prints the raw
        // fraction after the point (and the second one as a negative signed 32-bit value); we carry the
        // excess into the seconds: 1418145370 s + 1000000000 ns = 1418145371.000000000, and
        // 1418145370 s + 2147483648 ns = 1418145372.147483648. Same instant, different notation.
        new("tcpdump__timestamp_invalid_nano.pcap", 2, "time", "fraction >= 1e9: tshark prints it raw, we carry it into the seconds"),
        new("tcpdump__timestamp_invalid_nano.pcap", 3, "time", "fraction >= 1e9: tshark prints it raw (as int32), we carry it into the seconds"),

        // IPv4 security option (type 130) with length 2, below its minimum of 3: tshark throws inside the
        // option and never dissects the UDP header. We skip options by IHL (8 words, consistent with the
        // frame) without validating them, as a security group never looks inside options, and read
        // UDP 5060 -> 5060 at offset 32.
        new("suricata-verify__ip_secopt.pcap", 3, "sport", "tshark stops at the malformed IPv4 option; we skip options by IHL"),
        new("suricata-verify__ip_secopt.pcap", 3, "dport", "tshark stops at the malformed IPv4 option; we skip options by IHL"),

        // Destination options header of 24 bytes (length field 2) holding an option 0xCA that claims 144
        // bytes: tshark throws inside the option and never dissects UDP. We walk extension headers by
        // their own length field without parsing the options inside (the chain itself is consistent),
        // and read UDP 30000 -> 13000 at offset 64.
        new("zeek__ipv6-mobility-dst-opts.pcap", 1, "sport", "tshark stops at the malformed destination option; we skip the header by its length"),
        new("zeek__ipv6-mobility-dst-opts.pcap", 1, "dport", "tshark stops at the malformed destination option; we skip the header by its length"),
    ];

    public static TheoryData<string> Captures() => CorpusCapture.Rows();

    [SharedCorpusTheory]
    [MemberData(nameof(Captures))]
    public void Decoder_agrees_with_tshark(string capture)
    {
        var expectation = TsharkExpectation.Load(capture);
        Assert.True(expectation.Sha256 == CorpusCapture.Sha256Of(capture),
            $"{capture} changed since its tshark expectation was made; run {TsharkExpectation.Script} and commit the result");

        var ours = CorpusCapture.Read(capture);
        var diffs = TsharkComparison.Compare(capture, ours.Packets, expectation);
        var (unexpected, unused) = TsharkComparison.Apply(diffs, Tolerances.Where(t => t.Capture == capture));
        if (unexpected.Count == 0 && unused.Count == 0)
        {
            return;
        }

        var message = new StringBuilder();
        if (unexpected.Count > 0)
        {
            message.Append(unexpected.Count).Append(" disagreement(s) with tshark in ").Append(capture).Append(":\n");
            foreach (var d in unexpected.Take(50))
            {
                message.Append("  ").Append(d).Append('\n');
            }
        }

        foreach (var t in unused)
        {
            message.Append("  tolerance no longer needed: ").Append(t).Append('\n');
        }

        Assert.Fail(message.ToString());
    }
}
