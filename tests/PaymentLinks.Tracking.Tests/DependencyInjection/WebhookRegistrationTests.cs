using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;
using static PaymentLinks.Tracking.Tests.DependencyInjection.TrackingHost;

namespace PaymentLinks.Tracking.Tests.DependencyInjection;

public class WebhookRegistrationTests
{
    // Far from the real clock: only a parser on the registered TimeProvider accepts events signed at this time.
    private static readonly DateTimeOffset FakeNow = new(2031, 3, 14, 9, 26, 53, TimeSpan.Zero);

    [Test]
    public async Task The_receiver_checks_timestamps_against_the_registered_clock()
    {
        using var host = Build(services => services
            .AddSingleton<TimeProvider>(new FakeTimeProvider(FakeNow))
            .AddPaymentLinkTracking(options => options.SigningSecrets.Add(SignedWebhooks.Secret)));
        var receiver = host.Services.GetRequiredService<PaymentLinkWebhookReceiver>();
        var body = SignedWebhooks.CompletedEventBody();

        (await Receive(receiver, body, FakeNow)).Event!.EventId.ShouldBe(SignedWebhooks.EventId);
        (await Receive(receiver, body, DateTimeOffset.UtcNow)).Rejection.ShouldBe(PaymentLinkWebhookRejection.TimestampOutsideTolerance);
    }

    [Test]
    public async Task Without_a_registered_clock_the_receiver_uses_the_system_clock()
    {
        using var host = Build(services => services.AddPaymentLinkTracking(options => options.SigningSecrets.Add(SignedWebhooks.Secret)));
        var receiver = host.Services.GetRequiredService<PaymentLinkWebhookReceiver>();
        var body = SignedWebhooks.CompletedEventBody();

        (await Receive(receiver, body, DateTimeOffset.UtcNow)).Outcome.ShouldBe(PaymentLinkWebhookOutcome.NotStored);
        (await Receive(receiver, body, FakeNow)).Rejection.ShouldBe(PaymentLinkWebhookRejection.TimestampOutsideTolerance);
    }

    [Test]
    public void Registers_no_parser_because_one_would_keep_the_secrets_of_its_first_use()
    {
        using var host = Build(services => services.AddPaymentLinkTracking(options => options.SigningSecrets.Add(SignedWebhooks.Secret)));

        host.Services.GetService<PaymentLinkWebhookParser>().ShouldBeNull();
        host.Services.GetService<PaymentLinkWebhookReceiver>().ShouldNotBeNull();
    }

    [Test]
    public async Task The_configured_tolerance_and_payload_limit_reach_the_parser()
    {
        using var host = Build(services => services
            .AddSingleton<TimeProvider>(new FakeTimeProvider(FakeNow))
            .AddPaymentLinkTracking(options =>
            {
                options.SigningSecrets.Add(SignedWebhooks.Secret);
                options.Tolerance = TimeSpan.FromMinutes(2);
                options.MaxPayloadBytes = 1024;
            }));
        var receiver = host.Services.GetRequiredService<PaymentLinkWebhookReceiver>();
        var small = SignedWebhooks.Body(SignedWebhooks.Envelope("customer.created", new System.Text.Json.Nodes.JsonObject { ["id"] = "cus_1" }));
        var large = SignedWebhooks.CompletedEventBody();

        (await Receive(receiver, small, FakeNow.AddMinutes(-1))).Outcome.ShouldBe(PaymentLinkWebhookOutcome.NotStored);
        (await Receive(receiver, small, FakeNow.AddMinutes(-3))).Rejection.ShouldBe(PaymentLinkWebhookRejection.TimestampOutsideTolerance);
        large.Length.ShouldBeGreaterThan(1024);
        (await Receive(receiver, large, FakeNow)).Rejection.ShouldBe(PaymentLinkWebhookRejection.PayloadTooLarge);
    }

    [Test]
    public void Without_a_signing_secret_the_receiver_says_which_option_to_set()
    {
        using var host = Build(services => services.AddPaymentLinkTracking(_ => { }));

        Should.Throw<InvalidOperationException>(() => Receive(host.Services.GetRequiredService<PaymentLinkWebhookReceiver>(), [], FakeNow))
            .Message.ShouldContain("PaymentLinkTrackingOptions.SigningSecrets");
    }

    [Test]
    public async Task The_receiver_logs_a_warning_with_the_reason_for_a_refused_request_and_never_the_secret_or_signature()
    {
        var logs = new CapturedLogs();
        using var host = ReceiverHost(logs);
        var receiver = host.Services.GetRequiredService<PaymentLinkWebhookReceiver>();
        var body = SignedWebhooks.CompletedEventBody();
        var forged = SignedWebhooks.Signature(body, FakeNow.ToUnixTimeSeconds(), "whsec_someone_else");

        var result = await receiver.ReceiveAsync(new MemoryStream(body), $"t={FakeNow.ToUnixTimeSeconds()},v1={forged}");
        await receiver.ReceiveAsync(new MemoryStream(body), null);

        result.Rejection.ShouldBe(PaymentLinkWebhookRejection.NoMatchingSignature);
        var warnings = logs.Entries.Where(entry => entry.EventId.Name == "PaymentLinkWebhookRejected").ToList();
        warnings.Select(entry => entry.Level).ShouldBe([LogLevel.Warning, LogLevel.Warning]);
        warnings.Select(entry => entry.Values["Reason"]).ShouldBe([PaymentLinkWebhookRejection.NoMatchingSignature, PaymentLinkWebhookRejection.MissingHeader]);
        warnings[0].Message.ShouldStartWith("Webhook refused (NoMatchingSignature): No v1 signature");
        logs.Entries.ShouldAllBe(entry => !entry.AllText.Contains("whsec_") && !entry.AllText.Contains(forged));
    }

