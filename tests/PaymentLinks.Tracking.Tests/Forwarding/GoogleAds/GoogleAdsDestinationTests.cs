using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using PaymentLinks.Tracking.GoogleAds;
using PaymentLinks.Tracking.Tests.StripeApi;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Forwarding.GoogleAds;

/// <summary>
/// The Google Ads destination through the public destination API alone, as a merchant's own destination is driven,
/// against Google's token endpoint and Data Manager API on loopback.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "The loopback server and the client are disposed in TearDown.")]
public sealed class GoogleAdsDestinationTests
{
    private static readonly DateTimeOffset PaidAt = new(2026, 12, 6, 17, 45, 30, TimeSpan.Zero);

    private LoopbackGoogle _google = null!;
    private HttpClient _client = null!;

    [SetUp]
    public void StartGoogle()
    {
        _google = new LoopbackGoogle();
        _client = new HttpClient();
    }

    [TearDown]
    public async Task StopGoogle()
    {
        _client.Dispose();
        await _google.DisposeAsync();
    }

    internal static GoogleAdsForwardingOptions Options(LoopbackGoogle google, bool knownKey = true) => new()
    {
        OperatingAccountId = LoopbackGoogle.OperatingAccountId,
        LoginAccountId = "1112223334",
        ConversionActionId = LoopbackGoogle.ConversionActionId,
        CredentialsJson = google.ServiceAccountKey(knownKey),
        Endpoint = google.Endpoint,
    };

    private GoogleAdsDestination Destination(bool knownKey = true) => new(Microsoft.Extensions.Options.Options.Create(Options(_google, knownKey)));

    internal static ConversionEvent Purchase(string sessionId = "cs_live_google1", ConversionClick? click = null, bool consent = true, string? email = "Buyer@Example.com") => new()
    {
        SessionId = sessionId,
        TransactionId = sessionId,
        Kind = ForwardingKind.Purchase,
        OccurredAt = PaidAt,
        Livemode = true,
        Amount = 12_000,
        AmountTax = 1_000,
        AmountShipping = 500,
        Currency = "usd",
        ConsentGranted = consent,
        Email = consent ? email : null,
        Click = click ?? new ConversionClick { Gclid = "Cj0KCQgclid" },
    };

