using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Forwarding.GoogleAds;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Ledger;

/// <summary>
/// Refunds and renewals at Google Ads, on each engine, against the loopback Data Manager API: a refund is the
/// conversion again with the same <c>transactionId</c>, whose value the ledger computes as what remains of the
/// transaction after it.
/// </summary>
public abstract partial class LedgerContract
{
    private static readonly ForwardingDestination GoogleAdsDestination = ForwardingDestination.Named("google_ads");

    [Test]
    public async Task Data_Manager_an_event_with_the_same_transactionId_restates_conversionValue_so_a_partial_refund_restates_the_value_net_of_tax_and_shipping()
    {
        await using var google = new LoopbackGoogle();
        var instance = GoogleAdsForwarder(google);
        var (sessionId, paymentIntent) = await PaidFromAClickAsync(instance, amount: 12_500, tax: 2_000, shipping: 500);
        await DrainAsync(instance.Worker);
        google.Conversions[sessionId].ShouldBe(new RecordedConversion(1, 100.00m, "USD", 0));

        await instance.Ledger.RecordAsync(MoneyEvents.Read(
            "charge.refunded", MoneyEvents.Charge("ch_" + sessionId[8..], paymentIntent, 12_500, 6_250), DateTimeOffset.UtcNow, livemode: true));
        await DrainAsync(instance.Worker);

        // Half refunded: half of the value (half of the tax and of the shipping go with the refund), and one conversion.
        google.Conversions[sessionId].ShouldBe(new RecordedConversion(1, 50.00m, "USD", 1));
        var refund = google.Accepted[1]["events"]!.AsArray().ShouldHaveSingleItem()!;
        ((string?)refund["adIdentifiers"]!["gclid"]).ShouldBe("EAIaIQobChMI_refunded", "an adjustment carries the original's identifier");
    }

    [Test]
    public async Task Data_Manager_restates_the_last_value_sent_so_two_partial_refunds_restate_it_cumulatively_in_their_order()
    {
        await using var google = new LoopbackGoogle();
        var instance = GoogleAdsForwarder(google);
        var (sessionId, paymentIntent) = await PaidFromAClickAsync(instance, amount: 12_500, tax: 2_000, shipping: 500);
        var chargeId = "ch_" + sessionId[8..];

        // Both refunds are in the outbox before the worker runs: the second waits for the first, as it restates after it.
        await instance.Ledger.RecordAsync(MoneyEvents.Read("charge.refunded", MoneyEvents.Charge(chargeId, paymentIntent, 12_500, 2_500), DateTimeOffset.UtcNow.AddMinutes(-2), livemode: true));
        await instance.Ledger.RecordAsync(MoneyEvents.Read("charge.refunded", MoneyEvents.Charge(chargeId, paymentIntent, 12_500, 6_250), DateTimeOffset.UtcNow.AddMinutes(-1), livemode: true));
        await DrainAsync(instance.Worker);

        var values = google.Accepted.SelectMany(body => body["events"]!.AsArray()).Select(e => e!["conversionValue"]!.GetValue<decimal>()).ToList();
        values.ShouldBe([100.00m, 80.00m, 50.00m]);
        google.Conversions[sessionId].ShouldBe(new RecordedConversion(1, 50.00m, "USD", 2));
    }

    [Test]
    public async Task Data_Manager_documents_no_retraction_so_a_full_refund_restates_the_value_to_0_and_the_conversion_stays_counted()
    {
        await using var google = new LoopbackGoogle();
        var instance = GoogleAdsForwarder(google);
        var (sessionId, paymentIntent) = await PaidFromAClickAsync(instance, amount: 12_500, tax: 2_000, shipping: 500);
        var chargeId = "ch_" + sessionId[8..];
        await instance.Ledger.RecordAsync(MoneyEvents.Read("charge.refunded", MoneyEvents.Charge(chargeId, paymentIntent, 12_500, 3_333), DateTimeOffset.UtcNow.AddMinutes(-2), livemode: true));
        await instance.Ledger.RecordAsync(MoneyEvents.Read("charge.refunded", MoneyEvents.Charge(chargeId, paymentIntent, 12_500, 12_500), DateTimeOffset.UtcNow.AddMinutes(-1), livemode: true));
        await DrainAsync(instance.Worker);

        // Two refunds whose tax shares are rounded: what remains is 0 exactly, not a cent of rounding.
        google.Conversions[sessionId].ShouldBe(new RecordedConversion(1, 0m, "USD", 2));
    }

