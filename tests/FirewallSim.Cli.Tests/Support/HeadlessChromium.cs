using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace FirewallSim.Cli.Tests.Support;

/// <summary>
/// Debian's headless Chromium driven over the DevTools protocol (a WebSocket to its
/// --remote-debugging-port on 127.0.0.1): open a page, wait for it to load, evaluate JavaScript in it
/// and collect what the page did (exceptions, console errors, network requests).
/// </summary>
internal sealed partial class HeadlessChromium : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket;
    private readonly List<JsonObject> _events = new();
    private int _nextId;

    private HeadlessChromium(Process process, string profile, ClientWebSocket socket)
    {
        _process = process;
        _profile = profile;
        _socket = socket;
    }

    /// <summary>Every event the page sent (method and params), in order.</summary>
    public IReadOnlyList<JsonObject> Events => _events;

    /// <summary>FWSIM_CHROMIUM, else chromium / chromium-browser / google-chrome on PATH or in /usr/bin.</summary>
    public static string? FindExecutable()
    {
        if (Environment.GetEnvironmentVariable("FWSIM_CHROMIUM") is { Length: > 0 } env && File.Exists(env))
        {
            return env;
        }

        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin");
        foreach (string name in new[] { "chromium", "chromium-browser", "google-chrome" })
        {
            foreach (string dir in dirs)
            {
                string p = Path.Combine(dir, name);
                if (File.Exists(p))
                {
                    return p;
                }
            }
        }

        return null;
    }

    public static async Task<HeadlessChromium> StartAsync(string executable, CancellationToken cancellation)
    {
        string profile = Path.Combine(Path.GetTempPath(), "fwsim-chromium-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(profile);
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string a in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-default-apps", "--mute-audio",
                     "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--remote-allow-origins=*",
                     "--window-size=1280,2000", $"--user-data-dir={profile}", "about:blank",
                 })
        {
            start.ArgumentList.Add(a);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + executable);
        _ = process.StandardOutput.ReadToEndAsync(cancellation);
        try
        {
            // "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/…" on stderr.
            int port = 0;
            var stderr = new StringBuilder();
            while (port == 0)
            {
                string? line = await process.StandardError.ReadLineAsync(cancellation);
                if (line is null)
                {
                    throw new InvalidOperationException($"{executable} exited before its DevTools endpoint was up:\n{stderr}");
                }

                stderr.AppendLine(line);
                if (ListeningRegex().Match(line) is { Success: true } m)
                {
                    port = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            _ = DrainAsync(process.StandardError, cancellation);
            string ws = await PageWebSocketAsync(port, cancellation);
            var socket = new ClientWebSocket();
            await socket.ConnectAsync(new Uri(ws), cancellation);
            return new HeadlessChromium(process, profile, socket);
        }
        catch
        {
            Kill(process);
            throw;
        }
    }

    private static async Task DrainAsync(StreamReader reader, CancellationToken cancellation)
    {
        try
        {
            while (await reader.ReadLineAsync(cancellation) is not null)
            {
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static async Task<string> PageWebSocketAsync(int port, CancellationToken cancellation)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        for (int attempt = 0; attempt < 100; attempt++)
        {
            var targets = JsonNode.Parse(await http.GetStringAsync("json/list", cancellation))!.AsArray();
            var page = targets.FirstOrDefault(t => (string?)t!["type"] == "page" && t!["webSocketDebuggerUrl"] is not null);
            if (page is not null)
            {
                return (string)page["webSocketDebuggerUrl"]!;
            }

            await Task.Delay(100, cancellation);
        }

        throw new InvalidOperationException("Chromium shows no page target");
    }

    /// <summary>Sends one DevTools command and returns its result; events that arrive meanwhile are kept.</summary>
    public async Task<JsonObject> SendAsync(string method, JsonObject? parameters, CancellationToken cancellation)
    {
        int id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, cancellation);
        while (true)
        {
            var m = await ReceiveAsync(cancellation);
            if (m["id"] is { } got && (int)got == id)
            {
                if (m["error"] is { } error)
                {
                    throw new InvalidOperationException($"{method}: {error.ToJsonString()}");
                }

                return m["result"]?.AsObject() ?? new JsonObject();
            }
        }
    }

    /// <summary>Opens <paramref name="url"/> and waits until that document has loaded (its inline scripts have run).</summary>
    public async Task NavigateAsync(string url, CancellationToken cancellation)
    {
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url }, cancellation);
        for (int attempt = 0; attempt < 400; attempt++)
        {
            var state = await EvaluateAsync("document.readyState + ' ' + location.href", cancellation);
            if ((string?)state == "complete " + url)
            {
                return;
            }

            await Task.Delay(50, cancellation);
        }

        throw new TimeoutException($"{url} did not finish loading");
    }

    /// <summary>Evaluates an expression in the page and returns its value (JSON-serialisable).</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression, CancellationToken cancellation)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject
        {
            ["expression"] = expression,
            ["returnByValue"] = true,
            ["awaitPromise"] = true,
        }, cancellation);
        if (result["exceptionDetails"] is { } ex)
        {
            throw new InvalidOperationException("evaluation failed: " + ex.ToJsonString());
        }

        return result["result"]?["value"]?.DeepClone();
    }

    private async Task<JsonObject> ReceiveAsync(CancellationToken cancellation)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        WebSocketReceiveResult r;
        do
        {
            r = await _socket.ReceiveAsync(chunk, cancellation);
            if (r.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException("Chromium closed the DevTools connection");
            }

            buffer.Write(chunk, 0, r.Count);
        }
        while (!r.EndOfMessage);

        var m = JsonNode.Parse(buffer.ToArray())!.AsObject();
        if (m["method"] is not null)
        {
            _events.Add(m);
        }

        return m;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }

        _socket.Dispose();
        Kill(_process);
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void Kill(Process p)
    {
        try
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        p.Dispose();
    }

    [GeneratedRegex(@"DevTools listening on ws://[^:]+:(\d+)/")]
    private static partial Regex ListeningRegex();
}

/// <summary>
/// A fact that needs headless Chromium (Debian packages chromium and chromium-driver). Without it the test
/// reports itself skipped with the reason, unless FWSIM_REQUIRE_ALL=1 (as CI sets), in which case it runs
/// and fails, so a CI machine without Chromium cannot pass silently.
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (HeadlessChromium.FindExecutable() is null && Environment.GetEnvironmentVariable("FWSIM_REQUIRE_ALL") != "1")
        {
            Skip = "needs headless Chromium (apt-get install -y chromium chromium-driver, or FWSIM_CHROMIUM=/path/to/chrome); " +
                   "with FWSIM_REQUIRE_ALL=1 this test fails instead of skipping";
        }
    }
}
