using Microsoft.AspNetCore.Authentication;
using OpenTelemetry.Metrics;
using PaymentLinks.Tracking;
using PaymentLinks.Tracking.AspNetCore;
using PaymentLinks.Tracking.Samples;
using PaymentLinks.Tracking.Samples.WebhookReceiver;

// Receives Stripe's checkout.session.* webhooks for payment links, records each in the ledger before answering, fulfils
// each paid session once, records the thank-you page's campaign, and reports revenue by campaign. The signing secret
// comes from configuration: PaymentLinkTracking__SigningSecrets__0=whsec_... (the Dashboard's endpoint, or `stripe listen`).
// The ledger: PaymentLinkTracking__Ledger__Provider=Sqlite (the default: samples/paymentlinks-ledger.db, shared with the
// console sample) or PostgreSql with ConnectionStrings__PaymentLinkLedger=...
var builder = WebApplication.CreateSlimBuilder(args);
builder.Services
    .AddPaymentLinkTracking(builder.Configuration.GetSection("PaymentLinkTracking"))
    .AddConfiguredLedger(builder.Configuration)
    // Each paid session (and each refund) to Google Analytics 4, Meta, TikTok and a webhook of your own, for the
    // destinations configured under PaymentLinkTracking:Forwarding, e.g. PaymentLinkTracking__Forwarding__GoogleAnalytics__ApiSecret
    // or PaymentLinkTracking__Forwarding__TikTok__PixelCode and PaymentLinkTracking__Forwarding__TikTok__AccessToken.
    .AddPaymentLinkForwarding(builder.Configuration.GetSection("PaymentLinkTracking:Forwarding"));

// Google Ads (Data Manager API) when its settings are present, e.g. PaymentLinkTracking__Forwarding__GoogleAds__OperatingAccountId,
// ...__ConversionActionId and ...__CredentialsFile (a service account's JSON key).
var googleAds = builder.Configuration.GetSection("PaymentLinkTracking:Forwarding:GoogleAds");
if (googleAds.Exists())
{
    builder.Services.AddGoogleAdsForwarding(googleAds);
}

builder.Services.AddSingleton<IPaymentLinkFulfillmentHandler, Fulfillment>();
if (!string.IsNullOrWhiteSpace(builder.Configuration["PaymentLinkTracking:StripeApiKey"]))
{
    builder.Services.AddPaymentLinkStripeApi();   // the thank-you page then confirms each session with Stripe, once
}

builder.Services.AddHealthChecks().AddPaymentLinkTracking();
builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(PaymentLinkTrackingDiagnostics.Name).AddPrometheusExporter());

// With Sample:AdminToken set (Sample__AdminToken=...), /report and /admin answer a bearer token from anywhere;
// without it, local requests only.
var adminToken = builder.Configuration["Sample:AdminToken"];
if (!string.IsNullOrEmpty(adminToken))
{
    builder.Services.AddAuthentication(AdminToken.Name)
        .AddScheme<AuthenticationSchemeOptions, AdminToken>(AdminToken.Name, null);
    builder.Services.AddAuthorization();
}

var app = builder.Build();
if (StartupCheck.Problem(app.Services) is { } problem)
{
    await Console.Error.WriteLineAsync(problem);
    return 2;
}

app.MapPaymentLinkWebhook("/stripe/webhook");
// The consent the pages report (here ?consent=granted or denied, as a consent banner would set it); without it, no
// personal value of a click or a visit is recorded or forwarded.
static VisitConsent ConsentOf(HttpContext context) => context.Request.Query["consent"].ToString() switch
{
    "granted" => VisitConsent.Granted,
    "denied" => VisitConsent.Denied,
    _ => VisitConsent.NotReported,
};

// Tracked links for the configured PaymentLinkTracking:Links: /go/<name> records the click and sends the buyer to Stripe.
app.MapPaymentLinkRedirect("/go/{name}", new PaymentLinkRedirectOptions { Consent = ConsentOf });
app.MapPaymentLinkThankYou("/thanks", new PaymentLinkThankYouOptions
{
    Page = ThankYouText.Render,
    // Requests one client may make a minute (Sample:ThankYouPermitsPerClient; a load test from one address raises it).
    PermitsPerClient = int.TryParse(builder.Configuration["Sample:ThankYouPermitsPerClient"], out var permits) ? permits : 20,
    Consent = ConsentOf,
});
// Revenue by campaign: the page with its charts (?since=...&until=..., ?mode=test) and ?format=json.
var report = app.MapPaymentLinkReport("/report");
// The admin API's POSTs take a JSON body only and no page of another origin, e.g.
// curl -X POST -H "Content-Type: application/json" -d "{}" http://localhost:5000/admin/sessions/retry-parked
var admin = app.MapPaymentLinkAdmin("/admin");
if (!string.IsNullOrEmpty(adminToken))
{
    app.UseAuthentication();
    app.UseAuthorization();
    report.RequireAuthorization();
    admin.RequireAuthorization();
}

app.MapHealthChecks("/health");
app.MapPrometheusScrapingEndpoint("/metrics");
return await StartupCheck.RunAsync(app);
