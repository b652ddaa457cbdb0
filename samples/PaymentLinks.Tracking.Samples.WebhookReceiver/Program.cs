using System.Data.Common;
using System.Text;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using PaymentLinks.Tracking;
using PaymentLinks.Tracking.Samples;
using PaymentLinks.Tracking.Samples.WebhookReceiver;

// Receives Stripe's checkout.session.* webhooks for payment links, records each in the ledger before answering, fulfils
// each paid session once, shows a thank-you page that records the visit's campaign, and reports revenue by campaign.
// The signing secret comes from configuration: appsettings.json holds a placeholder; set the real one with
//   PaymentLinkTracking__SigningSecrets__0=whsec_...   (the Dashboard's endpoint, or what `stripe listen` prints)
var builder = WebApplication.CreateSlimBuilder(args);
// The ledger: PaymentLinkTracking__Ledger__Provider=Sqlite (the default, the file paymentlinks-ledger.db) or PostgreSql,
// with ConnectionStrings__PaymentLinkLedger=...
builder.Services
    .AddPaymentLinkTracking(builder.Configuration.GetSection("PaymentLinkTracking"))
    .AddConfiguredLedger(builder.Configuration)
    // Each paid session (and each refund) to Google Analytics 4, Meta and a webhook of your own, for the destinations
    // configured under PaymentLinkTracking:Forwarding, e.g. PaymentLinkTracking__Forwarding__GoogleAnalytics__ApiSecret.
    .AddPaymentLinkForwarding(builder.Configuration.GetSection("PaymentLinkTracking:Forwarding"));

// With a Stripe key (PaymentLinkTracking__StripeApiKey=sk_test_... or rk_...), the thank-you page reads the session to
// show what a conversion tag would send. Without one the receiver runs as well, and the page says less.
if (!string.IsNullOrWhiteSpace(builder.Configuration["PaymentLinkTracking:StripeApiKey"]))
{
    builder.Services.AddPaymentLinkStripeApi();
}

// Stripe wants a 2xx quickly: the endpoint verifies and records; fulfilment runs in the ledger's worker.
builder.Services.AddSingleton<IPaymentLinkFulfillmentHandler, Fulfillment>();

var app = builder.Build();

try
{
    // The options are checked here, before the server listens: a missing or placeholder secret stops the sample.
    _ = app.Services.GetRequiredService<IOptions<PaymentLinkTrackingOptions>>().Value;
    _ = app.Services.GetRequiredService<IOptions<PaymentLinkForwardingOptions>>().Value;
}
catch (OptionsValidationException invalid)
{
    await Console.Error.WriteLineAsync($"""
        The configuration is not valid: {invalid.Message}
        Set the endpoint's signing secret, e.g. PaymentLinkTracking__SigningSecrets__0=whsec_... (the Dashboard's endpoint, or what `stripe listen` prints).
        """);
    return 2;
}

app.MapPost("/stripe/webhook", async (HttpRequest request, PaymentLinkWebhookReceiver webhooks, CancellationToken cancellationToken) =>
{
    // The raw body, exactly as Stripe signed it: never a model-bound or re-serialized copy.
    var receipt = await webhooks.ReceiveAsync(request.Body, request.Headers["Stripe-Signature"], cancellationToken);
    return receipt.Outcome switch
    {
        // On disk, now or from an earlier delivery.
        PaymentLinkWebhookOutcome.Stored or PaymentLinkWebhookOutcome.Duplicate => Results.Ok(),

        // The receiver has logged the refusal; the reason also shows in the Dashboard's delivery attempts.
        PaymentLinkWebhookOutcome.Refused => Results.Text(
            $"{receipt.Rejection}: {PaymentLinkWebhookResult.ForRejection(receipt.Rejection).RejectionMessage}", "text/plain", Encoding.UTF8, StatusCodes.Status400BadRequest),

        // Not stored: Stripe delivers it again later.
        _ => Results.Text("The ledger is unavailable; try again later.", "text/plain", Encoding.UTF8, StatusCodes.Status503ServiceUnavailable),
    };
});

// The page a payment link redirects to, e.g. https://example.com/thanks?session_id={CHECKOUT_SESSION_ID}: Stripe adds
// the link's UTM codes to it. The first visit's UTM codes attribute the session to its campaign.
app.MapGet("/thanks", async (HttpRequest request, IServiceProvider services, CancellationToken cancellationToken) =>
{
    var page = ThankYouPage.Parse(request.GetEncodedUrl());
    var text = new StringBuilder("Thank you for your order.\n\n");
    text.Append("session_id: ").Append(page.SessionId ?? (page.HasMalformedSessionId ? "(malformed)" : "(none)")).Append('\n');
    foreach (var (name, value) in new[]
    {
        ("utm_source", page.Utm.Source), ("utm_medium", page.Utm.Medium), ("utm_campaign", page.Utm.Campaign),
        ("utm_term", page.Utm.Term), ("utm_content", page.Utm.Content),
    })
    {
        text.Append(name).Append(": ").Append(value ?? "(none)").Append('\n');
    }

    foreach (var dropped in page.Url.Dropped)
    {
        text.Append("dropped ").Append(dropped).Append('\n');
    }

    text.Append('\n').Append("visit: ").Append(await ThankYouVisit.RecordAsync(page, request, services, app.Logger, cancellationToken)).Append('\n');
    if (page.SessionId is { } pixelEventId)
    {
        // Meta dedupes the server's Purchase against the browser pixel's when both carry the session id:
        // fbq('track', 'Purchase', {...}, {eventID: '<session id>'}).
        text.Append("meta pixel eventID: ").Append(pixelEventId).Append('\n');
    }

    // Only with a Stripe key: AddPaymentLinkStripeApi is registered then.
    if (page.SessionId is { } sessionId && services.GetService<CheckoutConversionReader>() is { } reader)
    {
        var result = await reader.ReadAsync(page, cancellationToken);
        if (result.Conversion is { } conversion && result.IsConversion)
        {
            var tag = ConversionTag.For(conversion);
            ReceiverLog.Conversion(app.Logger, sessionId, tag.ValueText, tag.Currency, tag.HashedEmail is null ? "none" : "hashed");
            text.Append("conversion tag: value ").Append(tag.ValueText)
                .Append(", currency ").Append(tag.Currency)
                .Append(", email_sha256 ").Append(tag.HashedEmail ?? "(none)").Append('\n');
        }
        else
        {
            text.Append("conversion tag: not sent (").Append(result.Message).Append(")\n");
        }
    }

    return Results.Text(text.ToString(), "text/plain", Encoding.UTF8);
});

