using System.IO.Compression;
using System.Text;
using FirewallSim.FlowLogs;
using FirewallSim.FlowLogs.Reading;
using FirewallSim.Net;

namespace FirewallSim.Tests.Reports;

public sealed class FlowLogReaderTests : IDisposable
{
    // AWS's published default-format records (spec 5.5), including NODATA and SKIPDATA.
    private const string SpecDefaultRecords =
        "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n" +
        "2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK\n" +
        "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA\n" +
        "2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA\n";

    // AWS's version-5 custom-format example (spec 5.5), with the header an S3 file would carry.
    private const string SpecV5Format =
        "${version} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${start} ${end} ${type} ${packets} ${bytes} ${account-id} ${vpc-id} " +
        "${subnet-id} ${instance-id} ${interface-id} ${region} ${az-id} ${sublocation-type} ${sublocation-id} ${action} ${tcp-flags} ${pkt-srcaddr} " +
        "${pkt-dstaddr} ${pkt-src-aws-service} ${pkt-dst-aws-service} ${traffic-path} ${flow-direction} ${log-status}";

    private const string SpecV5Records =
        "5 52.95.128.179 10.0.0.71 80 34210 6 1616729292 1616729349 IPv4 14 15044 123456789012 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b eni-1235b8ca123456789 ap-southeast-2 apse2-az3 - - ACCEPT 19 52.95.128.179 10.0.0.71 S3 - - ingress OK\n" +
        "5 10.0.0.71 52.95.128.179 34210 80 6 1616729292 1616729349 IPv4 7 471 123456789012 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b eni-1235b8ca123456789 ap-southeast-2 apse2-az3 - - ACCEPT 3 10.0.0.71 52.95.128.179 - S3 8 egress OK\n";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fwsim-reader-" + Guid.NewGuid().ToString("N"));

    public FlowLogReaderTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private string WriteGzip(string name, byte[] content)
    {
        string path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        gz.Write(content);
        return path;
    }

    private static (List<(FlowLogRecord Record, RecordLocation At)> Records, FlowLogReadResult Result) Read(FlowLogReaderOptions? options, params string[] files)
    {
        var sink = new ListSink();
        var result = new FlowLogReader(options).Read(files, sink);
        return (sink.Records, result);
    }

    private sealed class ListSink : IFlowLogRecordSink
    {
        public List<(FlowLogRecord, RecordLocation)> Records { get; } = new();

        public void Add(in FlowLogRecord record, in RecordLocation location) => Records.Add((record, location));
    }

    [Fact]
    public void SpecDefaultFormatRecordsWithoutHeaderParseIncludingNoDataAndSkipData()
    {
        var (records, result) = Read(null, Write("default.log", SpecDefaultRecords));
        Assert.Equal(FlowLogFileKind.Headerless, result.Files[0].Kind);
        Assert.Equal(4, records.Count);
        Assert.Equal(0, result.SkippedLines);

        var accept = records[0].Record;
        Assert.Equal(2, accept.Version);
        Assert.Equal("123456789010", accept.AccountId);
        Assert.Equal("eni-1235b8ca123456789", accept.InterfaceId);
        Assert.Equal(IpAddr.Parse("172.31.16.139"), accept.SrcAddr);
        Assert.Equal((20641, 22, 6), (accept.SrcPort, accept.DstPort, accept.Protocol));
        Assert.Equal((20L, 4249L, 1418530010L, 1418530070L), (accept.Packets, accept.Bytes, accept.Start, accept.End));
        Assert.Equal((RecordAction.Accept, RecordStatus.Ok), (accept.Action, accept.Status));
        Assert.Equal(RecordAction.Reject, records[1].Record.Action);

        var noData = records[2].Record;
        Assert.Equal((RecordAction.None, RecordStatus.NoData), (noData.Action, noData.Status));
        Assert.True(noData.SrcAddr.IsNone);
        Assert.Null(noData.Packets);
        Assert.Equal(1431280876, noData.Start);
        Assert.False(noData.IsTraffic);
        Assert.Equal(RecordStatus.SkipData, records[3].Record.Status);
        Assert.Equal(4, records[3].At.Line);
    }

