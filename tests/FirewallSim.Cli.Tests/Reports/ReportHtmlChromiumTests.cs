using System.Globalization;
using System.Text.Json.Nodes;
using FirewallSim.Cli.Tests.Support;

namespace FirewallSim.Cli.Tests.Reports;

/// <summary>
/// Opens the sample's HTML report in headless Chromium (DevTools protocol over a WebSocket), lets the
/// page's own script run, then reads the DOM: the charts exist with one bar per window, ENI and action,
/// one bar per rejected port and source, one heat-map cell per rule and NACL entry; every number the page
/// shows (each carries data-path, the JSON path it displays) equals the JSON report's value; the page
/// made no request beyond its own file and threw no error.
/// </summary>
public sealed class ReportHtmlChromiumTests : IClassFixture<ThreeTierReplayFixture>
{
    private const string Probe = """
        (() => {
          const q = (s) => Array.from(document.querySelectorAll(s));
          return {
            seriesCharts: q("svg.series").map((s) => s.getAttribute("data-eni")),
            acceptBars: q("svg.series rect.bar.accept").length,
            rejectBars: q("svg.series rect.bar.reject").length,
            bars: q("svg.series rect.bar").map((r) => ({ path: r.getAttribute("data-path"), value: r.getAttribute("data-value"), height: +r.getAttribute("height") })),
            rejectedPorts: q("#rejected-ports rect.hbar").map((r) => r.getAttribute("data-key")),
            rejectedSources: q("#rejected-sources rect.hbar").map((r) => r.getAttribute("data-key")),
            ruleCells: q("#heatmap-rules rect.cell").length,
            naclCells: q("#heatmap-nacl rect.cell").length,
            numbers: q("[data-path]").map((e) => ({ path: e.getAttribute("data-path"), text: e.tagName.toLowerCase() === "rect" ? e.getAttribute("data-value") : e.textContent })),
            overBroad: q("#over-broad li").length,
            neverHit: q("#never-hit li").length,
            embedded: document.getElementById("report-data").textContent,
          };
        })()
        """;

    private readonly ThreeTierReplayFixture _sample;

    public ReportHtmlChromiumTests(ThreeTierReplayFixture sample) => _sample = sample;

    [ChromiumFact]
    public async Task ChartsRenderAndEveryNumberShownEqualsTheJsonReport()
    {
        string chromium = HeadlessChromium.FindExecutable()
            ?? throw new InvalidOperationException("FWSIM_REQUIRE_ALL=1 but no Chromium found: apt-get install -y chromium chromium-driver");
        string html = Path.Combine(_sample.Out, "report.html");
        var written = await Fwsim.RunAsync("report", _sample.FlowLogs, "--format", "html", "--out", html);
        Assert.True(written.ExitCode == 0, written.ToString());
        var jsonRun = await Fwsim.RunAsync("report", _sample.FlowLogs, "--format", "json");
        var json = JsonNode.Parse(jsonRun.Out)!;

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var ct = timeout.Token;
        await using var browser = await HeadlessChromium.StartAsync(chromium, ct);
        await browser.SendAsync("Page.enable", null, ct);
        await browser.SendAsync("Runtime.enable", null, ct);
        await browser.SendAsync("Network.enable", null, ct);
        string url = new Uri(html).AbsoluteUri;
        await browser.NavigateAsync(url, ct);
        var page = (await browser.EvaluateAsync(Probe, ct))!;

        // The page's script ran without error and fetched nothing but the page itself.
        var errors = browser.Events.Where(e => (string?)e["method"] == "Runtime.exceptionThrown"
            || ((string?)e["method"] == "Runtime.consoleAPICalled" && (string?)e["params"]!["type"] == "error")).ToList();
        Assert.True(errors.Count == 0, "page errors: " + string.Join("\n", errors.Select(e => e.ToJsonString())));
        var requests = browser.Events.Where(e => (string?)e["method"] == "Network.requestWillBeSent")
            .Select(e => (string)e["params"]!["request"]!["url"]!).Distinct().ToList();
        Assert.Equal(new[] { url }, requests);

        // The embedded data is the JSON report, byte for byte.
        Assert.Equal(jsonRun.Out.TrimEnd('\n'), (string)page["embedded"]!);

        // Time series: one chart per ENI, an accepted and a rejected bar per window, heights where values are.
        var series = json["time_series"]!;
        int windows = series["window_starts"]!.AsArray().Count;
        var enis = series["enis"]!.AsArray().Select(e => (string)e!["id"]!).ToList();
        Assert.True(windows > 1);
        Assert.Equal(enis, page["seriesCharts"]!.AsArray().Select(x => (string)x!).ToList());
        Assert.Equal(enis.Count * windows, (int)page["acceptBars"]!);
        Assert.Equal(enis.Count * windows, (int)page["rejectBars"]!);
        foreach (var bar in page["bars"]!.AsArray())
        {
            long value = long.Parse((string)bar!["value"]!, CultureInfo.InvariantCulture);
            Assert.Equal(value > 0, (double)bar["height"]! > 0);
        }

        // Bar charts of rejected ports and sources, in the JSON report's order.
        Assert.Equal(json["rejected"]!["by_destination_port"]!.AsArray().Select(x => (string)x!["key"]!), page["rejectedPorts"]!.AsArray().Select(x => (string)x!));
        Assert.Equal(json["rejected"]!["by_source"]!.AsArray().Select(x => (string)x!["key"]!), page["rejectedSources"]!.AsArray().Select(x => (string)x!));
        Assert.NotEmpty(page["rejectedPorts"]!.AsArray());

        // Heat maps: a cell for every rule of every group and every NACL entry.
        Assert.Equal(json["replay"]!["security_group_rules"]!.AsArray().Count, (int)page["ruleCells"]!);
        Assert.Equal(json["replay"]!["nacl_entries"]!.AsArray().Count, (int)page["naclCells"]!);
        Assert.Equal(json["replay"]!["over_broad"]!.AsArray().Count, (int)page["overBroad"]!);

        // Every number on the page is the JSON report's value at its data-path.
        var numbers = page["numbers"]!.AsArray();
        Assert.True(numbers.Count > 200, $"only {numbers.Count} numbers carry data-path");
        foreach (var n in numbers)
        {
            string path = (string)n!["path"]!;
            long shown = long.Parse(((string)n["text"]!).Replace(",", string.Empty, StringComparison.Ordinal), CultureInfo.InvariantCulture);
            long expected = path.Split('+').Sum(p => Resolve(json, p));
            Assert.True(shown == expected, $"{path}: the page shows {shown}, the JSON report has {expected}");
        }

        // Switching the time series to bytes redraws the bars from the byte counts.
        var bytes = (await browser.EvaluateAsync("""
            (() => { document.querySelector("input[name=measure][value=bytes]").click();
              return Array.from(document.querySelectorAll("svg.series rect.bar")).map((r) => ({ path: r.getAttribute("data-path"), value: r.getAttribute("data-value") })); })()
            """, ct))!.AsArray();
        Assert.Equal(2 * enis.Count * windows, bytes.Count);
        Assert.All(bytes, b => Assert.Contains("_bytes.", (string)b!["path"]!, StringComparison.Ordinal));
        Assert.All(bytes, b => Assert.Equal(Resolve(json, (string)b!["path"]!), long.Parse((string)b["value"]!, CultureInfo.InvariantCulture)));
    }

