using System.Diagnostics;
using FirewallSim.Cli.Tests.Support;
using FirewallSim.Tests.Support;

namespace FirewallSim.Cli.Tests.Live;

/// <summary>
/// fwsim live on a real veth pair between two namespaces the test creates, with real traffic (ping, an
/// HTTP server and curl, nc over UDP, tcpreplay) flowing only between those namespaces.
/// </summary>
[Collection("live")] // one lab at a time: the machine has two cores and the tests measure what was captured
public sealed class LiveCaptureTests : IDisposable
{
    private static readonly TimeSpan Exit = TimeSpan.FromSeconds(60);
    private readonly LiveLab _lab = new();

    public void Dispose() => _lab.Dispose();

    private string Out => Path.Combine(_lab.Dir, "out");

    private string[] Records(string file = "flowlogs.log") =>
        File.ReadAllLines(Path.Combine(Out, file)).Skip(1).ToArray();

    private static string Format => "${interface-id} ${flow-direction} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${action} ${log-status}";

    [LiveFact("ping", "curl", "nc", "python3")]
    public void RealTrafficBetweenNamespacesBecomesFlowLogRecordsAndVerdicts()
    {
        string config = _lab.WriteConfig(
            "{proto: tcp, ports: 8080, from: sg-a}",
            "{proto: udp, ports: 9999, from: 10.99.0.10/32}",
            "{proto: icmp, type: 8, code: -1, from: 10.99.0.0/24}");
        var http = _lab.InNsBackground(_lab.NsB, $"python3 -m http.server 8080 --bind {LiveLab.IpB}");
        var udp = _lab.InNsBackground(_lab.NsB, "nc -u -l 9999");
        WaitForListener(_lab.NsB, "8080");
        using var fwsim = _lab.StartFwsim("--config", config, "--out", Out, "--rotate-seconds", "0", "--flow-log-format", Format,
            "--verdicts", Path.Combine(Out, "verdicts.jsonl"), "--stats-interval", "1");

        _lab.InNs(_lab.NsA, $"ping -c 3 -i 0.2 {LiveLab.IpB}");
        string page = _lab.InNs(_lab.NsA, $"curl -s -o /dev/null -w %{{http_code}} http://{LiveLab.IpB}:8080/");
        Assert.Equal("200", page.Trim());
        _lab.InNs(_lab.NsA, $"sh -c 'echo hello | nc -u -w 1 {LiveLab.IpB} 9999'");
        _lab.InNs(_lab.NsA, $"curl -s -m 2 http://{LiveLab.IpB}:8081/", check: false); // refused, and not allowed by sg-b
        Thread.Sleep(1500);

        Assert.Equal(0, fwsim.Terminate(Exit));
        var records = Records();
        string log = fwsim.Log;

        // ICMP echo A→B: egress on A, ingress on B, both accepted; the replies leave B through tracking.
        AssertPackets(records, $"eni-a egress {LiveLab.IpA} {LiveLab.IpB} 0 0 1", "ACCEPT", 3);
        AssertPackets(records, $"eni-b ingress {LiveLab.IpA} {LiveLab.IpB} 0 0 1", "ACCEPT", 3);
        AssertPackets(records, $"eni-b egress {LiveLab.IpB} {LiveLab.IpA} 0 0 1", "ACCEPT", 3);

        // HTTP to 8080 accepted both ways on B (sg-a reference in, tracked replies out).
        Assert.Contains(records, r => r.StartsWith("eni-b ingress", StringComparison.Ordinal) && r.Contains(" 8080 6 ", StringComparison.Ordinal) && r.EndsWith("ACCEPT OK", StringComparison.Ordinal));
        Assert.Contains(records, r => r.StartsWith($"eni-b egress {LiveLab.IpB} {LiveLab.IpA} 8080 ", StringComparison.Ordinal) && r.EndsWith("ACCEPT OK", StringComparison.Ordinal));

        // UDP to 9999 accepted on B's ingress.
        Assert.Contains(records, r => r.StartsWith("eni-b ingress", StringComparison.Ordinal) && r.Contains(" 9999 17 ", StringComparison.Ordinal) && r.EndsWith("ACCEPT OK", StringComparison.Ordinal));

        // 8081 has no rule: B rejects the SYN (and the kernel's RST, which no tracked connection allows).
        Assert.Contains(records, r => r.StartsWith("eni-b ingress", StringComparison.Ordinal) && r.Contains(" 8081 6 ", StringComparison.Ordinal) && r.EndsWith("REJECT OK", StringComparison.Ordinal));

        // The verdict file agrees with the records, and the periodic statistics were logged.
        string verdicts = File.ReadAllText(Path.Combine(Out, "verdicts.jsonl"));
        Assert.Contains("\"dport\":8081,\"verdict\":\"REJECT\",\"reason\":\"rejected-no-matching-rule\"", verdicts);
        Assert.Contains("\"reason\":\"allowed-by-tracked-connection\"", verdicts);
        Assert.Contains("packets/s", log);
        Assert.Contains("kernel-dropped", log);
        Assert.True(File.Exists(Path.Combine(Out, "replay.json")));
        GC.KeepAlive(http);
        GC.KeepAlive(udp);
    }

