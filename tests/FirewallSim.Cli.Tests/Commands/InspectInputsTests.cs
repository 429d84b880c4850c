using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;
using FirewallSim.Cli.Tests.Support;

namespace FirewallSim.Cli.Tests.Commands;

/// <summary>
/// What <c>fwsim inspect</c> accepts as input (files, directories, "-" for standard input) and how it
/// ends: 0 when everything was read, 2 for input that is not a capture or does not exist, 3 for a
/// capture that breaks off part-way (the packets before the break still count).
/// </summary>
public sealed partial class InspectInputsTests
{
    /// <summary>Offset of the third record of <see cref="SampleTraffic"/> (the 42-byte ICMP echo): file header, then two 54-byte frames with their record headers.</summary>
    private const long ThirdRecord = 24 + (16 + 54) + (16 + 54);

    [Fact]
    public async Task Directory_contributes_its_visible_files_in_sorted_order()
    {
        using var tmp = new TempCaptures();
        var packets = SampleTraffic.Packets();
        tmp.Pcap("b.pcap", packets.Take(1));
        tmp.Pcap("a.pcap", packets.Take(2));
        tmp.Pcap("C.pcap", packets.Take(3));
        tmp.Pcap(".hidden.pcap", packets.Take(4));
        tmp.Pcap(Path.Combine("sub", "z.pcap"), packets.Take(5));

        var r = await Fwsim.RunAsync("inspect", tmp.Dir);
        var lines = await Fwsim.RunAsync("inspect", "--packets", "--json", tmp.Dir);

        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());

