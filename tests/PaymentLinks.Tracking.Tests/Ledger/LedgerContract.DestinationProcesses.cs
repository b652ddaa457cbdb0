using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Forwarding;
using PaymentLinks.Tracking.Tests.Forwarding.GoogleAds;
using PaymentLinks.Tracking.Tests.StripeApi;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Ledger;

/// <summary>
/// Google Ads and TikTok, each on its own, through the same trials as GA4: a forwarding process killed (SIGKILL) while
/// its requests are in flight, then a restart; and two instances forwarding from one ledger. Each conversion reaches the
/// loopback destination exactly once.
/// </summary>
public abstract partial class LedgerContract
{
    private static readonly ForwardingDestination TikTokDestination = ForwardingDestination.Named("tiktok");

    [Test]
    public async Task Google_Ads_a_process_killed_during_a_forwarding_run_leaves_its_conversions_to_the_next_which_sends_each_once()
    {
        await using var google = new LoopbackGoogle();
        var instance = ForwarderTo(google: google);
        var sessions = await RecordPaidAsync(instance, 20);
        var hanging = new TaskCompletionSource();
        google.OverrideAsync = async (_, _) => hanging.Task.IsCompleted ? null : await HangAsync(hanging.Task, LoopbackGoogle.Status(503, "UNAVAILABLE", "Too late."));
        var environment = new Dictionary<string, string>(HarnessEnvironment())
        {
            ["FORWARD_DESTINATION"] = "google_ads",
            ["FORWARD_GOOGLE_KEY"] = google.ServiceAccountKey(),
            ["FORWARD_GOOGLE_ACCOUNT"] = LoopbackGoogle.OperatingAccountId,
            ["FORWARD_GOOGLE_CONVERSION_ACTION"] = LoopbackGoogle.ConversionActionId,
        };

        await KillMidRunThenRestartAsync(
            environment, google.Endpoint, instance, GoogleAdsDestination, () => google.IngestArrived, hanging,
            sent: () => google.Accepted.SelectMany(body => body["events"]!.AsArray()).Count());

        google.Accepted.SelectMany(body => body["events"]!.AsArray()).Select(e => (string)e!["transactionId"]!).ShouldBe(sessions, ignoreOrder: true);
        google.Conversions.Keys.ShouldBe(sessions, ignoreOrder: true);
        google.Conversions.Values.ShouldAllBe(conversion => conversion.Count == 1 && conversion.Adjustments == 0);
        (await instance.Forwarding.ListAsync(limit: 1000)).Where(row => row.Destination == GoogleAdsDestination).ShouldAllBe(row => row.State == ForwardingState.Sent);
    }

    [Test]
    public async Task TikTok_a_process_killed_during_a_forwarding_run_leaves_its_conversions_to_the_next_which_sends_each_once()
    {
        await using var tiktok = new LoopbackTikTok();
        var instance = ForwarderTo(tiktok: tiktok);
        // More than one batch of 50.
        var sessions = await RecordPaidAsync(instance, 60);
        var hanging = new TaskCompletionSource();
        tiktok.Override = async (_, _) => hanging.Task.IsCompleted ? null : await HangAsync(hanging.Task, new StripeAnswer(503, "too late"));
        var environment = new Dictionary<string, string>(HarnessEnvironment())
        {
            ["FORWARD_DESTINATION"] = "tiktok",
            ["FORWARD_TIKTOK_PIXEL"] = LoopbackTikTok.PixelCode,
            ["FORWARD_API_SECRET"] = LoopbackTikTok.AccessToken,
        };

        await KillMidRunThenRestartAsync(environment, tiktok.Endpoint, instance, TikTokDestination, () => tiktok.Arrived, hanging, sent: () => tiktok.Counted.Count);

        tiktok.Answered.Where(a => a.Status == 200).SelectMany(a => System.Text.Json.Nodes.JsonNode.Parse(a.Request.RawBody)!["data"]!.AsArray())
            .Select(e => (string)e!["event_id"]!).ShouldBe(sessions, ignoreOrder: true);
        tiktok.Deliveries.Values.ShouldAllBe(n => n == 1);
        (await instance.Forwarding.ListAsync(limit: 1000)).Where(row => row.Destination == TikTokDestination).ShouldAllBe(row => row.State == ForwardingState.Sent);
    }

