using System.Net;
using System.Net.Sockets;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Samples;

/// <summary>
/// Starts the WebhookReceiver sample as its own process on Kestrel, on 127.0.0.1, with the signing secret in an
/// environment variable as in production, and talks to it over real HTTP.
/// </summary>
[NonParallelizable]
public sealed class WebhookReceiverTests : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private SampleProcess _receiver = null!;
    private HttpClient _http = null!;

    [OneTimeSetUp]
    public async Task StartReceiver()
    {
        var port = FreePort();
        _receiver = SampleProcess.Start(
            "PaymentLinks.Tracking.Samples.WebhookReceiver",
            ["--urls", $"http://127.0.0.1:{port}"],
            new Dictionary<string, string>
            {
                ["PaymentLinkTracking__SigningSecrets__0"] = SignedWebhooks.Secret,
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
            });
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        await WaitUntilAnswering();
    }

    // Always stops the process, whatever the tests did.
    [OneTimeTearDown]
    public void Dispose()
    {
        _http?.Dispose();
        _receiver?.Dispose();
    }

    [Test]
    public async Task Accepts_a_signed_event_with_200_and_logs_its_reconciliation_data_without_the_secret()
    {
        var body = SignedWebhooks.CompletedEventBody();

        using var response = await Post(body, SignedWebhooks.Header(body, Now()));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var line = await WaitForOutput($"Reconcile checkout.session.completed {SignedWebhooks.EventId}");
        line.ShouldContain($"client_reference_id {SignedWebhooks.ClientReferenceId}");
        line.ShouldContain("amount 4200 usd");
        line.ShouldContain("session cs_");
        line.ShouldContain("fulfil True");
        _receiver.Output.ShouldNotContain(SignedWebhooks.Secret);
        _receiver.Output.ShouldNotContain("placeholder");
    }

    [Test]
    public async Task Refuses_a_tampered_body_with_400_and_the_reason()
    {
        var body = SignedWebhooks.CompletedEventBody();
        var header = SignedWebhooks.Header(body, Now());
        var tampered = body.ToArray();
        tampered[Array.IndexOf(tampered, (byte)'4')] = (byte)'9';

        using var response = await Post(tampered, header);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldStartWith("NoMatchingSignature: ");
    }

    [Test]
    public async Task Refuses_an_event_signed_with_another_secret_with_400()
    {
        var body = SignedWebhooks.CompletedEventBody();

        using var response = await Post(body, SignedWebhooks.Header(body, Now(), SignedWebhooks.OtherSecret));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldStartWith("NoMatchingSignature: ");
    }

    [Test]
    public async Task Refuses_a_request_without_a_signature_header_with_400_and_the_reason()
    {
        using var response = await Post(SignedWebhooks.CompletedEventBody(), header: null);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldBe("MissingHeader: The webhook request has no Stripe-Signature header.");
    }

    [Test]
    public async Task Refuses_a_stale_timestamp_with_400_and_the_reason()
    {
        var body = SignedWebhooks.CompletedEventBody();

        using var response = await Post(body, SignedWebhooks.Header(body, Now() - 600));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldStartWith("TimestampOutsideTolerance: ");
    }

    [Test]
    public async Task The_thank_you_page_shows_the_session_id_and_the_utm_codes_of_its_own_url()
    {
        var body = await _http.GetStringAsync("/thanks?session_id=cs_test_a1b2C3&utm_source=newsletter&utm_campaign=spring_sale&utm_content=Bad%20Value");

        body.ShouldContain("session_id: cs_test_a1b2C3\n");
        body.ShouldContain("utm_source: newsletter\n");
        body.ShouldContain("utm_medium: (none)\n");
        body.ShouldContain("utm_campaign: spring_sale\n");
        body.ShouldContain("dropped utm_content \"Bad Value\": invalid character U+0020 at position 3");
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<HttpResponseMessage> Post(byte[] body, string? header)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/stripe/webhook") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json") { CharSet = "utf-8" };
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation("Stripe-Signature", header);
        }

        return await _http.SendAsync(request);
    }

    private async Task WaitUntilAnswering()
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (_receiver.HasExited)
            {
                Assert.Fail($"The receiver exited with code {_receiver.ExitCode}.\n{_receiver.Output}\n{_receiver.Error}");
            }

            try
            {
                using var response = await _http.GetAsync("/thanks");
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
                Assert.Fail($"The receiver did not answer within {StartTimeout}.\n{_receiver.Output}\n{_receiver.Error}");
            }

            await Task.Delay(100);
        }
    }

    private async Task<string> WaitForOutput(string text)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var line = _receiver.Output.Split('\n').FirstOrDefault(candidate => candidate.Contains(text, StringComparison.Ordinal));
            if (line is not null)
            {
                return line;
            }

            await Task.Delay(50);
        }

        throw new AssertionException($"The receiver never logged '{text}'. It printed:\n{_receiver.Output}");
    }
}
