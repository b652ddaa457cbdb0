using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Options;
using PaymentLinks.Tracking;
using PaymentLinks.Tracking.Samples.WebhookReceiver;

// Receives Stripe's checkout.session.* webhooks for payment links, and shows a thank-you page.
// The signing secret comes from configuration: appsettings.json holds a placeholder; set the real one with
//   PaymentLinkTracking__SigningSecrets__0=whsec_...   (the Dashboard's endpoint, or what `stripe listen` prints)
var builder = WebApplication.CreateSlimBuilder(args);
builder.Services.AddPaymentLinkTracking(builder.Configuration.GetSection("PaymentLinkTracking"));

// Stripe wants a 2xx quickly: the endpoint only verifies and queues; reconciliation runs in the background.
builder.Services.AddSingleton(Channel.CreateBounded<PaymentLinkEvent>(new BoundedChannelOptions(1000)
{
    SingleReader = true,
    FullMode = BoundedChannelFullMode.Wait,
}));
builder.Services.AddHostedService<Reconciliation>();

var app = builder.Build();

if (app.Services.GetRequiredService<IOptions<PaymentLinkTrackingOptions>>().Value.SigningSecrets.Any(secret => secret.Contains("placeholder", StringComparison.Ordinal)))
{
    ReceiverLog.PlaceholderSecret(app.Logger);
}

app.MapPost("/stripe/webhook", async (HttpRequest request, PaymentLinkWebhookReceiver webhooks, Channel<PaymentLinkEvent> queue, CancellationToken cancellationToken) =>
{
    // The raw body, exactly as Stripe signed it: never a model-bound or re-serialized copy.
    var result = await webhooks.ReceiveAsync(request.Body, request.Headers["Stripe-Signature"], cancellationToken);
    if (!result.Succeeded)
    {
        // The receiver has logged the refusal; the reason also shows in the Dashboard's delivery attempts.
        return Results.Text($"{result.Rejection}: {result.RejectionMessage}", "text/plain", Encoding.UTF8, StatusCodes.Status400BadRequest);
    }

    await queue.Writer.WriteAsync(result.Event, cancellationToken);
    return Results.Ok();
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

app.Run();