    [ChromiumFact]
    public async Task WithoutReplayJsonOrTrafficThePageStillRendersWithoutErrors()
    {
        string chromium = HeadlessChromium.FindExecutable()
            ?? throw new InvalidOperationException("FWSIM_REQUIRE_ALL=1 but no Chromium found: apt-get install -y chromium chromium-driver");
        string noData = Path.Combine(_sample.Out, "nodata.log");
        File.WriteAllText(noData, "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA\n");
        foreach (var args in new[] { new[] { _sample.FlowLogs, "--no-replay-summary" }, new[] { noData, "--no-replay-summary" } })
        {
            string html = Path.Combine(_sample.Out, "page-" + Guid.NewGuid().ToString("N") + ".html");
            var r = await Fwsim.RunAsync(["report", .. args, "--format", "html", "--out", html]);
            Assert.True(r.ExitCode == 0, r.ToString());
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await using var browser = await HeadlessChromium.StartAsync(chromium, timeout.Token);
            await browser.SendAsync("Page.enable", null, timeout.Token);
            await browser.SendAsync("Runtime.enable", null, timeout.Token);
            await browser.NavigateAsync(new Uri(html).AbsoluteUri, timeout.Token);
            var page = (await browser.EvaluateAsync(
                "({ rules: document.querySelector('#rules-body p.empty')?.textContent ?? '', cells: document.querySelectorAll('#heatmap-rules rect').length, " +
                "eniRows: document.querySelectorAll('#eni-totals tbody tr').length })", timeout.Token))!;
            Assert.DoesNotContain(browser.Events, e => (string?)e["method"] == "Runtime.exceptionThrown");
            Assert.StartsWith("No replay.json", (string)page["rules"]!, StringComparison.Ordinal);
            Assert.Equal(0, (int)page["cells"]!);
            Assert.True((int)page["eniRows"]! >= 1);
        }
    }

    /// <summary>Follows a dotted path (object keys and array indexes) to a number.</summary>
    private static long Resolve(JsonNode root, string path)
    {
        JsonNode? node = root;
        foreach (string part in path.Split('.'))
        {
            node = node is JsonArray a ? a[int.Parse(part, CultureInfo.InvariantCulture)] : node?[part];
            Assert.True(node is not null, $"data-path {path} does not exist in the JSON report");
        }

        return (long)node!;
    }
}