    [Test]
    public async Task Google_Ads_two_instances_send_each_conversion_once()
    {
        await using var google = new LoopbackGoogle();
        google.OverrideAsync = async (_, _) =>
        {
            await Task.Delay(10);
            return null;
        };
        var first = ForwarderTo(google: google);
        var second = ForwarderTo(google: google);

        var sessions = await RecordWhileTwoInstancesForwardAsync(first, second, 60);

        google.Ingested.Count.ShouldBeGreaterThan(1, "the conversions went in several claims, not one batch");
        google.Accepted.SelectMany(body => body["events"]!.AsArray()).Select(e => (string)e!["transactionId"]!).ShouldBe(sessions, ignoreOrder: true);
        google.Conversions.Values.ShouldAllBe(conversion => conversion.Count == 1 && conversion.Adjustments == 0);
        var rows = (await first.Forwarding.ListAsync(limit: 1000)).Where(row => row.Destination == GoogleAdsDestination).ToList();
        rows.Count.ShouldBe(sessions.Count);
        rows.ShouldAllBe(row => row.State == ForwardingState.Sent && row.Attempts == 1);
    }

    [Test]
    public async Task TikTok_two_instances_send_each_conversion_once()
    {
        await using var tiktok = new LoopbackTikTok();
        tiktok.Override = async (_, _) =>
        {
            await Task.Delay(10);
            return null;
        };
        var first = ForwarderTo(tiktok: tiktok);
        var second = ForwarderTo(tiktok: tiktok);

        var sessions = await RecordWhileTwoInstancesForwardAsync(first, second, 60);

        tiktok.Answered.Count.ShouldBeGreaterThan(1, "the conversions went in several claims, not one batch");
        tiktok.Deliveries.Keys.ShouldBe(sessions, ignoreOrder: true);
        tiktok.Deliveries.Values.ShouldAllBe(n => n == 1);
        var rows = (await first.Forwarding.ListAsync(limit: 1000)).Where(row => row.Destination == TikTokDestination).ToList();
        rows.Count.ShouldBe(sessions.Count);
        rows.ShouldAllBe(row => row.State == ForwardingState.Sent && row.Attempts == 1);
    }

    /// <summary>
    /// Starts the harness forwarding to <paramref name="endpoint"/>, whose requests hang until <paramref name="hanging"/>
    /// completes; kills it (SIGKILL) once a request is in flight; checks that nothing was sent and every conversion is
    /// still pending; then lets the destination answer and starts another process, until <paramref name="sent"/>
    /// reaches every conversion (and a little longer, for a duplicate to show).
    /// </summary>
    private static async Task KillMidRunThenRestartAsync(
        Dictionary<string, string> environment, Uri endpoint, ForwardingInstance instance, ForwardingDestination destination,
        Func<int> arrived, TaskCompletionSource hanging, Func<int> sent)
    {
        environment["FORWARD_ASSUME_CONSENT"] = "1";
        // The killed process's lease short, so that the restart waits little for it (at least 4 times the timeout); the
        // restarted one's timeout long, so that a slow first request on a busy machine is not (rightly) sent again.
        environment["FORWARD_TIMEOUT_MS"] = "750";
        environment["FORWARD_LEASE_MS"] = "3000";
        var restart = new Dictionary<string, string>(environment) { ["FORWARD_TIMEOUT_MS"] = "10000", ["FORWARD_LEASE_MS"] = "40000" };
        var expected = (await instance.Forwarding.ListAsync(limit: 1000)).Count(row => row.Destination == destination);
        expected.ShouldBeGreaterThan(0);

        using (var crashing = StartHarness(["forward", endpoint.AbsoluteUri.TrimEnd('/')], environment))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (arrived() == 0 && DateTime.UtcNow < deadline && !crashing.HasExited)
            {
                await Task.Delay(10);
            }

            crashing.HasExited.ShouldBeFalse(crashing.Error);
            arrived().ShouldBeGreaterThan(0, crashing.Error);
            crashing.Kill();
        }

        var afterKill = (await instance.Forwarding.ListAsync(limit: 1000)).Where(row => row.Destination == destination).ToList();
        afterKill.ShouldAllBe(row => row.State == ForwardingState.Pending);
        afterKill.ShouldContain(row => row.Attempts >= 1, "the killed process had claimed conversions");
        sent().ShouldBe(0);