    [LiveFact("ping")]
    public void SigtermInTheMiddleOfAWindowFlushesThePartialWindow()
    {
        string config = _lab.WriteConfig("{proto: icmp, type: -1, code: -1, from: 10.99.0.0/24}");
        using var fwsim = _lab.StartFwsim("--config", config, "--out", Out, "--rotate-seconds", "0", "--interval", "600", "--flow-log-format", Format);
        _lab.InNs(_lab.NsA, $"ping -c 2 -i 0.2 {LiveLab.IpB}");
        Thread.Sleep(500);

        // A 600 s window cannot have closed yet: everything below comes from the flush on SIGTERM.
        Assert.Equal(0, fwsim.Terminate(Exit));
        var records = Records();
        AssertPackets(records, $"eni-a egress {LiveLab.IpA} {LiveLab.IpB} 0 0 1", "ACCEPT", 2);
        AssertPackets(records, $"eni-b ingress {LiveLab.IpA} {LiveLab.IpB} 0 0 1", "ACCEPT", 2);
        Assert.DoesNotContain(Directory.GetFiles(Out, "*.tmp*", SearchOption.AllDirectories), f => true);
    }

    [LiveFact("ping")]
    public void DeletingTheInterfaceEndsCleanlyWithEveryRecordWritten()
    {
        string config = _lab.WriteConfig("{proto: icmp, type: -1, code: -1, from: 10.99.0.0/24}");
        using var fwsim = _lab.StartFwsim("--config", config, "--out", Out, "--rotate-seconds", "0", "--flow-log-format", Format);
        _lab.InNs(_lab.NsA, $"ping -c 3 -i 0.2 {LiveLab.IpB}");
        Thread.Sleep(500);
        LiveLab.Sh($"ip -n {_lab.NsA} link del {_lab.VethA}");

        int exit = fwsim.WaitForExit(Exit);
        Assert.True(exit == 1, $"expected exit 1 after the interface vanished, got {exit}\n{fwsim.Log}");
        Assert.Contains("Capture stopped", fwsim.Log);
        var records = Records();
        AssertPackets(records, $"eni-a egress {LiveLab.IpA} {LiveLab.IpB} 0 0 1", "ACCEPT", 3);
        AssertPackets(records, $"eni-b egress {LiveLab.IpB} {LiveLab.IpA} 0 0 1", "ACCEPT", 3);
    }

