using System.Text.Json;
using FirewallSim.Cli.Tests.Support;

namespace FirewallSim.Cli.Tests.Commands;

/// <summary><c>fwsim inspect --packets</c>: one CSV row, or one JSON line, per packet.</summary>
public sealed class InspectPacketsTests
{
    public const string CsvHeader = "frame,time,interface,family,src,dst,protocol,sport,dport,icmp_type,icmp_code,frag_offset,status";

    /// <summary>The rows for <see cref="SampleTraffic"/>, worked out by hand.</summary>
    public static readonly string[] SampleRows =
    [
        "1,1714564800.123456789,0,4,10.0.0.1,10.0.0.2,6,40000,443,,,0,ok",
        "2,1714564800.124456789,0,4,10.0.0.1,10.0.0.53,17,5353,53,,,0,ok",
        "3,1714564800.125456789,0,4,10.0.0.1,10.0.0.2,1,,,8,0,0,ok",
        "4,1714564800.126456789,0,6,2001:db8::1,2001:db8::2,17,546,547,,,0,ok",
        "5,1714564800.127456789,0,6,2001:db8::1,2001:db8::2,6,50000,22,,,0,ok",
        "6,1714564800.128456789,0,6,2001:db8::1,2001:db8::2,58,,,128,0,0,ok",
        "7,1714564800.129456789,0,,,,,,,,,,not-ip",
        "8,1714564800.130456789,0,4,10.0.0.1,10.0.0.2,17,5353,53,,,0,ok",
        "9,1714564800.131456789,0,4,10.0.0.1,10.0.0.2,17,,,,,16,ok",
        "10,1714564800.132456789,0,4,10.0.0.1,10.0.0.2,47,,,,,0,ok",
        "11,1714564800.133456789,0,4,10.0.0.1,10.0.0.2,6,,,,,0,truncated:tcp",
        "12,1714564800.134456789,0,4,10.0.0.1,10.0.0.2,17,,,,,0,malformed:ipv4-header-length",
    ];

    [Fact]
    public async Task Csv_has_a_header_and_one_row_per_packet()
    {
        using var tmp = new TempCaptures();
        string path = tmp.Pcap("mixed.pcap", SampleTraffic.Packets());

        var r = await Fwsim.RunAsync("inspect", "--packets", path);

        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        Assert.Equal(string.Empty, r.Err);
        Assert.Equal(CsvHeader + "\n" + string.Join("\n", SampleRows) + "\n", r.Out);
        Assert.All(r.OutLines, line => Assert.Equal(13, line.Split(',').Length));
    }

    [Fact]
    public async Task Json_lines_have_one_object_per_packet_with_only_the_fields_that_apply()
    {
        using var tmp = new TempCaptures();
        string path = tmp.Pcap("mixed.pcap", SampleTraffic.Packets());

        var r = await Fwsim.RunAsync("inspect", "--packets", "--json", path);

        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        Assert.True(r.Out.EndsWith('\n'));
        var lines = r.OutLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(12, lines.Count);

        // Every line agrees with the CSV row of the same packet.
        for (int i = 0; i < lines.Count; i++)
        {
            Assert.Equal(SampleRows[i], CsvOf(lines[i]));
        }

        // A single input: no "file" key. Time keeps all nine decimals (the raw JSON number).
        var tcp = lines[0];
        Assert.False(tcp.TryGetProperty("file", out _));
        Assert.Equal("1714564800.123456789", tcp.GetProperty("time").GetRawText());
        Assert.Equal(
            ["frame", "time", "interface", "family", "src", "dst", "protocol", "sport", "dport", "frag_offset", "status"],
            tcp.EnumerateObject().Select(p => p.Name));
        Assert.Equal(
            ["frame", "time", "interface", "family", "src", "dst", "protocol", "icmp_type", "icmp_code", "frag_offset", "status"],
            lines[5].EnumerateObject().Select(p => p.Name));
        Assert.Equal(["frame", "time", "interface", "status"], lines[6].EnumerateObject().Select(p => p.Name));
        Assert.Equal(
            ["frame", "time", "interface", "family", "src", "dst", "protocol", "frag_offset", "status"],
            lines[8].EnumerateObject().Select(p => p.Name));
        Assert.Equal(16, lines[8].GetProperty("frag_offset").GetInt32());
        Assert.Equal("malformed:ipv4-header-length", lines[11].GetProperty("status").GetString());
    }

    [Fact]
    public async Task Json_lines_name_the_file_when_there_are_several()
    {
        using var tmp = new TempCaptures();
        string a = tmp.Pcap("a.pcap", SampleTraffic.Packets().Take(2));
        string b = tmp.Pcap("b.pcap", SampleTraffic.Packets().Skip(2).Take(1));

        var r = await Fwsim.RunAsync("inspect", "--packets", "--json", b, a);

        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        var lines = r.OutLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();

        // Arguments keep their order; frame numbers start again in each file.
        Assert.Equal(
            [(b, 1L), (a, 1L), (a, 2L)],
            lines.Select(l => (l.GetProperty("file").GetString(), l.GetProperty("frame").GetInt64())));
    }

    /// <summary>The CSV row the same packet gets, rebuilt from its JSON line.</summary>
    private static string CsvOf(JsonElement e)
    {
        string Get(string name) => e.TryGetProperty(name, out var v) ? (v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText()) : string.Empty;
        return string.Join(',', CsvHeader.Split(',').Select(Get));
    }
}
