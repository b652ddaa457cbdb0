using System.Net;
using System.Net.Http.Headers;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Samples;

/// <summary>The receiver sample run as an operator runs it: a bearer token for report and admin, /health and /metrics.</summary>
[NonParallelizable]
public sealed class ReceiverOperationsTests
{
    private const string Token = "sample-admin-token-for-tests";

    [Test]
    public async Task With_an_admin_token_report_and_admin_answer_401_without_it_and_200_with_it_and_health_and_metrics_answer()
    {
        var folder = Directory.CreateTempSubdirectory("paymentlinks-receiver-ops-");
        try
        {
            using var receiver = await RunningReceiver.StartAsync(new Dictionary<string, string>
            {
                ["ConnectionStrings__PaymentLinkLedger"] = $"Data Source={Path.Combine(folder.FullName, "ledger.db")}",
                ["Sample__AdminToken"] = Token,
            });
            var body = SignedWebhooks.CompletedEventBody();
            (await receiver.Post(body, SignedWebhooks.Header(body, RunningReceiver.Now()))).StatusCode.ShouldBe(HttpStatusCode.OK);

            foreach (var path in new[] { "/report?format=json", "/admin/sessions?state=pending" })
            {
                (await receiver.Http.GetAsync(path)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, path);
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
                (await receiver.Http.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.OK, path);
            }

            // The admin API's POSTs: JSON with the token; no body, or another origin's page, changes nothing.
            foreach (var (content, origin, expected) in new (string? Content, string? Origin, HttpStatusCode Expected)[]
            {
                (null, null, HttpStatusCode.UnsupportedMediaType),
                ("{}", "https://evil.example", HttpStatusCode.Forbidden),
                ("{}", null, HttpStatusCode.OK),
            })
            {
                using var post = new HttpRequestMessage(HttpMethod.Post, "/admin/sessions/retry-parked");
                post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
                post.Content = content is null ? null : new StringContent(content, System.Text.Encoding.UTF8, "application/json");
                if (origin is not null)
                {
                    post.Headers.TryAddWithoutValidation("Origin", origin);
                }

                (await receiver.Http.SendAsync(post)).StatusCode.ShouldBe(expected, $"{content} {origin}");
            }

            using var health = await receiver.Http.GetAsync("/health");
            health.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await health.Content.ReadAsStringAsync()).ShouldBe("Healthy");
            var metrics = await receiver.Http.GetStringAsync("/metrics");
            metrics.ShouldContain("paymentlinks_webhooks_received");
            metrics.ShouldContain("paymentlinks_outcome=\"stored\"");
            metrics.ShouldNotContain(SignedWebhooks.CustomerEmail);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Test]
    public async Task With_forwarded_headers_trusted_from_any_proxy_a_forged_loopback_client_is_not_local()
    {
        var folder = Directory.CreateTempSubdirectory("paymentlinks-receiver-ops-");
        try
        {
            // Microsoft's switch for containers behind a proxy: it trusts X-Forwarded-For from anyone.
            using var receiver = await RunningReceiver.StartAsync(new Dictionary<string, string>
            {
                ["ConnectionStrings__PaymentLinkLedger"] = $"Data Source={Path.Combine(folder.FullName, "ledger.db")}",
                ["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true",
            });

            foreach (var path in new[] { "/report?format=json", "/admin/sessions?state=pending" })
            {
                (await receiver.Http.GetAsync(path)).StatusCode.ShouldBe(HttpStatusCode.OK, path);
                using var forged = new HttpRequestMessage(HttpMethod.Get, path);
                forged.Headers.TryAddWithoutValidation("X-Forwarded-For", "127.0.0.1");
                (await receiver.Http.SendAsync(forged)).StatusCode.ShouldBe(HttpStatusCode.Forbidden, path);
            }

            using var erase = new HttpRequestMessage(HttpMethod.Post, "/admin/erase")
            {
                Content = new StringContent($"{{\"email\": \"{SignedWebhooks.CustomerEmail}\"}}", System.Text.Encoding.UTF8, "application/json"),
            };
            erase.Headers.TryAddWithoutValidation("X-Forwarded-For", "127.0.0.1");
            (await receiver.Http.SendAsync(erase)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Test]
    public async Task An_unknown_option_stops_it_with_exit_2_naming_the_option_and_no_advice_about_the_secret()
    {
        using var sample = SampleProcess.Start(
            RunningReceiver.SampleName,
            ["--urls", "http://127.0.0.1:0"],
            new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["PaymentLinkTracking__SigningSecrets__0"] = SignedWebhooks.Secret,
                ["PaymentLinkTracking__Tolerence"] = "00:05:00",
            });

        (await sample.WaitForExitAsync(TimeSpan.FromSeconds(60))).ShouldBe(2, sample.Output + sample.Error);
        sample.Error.ShouldContain("Tolerence");
        sample.Error.ShouldNotContain("signing secret");
    }
}
