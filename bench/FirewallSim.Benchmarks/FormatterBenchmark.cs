using BenchmarkDotNet.Attributes;
using FirewallSim.Config;
using FirewallSim.FlowLogs;
using FirewallSim.Net;
using FirewallSim.Verdicts;

namespace FirewallSim.Benchmarks;

/// <summary>
/// Formatting flow-log records into lines, per record, as flowlogs.log does at every window's end (one
/// thread's share): the default version 2 format, and a version 5 format with every field. Records are
/// <see cref="BenchConfig.TwoTier"/>'s web ENI talking to clients, 85% IPv4 (the generated captures' mix).
/// </summary>
[MemoryDiagnoser]
public class FormatterBenchmark
{
    private const int Records = 4096;
    private const string AllFields =
        "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} " +
        "${start} ${end} ${action} ${log-status} ${vpc-id} ${subnet-id} ${instance-id} ${tcp-flags} ${type} ${pkt-srcaddr} " +
        "${pkt-dstaddr} ${region} ${az-id} ${sublocation-type} ${sublocation-id} ${pkt-src-aws-service} ${pkt-dst-aws-service} " +
        "${flow-direction} ${traffic-path}";

    private readonly FlowRecord[] _records = new FlowRecord[Records];
    private readonly Utf8LineBuilder _line = new();
    private FlowRecordFormatter _formatter = null!;

    [Params("v2", "v5-all")]
    public string Format { get; set; } = "v2";

    [GlobalSetup]
    public void Setup()
    {
        var compiled = CompiledTimeline.Compile(ConfigTimeline.Single(BenchConfig.TwoTier()), EngineOptions.Default);
        _formatter = new FlowRecordFormatter(Format == "v2" ? FlowLogFormat.Default : FlowLogFormat.Parse(AllFields), compiled);
        var rng = new Random(3);
        int web = compiled.Enis.IndexOf("eni-web");
        for (int i = 0; i < Records; i++)
        {
            bool v6 = rng.Next(100) < 15;
            var client = v6
                ? IpAddr.Parse($"2a00:{rng.Next(65536):x}:{rng.Next(65536):x}::{rng.Next(65536):x}")
                : IpAddr.FromV4((uint)rng.Next(0x01000000, 0x7F000000));
            bool egress = rng.Next(2) == 0;
            long start = 1_700_000_040 + rng.Next(60);
            _records[i] = new FlowRecord
            {
                WindowStart = 1_700_000_040,
                Eni = web,
                Direction = egress ? Direction.Egress : Direction.Ingress,
                Action = rng.Next(10) == 0 ? VerdictAction.Reject : VerdictAction.Accept,
                Status = LogStatus.Ok,
                Protocol = 6,
                TcpFlags = 18,
                SrcPort = egress ? (ushort)443 : (ushort)rng.Next(1024, 65536),
                DstPort = egress ? (ushort)rng.Next(1024, 65536) : (ushort)443,
                PktSrc = egress ? (v6 ? IpAddr.Parse("2600:1f18::10") : BenchConfig.Web) : client,
                PktDst = egress ? client : (v6 ? IpAddr.Parse("2600:1f18::10") : BenchConfig.Web),
                Packets = rng.Next(1, 5000),
                Bytes = rng.Next(60, 5_000_000),
                Start = start,
                End = start + rng.Next(60),
            };
        }
    }

    [Benchmark(OperationsPerInvoke = Records)]
    public int FormatRecord()
    {
        var line = _line;
        var formatter = _formatter;
        line.Clear();
        for (int i = 0; i < _records.Length; i++)
        {
            formatter.Append(line, _records[i]);
            line.NewLine();
        }

        return line.Length;
    }
}
