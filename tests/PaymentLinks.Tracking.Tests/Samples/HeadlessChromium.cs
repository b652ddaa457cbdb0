using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using NUnit.Framework;

namespace PaymentLinks.Tracking.Tests.Samples;

/// <summary>
/// Debian's headless Chromium, driven through the DevTools protocol: it opens a page at a phone's size and answers
/// questions about the laid-out page. <see cref="StartAsync"/> installs the <c>chromium</c> package when it is missing
/// and ignores the test, saying why, where it cannot be installed.
/// </summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    public const string ProgramPath = "/usr/bin/chromium";

    private static readonly SemaphoreSlim Installing = new(1, 1);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly DirectoryInfo _profile;
    private readonly ClientWebSocket _socket = new();
    private int _nextId;

    private HeadlessChromium(Process process, DirectoryInfo profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <summary>Starts Chromium with an empty profile and opens its first tab at <paramref name="width"/> by <paramref name="height"/> CSS pixels, as a phone.</summary>
    public static async Task<HeadlessChromium> StartAsync(int width, int height)
    {
        await EnsureInstalledAsync();
        var profile = Directory.CreateTempSubdirectory("paymentlinks-chromium-");
        var start = new ProcessStartInfo(ProgramPath)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", $"--user-data-dir={profile.FullName}",
            $"--window-size={width},{height}", "about:blank",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var browser = new HeadlessChromium(Process.Start(start)!, profile);
        try
        {
            await browser.ConnectAsync();
            await browser.SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject
            {
                ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 2, ["mobile"] = true,
            });
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens <paramref name="url"/> and waits until the page and everything it loads are in.</summary>
    public async Task NavigateAsync(string url)
    {
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url });
        var deadline = DateTime.UtcNow + StartTimeout;
        while (await EvaluateAsync<string>("document.readyState + ' ' + location.href") is var state && !(state.StartsWith("complete ", StringComparison.Ordinal) && state != "complete about:blank"))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Chromium did not finish loading {url} (state {state}).");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Evaluates a JavaScript expression in the page and returns its value as JSON makes it.</summary>
    public async Task<T> EvaluateAsync<T>(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true });
        if (result["exceptionDetails"] is { } exception)
        {
            throw new InvalidOperationException($"The page threw evaluating {expression}: {exception.ToJsonString()}");
        }

        return result["result"]!["value"].Deserialize<T>()!;
    }

    /// <summary>Saves a PNG of the whole page.</summary>
    public async Task ScreenshotAsync(string path)
    {
        var result = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = true });
        await File.WriteAllBytesAsync(path, Convert.FromBase64String(result["data"]!.GetValue<string>()));
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        try
        {
            _profile.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file Chromium still held: the folder is in the temporary folder anyway.
        }
    }

    private static async Task EnsureInstalledAsync()
    {
        await Installing.WaitAsync();
        try
        {
            if (File.Exists(ProgramPath))
            {
                return;
            }

            var log = new StringBuilder();
            if (await RunAsync("apt-get", ["update"], log) != 0
                || await RunAsync("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], log) != 0
                || !File.Exists(ProgramPath))
            {
                Assert.Ignore($"Headless Chromium is not installed at {ProgramPath} and apt-get could not install it:\n{log}");
            }
        }
        catch (System.ComponentModel.Win32Exception missing)
        {
            Assert.Ignore($"Headless Chromium is not installed at {ProgramPath} and apt-get cannot run here: {missing.Message}");
        }
        finally
        {
            Installing.Release();
        }
    }

    private static async Task<int> RunAsync(string program, string[] arguments, StringBuilder log)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        log.Append(await output).Append(await error);
        return process.ExitCode;
    }

    private async Task ConnectAsync()
    {
        // Chromium prints "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID" when it is ready.
        using var timeout = new CancellationTokenSource(StartTimeout);
        string? browserUrl = null;
        var seen = new StringBuilder();
        while (browserUrl is null)
        {
            var line = await _process.StandardError.ReadLineAsync(timeout.Token)
                ?? throw new InvalidOperationException($"Chromium exited before it listened:\n{seen}");
            seen.AppendLine(line);
            var at = line.IndexOf("ws://", StringComparison.Ordinal);
            if (line.StartsWith("DevTools listening on ", StringComparison.Ordinal) && at >= 0)
            {
                browserUrl = line[at..].Trim();
            }
        }

        // Keep reading Chromium's output so that a full pipe never stalls it.
        _ = _process.StandardError.ReadToEndAsync(CancellationToken.None);
        _ = _process.StandardOutput.ReadToEndAsync(CancellationToken.None);

        var endpoint = new Uri(browserUrl);
        using var http = new HttpClient { BaseAddress = new Uri($"http://{endpoint.Authority}"), Timeout = StartTimeout };
        var targets = await http.GetFromJsonAsync<JsonArray>("/json/list", timeout.Token);
        var page = targets!.First(target => target!["type"]!.GetValue<string>() == "page")!;
        await _socket.ConnectAsync(new Uri(page["webSocketDebuggerUrl"]!.GetValue<string>()), timeout.Token);
    }

    private async Task<JsonObject> SendAsync(string method, JsonObject parameters)
    {
        var id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        using var timeout = new CancellationTokenSource(StartTimeout);
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);

        // Answers come in order of the questions, between events the page sends unasked: skip to this id's.
        while (true)
        {
            var answer = JsonNode.Parse(await ReceiveAsync(timeout.Token))!.AsObject();
            if (answer["id"]?.GetValue<int>() != id)
            {
                continue;
            }

            return answer["error"] is { } error
                ? throw new InvalidOperationException($"Chromium refused {method}: {error.ToJsonString()}")
                : answer["result"]!.AsObject();
        }
    }

    private async Task<string> ReceiveAsync(CancellationToken cancellationToken)
    {
        using var message = new MemoryStream();
        var buffer = new byte[64 * 1024];
        WebSocketReceiveResult part;
        do
        {
            part = await _socket.ReceiveAsync(buffer, cancellationToken);
            message.Write(buffer, 0, part.Count);
        }
        while (!part.EndOfMessage);
        return Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
    }
}
