using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using FirewallSim.Cli.Tests.Support;

namespace FirewallSim.Cli.Tests.Reports;

/// <summary>fwsim report's inputs, options, warnings and exit codes.</summary>
public sealed class ReportCommandTests : IClassFixture<ThreeTierReplayFixture>, IDisposable
{
    private readonly ThreeTierReplayFixture _sample;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fwsim-reportcmd-" + Guid.NewGuid().ToString("N"));

    public ReportCommandTests(ThreeTierReplayFixture sample)
    {
        _sample = sample;
        Directory.CreateDirectory(_dir);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task AFileThatIsNotAFlowLogIsExitTwoNamingIt()
    {
        string readme = Write("README.txt", "This is not a flow log.\nJust prose.\n");
        var r = await Fwsim.RunAsync("report", _sample.FlowLogs, readme);
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains(readme + ": not a flow log", r.Err, StringComparison.Ordinal);
        Assert.Equal(string.Empty, r.Out);
    }

    [Fact]
    public async Task ABinaryFileIsNotAFlowLog()
    {
        var r = await Fwsim.RunAsync("report", ThreeTierReplayFixture.Capture);
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains("three-tier.pcap: not a flow log: binary data", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsonThatIsNotCloudWatchEventsIsNotAFlowLog()
    {
        string json = Write("replay-like.jsonl", "{\"tool\":\"fwsim\",\"packets\":3}\n");
        var r = await Fwsim.RunAsync("report", json);
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Assert.Contains("replay-like.jsonl: not a flow log: JSON that is not a CloudWatch Logs event", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingInputsAndBadOptionsAreExitTwo()
    {
        var missing = await Fwsim.RunAsync("report", Path.Combine(_dir, "nope.log"));
        Assert.Equal(ExitCodes.BadInput, missing.ExitCode);
        Assert.Contains("nope.log: no such file or directory", missing.Err, StringComparison.Ordinal);

        var format = await Fwsim.RunAsync("report", _sample.FlowLogs, "--format-string", "${version} ${bogus}");
        Assert.Equal(ExitCodes.BadInput, format.ExitCode);
        Assert.Contains("unknown flow-log field 'bogus'", format.Err, StringComparison.Ordinal);

        var top = await Fwsim.RunAsync("report", _sample.FlowLogs, "--top", "0");
        Assert.Equal(ExitCodes.BadInput, top.ExitCode);

        var summary = await Fwsim.RunAsync("report", _sample.FlowLogs, "--replay-summary", _sample.FlowLogs);
        Assert.Equal(ExitCodes.BadInput, summary.ExitCode);
        Assert.Contains("not a replay summary", summary.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnparsableLinesAreSkippedWithACountAndTheFirstLineNumbers()
    {
        var lines = File.ReadAllLines(_sample.FlowLogs).ToList();
        lines.Insert(3, "2 111122223333 eni-0app0000000000001 not-an-address 10.0.2.20 1 2 6 1 40 1714564803 1714564803 ACCEPT OK");
        lines.Insert(6, "garbage");
        lines.Insert(9, "2 111122223333 eni-0app0000000000001 10.0.2.20 10.0.1.10 8080 45000 6 3 1320 1714564803 1714564803 MAYBE OK");
        string path = Write("damaged.log", string.Join("\n", lines) + "\n");

        var r = await Fwsim.RunAsync("report", path, "--format", "json", "--no-replay-summary");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"skipped 3 lines that are not flow-log records: {path}:4 (srcaddr 'not-an-address' is not an IP address), " +
                        $"{path}:7 (1 fields where the format has 14), {path}:10 (action 'MAYBE' is not ACCEPT or REJECT)", r.Err, StringComparison.Ordinal);
        var report = JsonNode.Parse(r.Out)!;
        Assert.Equal(3, (long)report["skipped"]!["lines"]!);
        Assert.Equal(46, (long)report["records"]!["total"]!);
        Assert.Equal(3, (long)report["inputs"]![0]!["skipped_lines"]!);
    }

    [Fact]
    public async Task GzipAndCustomFieldOrderGiveTheSameNumbers()
    {
        // The same records with the columns shuffled (header names them), gzip-compressed.
        var lines = File.ReadAllLines(_sample.FlowLogs);
        var names = lines[0].Split(' ');
        int[] order = Enumerable.Range(0, names.Length).Reverse().ToArray();
        var sb = new StringBuilder();
        foreach (string line in lines)
        {
            var f = line.Split(' ');
            sb.Append(string.Join(' ', order.Select(i => f[i]))).Append('\n');
        }

        string path = Path.Combine(_dir, "shuffled.log.gz");
        using (var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        {
            gz.Write(Encoding.UTF8.GetBytes(sb.ToString()));
        }

        var plain = await ThreeTierReplayFixture.JsonReportAsync(_sample.FlowLogs, "--no-replay-summary");
        var shuffled = await ThreeTierReplayFixture.JsonReportAsync(path);
        Assert.True((bool)shuffled["inputs"]![0]!["gzip"]!);
        Assert.StartsWith("${log-status} ${action} ${end}", (string)shuffled["inputs"]![0]!["format"]!, StringComparison.Ordinal);
        foreach (string section in new[] { "records", "enis", "top_talkers", "rejected", "time_series" })
        {
            Assert.True(JsonNode.DeepEquals(plain[section], shuffled[section]), section);
        }
    }

    [Fact]
    public async Task HeaderlessCloudWatchStyleLinesNeedNoFormatForTheDefaultAndTakeFormatString()
    {
        // The spec's AWS default-format examples (5.5), no header.
        string aws = Write("aws-default.log",
            "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n" +
            "2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK\n" +
            "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA\n" +
            "2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA\n");
        var report = await ThreeTierReplayFixture.JsonReportAsync(aws);
        Assert.Equal("text-headerless", (string)report["inputs"]![0]!["kind"]!);
        Assert.Equal(4, (long)report["records"]!["total"]!);
        Assert.Equal(1, (long)report["records"]!["no_data"]!);
        Assert.Equal(1, (long)report["records"]!["skip_data"]!);
        var ssh = report["sensitive_ports"]!.AsArray().Single(s => (string)s!["service"]! == "SSH")!;
        Assert.Equal(20, (long)ssh["accepted"]!["packets"]!);
        var rdp = report["sensitive_ports"]!.AsArray().Single(s => (string)s!["service"]! == "RDP")!;
        Assert.Equal(20, (long)rdp["rejected"]!["packets"]!);

        // A custom order without a header needs --format-string.
        string custom = Write("custom.log", "eni-0abc 10.0.0.5 198.51.100.9 443 51000 6 9 900 ACCEPT\n");
        var without = await Fwsim.RunAsync("report", custom);
        Assert.Equal(ExitCodes.BadInput, without.ExitCode);
        Assert.Contains("custom.log: not a flow log", without.Err, StringComparison.Ordinal);
        var with = await ThreeTierReplayFixture.JsonReportAsync(custom, "--format-string",
            "${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${action}");
        Assert.Equal(900, (long)with["top_talkers"]!["ipv4"]!["sources"]!["by_bytes"]![0]!["bytes"]!);
    }

    [Fact]
    public async Task AnS3LayoutFolderIsSearchedRecursively()
    {
        // Two 5-minute files in AWS's folder layout, hidden temporaries ignored.
        string day = Path.Combine(_dir, "bucket", "AWSLogs", "123456789010", "vpcflowlogs", "us-east-1", "2014", "12", "14");
        Directory.CreateDirectory(day);
        const string header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n";
        void Gz(string name, string body)
        {
            using var gz = new GZipStream(File.Create(Path.Combine(day, name)), CompressionLevel.Fastest);
            gz.Write(Encoding.UTF8.GetBytes(header + body));
        }

        Gz("123456789010_vpcflowlogs_us-east-1_fl-1234abcd_20141214T0420Z_fe123456.log.gz",
            "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n");
        Gz("123456789010_vpcflowlogs_us-east-1_fl-1234abcd_20141214T0425Z_ab123456.log.gz",
            "2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.16.21 49761 3389 6 20 4249 1418530310 1418530370 REJECT OK\n");
        File.WriteAllText(Path.Combine(day, ".partial.log.gz.tmp"), "junk");
        var report = await ThreeTierReplayFixture.JsonReportAsync(Path.Combine(_dir, "bucket"));
        Assert.Equal(2, report["inputs"]!.AsArray().Count);
        Assert.Equal(2, (long)report["records"]!["traffic"]!);
        var eni = report["enis"]![0]!;
        Assert.Equal(20, (long)eni["ingress"]!["accept"]!["packets"]!);
        Assert.Equal(20, (long)eni["ingress"]!["reject"]!["packets"]!);
    }

    [Fact]
    public async Task AReplayJsonOfAnotherReplayIsUsedWithAWarning()
    {
        string other = Write("other.log", "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA\n");
        var r = await Fwsim.RunAsync("report", other, "--replay-summary", Path.Combine(_sample.Out, "replay.json"));
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("names none of the flow logs' ENIs", r.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATruncatedGzipFileIsAPartialReadExitThree()
    {
        string full = Path.Combine(_dir, "full.log.gz");
        using (var gz = new GZipStream(File.Create(full), CompressionLevel.Fastest))
        {
            gz.Write(File.ReadAllBytes(_sample.FlowLogs));
        }

        byte[] bytes = File.ReadAllBytes(full);
        string cut = Path.Combine(_dir, "cut.log.gz");
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        var r = await Fwsim.RunAsync("report", cut, "--format", "json");
        Assert.Equal(ExitCodes.PartialRead, r.ExitCode);
        Assert.Contains(cut + ": the gzip data ends early", r.Err, StringComparison.Ordinal);
        Assert.NotNull(JsonNode.Parse(r.Out)!["inputs"]![0]!["error"]);
    }

    [Fact]
    public async Task OutWritesTheFileAtomicallyAndSaysSo()
    {
        string out1 = Path.Combine(_dir, "sub", "report.md");
        var r = await Fwsim.RunAsync("report", _sample.FlowLogs, "--format", "markdown", "--out", out1);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(string.Empty, r.Out);
        Assert.Contains("wrote " + out1, r.Err, StringComparison.Ordinal);
        Assert.StartsWith("# Flow-log report", File.ReadAllText(out1), StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(out1)!, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task HtmlIsSelfContained()
    {
        var r = await Fwsim.RunAsync("report", _sample.FlowLogs, "--format", "html");
        Assert.True(r.ExitCode == 0, r.ToString());
        string html = r.Out;
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        foreach (string external in new[] { "http://", "https://", "src=", "<link", "@import", "url(" })
        {
            // The SVG namespace URI is an identifier, not a fetch.
            Assert.False(html.Replace("http://www.w3.org/2000/svg", string.Empty, StringComparison.Ordinal).Contains(external, StringComparison.Ordinal),
                $"the HTML report refers to something outside itself: {external}");
        }

        var json = await Fwsim.RunAsync("report", _sample.FlowLogs, "--format", "json");
        Assert.Contains("<script type=\"application/json\" id=\"report-data\">" + json.Out.TrimEnd('\n') + "</script>", html, StringComparison.Ordinal);
    }
}