    [Fact]
    public void SpecVersion5CustomFormatExampleWithItsHeaderParses()
    {
        string header = FlowLogFormat.Parse(SpecV5Format).Header;
        var (records, result) = Read(null, Write("v5.log", header + "\n" + SpecV5Records));
        Assert.Equal(FlowLogFileKind.Header, result.Files[0].Kind);
        Assert.Equal(SpecV5Format, result.Files[0].Format);
        Assert.Equal(2, records.Count);

        var ingress = records[0].Record;
        Assert.Equal(5, ingress.Version);
        Assert.Equal(RecordDirection.Ingress, ingress.Direction);
        Assert.Equal(19, ingress.TcpFlags);
        Assert.Equal((14L, 15044L), (ingress.Packets, ingress.Bytes));
        Assert.Equal(IpAddr.Parse("52.95.128.179"), ingress.PktSrcAddr);
        Assert.Equal("eni-1235b8ca123456789", ingress.InterfaceId);
        var egress = records[1].Record;
        Assert.Equal(RecordDirection.Egress, egress.Direction);
        Assert.Equal(3, egress.TcpFlags);
        Assert.Equal(3, records[1].At.Line);
    }

    [Fact]
    public void HeaderColumnsMapByNameInAnyOrderAndUnderscoresAreAccepted()
    {
        string path = Write("custom.log",
            "action log_status bytes packets interface_id dstport srcport protocol dstaddr srcaddr\n" +
            "REJECT OK 40 1 eni-0abc 22 61000 6 10.0.1.5 192.0.2.66\r\n");
        var (records, _) = Read(null, path);
        var r = Assert.Single(records).Record;
        Assert.Equal((RecordAction.Reject, 40L, 1L, "eni-0abc", 22, 61000), (r.Action, r.Bytes, r.Packets, r.InterfaceId, r.DstPort, r.SrcPort));
        Assert.Equal(IpAddr.Parse("192.0.2.66"), r.SrcAddr);
        Assert.Null(r.Start);
    }

    [Fact]
    public void ConcatenatedFilesRepeatTheHeaderAndEachNamesItsColumns()
    {
        string path = Write("cat.log",
            "interface-id packets action\neni-a 3 ACCEPT\n\ninterface-id action packets\neni-b REJECT 5\n");
        var (records, result) = Read(null, path);
        Assert.Equal(0, result.SkippedLines);
        Assert.Equal(("eni-b", 5L, RecordAction.Reject), (records[1].Record.InterfaceId, records[1].Record.Packets, records[1].Record.Action));
    }

    [Fact]
    public void GzipFilesAreReadAndAHeaderOnlyFileIsAnEmptyFlowLog()
    {
        string gz = WriteGzip("a.log.gz", Encoding.UTF8.GetBytes(FlowLogFormat.Default.Header + "\n" + SpecDefaultRecords));
        string empty = Write("b.log", FlowLogFormat.Default.Header + "\n");
        var (records, result) = Read(null, gz, empty);
        Assert.Equal(4, records.Count);
        Assert.True(result.Files[0].Gzip);
        Assert.Equal(0, result.Files[1].Records);
    }

