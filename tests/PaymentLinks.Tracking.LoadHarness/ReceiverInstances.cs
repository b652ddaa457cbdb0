using System.Net;
using System.Net.Sockets;
using PaymentLinks.Tracking.Tests.Samples;

namespace PaymentLinks.Tracking.LoadHarness;

/// <summary>
/// The webhook receiver sample, as built, started with <c>dotnet</c> on its own ports against one ledger; an instance can
/// be killed with SIGKILL, or stopped with SIGTERM, and started again on the same port. One instance may run a handler
/// whose work takes a while and ignores cancellation (<c>Sample:FulfillmentDelayMs</c>). Keeps every process it started,
/// to read their logs.
/// </summary>
internal sealed class ReceiverInstances : IDisposable
{
    public const string SampleName = "PaymentLinks.Tracking.Samples.WebhookReceiver";

    private readonly Dictionary<string, string> _environment;
    private readonly int[] _ports;
    private readonly SampleProcess?[] _running;
    private readonly List<StartedReceiver> _started = [];
    private readonly HttpClient _probe = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly int _slowInstance;
    private readonly string? _slowDelay;

    public ReceiverInstances(
        int count, string signingSecret, IEnumerable<KeyValuePair<string, string>> ledgerEnvironment, int slowInstance = -1, string? slowDelay = null)
    {
        _slowInstance = slowInstance;
        _slowDelay = slowDelay;
        _environment = new Dictionary<string, string>(ledgerEnvironment)
        {
            ["PaymentLinkTracking__SigningSecrets__0"] = signingSecret,
            // A session leased by a killed instance is taken over after 10 seconds, not the default 5 minutes.
            ["PaymentLinkTracking__Ledger__LeaseDuration"] = "00:00:10",
            ["PaymentLinkTracking__Ledger__PollInterval"] = "00:00:01",
            // Every thank-you visit comes from 127.0.0.1: the sample's per-client limit would refuse most of them.
            ["Sample__ThankYouPermitsPerClient"] = "1000000",
            // Only the fulfilment handler's lines and warnings: a line per request would slow the instances down.
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__PaymentLinks.Tracking"] = "Warning",
            ["Logging__LogLevel__PaymentLinks.Tracking.Samples.WebhookReceiver"] = "Information",
        };
        _ports = [.. Enumerable.Range(0, count).Select(_ => FreePort())];
        _running = new SampleProcess?[count];
    }

    public int Count => _ports.Length;

    public IReadOnlyList<StartedReceiver> Started => _started;

    public Uri WebhookUrl(int instance) => new($"http://127.0.0.1:{_ports[instance]}/stripe/webhook");

    public Uri Url(int instance, string pathAndQuery) => new($"http://127.0.0.1:{_ports[instance]}{pathAndQuery}");

    public async Task StartAllAsync()
    {
        for (var i = 0; i < Count; i++)
        {
            Start(i);
        }

        for (var i = 0; i < Count; i++)
        {
            await WaitUntilReadyAsync(i);
        }
    }

    /// <summary>Kills an instance with SIGKILL, as a crash or an out-of-memory kill would.</summary>
    public void Kill(int instance)
    {
        _running[instance]!.Kill();
        _started.Single(started => started.Process == _running[instance]).KilledAt = DateTimeOffset.UtcNow;
    }

    /// <summary>Stops an instance with SIGTERM, as a deploy would, and waits until it has exited.</summary>
    public async Task<int> TerminateAsync(int instance)
    {
        var process = _running[instance]!;
        _started.Single(started => started.Process == process).TerminatedAt = DateTimeOffset.UtcNow;
        process.Terminate();
        return await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>The process now running as <paramref name="instance"/>.</summary>
    public SampleProcess Running(int instance) => _running[instance]!;

    public async Task RestartAsync(int instance)
    {
        Start(instance);
        await WaitUntilReadyAsync(instance);
    }

    public void Dispose()
    {
        foreach (var started in _started)
        {
            started.Process.Dispose();
        }

        _probe.Dispose();
    }

    private void Start(int instance)
    {
        var environment = new Dictionary<string, string>(_environment);
        if (instance == _slowInstance && _slowDelay is not null)
        {
            environment["Sample__FulfillmentDelayMs"] = _slowDelay;
        }

        var process = SampleProcess.Start(SampleName, ["--urls", $"http://127.0.0.1:{_ports[instance]}"], environment);
        _running[instance] = process;
        _started.Add(new StartedReceiver(instance, process));
    }

    private async Task WaitUntilReadyAsync(int instance)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                using var answer = await _probe.GetAsync(new Uri($"http://127.0.0.1:{_ports[instance]}/thanks"));
                if (answer.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            var process = _running[instance]!;
            if (process.HasExited || DateTimeOffset.UtcNow > deadline)
            {
                throw new InvalidOperationException(
                    $"The receiver on port {_ports[instance]} did not start (exited: {process.HasExited}).\n{process.Output}\n{process.Error}");
            }

            await Task.Delay(200);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One receiver process the run started, and when it was killed, if it was.</summary>
internal sealed class StartedReceiver(int instance, SampleProcess process)
{
    public int Instance { get; } = instance;

    public SampleProcess Process { get; } = process;

    public DateTimeOffset? KilledAt { get; set; }

    public DateTimeOffset? TerminatedAt { get; set; }
}