        // Ordinal order ("C" before "a"); no hidden files, no descent into subdirectories.
        Assert.Equal(
            [(tmp.PathOf("C.pcap"), "3"), (tmp.PathOf("a.pcap"), "2"), (tmp.PathOf("b.pcap"), "1")],
            FileAndPacketLines().Matches(r.Out).Select(m => (m.Groups[1].Value, m.Groups[2].Value)));
        Assert.Equal(
            [tmp.PathOf("C.pcap"), tmp.PathOf("a.pcap"), tmp.PathOf("b.pcap")],
            lines.OutLines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("file").GetString()).Distinct());
    }

    [Fact]
    public async Task Empty_directory_is_bad_input()
    {
        using var tmp = new TempCaptures();

        var r = await Fwsim.RunAsync("inspect", tmp.Dir);

        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Equal($"fwsim: error: {tmp.Dir}: directory holds no capture files\n", r.Err);
        Assert.Equal(string.Empty, r.Out);
    }

    [Fact]
    public async Task Standard_input_is_read_when_the_file_is_a_dash()
    {
        byte[] capture = TempCaptures.PcapBytes(SampleTraffic.Packets());

        var packets = await Fwsim.RunProcessAsync(capture, "inspect", "--packets", "-");
        var summary = await Fwsim.RunProcessAsync(capture, "inspect", "-");

        Assert.True(packets.ExitCode == ExitCodes.Ok, packets.ToString());
        Assert.Equal(InspectPacketsTests.CsvHeader + "\n" + string.Join("\n", InspectPacketsTests.SampleRows) + "\n", packets.Out);
        Assert.True(summary.ExitCode == ExitCodes.Ok, summary.ToString());
        Assert.StartsWith("file:             <stdin>\nformat:           pcap, little-endian, nanosecond timestamps\n", summary.Out, StringComparison.Ordinal);
        Assert.Contains("\npackets:          12\n", summary.Out, StringComparison.Ordinal);
        Assert.Contains("\nread:             complete\n", summary.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gzip_on_standard_input_is_decompressed_like_a_gzip_file()
    {
        byte[] capture = TempCaptures.PcapBytes(SampleTraffic.Packets());
        using var ms = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(ms, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            gz.Write(capture);
        }

        var plain = await Fwsim.RunProcessAsync(capture, "inspect", "--packets", "-");
        var zipped = await Fwsim.RunProcessAsync(ms.ToArray(), "inspect", "--packets", "-");

        Assert.True(zipped.ExitCode == ExitCodes.Ok, zipped.ToString());
        Assert.Equal(plain.Out, zipped.Out);
        Assert.Equal(13, zipped.OutLines.Length); // header + 12 packets
    }

    [Fact]
    public async Task Standard_input_cut_short_is_a_partial_read_at_its_offset()
    {
        byte[] capture = TempCaptures.PcapBytes(SampleTraffic.Packets());

        var r = await Fwsim.RunProcessAsync(capture[..(int)(ThirdRecord + 16 + 10)], "inspect", "-");

        Assert.True(r.ExitCode == ExitCodes.PartialRead, r.ToString());
        Assert.Equal($"fwsim: error: <stdin>: record 3 truncated: 10 of 42 packet bytes present (at byte offset {ThirdRecord}); 2 packets before it were read\n", r.Err);
        Assert.Contains("\npackets:          2\n", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_file_at_all_is_a_usage_error()
    {
        var r = await Fwsim.RunAsync("inspect");

        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.StartsWith("fwsim: error: ", r.Err, StringComparison.Ordinal);
        Assert.Contains("Run 'fwsim --help' (or 'fwsim COMMAND --help') for usage.", r.Err, StringComparison.Ordinal);
        Assert.Equal(string.Empty, r.Out);
    }

    [Fact]
    public async Task Standard_input_can_be_named_only_once()
    {
        var r = await Fwsim.RunAsync("inspect", "-", "-");

        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains("standard input ('-') can be given only once", r.Err, StringComparison.Ordinal);
        Assert.Equal(string.Empty, r.Out);
    }

    [Fact]
    public async Task Missing_file_is_bad_input_and_nothing_is_read()
    {
        using var tmp = new TempCaptures();
        string good = tmp.Pcap("good.pcap", SampleTraffic.Packets());
        string missing = tmp.PathOf("missing.pcap");

        var r = await Fwsim.RunAsync("inspect", good, missing);

        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Equal($"fwsim: error: {missing}: no such file or directory\n", r.Err);
        Assert.Equal(string.Empty, r.Out);
    }

    [Theory]
    [InlineData("text", "not a pcap or pcapng file (first bytes 6c6c6568)")]
    [InlineData("empty", "empty input: not a pcap or pcapng file")]
    [InlineData("pcap-1.4", "unsupported pcap version 1.4 (only 2.x exists)")]
    public async Task Non_capture_file_is_bad_input_with_file_and_offset(string kind, string message)
    {
        using var tmp = new TempCaptures();
        string path = tmp.PathOf(kind + ".pcap");
        byte[] pcap14 = TempCaptures.PcapBytes([]);
        pcap14[4] = 1;
        File.WriteAllBytes(path, kind switch
        {
            "text" => "hello, this is not a capture\n"u8.ToArray(),
            "empty" => [],
            _ => pcap14,
        });
        long offset = kind == "pcap-1.4" ? 4 : 0;

        var r = await Fwsim.RunAsync("inspect", path);
        var json = await Fwsim.RunAsync("inspect", "--json", path);

        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Equal($"fwsim: error: {path}: {message} (at byte offset {offset})\n", r.Err);
        Assert.Contains($"\npackets:          0\n", r.Out, StringComparison.Ordinal);
        Assert.Contains($"\nread:             stopped: {message} at byte offset {offset}\n", r.Out, StringComparison.Ordinal);

        Assert.Equal(ExitCodes.BadInput, json.ExitCode);
        using var doc = JsonDocument.Parse(json.Out);
        var error = doc.RootElement.GetProperty("files")[0].GetProperty("error");
        Assert.Equal("not-a-capture", error.GetProperty("kind").GetString());
        Assert.Equal(offset, error.GetProperty("offset").GetInt64());
        Assert.Equal(message, error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Capture_truncated_mid_record_is_a_partial_read_that_counts_the_packets_before()
    {
        using var tmp = new TempCaptures();
        byte[] whole = TempCaptures.PcapBytes(SampleTraffic.Packets());
        string path = tmp.PathOf("cut.pcap");
        File.WriteAllBytes(path, whole[..(int)(ThirdRecord + 16 + 10)]);

        var r = await Fwsim.RunAsync("inspect", path);
        var json = await Fwsim.RunAsync("inspect", "--json", path);
        var packets = await Fwsim.RunAsync("inspect", "--packets", path);

        string message = "record 3 truncated: 10 of 42 packet bytes present";
        Assert.Equal(ExitCodes.PartialRead, r.ExitCode);
        Assert.Equal($"fwsim: error: {path}: {message} (at byte offset {ThirdRecord}); 2 packets before it were read\n", r.Err);
        Assert.Contains("\npackets:          2\nbytes:            108 on the wire, 108 captured\n", r.Out, StringComparison.Ordinal);
        Assert.Contains("\n  IPv4               1          1          0          0\n", r.Out, StringComparison.Ordinal);
        Assert.Contains($"\nread:             stopped: {message} at byte offset {ThirdRecord}\n", r.Out, StringComparison.Ordinal);

        Assert.Equal(ExitCodes.PartialRead, json.ExitCode);
        using var doc = JsonDocument.Parse(json.Out);
        var file = doc.RootElement.GetProperty("files")[0];
        Assert.Equal(2, file.GetProperty("packets").GetInt64());
        Assert.Equal("truncated", file.GetProperty("error").GetProperty("kind").GetString());
        Assert.Equal(ThirdRecord, file.GetProperty("error").GetProperty("offset").GetInt64());

        // --packets prints the two packets it read, then stops with the same error.
        Assert.Equal(ExitCodes.PartialRead, packets.ExitCode);
        Assert.Equal([InspectPacketsTests.CsvHeader, .. InspectPacketsTests.SampleRows[..2]], packets.OutLines);
        Assert.Equal(r.Err, packets.Err);
    }

    [Fact]
    public async Task Capture_truncated_in_a_record_header_is_a_partial_read_too()
    {
        using var tmp = new TempCaptures();
        byte[] whole = TempCaptures.PcapBytes(SampleTraffic.Packets());
        string path = tmp.PathOf("cut-header.pcap");
        File.WriteAllBytes(path, whole[..(int)(ThirdRecord + 8)]);

        var r = await Fwsim.RunAsync("inspect", path);

        Assert.Equal(ExitCodes.PartialRead, r.ExitCode);
        Assert.Equal($"fwsim: error: {path}: record header truncated (8 of 16 bytes) after packet 2 (at byte offset {ThirdRecord}); 2 packets before it were read\n", r.Err);
        Assert.Contains("\npackets:          2\n", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gzip_compressed_capture_is_read_transparently()
    {
        using var tmp = new TempCaptures();
        string path = tmp.PathOf("mixed.pcap.gz");
        File.WriteAllBytes(path, Gzip(TempCaptures.PcapBytes(SampleTraffic.Packets())));

        var r = await Fwsim.RunAsync("inspect", "--packets", path);

        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        Assert.Equal([InspectPacketsTests.CsvHeader, .. InspectPacketsTests.SampleRows], r.OutLines);
    }

    [Fact]
    public async Task Gzip_capture_cut_short_is_a_partial_read()
    {
        using var tmp = new TempCaptures();
        byte[] whole = TempCaptures.PcapBytes(SampleTraffic.Packets());
        string path = tmp.PathOf("cut.pcap.gz");
        File.WriteAllBytes(path, Gzip(whole[..(int)(ThirdRecord + 16 + 10)]));

        var r = await Fwsim.RunAsync("inspect", path);

        Assert.Equal(ExitCodes.PartialRead, r.ExitCode);
        Assert.Equal($"fwsim: error: {path}: record 3 truncated: 10 of 42 packet bytes present (at byte offset {ThirdRecord}); 2 packets before it were read\n", r.Err);
    }

    [Fact]
    public async Task Corrupt_gzip_data_is_reported_like_any_broken_capture()
    {
        using var tmp = new TempCaptures();

        // Valid gzip header, then a deflate block of the reserved type 3: decompression fails at once.
        string garbage = tmp.PathOf("garbage.pcap.gz");
        File.WriteAllBytes(garbage, [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 0x07, 0, 0, 0, 0, 0, 0, 0]);

        // Two good records in one gzip member, then a second member whose first deflate block is of that
        // reserved type: the reader gets the two packets, then decompression fails at byte ThirdRecord.
        byte[] twoRecords = TempCaptures.PcapBytes(SampleTraffic.Packets().Take(2));
        string damaged = tmp.PathOf("damaged.pcap.gz");
        File.WriteAllBytes(damaged, [.. Gzip(twoRecords), .. File.ReadAllBytes(garbage)]);

        var g = await Fwsim.RunAsync("inspect", garbage);
        var d = await Fwsim.RunAsync("inspect", damaged);

        // Not an unexpected failure (exit 1) but the file named with the place decompression failed.
        Assert.True(g.ExitCode == ExitCodes.BadInput, g.ToString());
        Assert.Matches($@"^fwsim: error: {Regex.Escape(garbage)}: gzip data is corrupt after 0 decompressed bytes \(.+\) \(at byte offset 0\)\n$", g.Err);
        Assert.True(d.ExitCode == ExitCodes.PartialRead, d.ToString());
        Assert.Matches($@"^fwsim: error: {Regex.Escape(damaged)}: gzip data is corrupt after {ThirdRecord} decompressed bytes \(.+\) \(at byte offset {ThirdRecord}\); 2 packets before it were read\n$", d.Err);
        Assert.Contains("\npackets:          2\n", d.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Several_files_end_with_the_worst_outcome()
    {
        using var tmp = new TempCaptures();
        string good = tmp.Pcap("good.pcap", SampleTraffic.Packets());
        string text = tmp.PathOf("text.pcap");
        File.WriteAllText(text, "not a capture");
        string cut = tmp.PathOf("cut.pcap");
        File.WriteAllBytes(cut, TempCaptures.PcapBytes(SampleTraffic.Packets())[..(int)(ThirdRecord + 20)]);

        Assert.Equal(ExitCodes.Ok, (await Fwsim.RunAsync("inspect", good, good)).ExitCode);
        var bad = await Fwsim.RunAsync("inspect", good, text);
        Assert.Equal(ExitCodes.BadInput, bad.ExitCode);
        Assert.Equal(2, FileAndPacketLines().Matches(bad.Out).Count); // both summaries are still printed
        Assert.Equal(ExitCodes.PartialRead, (await Fwsim.RunAsync("inspect", text, cut)).ExitCode);
        Assert.Equal(ExitCodes.PartialRead, (await Fwsim.RunAsync("inspect", cut, good)).ExitCode);
    }

    private static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true))
        {
            gz.Write(data);
        }

        return ms.ToArray();
    }

    [GeneratedRegex(@"^file:\s+(.+)\n(?:.*\n)*?packets:\s+(\d+)$", RegexOptions.Multiline)]
    private static partial Regex FileAndPacketLines();
}
