using System.Globalization;
using System.Text.Json;
using FirewallSim.Cli.Tests.Support;
using FirewallSim.Net;
using FirewallSim.Tests.Corpus;
using FirewallSim.Tests.Support;

namespace FirewallSim.Cli.Tests.Commands;

/// <summary>
/// <c>fwsim inspect --packets</c> on real captures of the shared corpus agrees with the committed tshark
/// expectations, through the same comparison (and the same accepted disagreements) as the library tests.
/// </summary>
public sealed class InspectCorpusTests
{
    public static TheoryData<string> Captures() => new()
    {
        "zeek__wikipedia.pcap",                      // DNS + HTTP over TCP
        "zeek__Teredo.pcap",                         // IPv6 in UDP: outer header only
        "zeek__gre-sample.pcap",                     // GRE tunnel
        "zeek__smtp.pcap",                           // ICMP fragmentation needed
        "zeek__ipv6-fragmented-dns.pcap",            // IPv6 fragments
        "zeek__fragmented-4.pcap",                   // IPv4 fragments
        "libpcap__ipv6_ext_headers.pcap",            // a long IPv6 extension header chain
        "tcpdump__OSPFv3_with_AH.pcap",              // IPv6 AH walked to OSPF
        "pcapng-test-generator__le_test202.pcapng",  // sections of both byte orders, SPBs, custom blocks
        "tcpdump__tcp-handshake-nano.pcap",          // nanosecond pcap, Linux SLL
        "suricata-verify__ip_secopt.pcap",           // a tolerated disagreement
        "arkime__nflog.pcap",                        // unsupported link type
    };

    [SharedCorpusTheory]
    [MemberData(nameof(Captures))]
    public async Task Csv_agrees_with_tshark(string capture)
    {
        var r = await Fwsim.RunAsync("inspect", "--packets", Path.Combine(TestPaths.CorpusPcaps, capture));

        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        var lines = r.OutLines;
        Assert.Equal(InspectPacketsTests.CsvHeader, lines[0]);
        var ours = lines.Skip(1).Select(FromCsv).ToList();
        AssertAgrees(capture, ours);
    }

    [SharedCorpusFact]
    public async Task Json_lines_agree_with_tshark()
    {
        const string capture = "zeek__icmp6-destunreach-ip6ext-udp.pcap";
        var r = await Fwsim.RunAsync("inspect", "--packets", "--json", Path.Combine(TestPaths.CorpusPcaps, capture));

        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        AssertAgrees(capture, r.OutLines.Select(FromJson).ToList());
    }

    private static void AssertAgrees(string capture, List<ObservedPacket> ours)
    {
        var diffs = TsharkComparison.Compare(capture, ours, TsharkExpectation.Load(capture));

        // The CLI prints a subset of the decoder's fields, so some library tolerances have nothing to cover here.
        var (unexpected, _) = TsharkComparison.Apply(diffs, CorpusTsharkTests.Tolerances.Where(t => t.Capture == capture));
        Assert.True(unexpected.Count == 0, "fwsim inspect --packets disagrees with tshark:\n  " + string.Join("\n  ", unexpected.Take(50)));
    }

    /// <summary>frame,time,interface,family,src,dst,protocol,sport,dport,icmp_type,icmp_code,frag_offset,status.</summary>
    private static ObservedPacket FromCsv(string line)
    {
        string[] c = line.Split(',');
        Assert.Equal(13, c.Length);
        return new ObservedPacket
        {
            Frame = long.Parse(c[0], CultureInfo.InvariantCulture),
            TimeNs = ParseEpoch(c[1]),
            Family = c[3].Length == 0 ? 0 : int.Parse(c[3], CultureInfo.InvariantCulture),
            Src = c[4].Length == 0 ? null : IpAddr.Parse(c[4]),
            Dst = c[5].Length == 0 ? null : IpAddr.Parse(c[5]),
            Protocol = Int(c[6]),
            SrcPort = Int(c[7]),
            DstPort = Int(c[8]),
            IcmpType = Int(c[9]),
            IcmpCode = Int(c[10]),
            FragmentOffset = Int(c[11]),
            Status = c[12],
        };
    }

    private static ObservedPacket FromJson(string line)
    {
        var e = JsonDocument.Parse(line).RootElement;
        int? Get(string name) => e.TryGetProperty(name, out var v) ? v.GetInt32() : null;
        IpAddr? Address(string name) => e.TryGetProperty(name, out var v) ? IpAddr.Parse(v.GetString()!) : null;
        return new ObservedPacket
        {
            Frame = e.GetProperty("frame").GetInt64(),
            TimeNs = ParseEpoch(e.GetProperty("time").GetRawText()),
            Family = Get("family") ?? 0,
            Src = Address("src"),
            Dst = Address("dst"),
            Protocol = Get("protocol"),
            SrcPort = Get("sport"),
            DstPort = Get("dport"),
            IcmpType = Get("icmp_type"),
            IcmpCode = Get("icmp_code"),
            FragmentOffset = Get("frag_offset"),
            Status = e.GetProperty("status").GetString()!,
        };
    }

    private static int? Int(string s) => s.Length == 0 ? null : int.Parse(s, CultureInfo.InvariantCulture);

    /// <summary>"seconds.nanoseconds" with exactly nine decimals, as fwsim prints it.</summary>
    private static long ParseEpoch(string s)
    {
        int dot = s.IndexOf('.', StringComparison.Ordinal);
        Assert.True(dot > 0 && s.Length - dot - 1 == 9, "time is not seconds with nine decimals: " + s);
        return (long.Parse(s.AsSpan(0, dot), CultureInfo.InvariantCulture) * 1_000_000_000L) + long.Parse(s.AsSpan(dot + 1), CultureInfo.InvariantCulture);
    }
}
