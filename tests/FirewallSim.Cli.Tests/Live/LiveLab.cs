using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using FirewallSim.Cli.Tests.Support;
using FirewallSim.Tests.Support;

namespace FirewallSim.Cli.Tests.Live;

/// <summary>
/// A live-capture test needs root, iproute2, libpcap and traffic tools. Without them the test reports
/// itself skipped with the reason — unless FWSIM_REQUIRE_ALL=1 (CI), where a missing tool is a failure.
/// </summary>
public sealed class LiveFactAttribute : FactAttribute
{
    public LiveFactAttribute(params string[] tools)
    {
        if (Environment.GetEnvironmentVariable("FWSIM_REQUIRE_ALL") == "1")
        {
            return;
        }

        if (!LiveLab.IsRoot)
        {
            Skip = "live capture tests create network namespaces and need root (CI runs them as root)";
            return;
        }

        if (!FirewallSim.Capture.Libpcap.Libpcap.IsAvailable(out string? why))
        {
            Skip = why;
            return;
        }

        foreach (string tool in tools.Append("ip"))
        {
            if (LiveLab.Which(tool) is null)
            {
                Skip = $"needs '{tool}' on the PATH (.ci/run installs it)";
                return;
            }
        }
    }
}

/// <summary>
/// Two network namespaces joined by a veth pair, created for one test and deleted after it:
/// A (10.99.0.10, MAC 0e:99:00:00:00:01) and B (10.99.0.20, MAC 0e:99:00:00:00:02). Traffic in the tests
/// only ever flows between these two namespaces.
/// </summary>
public sealed class LiveLab : IDisposable
{
    private static int _counter;
    private readonly List<Process> _background = new();

    public LiveLab()
    {
        int n = Interlocked.Increment(ref _counter);
        string id = string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId % 10000}{n}");
        NsA = "fwt-a" + id;
        NsB = "fwt-b" + id;
        VethA = "fwa" + id;
        VethB = "fwb" + id;
        Dir = Path.Combine(Path.GetTempPath(), "fwsim-live-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Dir);
        Sh($"ip netns add {NsA}");
        Sh($"ip netns add {NsB}");
        Sh($"ip link add {VethA} type veth peer name {VethB}");
        Sh($"ip link set {VethA} netns {NsA}");
        Sh($"ip link set {VethB} netns {NsB}");
        Sh($"ip -n {NsA} link set {VethA} address {MacA}");
        Sh($"ip -n {NsB} link set {VethB} address {MacB}");
        Sh($"ip -n {NsA} addr add {IpA}/24 dev {VethA}");
        Sh($"ip -n {NsB} addr add {IpB}/24 dev {VethB}");
        foreach (var (ns, dev) in new[] { (NsA, VethA), (NsB, VethB) })
        {
            Sh($"ip -n {ns} link set lo up");
            Sh($"ip -n {ns} link set {dev} up");
        }
    }

    public const string IpA = "10.99.0.10";
    public const string IpB = "10.99.0.20";
    public const string MacA = "0e:99:00:00:00:01";
    public const string MacB = "0e:99:00:00:00:02";

    public string NsA { get; }

    public string NsB { get; }

    public string VethA { get; }

    public string VethB { get; }

    /// <summary>A scratch directory for the test's config and outputs.</summary>
    public string Dir { get; }

    public static bool IsRoot => geteuid() == 0;