    private static string Sha256(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();

    [Test]
    public async Task A_paid_session_is_one_event_with_the_session_as_transactionId_its_time_value_without_tax_and_shipping_and_the_destination()
    {
        (await Destination().SendAsync([Purchase()], _client, CancellationToken.None)).Status.ShouldBe(ConversionBatchStatus.Accepted);

        var body = _google.Accepted.ShouldHaveSingleItem();
        var destination = body["destinations"]!.AsArray().ShouldHaveSingleItem()!;
        ((string?)destination["operatingAccount"]!["accountType"]).ShouldBe("GOOGLE_ADS");
        ((string?)destination["operatingAccount"]!["accountId"]).ShouldBe(LoopbackGoogle.OperatingAccountId);
        ((string?)destination["loginAccount"]!["accountId"]).ShouldBe("1112223334");
        ((string?)destination["productDestinationId"]).ShouldBe(LoopbackGoogle.ConversionActionId);
        var sent = body["events"]!.AsArray().ShouldHaveSingleItem()!;
        ((string?)sent["transactionId"]).ShouldBe("cs_live_google1");
        ((string?)sent["eventTimestamp"]).ShouldBe("2026-12-06T17:45:30Z");
        ((decimal)sent["conversionValue"]!).ShouldBe(105.00m, "the value GA4 gets: the amount less its tax and shipping");
        ((string?)sent["currency"]).ShouldBe("USD");
        ((string?)sent["eventSource"]).ShouldBe("WEB");
        body.ContainsKey("validateOnly").ShouldBeFalse();
    }

    [Test]
    public async Task A_zero_decimal_currency_keeps_its_whole_units()
    {
        await Destination().SendAsync([Purchase() with { Amount = 12_000, AmountTax = 0, AmountShipping = 0, Currency = "jpy" }], _client, CancellationToken.None);

        var sent = _google.Accepted.Single()["events"]![0]!;
        ((decimal)sent["conversionValue"]!).ShouldBe(12_000m);
        ((string?)sent["currency"]).ShouldBe("JPY");
    }

    [TestCase("G1", "B1", "W1", "gclid", "G1")]
    [TestCase(null, "B1", "W1", "gbraid", "B1")]
    [TestCase(" ", null, "W1", "wbraid", "W1")]
    public async Task Google_refuses_two_click_ids_so_exactly_one_is_sent_gclid_then_gbraid_then_wbraid(string? gclid, string? gbraid, string? wbraid, string field, string value)
    {
        var result = await Destination().SendAsync([Purchase(click: new ConversionClick { Gclid = gclid, Gbraid = gbraid, Wbraid = wbraid })], _client, CancellationToken.None);

        result.Status.ShouldBe(ConversionBatchStatus.Accepted);
        var ids = _google.Accepted.Single()["events"]![0]!["adIdentifiers"]!.AsObject();
        ids.Select(p => p.Key).ShouldBe([field]);
        ((string?)ids[field]).ShouldBe(value);
    }

    [TestCase("  Buyer@Example.com ", "buyer@example.com")]
    [TestCase("user.name+NYC@Example.com", "user.name+nyc@example.com")]
    [TestCase("Cloudy.SanFrancisco+shopping@gmail.com", "cloudysanfrancisco@gmail.com")]
    [TestCase("j.doe@googlemail.com", "jdoe@googlemail.com")]
    [TestCase("first last@example.com", "firstlast@example.com")]
    public async Task The_email_is_normalised_as_Data_Manager_documents_then_SHA256_hex_encoded(string email, string normalised)
    {
        await Destination().SendAsync([Purchase(email: email)], _client, CancellationToken.None);

        var body = _google.Accepted.Single();
        ((string?)body["encoding"]).ShouldBe("HEX");
        var identifier = body["events"]![0]!["userData"]!["userIdentifiers"]!.AsArray().ShouldHaveSingleItem()!;
        ((string?)identifier["emailAddress"]).ShouldBe(Sha256(normalised));
    }

    [Test]
    public async Task Consent_granted_sends_the_hashed_email_and_both_consent_fields_granted()
    {
        await Destination().SendAsync([Purchase(consent: true)], _client, CancellationToken.None);

        var sent = _google.Accepted.Single()["events"]![0]!;
        ((string?)sent["consent"]!["adUserData"]).ShouldBe("CONSENT_GRANTED");
        ((string?)sent["consent"]!["adPersonalization"]).ShouldBe("CONSENT_GRANTED");
        sent["userData"].ShouldNotBeNull();
    }

    [Test]
    public async Task Without_recorded_consent_no_user_data_goes_and_both_consent_fields_are_denied()
    {
        await Destination().SendAsync([Purchase(consent: false) with { Email = "leaked@example.com" }], _client, CancellationToken.None);

        var body = _google.Accepted.Single();
        var sent = body["events"]![0]!.AsObject();
        sent.ContainsKey("userData").ShouldBeFalse();
        body.ContainsKey("encoding").ShouldBeFalse();
        ((string?)sent["consent"]!["adUserData"]).ShouldBe("CONSENT_DENIED");
        ((string?)sent["consent"]!["adPersonalization"]).ShouldBe("CONSENT_DENIED");
        ((string?)sent["adIdentifiers"]!["gclid"]).ShouldBe("Cj0KCQgclid", "a click id is not the buyer's personal data; the consent fields tell Google how it may use it");
    }

    [Test]
    public void Google_Ads_needs_a_click_id_or_an_email_under_consent_otherwise_the_conversion_is_withheld_and_says_why()
    {
        var destination = Destination();
        var noClick = new ConversionClick { Fbclid = "IwAR-only-meta" };

        destination.WithheldBecause(Purchase(click: noClick, consent: false))
            .ShouldBe("Not sent to Google Ads: the session has no Google click id (gclid, gbraid or wbraid) and the buyer's consent for their email is not recorded, so Google Ads could match it to no ad click.");
        destination.WithheldBecause(Purchase(click: noClick, consent: true, email: null))
            .ShouldBe("Not sent to Google Ads: the session has no Google click id (gclid, gbraid or wbraid) and no email, so Google Ads could match it to no ad click.");
        destination.WithheldBecause(Purchase(click: noClick, consent: true)).ShouldBeNull("the hashed email can be matched");
        destination.WithheldBecause(Purchase(consent: false)).ShouldBeNull("the gclid can be matched");
        destination.WithheldBecause(Purchase(click: new ConversionClick { Wbraid = "W1" }, consent: false)).ShouldBeNull();
    }

    [Test]
    public void Purchases_and_refunds_as_restatements_go_to_Google_Ads_and_renewals_only_with_SendRenewals_up_to_2000_a_request_as_Data_Manager_documents()
    {
        var destination = Destination();

        destination.Name.ShouldBe("google_ads");
        destination.MaxBatchSize.ShouldBe(2000);
        destination.Kinds.ShouldBe([ForwardingKind.Purchase, ForwardingKind.Refund, ForwardingKind.RefundReversed]);
        var options = Options(_google);
        options.SendRenewals = true;
        new GoogleAdsDestination(Microsoft.Extensions.Options.Options.Create(options)).Kinds
            .ShouldBe([ForwardingKind.Purchase, ForwardingKind.Renewal, ForwardingKind.Refund, ForwardingKind.RefundReversed]);
        destination.Window.MaxAge.ShouldBeNull();
        destination.Window.RetryWindow.ShouldBe(TimeSpan.FromDays(3));
    }

    [Test]
    public void Data_Manager_restates_a_conversion_by_its_transactionId_so_a_refund_carries_the_value_after_it_and_one_the_ledger_cannot_value_is_withheld()
    {
        var refund = Purchase(click: new ConversionClick { Gclid = "EAIaIQobChMI_refund" }) with
        {
            Kind = ForwardingKind.Refund,
            Key = "1000",
            Amount = 1000,
            AmountTax = 0,
            AmountShipping = 0,
            RemainingValueInMinorUnits = 3200,
        };

        var sent = GoogleAdsDestination.Event(refund);
        (sent.TransactionId, sent.ConversionValue, sent.AdIdentifiers!.Gclid).ShouldBe((refund.SessionId, 32.00m, "EAIaIQobChMI_refund"));
        Destination().WithheldBecause(refund).ShouldBeNull();
        Destination().WithheldBecause(refund with { RemainingValueInMinorUnits = null }).ShouldNotBeNull().ShouldContain("cannot be restated");
    }

    [Test]
    public async Task A_full_batch_of_2000_is_one_request_and_Google_takes_it()
    {
        var batch = Enumerable.Range(0, 2000).Select(i => Purchase(string.Create(CultureInfo.InvariantCulture, $"cs_live_{i:D5}"))).ToList();

        (await Destination().SendAsync(batch, _client, CancellationToken.None)).Status.ShouldBe(ConversionBatchStatus.Accepted);

        _google.Ingested.ShouldHaveSingleItem().Status.ShouldBe(200);
        _google.Accepted.Single()["events"]!.AsArray().Count.ShouldBe(2000);
        _google.TokenRequests.ShouldBe(1);
    }

    [Test]
    public async Task A_429_is_a_retry_after_the_wait_Google_asks_for_and_a_5xx_a_retry_then_the_batch_goes_through()
    {
        var destination = Destination();
        _google.Override = (number, _) => number switch
        {
            1 => LoopbackGoogle.Status(429, "RESOURCE_EXHAUSTED", "Quota exceeded.") with { Headers = new Dictionary<string, string> { ["Retry-After"] = "30" } },
            2 => LoopbackGoogle.Status(503, "UNAVAILABLE", "The service is currently unavailable."),
            _ => null,
        };

        var first = await destination.SendAsync([Purchase()], _client, CancellationToken.None);
        var second = await destination.SendAsync([Purchase()], _client, CancellationToken.None);
        var third = await destination.SendAsync([Purchase()], _client, CancellationToken.None);

        first.Status.ShouldBe(ConversionBatchStatus.Retry);
        first.RetryAfter.ShouldBe(TimeSpan.FromSeconds(30));
        first.Error.ShouldBe("Google Ads answered 429 RESOURCE_EXHAUSTED: Quota exceeded. [RESOURCE_EXHAUSTED] (requestId loopback-failed-1)");
        second.Status.ShouldBe(ConversionBatchStatus.Retry);
        second.Error!.ShouldStartWith("Google Ads answered 503 UNAVAILABLE");
        third.Status.ShouldBe(ConversionBatchStatus.Accepted);
        _google.TokenRequests.ShouldBe(1, "the access token is reused across tries");
    }

    [Test]
    public async Task Data_Manager_fails_the_whole_request_on_one_event_so_the_event_its_field_violation_names_is_refused_alone()
    {
        _google.Override = (_, _) => LoopbackGoogle.Status(
            400, "INVALID_ARGUMENT", "Request contains an invalid argument.", ("events[2].currency", "The currency code is not supported.", "INVALID_CURRENCY_CODE"));

        var result = await Destination().SendAsync([Purchase("cs_a"), Purchase("cs_b"), Purchase("cs_c")], _client, CancellationToken.None);

        result.Status.ShouldBe(ConversionBatchStatus.EventRefused);
        result.EventIndex.ShouldBe(2);
        result.Error.ShouldBe("Google Ads answered 400 INVALID_ARGUMENT: Request contains an invalid argument.; events[2].currency: The currency code is not supported. (INVALID_CURRENCY_CODE) [INVALID_CURRENCY_CODE] (requestId loopback-failed-1)");
    }

    [Test]
    public async Task A_request_level_error_refuses_the_batch()
    {
        _google.Override = (_, _) => LoopbackGoogle.Status(
            400, "INVALID_ARGUMENT", "Request contains an invalid argument.", ("destinations[0].product_destination_id", "Conversion action ID is not valid.", "INVALID_CONVERSION_ACTION_ID"));

        var result = await Destination().SendAsync([Purchase()], _client, CancellationToken.None);

        result.Status.ShouldBe(ConversionBatchStatus.Refused);
        result.Error!.ShouldContain("destinations[0].product_destination_id: Conversion action ID is not valid.");
    }

    [Test]
    public async Task A_bad_credential_is_refused_at_once_by_the_token_endpoint_and_nothing_reaches_events_ingest()
    {
        var result = await Destination(knownKey: false).SendAsync([Purchase()], _client, CancellationToken.None);

        result.Status.ShouldBe(ConversionBatchStatus.Refused);
        result.Error!.ShouldStartWith("Google's token endpoint refused the credential (400 invalid_grant: Invalid JWT Signature.)");
        _google.Ingested.ShouldBeEmpty();
        _google.TokenRequests.ShouldBe(1);
    }

    [Test]
    public async Task An_access_token_Google_does_not_accept_is_refused_not_retried()
    {
        _google.Override = (_, _) => LoopbackGoogle.Status(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.");

        var result = await Destination().SendAsync([Purchase()], _client, CancellationToken.None);

        result.Status.ShouldBe(ConversionBatchStatus.Refused);
        result.Error!.ShouldStartWith("Google Ads answered 401 UNAUTHENTICATED");
    }

    [Test]
    public async Task An_answer_not_in_Googles_shape_is_read_by_its_status()
    {
        _google.Override = (_, _) => new StripeAnswer(502, "<html>Bad Gateway</html>");

        var result = await Destination().SendAsync([Purchase()], _client, CancellationToken.None);

        result.Status.ShouldBe(ConversionBatchStatus.Retry);
        result.Error.ShouldBe("Google Ads answered 502 BadGateway: <html>Bad Gateway</html>");
    }

    [Test]
    public async Task Validate_sends_a_sample_purchase_with_validateOnly_and_reports_Googles_errors()
    {
        var destination = Destination();
        (await destination.ValidateAsync(_client, CancellationToken.None)).IsValid.ShouldBeTrue();
        var sample = _google.Accepted.ShouldHaveSingleItem();
        ((bool)sample["validateOnly"]!).ShouldBeTrue();
        sample["events"]!.AsArray().ShouldHaveSingleItem();

        _google.Override = (_, _) => LoopbackGoogle.Status(403, "PERMISSION_DENIED", "The caller does not have permission.");
        var refused = await destination.ValidateAsync(_client, CancellationToken.None);

        refused.IsValid.ShouldBeFalse();
        refused.Messages.ShouldHaveSingleItem().ShouldBe("Google Ads answered 403 PERMISSION_DENIED: The caller does not have permission. [PERMISSION_DENIED] (requestId loopback-failed-1)");
    }
}
