using System.Text;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Options;
using PaymentLinks.Tracking;
using PaymentLinks.Tracking.Samples;
using PaymentLinks.Tracking.Samples.WebhookReceiver;

// Receives Stripe's checkout.session.* webhooks for payment links, records each in the ledger before answering, fulfils
// each paid session once, and shows a thank-you page.
// The signing secret comes from configuration: appsettings.json holds a placeholder; set the real one with
//   PaymentLinkTracking__SigningSecrets__0=whsec_...   (the Dashboard's endpoint, or what `stripe listen` prints)
var builder = WebApplication.CreateSlimBuilder(args);
// The ledger: PaymentLinkTracking__Ledger__Provider=Sqlite (the default, the file paymentlinks-ledger.db) or PostgreSql,
// with ConnectionStrings__PaymentLinkLedger=...
builder.Services
    .AddPaymentLinkTracking(builder.Configuration.GetSection("PaymentLinkTracking"))
    .AddConfiguredLedger(builder.Configuration);

// Stripe wants a 2xx quickly: the endpoint verifies and records; fulfilment runs in the ledger's worker.
builder.Services.AddSingleton<IPaymentLinkFulfillmentHandler, Fulfillment>();

var app = builder.Build();

try
{
    // The options are checked here, before the server listens: a missing or placeholder secret stops the sample.
    _ = app.Services.GetRequiredService<IOptions<PaymentLinkTrackingOptions>>().Value;
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
// the link's UTM codes to it.
app.MapGet("/thanks", (HttpRequest request) =>
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

    return Results.Text(text.ToString(), "text/plain", Encoding.UTF8);
});

try
{
    await app.RunAsync();
}
catch (System.Data.Common.DbException unreachable)
{
    // The ledger's schema is applied at start-up: a database that cannot be reached stops the sample here.
    await Console.Error.WriteLineAsync(
        $"The ledger's database could not be opened ({unreachable.GetType().Name}: {unreachable.Message}). Check ConnectionStrings__PaymentLinkLedger.");
    return 3;
}

return 0;