    [LiveFact("ping", "nc")]
    public void BpfFilterKeepsOnlyMatchingPackets()
    {
        string config = _lab.WriteConfig("{proto: icmp, type: -1, code: -1, from: 10.99.0.0/24}", "{proto: udp, ports: 9999, from: 10.99.0.0/24}");
        using var fwsim = _lab.StartFwsim("--config", config, "--out", Out, "--rotate-seconds", "0", "--flow-log-format", Format, "--filter", "icmp");
        _lab.InNs(_lab.NsA, $"ping -c 2 -i 0.2 {LiveLab.IpB}");
        _lab.InNs(_lab.NsA, $"sh -c 'echo hello | nc -u -w 1 {LiveLab.IpB} 9999'", check: false);
        Thread.Sleep(500);
        Assert.Equal(0, fwsim.Terminate(Exit));
        var records = Records().Where(r => !r.EndsWith("NODATA", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(records);
        Assert.All(records, r => Assert.Contains(" 0 0 1 ", r)); // ICMP only: the UDP datagram never reached the engine
    }

    [LiveFact("setpriv")]
    public void WithoutCaptureRightsTheErrorSaysWhatIsNeeded()
    {
        string config = _lab.WriteConfig();
        string dll = Fwsim.ExecutablePath();
        var start = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", LiveLab.DotnetHost(), dll, "live", "-i", "lo", "--config", config, "--out", Path.Combine(Path.GetTempPath(), "fwsim-noperm") })
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["HOME"] = Path.GetTempPath();
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var p = Process.Start(start)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), output);
        Assert.True(p.ExitCode == 2, $"exit {p.ExitCode}: {output}");
        Assert.Contains("permission denied capturing on lo", output);
        Assert.Contains("CAP_NET_RAW", output);
    }

    [LiveFact("tcpreplay")]
    public void TcpreplayOfTheSampleIsJudgedAsInReplay()
    {
        string capture = Path.Combine(TestPaths.Samples, "pcaps", "three-tier.pcap");
        string config = Path.Combine(TestPaths.Samples, "config", "three-tier");
        using var fwsim = _lab.StartFwsim("--config", config, "--out", Out, "--rotate-seconds", "0", "--flow-log-format", Format);
        _lab.InNs(_lab.NsB, $"tcpreplay -q --topspeed -i {_lab.VethB} {capture}");
        Thread.Sleep(1500);
        Assert.Equal(0, fwsim.Terminate(Exit));
        var records = Records();

        // Timing-independent verdicts of the sample (see samples/expected/three-tier): the NACL deny, the
        // security-group rejects and the catch-all ACL denies. (Idle expiry depends on packet pacing.)
        AssertPackets(records, "eni-0bastion00000001 ingress 192.0.2.66 10.0.1.5 61000 22 6", "REJECT", 1);
        AssertPackets(records, "eni-0bastion00000001 ingress 203.0.113.10 10.0.1.5 0 0 1", "REJECT", 1);
        AssertPackets(records, "eni-0web0000000000001 ingress 45.33.32.156 10.0.1.10 62000 22 6", "REJECT", 2);
        AssertPackets(records, "eni-0db00000000000001 egress 10.0.2.30 93.184.216.34 47000 443 6", "REJECT", 1);
        AssertPackets(records, "eni-0web0000000000001 ingress 198.51.100.77 10.0.1.10 40001 443 6", "ACCEPT", 7);
        AssertPackets(records, "eni-0db00000000000001 ingress 10.0.2.20 10.0.2.30 46000 5432 6", "ACCEPT", 5);
    }

    /// <summary>
    /// The packets of one flow (the format's fields up to protocol) with one action, summed over flow-log
    /// windows: live windows close on the wall clock, so a burst can straddle a window boundary.
    /// </summary>
    private static void AssertPackets(string[] records, string flow, string action, long expected)
    {
        long packets = 0;
        foreach (string r in records)
        {
            string[] f = r.Split(' ');
            if (f.Length >= 10 && string.Join(' ', f[..7]) == flow && f[8] == action && f[9] == "OK")
            {
                packets += long.Parse(f[7], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        Assert.True(packets == expected, $"{flow} {action}: {packets} packets, expected {expected}\n{string.Join("\n", records)}");
    }

    private void WaitForListener(string ns, string port)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (_lab.InNs(ns, "ss -ltn", check: false).Contains(":" + port, StringComparison.Ordinal))
            {
                return;
            }

            Thread.Sleep(100);
        }

        throw new TimeoutException($"nothing listens on {port} in {ns}");
    }
}