    [Test]
    public async Task The_receiver_logs_an_accepted_event_at_debug_level_with_its_ids_only()
    {
        var logs = new CapturedLogs();
        using var host = ReceiverHost(logs);
        var receiver = host.Services.GetRequiredService<PaymentLinkWebhookReceiver>();

        var result = await Receive(receiver, SignedWebhooks.CompletedEventBody(), FakeNow);

        result.Outcome.ShouldBe(PaymentLinkWebhookOutcome.NotStored);
        var accepted = logs.Entries.Single(entry => entry.EventId.Name == "PaymentLinkWebhookAccepted");
        accepted.Level.ShouldBe(LogLevel.Debug);
        accepted.Message.ShouldBe($"Webhook accepted: checkout.session.completed {SignedWebhooks.EventId}, Checkout Session {result.Event!.Checkout!.SessionId}.");
        logs.Entries.ShouldAllBe(entry => !entry.AllText.Contains(SignedWebhooks.CustomerEmail) && !entry.AllText.Contains("whsec_"));
    }

    [Test]
    public async Task The_receiver_uses_a_secret_added_by_a_reloaded_configuration()
    {
        const string Rolled = "whsec_rolled_9f8e7d6c5b4a3928";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PaymentLinkTracking:SigningSecrets:0"] = SignedWebhooks.Secret,
        }).Build();
        using var host = Build(services => services
            .AddSingleton<TimeProvider>(new FakeTimeProvider(FakeNow))
            .AddPaymentLinkTracking(configuration.GetSection("PaymentLinkTracking")));
        var receiver = host.Services.GetRequiredService<PaymentLinkWebhookReceiver>();
        var body = SignedWebhooks.CompletedEventBody();

        (await Receive(receiver, body, FakeNow, Rolled)).Rejection.ShouldBe(PaymentLinkWebhookRejection.NoMatchingSignature);

        configuration["PaymentLinkTracking:SigningSecrets:1"] = Rolled;
        configuration.Reload();

        (await Receive(receiver, body, FakeNow, Rolled)).Outcome.ShouldBe(PaymentLinkWebhookOutcome.NotStored);
        (await Receive(receiver, body, FakeNow)).Outcome.ShouldBe(PaymentLinkWebhookOutcome.NotStored);
    }

    [Test]
    public void Calling_it_twice_registers_the_receiver_once()
    {
        var services = new ServiceCollection().AddPaymentLinkTracking(_ => { }).AddPaymentLinkTracking(_ => { });

        services.Count(d => d.ServiceType == typeof(PaymentLinkWebhookReceiver)).ShouldBe(1);
    }

    [Test]
    public async Task Reloads_racing_requests_never_pair_the_receivers_options_with_another_parser()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PaymentLinkTracking:SigningSecrets:0"] = "whsec_round0",
        }).Build();
        using var host = Build(services => services
            .AddSingleton<TimeProvider>(new FakeTimeProvider(FakeNow))
            .AddPaymentLinkTracking(configuration.GetSection("PaymentLinkTracking")));
        var receiver = host.Services.GetRequiredService<PaymentLinkWebhookReceiver>();
        var monitor = host.Services.GetRequiredService<IOptionsMonitor<PaymentLinkTrackingOptions>>();
        var body = SignedWebhooks.Body(SignedWebhooks.Envelope("customer.created", new System.Text.Json.Nodes.JsonObject { ["id"] = "cus_1" }));

        var mismatches = await ReloadRacing.Run(configuration, "PaymentLinkTracking:SigningSecrets:0", round => $"whsec_round{round}", () =>
        {
            // Options that stay the same across the request must be the ones its parser was built with.
            var before = monitor.CurrentValue;
            var result = receiver.ReceiveAsync(new MemoryStream(body), SignedWebhooks.Header(body, FakeNow.ToUnixTimeSeconds(), before.SigningSecrets[0]))
                .GetAwaiter().GetResult();
            return result.Outcome != PaymentLinkWebhookOutcome.Refused || !ReferenceEquals(before, monitor.CurrentValue);
        });

        mismatches.ShouldBe(0);
    }

    private static Task<PaymentLinkWebhookReceipt> Receive(
        PaymentLinkWebhookReceiver receiver, byte[] body, DateTimeOffset signedAt, string secret = SignedWebhooks.Secret) =>
        receiver.ReceiveAsync(new MemoryStream(body), SignedWebhooks.Header(body, signedAt.ToUnixTimeSeconds(), secret));

    // A host whose receiver knows the test secret and whose clock stands at FakeNow.
    private static IHost ReceiverHost(CapturedLogs logs) => Build(
        services => services
            .AddSingleton<TimeProvider>(new FakeTimeProvider(FakeNow))
            .AddPaymentLinkTracking(options => options.SigningSecrets.Add(SignedWebhooks.Secret)),
        logs);

}