        hanging.SetResult();
        using (var restarted = StartHarness(["forward", endpoint.AbsoluteUri.TrimEnd('/')], restart))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (sent() < expected && DateTime.UtcNow < deadline && !restarted.HasExited)
            {
                await Task.Delay(20);
            }

            await Task.Delay(300);
            restarted.HasExited.ShouldBeFalse(restarted.Error);
        }
    }

    /// <summary>A request the first process never gets an answer to: answered <paramref name="late"/> once released, to no one.</summary>
    private static async Task<StripeAnswer?> HangAsync(Task released, StripeAnswer late)
    {
        await Task.WhenAny(released, Task.Delay(TimeSpan.FromSeconds(60)));
        return late;
    }

    private static async Task<List<string>> RecordPaidAsync(ForwardingInstance instance, int count)
    {
        var sessions = Enumerable.Range(0, count).Select(_ => NewLiveSessionId()).ToList();
        foreach (var sessionId in sessions)
        {
            await instance.Ledger.RecordAsync(PaidEvent(sessionId));
        }

        return sessions;
    }

    /// <summary>
    /// Records <paramref name="count"/> paid sessions one by one while both instances forward round after round, so that
    /// their claims interleave (a whole batch of the destination would otherwise go to whichever claims first); then
    /// both drain what is left.
    /// </summary>
    private static async Task<List<string>> RecordWhileTwoInstancesForwardAsync(ForwardingInstance first, ForwardingInstance second, int count)
    {
        var sessions = Enumerable.Range(0, count).Select(_ => NewLiveSessionId()).ToList();
        var recording = Task.Run(async () =>
        {
            foreach (var sessionId in sessions)
            {
                await first.Ledger.RecordAsync(PaidEvent(sessionId));
                await Task.Delay(3);
            }
        });

        async Task ForwardAsync(ForwardingInstance instance)
        {
            while (!recording.IsCompleted)
            {
                if (!await instance.Worker.ForwardRoundAsync(CancellationToken.None))
                {
                    await Task.Delay(5);
                }
            }

            await recording;
            await DrainAsync(instance);
        }

        await Task.WhenAll(recording, ForwardAsync(first), ForwardAsync(second));
        await Task.WhenAll(DrainAsync(first), DrainAsync(second));
        return sessions;
    }

    /// <summary>The ledger forwarding to the loopback Google Ads or TikTok only, every buyer's consent assumed.</summary>
    private ForwardingInstance ForwarderTo(LoopbackGoogle? google = null, LoopbackTikTok? tiktok = null)
    {
        var services = new ServiceCollection();
        AddLedger(services, options => options.RunFulfillment = false);
        services.AddPaymentLinkForwarding(options =>
        {
            options.AssumeConsent = true;
            options.RetryDelay = TimeSpan.FromMilliseconds(20);
            options.RequestTimeout = TimeSpan.FromSeconds(5);
            options.LeaseDuration = TimeSpan.FromSeconds(20);
            options.PollInterval = TimeSpan.FromMilliseconds(50);
            options.MaxInFlight = 4;
            if (tiktok is not null)
            {
                options.TikTok.PixelCode = LoopbackTikTok.PixelCode;
                options.TikTok.AccessToken = LoopbackTikTok.AccessToken;
                options.TikTok.Endpoint = tiktok.Endpoint;
            }
        });
        if (google is not null)
        {
            var configured = GoogleAdsDestinationTests.Options(google);
            services.AddGoogleAdsForwarding(options =>
            {
                options.OperatingAccountId = configured.OperatingAccountId;
                options.ConversionActionId = configured.ConversionActionId;
                options.CredentialsJson = configured.CredentialsJson;
                options.Endpoint = configured.Endpoint;
            });
        }

        var provider = services.BuildServiceProvider();
        _instances.Add(provider);
        return new ForwardingInstance(
            provider.GetRequiredService<DbPaymentLinkLedger>(),
            provider.GetServices<IHostedService>().OfType<ForwardingWorker>().Single(),
            provider.GetRequiredService<IPaymentLinkForwarding>(),
            provider.GetRequiredService<IPaymentLinkAttribution>());
    }
}
