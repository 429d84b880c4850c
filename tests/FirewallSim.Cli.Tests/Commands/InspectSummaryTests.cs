using System.Text.Json;
using FirewallSim.Capture;
using FirewallSim.Cli.Tests.Support;

namespace FirewallSim.Cli.Tests.Commands;

/// <summary><c>fwsim inspect FILE</c> and <c>--json</c>: the capinfos-like summary of captures the tests write.</summary>
public sealed class InspectSummaryTests
{
    [Fact]
    public async Task Text_summary_lists_every_field()
    {
        using var tmp = new TempCaptures();
        string path = tmp.Pcap("mixed.pcap", SampleTraffic.Packets());

        var r = await Fwsim.RunAsync("inspect", path);

        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        Assert.Equal(string.Empty, r.Err);
        Assert.Equal(
            $"""
            file:             {path}
            format:           pcap, little-endian, nanosecond timestamps
            interfaces:       1
              #0: EN10MB (1), snaplen 262144, tsresol 1e-9
            packets:          12
            bytes:            616 on the wire, 606 captured
            first packet:     2024-05-01T12:00:00.123456789Z
            last packet:      2024-05-01T12:00:00.134456789Z
            duration:         0.011000 s
            protocols:             tcp        udp       icmp      other
              IPv4               2          4          1          1
              IPv6               1          1          1          0
            non-IP frames:    1
            fragments:        2 (first 1, later 1)
            decode problems:  2
              truncated:tcp                  1
              malformed:ipv4-header-length   1
            read:             complete


            """,
            r.Out);
    }

    [Fact]
    public async Task Json_summary_carries_the_same_values()
    {
        using var tmp = new TempCaptures();
        string path = tmp.Pcap("mixed.pcap", SampleTraffic.Packets());

        var r = await Fwsim.RunAsync("inspect", "--json", path);

        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        using var doc = JsonDocument.Parse(r.Out);
        var file = Assert.Single(doc.RootElement.GetProperty("files").EnumerateArray());
        Assert.Equal(path, file.GetProperty("file").GetString());
        Assert.Equal("pcap-ns", file.GetProperty("format").GetString());
        Assert.Equal([false], file.GetProperty("sections_big_endian").EnumerateArray().Select(e => e.GetBoolean()));
        var iface = Assert.Single(file.GetProperty("interfaces").EnumerateArray());
        Assert.Equal(0, iface.GetProperty("index").GetInt32());
        Assert.Equal(0, iface.GetProperty("section").GetInt32());
        Assert.Equal(1, iface.GetProperty("link_type").GetInt32());
        Assert.Equal("EN10MB", iface.GetProperty("link_type_name").GetString());
        Assert.Equal(262144, iface.GetProperty("snaplen").GetInt64());
        Assert.Equal("1e-9", iface.GetProperty("tsresol").GetString());
        Assert.Equal(0, iface.GetProperty("tsoffset").GetInt64());
        Assert.False(iface.TryGetProperty("name", out _));

        Assert.Equal(12, file.GetProperty("packets").GetInt64());
        Assert.Equal(SampleTraffic.WireBytes, file.GetProperty("bytes").GetInt64());
        Assert.Equal(SampleTraffic.CapturedBytes, file.GetProperty("captured_bytes").GetInt64());
        Assert.Equal(SampleTraffic.T0, file.GetProperty("first_time_ns").GetInt64());
        Assert.Equal(SampleTraffic.T0 + (11 * SampleTraffic.Ms), file.GetProperty("last_time_ns").GetInt64());
        Assert.Equal("2024-05-01T12:00:00.123456789Z", file.GetProperty("first_time").GetString());
        Assert.Equal("2024-05-01T12:00:00.134456789Z", file.GetProperty("last_time").GetString());

        var protocols = file.GetProperty("protocols");
        Assert.Equal((2, 4, 1, 1), Mix(protocols.GetProperty("ipv4")));
        Assert.Equal((1, 1, 1, 0), Mix(protocols.GetProperty("ipv6")));
        Assert.Equal(1, file.GetProperty("non_ip").GetInt64());
        var fragments = file.GetProperty("fragments");
        Assert.Equal((2, 1, 1), (fragments.GetProperty("total").GetInt64(), fragments.GetProperty("first").GetInt64(), fragments.GetProperty("later").GetInt64()));
        Assert.Empty(file.GetProperty("unsupported_link_types").EnumerateObject());
        Assert.Equal(
            [("truncated:tcp", 1L), ("malformed:ipv4-header-length", 1L)],
            file.GetProperty("decode_problems").EnumerateObject().Select(p => (p.Name, p.Value.GetInt64())));
        Assert.Equal(0, file.GetProperty("captured_longer_than_wire").GetInt64());
        Assert.Equal(JsonValueKind.Null, file.GetProperty("error").ValueKind);
    }