    [Fact]
    public void GzipThatBreaksOffPartWayKeepsTheRecordsBeforeAndReportsTheFile()
    {
        var text = new StringBuilder(FlowLogFormat.Default.Header + "\n");
        for (int i = 0; i < 5000; i++)
        {
            text.Append("2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n");
        }

        string full = WriteGzip("full.log.gz", Encoding.UTF8.GetBytes(text.ToString()));
        byte[] bytes = File.ReadAllBytes(full);
        string cut = Path.Combine(_dir, "cut.log.gz");
        File.WriteAllBytes(cut, bytes[..(bytes.Length * 2 / 3)]);
        var (records, result) = Read(null, cut);
        Assert.InRange(records.Count, 1, 4999);
        Assert.Contains(cut, Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void UnparsableLinesAreSkippedCountedAndTheFirstFewLocated()
    {
        var sb = new StringBuilder(FlowLogFormat.Default.Header + "\n");
        for (int i = 0; i < 8; i++)
        {
            sb.Append(i % 2 == 0 ? "2 1 eni-a 10.0.0.1 10.0.0.2 1 2 6 3 4 5 6 ACCEPT OK\n" : "2 1 eni-a 10.0.0.1 10.0.0.2 1 2 6 x 4 5 6 ACCEPT OK\n");
        }

        sb.Append("2 1 eni-a 10.0.0.1 10.0.0.2 1 70000 6 3 4 5 6 ACCEPT OK\n");
        string path = Write("bad.log", sb.ToString());
        var (records, result) = Read(null, path);
        Assert.Equal(4, records.Count);
        Assert.Equal(5, result.SkippedLines);
        Assert.Equal(new[] { 3L, 5, 7, 9, 10 }, result.FirstSkipped.Select(s => s.Location.Line));
        Assert.Equal("packets 'x' is not a number", result.FirstSkipped[0].Reason);
        Assert.Equal("dstport 70000 is out of range", result.FirstSkipped[4].Reason);
        Assert.Equal(5, result.Files[0].SkippedLines);
    }

    [Fact]
    public void CloudWatchJsonLinesUseTheFormatOfTheReplayBesideThem()
    {
        // OUT/cloudwatch/eni-…-all.jsonl with OUT/replay.json naming a custom format.
        Write("out/replay.json", """{"flow_log": {"format": "${interface-id} ${srcaddr} ${dstaddr} ${packets} ${action} ${flow-direction}"}}""");
        string events = Write("out/cloudwatch/eni-a-all.jsonl",
            "{\"timestamp\":1714564803000,\"message\":\"eni-a 10.0.0.1 10.0.0.2 7 ACCEPT egress\"}\n" +
            "{\"timestamp\":1714564803000,\"nomessage\":1}\n" +
            "not json\n");
        Assert.Equal(Path.Combine(_dir, "out", "replay.json"), FlowLogReader.FindReplaySummary(events));
        var (records, result) = Read(null, events);
        Assert.Equal(FlowLogFileKind.CloudWatchJson, result.Files[0].Kind);
        var r = Assert.Single(records).Record;
        Assert.Equal((7L, RecordDirection.Egress), (r.Packets, r.Direction));
        Assert.Equal(2, result.SkippedLines);
    }

    [Fact]
    public void CloudWatchJsonLinesTakeAnExplicitFormat()
    {
        string events = Write("cw.jsonl", "{\"timestamp\":1,\"message\":\"10.0.0.1 10.0.0.2 ACCEPT\",\"ingestionTime\":2}\n");
        var format = FlowLogFormat.Parse("${srcaddr} ${dstaddr} ${action}");
        var (records, _) = Read(new FlowLogReaderOptions { HeaderlessFormat = format }, events);
        Assert.Equal(IpAddr.Parse("10.0.0.2"), Assert.Single(records).Record.DstAddr);
        Assert.Throws<FlowLogInputException>(() => Read(null, events));
    }

    [Theory]
    [InlineData("prose.log", "Dear reader,\nthis is not a flow log.\n", "not a flow log: line 1 is neither a header line")]
    [InlineData("empty.log", "\n\n", "not a flow log: it is empty")]
    [InlineData("other.jsonl", "[1, 2, 3]\n", "not a flow log")]
    [InlineData("object.jsonl", "{\"tool\": \"fwsim\"}\n", "not a flow log: JSON that is not a CloudWatch Logs event (no \"message\" string)")]
    public void FilesThatAreNotFlowLogsAreErrorsNamingThem(string name, string content, string message)
    {
        string path = Write(name, content);
        var ex = Assert.Throws<FlowLogInputException>(() => Read(null, path));
        Assert.StartsWith(path + ": ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BinaryFilesAndGzippedBinaryAreNotFlowLogs()
    {
        string bin = Path.Combine(_dir, "x.log");
        File.WriteAllBytes(bin, new byte[] { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0 });
        Assert.Contains("binary data", Assert.Throws<FlowLogInputException>(() => Read(null, bin)).Message, StringComparison.Ordinal);
        string gz = WriteGzip("y.log.gz", new byte[] { 1, 2, 0, 4, 0xff });
        Assert.Contains("binary data inside the gzip stream", Assert.Throws<FlowLogInputException>(() => Read(null, gz)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DirectoriesExpandToFlowLogFilesAndReplayFoldersToOneLayout()
    {
        Write("s3/AWSLogs/1/vpcflowlogs/r/2024/05/01/b.log.gz", "x");
        Write("s3/AWSLogs/1/vpcflowlogs/r/2024/05/01/a.log", "x");
        Write("s3/AWSLogs/1/vpcflowlogs/r/2024/05/01/.a.log.tmp", "x");
        Write("s3/AWSLogs/1/vpcflowlogs/r/2024/05/01/notes.md", "x");
        var files = FlowLogReader.ExpandInputs(new[] { Path.Combine(_dir, "s3") }, out var errors);
        Assert.Empty(errors);
        Assert.Equal(new[] { "a.log", "b.log.gz" }, files.Select(Path.GetFileName));

        Write("replay/replay.json", "{}");
        Write("replay/flowlogs.log", "x");
        Write("replay/cloudwatch/eni-a-all.jsonl", "x");
        Assert.Equal(new[] { Path.Combine(_dir, "replay", "flowlogs.log") }, FlowLogReader.ExpandInputs(new[] { Path.Combine(_dir, "replay") }, out _));

        FlowLogReader.ExpandInputs(new[] { Path.Combine(_dir, "missing"), Path.Combine(_dir, "s3", "AWSLogs", "1", "vpcflowlogs", "r", "2024", "05", "01", "notes.md") }, out errors);
        Assert.Single(errors);
    }
}
