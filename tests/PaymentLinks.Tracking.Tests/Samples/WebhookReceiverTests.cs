using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using PaymentLinks.Tracking.Samples;
using System.Net.Sockets;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Samples;

/// <summary>
/// Starts the WebhookReceiver sample as its own process on Kestrel, on 127.0.0.1, with the signing secret in an
/// environment variable as in production, and talks to it over real HTTP. Its ledger is a SQLite file in a temporary
/// folder.
/// </summary>
[NonParallelizable]
public sealed class WebhookReceiverTests : IDisposable
{
    private RunningReceiver _receiver = null!;
    private DirectoryInfo _folder = null!;

    private string LedgerFile => Path.Combine(_folder.FullName, "paymentlinks-ledger.db");

    [OneTimeSetUp]
    public async Task StartReceiver()
    {
        _folder = Directory.CreateTempSubdirectory("paymentlinks-receiver-");
        _receiver = await RunningReceiver.StartAsync(new Dictionary<string, string> { ["ConnectionStrings__PaymentLinkLedger"] = $"Data Source={LedgerFile}" });
    }

    // Always stops the process, whatever the tests did.
    [OneTimeTearDown]
    public void Dispose()
    {
        _receiver?.Dispose();
        try
        {
            _folder?.Delete(recursive: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The stopped process's SQLite files may still be going away: the folder is left to the system's cleanup.
        }
    }

    [Test]
    public void Both_samples_default_to_one_ledger_file_in_the_samples_folder_wherever_they_run_from()
    {
        // The receiver and the console compile the same LedgerProvider: one absolute path, not one per working folder.
        LedgerProvider.DefaultSqliteFile.ShouldBe(Path.Combine(SampleProcess.SamplesDirectory, "paymentlinks-ledger.db"));
        Path.IsPathFullyQualified(LedgerProvider.DefaultSqliteFile).ShouldBeTrue();
    }

    [Test]
    public async Task Stores_a_signed_event_answers_200_and_fulfils_the_paid_session_once_without_logging_the_secret()
    {
        var body = SignedWebhooks.CompletedEventBody();

        using var response = await _receiver.Post(body, SignedWebhooks.Header(body, RunningReceiver.Now()));
        using var redelivered = await _receiver.Post(body, SignedWebhooks.Header(body, RunningReceiver.Now()));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        redelivered.StatusCode.ShouldBe(HttpStatusCode.OK);
        var line = await _receiver.WaitForOutput("Fulfilling session cs_");
        line.ShouldContain($"(client_reference_id {SignedWebhooks.ClientReferenceId})");
        await Task.Delay(500);
        _receiver.Count("Fulfilling session ").ShouldBe(1);
        File.Exists(LedgerFile).ShouldBeTrue();
        _receiver.Output.ShouldNotContain(SignedWebhooks.Secret);
        _receiver.Output.ShouldNotContain("placeholder");
    }

    [Test]
    public async Task Stores_the_example_event_posted_with_the_curl_line_of_the_console_sign_command()
    {
        var example = Path.Combine(SampleProcess.SamplesDirectory, RunningReceiver.SampleName, "checkout.session.completed.json");
        using var services = new ServiceCollection().AddPaymentLinkTracking(_ => { }).BuildServiceProvider();
        var output = new StringWriter();
        var error = new StringWriter();

        var exitCode = TrackingTool.Run(
            ["sign", "--secret", SignedWebhooks.Secret, "--url", $"{_receiver.Http.BaseAddress}stripe/webhook", example],
            services.GetRequiredService<IPaymentLinkUrlFactory>(), output, error);

        exitCode.ShouldBe(0, error.ToString());
        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(2);
        lines[0].ShouldStartWith("Stripe-Signature: t=");
        lines[1].ShouldStartWith("curl ");

        // The printed line, run by a shell as a user would paste it.
        using var curl = Process.Start(new ProcessStartInfo("bash", ["-c", lines[1]]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var answer = await curl.StandardOutput.ReadToEndAsync();
        await curl.WaitForExitAsync();

        answer.ShouldStartWith("HTTP/1.1 200", customMessage: answer + await curl.StandardError.ReadToEndAsync());
        var fulfilled = await _receiver.WaitForOutput("Fulfilling session cs_test_b1Sample2xKq7Wn4Rt9Vf3Lm8Pd6Hs5Jz1Cy0Ga4Ub7Ne2Ow9Ei3Tk");
        fulfilled.ShouldContain("(client_reference_id order_1042)");
    }

    [Test]
    public async Task Started_with_the_placeholder_secret_of_its_appsettings_it_exits_2_saying_how_to_set_the_secret()
    {
        using var sample = SampleProcess.Start(
            RunningReceiver.SampleName, ["--urls", "http://127.0.0.1:0"], new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production" });

        (await sample.WaitForExitAsync(TimeSpan.FromSeconds(60))).ShouldBe(2, sample.Output + sample.Error);
        sample.Error.ShouldContain("is a placeholder");
        sample.Error.ShouldContain("PaymentLinkTracking__SigningSecrets__0=whsec_...");
        sample.Error.ShouldNotContain("Unhandled exception");
    }

    [Test]
    public async Task Started_on_a_database_that_does_not_answer_it_exits_3_without_the_password()
    {
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        using var sample = SampleProcess.Start(
            RunningReceiver.SampleName,
            ["--urls", "http://127.0.0.1:0"],
            new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["PaymentLinkTracking__SigningSecrets__0"] = SignedWebhooks.Secret,
                ["PaymentLinkTracking__Ledger__Provider"] = "PostgreSql",
                ["ConnectionStrings__PaymentLinkLedger"] = $"Host=127.0.0.1;Port={port};Username=ledger;Password=s3cret-pw;Timeout=3",
            });

        (await sample.WaitForExitAsync(TimeSpan.FromSeconds(60))).ShouldBe(3, sample.Output + sample.Error);
        sample.Error.ShouldContain("could not be opened");
        (sample.Output + sample.Error).ShouldNotContain("s3cret-pw");
    }

    [Test]
    public async Task Refuses_a_tampered_body_with_400_and_the_reason()
    {
        var body = SignedWebhooks.CompletedEventBody();
        var header = SignedWebhooks.Header(body, RunningReceiver.Now());
        var tampered = body.ToArray();
        tampered[Array.IndexOf(tampered, (byte)'4')] = (byte)'9';

        using var response = await _receiver.Post(tampered, header);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldStartWith("NoMatchingSignature: ");
    }

    [Test]
    public async Task Refuses_an_event_signed_with_another_secret_with_400()
    {
        var body = SignedWebhooks.CompletedEventBody();

        using var response = await _receiver.Post(body, SignedWebhooks.Header(body, RunningReceiver.Now(), SignedWebhooks.OtherSecret));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldStartWith("NoMatchingSignature: ");
    }

    [Test]
    public async Task Refuses_a_request_without_a_signature_header_with_400_and_the_reason()
    {
        using var response = await _receiver.Post(SignedWebhooks.CompletedEventBody(), header: null);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldBe("MissingHeader: The webhook request has no Stripe-Signature header.");
    }

    [Test]
    public async Task Refuses_a_stale_timestamp_with_400_and_the_reason()
    {
        var body = SignedWebhooks.CompletedEventBody();

        using var response = await _receiver.Post(body, SignedWebhooks.Header(body, RunningReceiver.Now() - 600));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldStartWith("TimestampOutsideTolerance: ");
    }

    [Test]
    public async Task The_thank_you_page_shows_the_session_id_and_the_utm_codes_of_its_own_url()
    {
        var body = await _receiver.Http.GetStringAsync("/thanks?session_id=cs_test_a1b2C3&utm_source=newsletter&utm_campaign=spring_sale&utm_content=Bad%20Value");

        body.ShouldContain("session_id: cs_test_a1b2C3\n");
        body.ShouldContain("utm_source: newsletter\n");
        body.ShouldContain("utm_medium: (none)\n");
        body.ShouldContain("utm_campaign: spring_sale\n");
        body.ShouldContain("dropped utm_content \"Bad Value\": invalid character U+0020 at position 3");
    }
}

/// <summary>The WebhookReceiver sample started as its own process on a free port, and an HTTP client for it.</summary>
internal sealed class RunningReceiver : IDisposable
{
    public const string SampleName = "PaymentLinks.Tracking.Samples.WebhookReceiver";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly SampleProcess _process;

    private RunningReceiver(SampleProcess process, HttpClient http)
    {
        _process = process;
        Http = http;
    }

    public HttpClient Http { get; }

    public string Output => _process.Output;

    /// <summary>Starts the receiver with the test secret and <paramref name="environment"/>, and waits until it answers.</summary>
    public static async Task<RunningReceiver> StartAsync(IReadOnlyDictionary<string, string> environment)
    {
        var port = FreePort();
        var variables = new Dictionary<string, string>(environment)
        {
            ["PaymentLinkTracking__SigningSecrets__0"] = SignedWebhooks.Secret,
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        var receiver = new RunningReceiver(
            SampleProcess.Start(SampleName, ["--urls", $"http://127.0.0.1:{port}"], variables),
            new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) });
        try
        {
            await receiver.WaitUntilAnswering();
        }
        catch
        {
            receiver.Dispose();
            throw;
        }

        return receiver;
    }

    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Sends SIGTERM and waits until the process has stopped; its exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        _process.Terminate();
        return await _process.WaitForExitAsync(timeout);
    }

    public void Dispose()
    {
        Http.Dispose();
        _process.Dispose();
    }

    public async Task<HttpResponseMessage> Post(byte[] body, string? header)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/stripe/webhook") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json") { CharSet = "utf-8" };
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation("Stripe-Signature", header);
        }

        return await Http.SendAsync(request);
    }

    /// <summary>How many lines of the output contain <paramref name="text"/>.</summary>
    public int Count(string text) => Output.Split('\n').Count(line => line.Contains(text, StringComparison.Ordinal));

    public async Task<string> WaitForOutput(string text, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (DateTime.UtcNow < deadline)
        {
            var line = Output.Split('\n').FirstOrDefault(candidate => candidate.Contains(text, StringComparison.Ordinal));
            if (line is not null)
            {
                return line;
            }

            await Task.Delay(50);
        }

        throw new AssertionException($"The receiver never logged '{text}'. It printed:\n{Output}\n{_process.Error}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task WaitUntilAnswering()
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (_process.HasExited)
            {
                Assert.Fail($"The receiver exited with code {_process.ExitCode}.\n{_process.Output}\n{_process.Error}");
            }

            try
            {
                using var response = await Http.GetAsync("/thanks");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"The receiver did not answer within {StartTimeout}.\n{_process.Output}\n{_process.Error}");
            }

            await Task.Delay(100);
        }
    }
}