    [Test]
    public async Task Data_Manager_would_record_a_refund_sent_first_as_a_conversion_so_it_never_goes_before_its_purchase_was_accepted()
    {
        await using var google = new LoopbackGoogle();
        // The purchase's first try fails: the refund, already in the outbox, waits for it.
        google.Override = (number, _) => number == 1 ? LoopbackGoogle.Status(503, "UNAVAILABLE", "The service is currently unavailable.") : null;
        var instance = GoogleAdsForwarder(google);
        var sessionId = NewLiveSessionId();
        var paymentIntent = "pi_" + sessionId[8..];

        // Stripe does not order its events: the refund is recorded before the session.
        await instance.Ledger.RecordAsync(MoneyEvents.Read(
            "charge.refunded", MoneyEvents.Charge("ch_" + sessionId[8..], paymentIntent, 4_200, 1_200), DateTimeOffset.UtcNow.AddMinutes(-5), livemode: true));
        await instance.Ledger.RecordAsync(Session(
            sessionId, DateTimeOffset.UtcNow.AddMinutes(-20), paymentIntent: paymentIntent, livemode: true, clientReference: await ClickReferenceAsync(instance)));
        for (var round = 0; round < 100 && google.Conversions.GetValueOrDefault(sessionId)?.Adjustments != 1; round++)
        {
            await instance.Worker.ForwardRoundAsync(CancellationToken.None);
            await Task.Delay(20);
        }

        var requests = google.Ingested.Select(i => (i.Status, Values: JsonNode.Parse(i.Request.RawBody)!["events"]!.AsArray().Select(e => e!["conversionValue"]!.GetValue<decimal>()).ToList())).ToList();
        requests.Select(r => r.Status).ShouldBe([503, 200, 200]);
        requests.Select(r => r.Values).ShouldBe([[42.00m], [42.00m], [30.00m]]);
        google.Conversions[sessionId].ShouldBe(new RecordedConversion(1, 30.00m, "USD", 1));
    }

    [Test]
    public async Task Data_Manager_restates_conversionValue_again_so_a_refund_that_failed_restates_the_value_back()
    {
        await using var google = new LoopbackGoogle();
        var instance = GoogleAdsForwarder(google);
        var (sessionId, paymentIntent) = await PaidFromAClickAsync(instance, amount: 4_200);
        var chargeId = "ch_" + sessionId[8..];
        var refundedAt = DateTimeOffset.UtcNow.AddHours(-2);
        await instance.Ledger.RecordAsync(MoneyEvents.Read("charge.refunded", MoneyEvents.Charge(chargeId, paymentIntent, 4_200, 1_500), refundedAt, livemode: true));
        await DrainAsync(instance.Worker);
        google.Conversions[sessionId].Value.ShouldBe(27.00m);

        var failed = MoneyEvents.Refund("re_" + sessionId[8..], chargeId, paymentIntent, 1_500, "failed", created: refundedAt);
        await instance.Ledger.RecordAsync(MoneyEvents.Read("charge.refund.updated", failed, DateTimeOffset.UtcNow.AddMinutes(-30), livemode: true));
        await DrainAsync(instance.Worker);

        google.Conversions[sessionId].ShouldBe(new RecordedConversion(1, 42.00m, "USD", 2));
        var rows = (await instance.Forwarding.ListAsync()).Where(row => row.Destination == GoogleAdsDestination).ToList();
        rows.Select(row => row.Kind).ShouldBe([ForwardingKind.Purchase, ForwardingKind.Refund, ForwardingKind.RefundReversed], ignoreOrder: true);
        rows.ShouldAllBe(row => row.State == ForwardingState.Sent);
    }

