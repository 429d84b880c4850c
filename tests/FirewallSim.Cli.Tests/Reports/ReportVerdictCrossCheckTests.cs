using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FirewallSim.Cli.Tests.Reports;

/// <summary>
/// The report's per-ENI numbers, computed from the flow logs alone, against an independent recount of
/// the replay's verdict file: ACCEPT and REJECT verdicts per ENI and direction, packets from the verdict
/// lines and bytes from the IP lengths of the frames they name (read here straight from the pcap, D21).
/// DROP verdicts make no flow-log records, so they are left out of the recount.
/// </summary>
public sealed class ReportVerdictCrossCheckTests : IClassFixture<ThreeTierReplayFixture>
{
    private readonly ThreeTierReplayFixture _sample;

    public ReportVerdictCrossCheckTests(ThreeTierReplayFixture sample) => _sample = sample;

    [Fact]
    public async Task PerEniDirectionTotalsEqualTheVerdictRecount()
    {
        var expected = Recount();
        var report = await ThreeTierReplayFixture.JsonReportAsync(_sample.FlowLogs);
        Assert.Equal(0, (long)report["directions"]!["unresolved"]!);
        var seen = new HashSet<string>();
        foreach (var eni in report["enis"]!.AsArray())
        {
            string id = (string)eni!["id"]!;
            seen.Add(id);
            foreach (string dir in new[] { "ingress", "egress" })
            {
                foreach (var (action, key) in new[] { ("ACCEPT", "accept"), ("REJECT", "reject") })
                {
                    var want = expected.GetValueOrDefault((id, dir, action));
                    var got = eni[dir]![key]!;
                    Assert.True(want.Packets == (long)got["packets"]! && want.Bytes == (long)got["bytes"]!,
                        $"{id} {dir} {action}: verdicts say {want.Packets} packets / {want.Bytes} bytes, the report {got["packets"]} / {got["bytes"]}");
                }
            }
        }

        Assert.Equal(expected.Keys.Select(k => k.Eni).ToHashSet(), seen);
    }

    [Fact]
    public async Task WithoutReplayJsonTheInferredDirectionsGiveTheSameEniTotals()
    {
        // No ENI addresses to go by: directions are inferred from the records; every ENI's totals still agree.
        var expected = Recount();
        var report = await ThreeTierReplayFixture.JsonReportAsync(_sample.FlowLogs, "--no-replay-summary");
        Assert.Null(report["replay"]);
        foreach (var eni in report["enis"]!.AsArray())
        {
            string id = (string)eni!["id"]!;
            foreach (var (action, key) in new[] { ("ACCEPT", "accept"), ("REJECT", "reject") })
            {
                long wantPackets = expected.Where(e => e.Key.Eni == id && e.Key.Action == action).Sum(e => e.Value.Packets);
                long wantBytes = expected.Where(e => e.Key.Eni == id && e.Key.Action == action).Sum(e => e.Value.Bytes);
                long gotPackets = 0, gotBytes = 0;
                foreach (string dir in new[] { "ingress", "egress", "unresolved" })
                {
                    gotPackets += (long?)eni[dir]?[key]?["packets"] ?? 0;
                    gotBytes += (long?)eni[dir]?[key]?["bytes"] ?? 0;
                }

                Assert.Equal((wantPackets, wantBytes), (gotPackets, gotBytes));
            }
        }
    }

    [Theory]
    [InlineData("s3")]
    [InlineData("cloudwatch")]
    public async Task TheS3AndCloudWatchLayoutsGiveTheSameReportAsFlowlogsLog(string layout)
    {
        var plain = await ThreeTierReplayFixture.JsonReportAsync(_sample.FlowLogs);
        var other = await ThreeTierReplayFixture.JsonReportAsync(Path.Combine(_sample.Out, layout));
        foreach (string section in new[] { "records", "directions", "enis", "top_talkers", "rejected", "sensitive_ports", "time_series", "replay" })
        {
            Assert.True(JsonNode.DeepEquals(plain[section], other[section]), $"{layout}: '{section}' differs from flowlogs.log's");
        }
    }

    [Fact]
    public async Task AReplayOutputFolderIsReadThroughItsFlowlogsLogOnly()
    {
        // OUT holds the same records three times (flowlogs.log, s3/, cloudwatch/): counting them once is the point.
        var plain = await ThreeTierReplayFixture.JsonReportAsync(_sample.FlowLogs);
        var folder = await ThreeTierReplayFixture.JsonReportAsync(_sample.Out);
        Assert.Single(folder["inputs"]!.AsArray());
        Assert.True(JsonNode.DeepEquals(plain["enis"], folder["enis"]));
    }

    /// <summary>(ENI, direction, ACCEPT|REJECT) → packets and bytes, from verdicts.jsonl and the capture.</summary>
    private Dictionary<(string Eni, string Dir, string Action), (long Packets, long Bytes)> Recount()
    {
        var ipLength = IpLengths(ThreeTierReplayFixture.Capture);
        var totals = new Dictionary<(string, string, string), (long, long)>();
        foreach (string line in File.ReadLines(_sample.Verdicts))
        {
            using var doc = JsonDocument.Parse(line);
            var v = doc.RootElement;
            string action = v.GetProperty("verdict").GetString()!;
            if (action == "DROP")
            {
                continue;
            }

            var key = (v.GetProperty("eni").GetString()!, v.GetProperty("direction").GetString()!, action);
            var (p, b) = totals.GetValueOrDefault(key);
            totals[key] = (p + 1, b + ipLength[v.GetProperty("frame").GetInt64()]);
        }

        return totals;
    }

    /// <summary>Frame number (1-based) → IP total length (IPv6: 40 + payload length), for an Ethernet pcap.</summary>
    private static Dictionary<long, long> IpLengths(string pcap)
    {
        byte[] d = File.ReadAllBytes(pcap);
        Assert.Contains(BinaryPrimitives.ReadUInt32LittleEndian(d), new[] { 0xa1b2c3d4u, 0xa1b23c4du }); // little-endian, micro- or nanoseconds
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(20)));
        var lengths = new Dictionary<long, long>();
        long frame = 0;
        for (int pos = 24; pos + 16 <= d.Length;)
        {
            int caplen = (int)BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(pos + 8));
            var f = d.AsSpan(pos + 16, caplen);
            pos += 16 + caplen;
            frame++;
            int off = 12;
            int type = BinaryPrimitives.ReadUInt16BigEndian(f[off..]);
            while (type is 0x8100 or 0x88a8)
            {
                off += 4;
                type = BinaryPrimitives.ReadUInt16BigEndian(f[off..]);
            }

            var ip = f[(off + 2)..];
            long length = type switch
            {
                0x0800 => BinaryPrimitives.ReadUInt16BigEndian(ip[2..]),
                0x86dd => 40 + BinaryPrimitives.ReadUInt16BigEndian(ip[4..]),
                _ => 0,
            };
            lengths[frame] = length == 0 || (type == 0x86dd && length == 40 && ip.Length > 40) ? ip.Length : length;
        }

        return lengths;
    }
}