    [Fact]
    public async Task Big_endian_microsecond_pcap_says_so()
    {
        using var tmp = new TempCaptures();
        var packets = SampleTraffic.Packets().Take(3).Select(p => p with { TimeNs = p.TimeNs / 1000 * 1000 });
        string path = tmp.BigEndianPcap("be.pcap", packets);

        var text = await Fwsim.RunAsync("inspect", path);
        var json = await Fwsim.RunAsync("inspect", "--json", path);

        Assert.True(text.ExitCode == ExitCodes.Ok, text.ToString());
        Assert.Contains("\nformat:           pcap, big-endian, microsecond timestamps\n", text.Out, StringComparison.Ordinal);
        Assert.Contains("\n  #0: EN10MB (1), snaplen 65535, tsresol 1e-6\n", text.Out, StringComparison.Ordinal);
        Assert.Contains("\nfirst packet:     2024-05-01T12:00:00.123456000Z\n", text.Out, StringComparison.Ordinal);
        Assert.Contains("\nprotocols:             tcp        udp       icmp      other\n  IPv4               1          1          1          0\n", text.Out, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(json.Out);
        var file = doc.RootElement.GetProperty("files")[0];
        Assert.Equal("pcap", file.GetProperty("format").GetString());
        Assert.True(file.GetProperty("sections_big_endian")[0].GetBoolean());
        Assert.Equal(3, file.GetProperty("packets").GetInt64());
    }

    [Fact]
    public async Task Pcapng_interfaces_are_listed_with_link_type_name_and_resolution()
    {
        using var tmp = new TempCaptures();
        byte[] rawIp = Frames.Ipv4("192.0.2.1", "192.0.2.2", 17, Frames.Udp(1000, 2000));
        string path = tmp.PcapNg(
            "two.pcapng",
            [(LinkTypes.Ethernet, "eth0", 6), (LinkTypes.Raw, "tun0", 9)],
            [
                (0, new TestPacket(Frames.EthIpv4("10.0.0.1", "10.0.0.2", 6, Frames.Tcp(1, 2)), SampleTraffic.T0 / 1000 * 1000)),
                (1, new TestPacket(rawIp, SampleTraffic.T0 + 5)),
            ]);

        var r = await Fwsim.RunAsync("inspect", path);
        var csv = await Fwsim.RunAsync("inspect", "--packets", path);

        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        Assert.Contains(
            """
            format:           pcapng, little-endian
            sections:         1
            interfaces:       2
              #0: EN10MB (1), snaplen 0, tsresol 1e-6, eth0
              #1: RAW (101), snaplen 0, tsresol 1e-9, tun0
            packets:          2
            """.ReplaceLineEndings("\n"),
            r.Out,
            StringComparison.Ordinal);
        Assert.Equal(
            [
                "1,1714564800.123456000,0,4,10.0.0.1,10.0.0.2,6,1,2,,,0,ok",
                "2,1714564800.123456794,1,4,192.0.2.1,192.0.2.2,17,1000,2000,,,0,ok",
            ],
            csv.OutLines.Skip(1));
    }

    [Fact]
    public async Task Unsupported_link_types_and_odd_records_get_their_own_lines()
    {
        using var tmp = new TempCaptures();

        // Frame Relay is not decoded. The second record claims more captured than original bytes, and
        // its time goes backwards: both are kept and counted.
        string path = tmp.Pcap(
            "frelay.pcap",
            [new([0x18, 0x41, 0x03, 0xcc, 0x45], SampleTraffic.T0), new([0x18, 0x41, 0x03, 0xcc, 0x45], SampleTraffic.T0 - 1, WireLength: 4)],
            linkType: LinkTypes.FrameRelay);

        var r = await Fwsim.RunAsync("inspect", path);
        var json = await Fwsim.RunAsync("inspect", "--json", path);

        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        Assert.Contains("\n  #0: FRELAY (107), snaplen 262144, tsresol 1e-9\n", r.Out, StringComparison.Ordinal);
        Assert.Contains("\nunsupported link: FRELAY (107): 2 frames not decoded\n", r.Out, StringComparison.Ordinal);
        Assert.Contains("\nrecords with captured length > original length: 1\n", r.Out, StringComparison.Ordinal);
        Assert.Contains("\ntimestamps going backwards: 1\n", r.Out, StringComparison.Ordinal);
        Assert.Contains("\nfirst packet:     2024-05-01T12:00:00.123456788Z\nlast packet:      2024-05-01T12:00:00.123456789Z\n", r.Out, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(json.Out);
        var file = doc.RootElement.GetProperty("files")[0];
        Assert.Equal(2, file.GetProperty("unsupported_link_types").GetProperty("107").GetInt64());
        Assert.Equal(1, file.GetProperty("captured_longer_than_wire").GetInt64());
    }

    [Fact]
    public async Task Empty_capture_has_no_time_lines()
    {
        using var tmp = new TempCaptures();
        string path = tmp.Pcap("empty.pcap", []);

        var r = await Fwsim.RunAsync("inspect", path);
        var json = await Fwsim.RunAsync("inspect", "--json", path);

        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        Assert.Contains("\npackets:          0\nbytes:            0 on the wire, 0 captured\nprotocols:", r.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("first packet", r.Out, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(json.Out);
        Assert.False(doc.RootElement.GetProperty("files")[0].TryGetProperty("first_time_ns", out _));
    }

    private static (long, long, long, long) Mix(JsonElement e) =>
        (e.GetProperty("tcp").GetInt64(), e.GetProperty("udp").GetInt64(), e.GetProperty("icmp").GetInt64(), e.GetProperty("other").GetInt64());
}