    [TestCase(false)]
    [TestCase(true)]
    public async Task Data_Manager_counts_each_transactionId_once_so_a_renewal_goes_as_its_invoice_with_the_sessions_click_id_only_with_SendRenewals(bool sendRenewals)
    {
        await using var google = new LoopbackGoogle();
        var instance = GoogleAdsForwarder(google, sendRenewals);
        var sessionId = NewLiveSessionId();
        var id = sessionId[8..];
        await instance.Ledger.RecordAsync(Session(
            sessionId, DateTimeOffset.UtcNow.AddDays(-30), subscription: "sub_" + id, amount: 2_400, livemode: true, clientReference: await ClickReferenceAsync(instance)));
        var renewedAt = DateTimeOffset.UtcNow.AddMinutes(-3);
        var invoice = "in_cycle_" + id;
        await instance.Ledger.RecordAsync(MoneyEvents.Read(
            "invoice.paid", MoneyEvents.Invoice(invoice, "sub_" + id, "subscription_cycle", 2_400, 400, renewedAt, "pi_cycle_" + id), renewedAt, livemode: true));
        await DrainAsync(instance.Worker);

        var events = google.Accepted.SelectMany(body => body["events"]!.AsArray()).ToList();
        events.Select(e => (string?)e!["transactionId"]).ShouldBe(sendRenewals ? [sessionId, invoice] : [sessionId], ignoreOrder: true);
        if (sendRenewals)
        {
            var renewal = events.Single(e => (string?)e!["transactionId"] == invoice)!;
            ((string?)renewal["adIdentifiers"]!["gclid"]).ShouldBe("EAIaIQobChMI_refunded");
            renewal["conversionValue"]!.GetValue<decimal>().ShouldBe(20.00m);
            google.Conversions[invoice].Count.ShouldBe(1);
        }
    }

    private static async Task<(string SessionId, string PaymentIntent)> PaidFromAClickAsync(ClickForwardingInstance instance, long amount, long tax = 0, long? shipping = null)
    {
        var sessionId = NewLiveSessionId();
        var paymentIntent = "pi_" + sessionId[8..];
        await instance.Ledger.RecordAsync(Session(
            sessionId, DateTimeOffset.UtcNow.AddMinutes(-10), paymentIntent: paymentIntent, amount: amount, tax: tax, shipping: shipping, livemode: true,
            clientReference: await ClickReferenceAsync(instance)));
        return (sessionId, paymentIntent);
    }

    private static async Task<string> ClickReferenceAsync(ClickForwardingInstance instance)
    {
        var redirect = (await instance.Clicks.RecordClickAsync(new PaymentLinkClick { LinkName = "pro", Gclid = "EAIaIQobChMI_refunded" })).ShouldNotBeNull();
        return QueryHelpers.ParseQuery(redirect.Location.Query)["client_reference_id"].ToString();
    }

    /// <summary>The ledger forwarding to the loopback Data Manager API only, with its clicks over the one link <c>pro</c>.</summary>
    private ClickForwardingInstance GoogleAdsForwarder(LoopbackGoogle google, bool sendRenewals = false)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPaymentLinkTracking(options => options.Links["pro"] = ClickedLink);
        AddLedger(services, options => options.RunFulfillment = false);
        services.AddPaymentLinkForwarding(options =>
        {
            options.AssumeConsent = true;
            options.RetryDelay = TimeSpan.FromMilliseconds(20);
            options.RequestTimeout = TimeSpan.FromSeconds(20);
            options.LeaseDuration = TimeSpan.FromSeconds(80);
        });
        var configured = GoogleAdsDestinationTests.Options(google);
        services.AddGoogleAdsForwarding(options =>
        {
            options.OperatingAccountId = configured.OperatingAccountId;
            options.ConversionActionId = configured.ConversionActionId;
            options.CredentialsJson = configured.CredentialsJson;
            options.Endpoint = configured.Endpoint;
            options.SendRenewals = sendRenewals;
        });
        var provider = services.BuildServiceProvider();
        _instances.Add(provider);
        return new ClickForwardingInstance(
            provider.GetRequiredService<DbPaymentLinkLedger>(),
            provider.GetServices<IHostedService>().OfType<ForwardingWorker>().Single(),
            provider.GetRequiredService<IPaymentLinkClicks>(),
            provider.GetRequiredService<IPaymentLinkAttribution>(),
            provider.GetRequiredService<IPaymentLinkForwarding>());
    }
}