    [DllImport("libc", SetLastError = true)]
    private static extern uint geteuid();

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    public static string? Which(string tool)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Append("/sbin"))
        {
            string p = Path.Combine(dir, tool);
            if (File.Exists(p))
            {
                return p;
            }
        }

        return null;
    }

    /// <summary>
    /// A lab configuration for the two namespaces: ENI A and ENI B in one subnet. A may send anything;
    /// <paramref name="inboundB"/> are sg-b's inbound rules in lab syntax, e.g. "{proto: tcp, ports: 8080, from: sg-a}".
    /// sg-b has no outbound rules: B's replies leave only through connection tracking.
    /// </summary>
    public string WriteConfig(params string[] inboundB)
    {
        string path = Path.Combine(Dir, "lab.yaml");
        var sb = new StringBuilder();
        sb.Append("fwsim_lab: 1\n");
        sb.Append("account: \"111122223333\"\n");
        sb.Append("region: eu-west-1\n");
        sb.Append("vpcs:\n  - {id: vpc-lab, cidr: 10.99.0.0/16}\n");
        sb.Append("subnets:\n  - {id: subnet-lab, vpc: vpc-lab, cidr: 10.99.0.0/24, az: eu-west-1a, az_id: euw1-az1}\n");
        sb.Append("enis:\n");
        sb.Append($"  - {{id: eni-a, subnet: subnet-lab, ips: [{IpA}], mac: \"{MacA}\", instance: i-a, groups: [sg-a]}}\n");
        sb.Append($"  - {{id: eni-b, subnet: subnet-lab, ips: [{IpB}], mac: \"{MacB}\", instance: i-b, groups: [sg-b]}}\n");
        sb.Append("security_groups:\n");
        sb.Append("  - {id: sg-a, name: a, vpc: vpc-lab, inbound: [], outbound: [{proto: all, to: 0.0.0.0/0}]}\n");
        sb.Append("  - id: sg-b\n    name: b\n    vpc: vpc-lab\n    outbound: []\n    inbound:\n");
        foreach (string rule in inboundB)
        {
            sb.Append("      - ").Append(rule).Append('\n');
        }

        File.WriteAllText(path, sb.ToString());
        return path;
    }

    /// <summary>Starts `fwsim live` inside namespace A on its end of the veth and waits until it captures.</summary>
    public LiveProcess StartFwsim(params string[] args)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "netns", "exec", NsA, DotnetHost(), Fwsim.ExecutablePath(), "live", "-i", VethA })
        {
            start.ArgumentList.Add(a);
        }

        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var p = new LiveProcess(Process.Start(start)!);
        p.WaitForLog("Capturing on " + VethA, TimeSpan.FromSeconds(30));
        return p;
    }

    /// <summary>Runs a command inside a namespace and returns its output (throws on failure).</summary>
    public string InNs(string ns, string command, bool check = true) => Sh($"ip netns exec {ns} {command}", check);

    /// <summary>Starts a long-running command inside a namespace (killed when the lab is disposed).</summary>
    public Process InNsBackground(string ns, string command)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"exec ip netns exec {ns} {command}");
        var p = Process.Start(start)!;
        _background.Add(p);
        return p;
    }

    public static string Sh(string command, bool check = true)
    {
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        using var p = Process.Start(start)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (check && p.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{command}' failed with {p.ExitCode}: {output}");
        }

        return output;
    }

    public static void Signal(int pid, int sig)
    {
        if (kill(pid, sig) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {sig}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : Which("dotnet") ?? "dotnet";

    public void Dispose()
    {
        foreach (var p in _background)
        {
            try
            {
                if (!p.HasExited)
                {
                    p.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
            }

            p.Dispose();
        }

        Sh($"ip netns del {NsA}", check: false);
        Sh($"ip netns del {NsB}", check: false);
        try
        {
            System.IO.Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A running fwsim live process whose stderr (the log) is collected.</summary>
public sealed class LiveProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly object _lock = new();

    public LiveProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    public int Pid => _process.Id;

    public string Log
    {
        get
        {
            lock (_lock)
            {
                return _log.ToString();
            }
        }
    }

    public void WaitForLog(string text, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (!Log.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited)
            {
                Thread.Sleep(200); // let the last lines arrive
                throw new InvalidOperationException($"fwsim exited with {_process.ExitCode} before '{text}':\n{Log}");
            }

            if (sw.Elapsed > timeout)
            {
                throw new TimeoutException($"'{text}' not logged within {timeout}:\n{Log}");
            }

            Thread.Sleep(50);
        }
    }

    /// <summary>SIGTERM, as systemd stops a service; returns the exit code.</summary>
    public int Terminate(TimeSpan timeout)
    {
        LiveLab.Signal(_process.Id, 15);
        return WaitForExit(timeout);
    }

    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill();
            throw new TimeoutException("fwsim did not exit in time:\n" + Log);
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_lock)
            {
                _log.AppendLine(line);
            }
        }
    }
}