// Revenue by campaign for a marketer: /report (HTML, with ?since=2026-11-01&until=2026-12-01, ?mode=test for test data) or /report?format=json,
// the same JSON as the console's `report --format json`.
app.MapGet("/report", async (HttpRequest request, IServiceProvider services, CancellationToken cancellationToken) =>
{
    var format = request.Query["format"].ToString();
    if (format is not ("" or "html" or "json"))
    {
        return Results.Text("format is html (the default) or json.", "text/plain", Encoding.UTF8, StatusCodes.Status400BadRequest);
    }

    var modeText = request.Query["mode"].ToString();
    if (modeText is not ("" or "live" or "test"))
    {
        return Results.Text("mode is live (the default) or test.", "text/plain", Encoding.UTF8, StatusCodes.Status400BadRequest);
    }

    var mode = modeText == "test" ? PaymentLinkMode.Test : PaymentLinkMode.Live;
    var json = format == "json";
    var (sinceText, untilText) = (NonEmpty(request.Query["since"]), NonEmpty(request.Query["until"]));
    DateTimeOffset? since = null, until = null;
    string? problem = null;
    if (sinceText is not null && !ReportPeriod.TryParse(sinceText, out since))
    {
        problem = $"since \"{sinceText}\" is not a date: use {ReportPeriod.Formats}.";
    }
    else if (untilText is not null && !ReportPeriod.TryParse(untilText, out until))
    {
        problem = $"until \"{untilText}\" is not a date: use {ReportPeriod.Formats}.";
    }
    else
    {
        problem = ReportPeriod.Problem(since, until);
    }

    if (problem is not null)
    {
        return json
            ? Results.Text(problem, "text/plain", Encoding.UTF8, StatusCodes.Status400BadRequest)
            : Results.Content(ReportPage.Render([], since, until, sinceText, untilText, problem), "text/html", Encoding.UTF8, StatusCodes.Status400BadRequest);
    }

    IReadOnlyList<CampaignReportRow> rows = [];
    IReadOnlyList<NetRevenueSeries> overTime = [];
    var onlyTestData = false;
    try
    {
        // A ledger that keeps no attribution reports nothing: the page shows its empty state.
        if (services.GetService<IPaymentLinkAttribution>() is { } attribution)
        {
            rows = await attribution.ReportAsync(since, until, mode, cancellationToken);
            if (rows.Count == 0 && mode == PaymentLinkMode.Live)
            {
                onlyTestData = (await attribution.ReportAsync(since, until, PaymentLinkMode.Test, cancellationToken)).Count > 0;
            }
            else if (!json && rows.Count > 0)
            {
                overTime = await RevenueChart.NetOverTimeAsync(attribution, rows, since, until, mode, TimeProvider.System.GetUtcNow(), cancellationToken);
            }
        }
    }
    catch (DbException unavailable)
    {
        ReceiverLog.ReportUnavailable(app.Logger, unavailable.Message);
        const string Unavailable = "The ledger cannot be read right now; try again in a moment.";
        return json
            ? Results.Text(Unavailable, "text/plain", Encoding.UTF8, StatusCodes.Status503ServiceUnavailable)
            : Results.Content(ReportPage.Render([], since, until, sinceText, untilText, Unavailable), "text/html", Encoding.UTF8, StatusCodes.Status503ServiceUnavailable);
    }

    return json
        ? Results.Text(CampaignReportJson.ToJson(rows, indented: true), "application/json", Encoding.UTF8)
        : Results.Content(ReportPage.Render(rows, since, until, sinceText, untilText, mode: mode, onlyTestData: onlyTestData, overTime: overTime), "text/html", Encoding.UTF8);
});

static string? NonEmpty(StringValues value) => string.IsNullOrWhiteSpace(value.ToString()) ? null : value.ToString();

try
{
    await app.RunAsync();
}
catch (DbException unreachable)
{
    // The ledger's schema is applied at start-up: a database that cannot be reached stops the sample here.
    await Console.Error.WriteLineAsync(
        $"The ledger's database could not be opened ({unreachable.GetType().Name}: {unreachable.Message}). Check ConnectionStrings__PaymentLinkLedger.");
    return 3;
}

return 0;
