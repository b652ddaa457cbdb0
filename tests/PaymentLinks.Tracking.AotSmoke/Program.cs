using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PaymentLinks.Tracking;

// Runs the validation core, the builder, the webhook parser and the options bound from configuration as a Native AOT binary, where a trimming or AOT problem shows as a wrong
// answer or a crash. Exits with 1 when any check fails.
const string StripeExample = "https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr";
var checks = 0;
var failures = 0;

void Expect<T>(string what, T actual, T expected)
{
    checks++;
    if (!EqualityComparer<T>.Default.Equals(actual, expected))
    {
        failures++;
        Console.Error.WriteLine($"FAILED {what}: expected {expected}, got {actual}");
    }
}

// Stripe's own example, to the character.
var example = PaymentLinkUrl.Parse(StripeExample)
    .WithUtmMedium("earned_email")
    .WithUtmSource("marketo")
    .WithUtmCampaign("campaign_a");
const string ExampleUrl = StripeExample + "?utm_medium=earned_email&utm_source=marketo&utm_campaign=campaign_a";
Expect("Stripe's example", example.ToString(), ExampleUrl);
Expect("Stripe's example as a Uri", example.ToUri().AbsoluteUri, ExampleUrl);
Expect("Stripe's example parsed back", PaymentLinkUrl.Parse(ExampleUrl).Utm, new UtmCodes { Source = "marketo", Medium = "earned_email", Campaign = "campaign_a" });

// The validation core at its edges.
Expect("a UTM code of 150 characters", PaymentLinkRules.Check(PaymentLinkParameter.UtmSource, new string('a', 150)).IsValid, true);
Expect("a UTM code of 151 characters", PaymentLinkRules.Check(PaymentLinkParameter.UtmSource, new string('a', 151)).Reason, DropReason.TooLong);
Expect("a client_reference_id of 200 characters", PaymentLinkRules.IsValid(PaymentLinkParameter.ClientReferenceId, new string('7', 200)), true);
Expect("a client_reference_id of 201 characters", PaymentLinkRules.IsValid(PaymentLinkParameter.ClientReferenceId, new string('7', 201)), false);
Expect("a Cyrillic look-alike", PaymentLinkRules.Check(PaymentLinkParameter.UtmCampaign, "\u0441ampaign").Reason, DropReason.InvalidCharacter);
Expect("a secret key", PaymentLinkRules.Check(PaymentLinkParameter.ClientReferenceId, "sk_live_51H").Reason, DropReason.LooksLikeSecret);
Expect("an email", PaymentLinkRules.IsValid(PaymentLinkParameter.PrefilledEmail, "jenny.rosen@example.com"), true);
Expect("a locale", PaymentLinkRules.IsValid(PaymentLinkParameter.Locale, "pt-BR"), true);
Expect(
    "the reason for a space",
    PaymentLinkRules.Check(PaymentLinkParameter.UtmSource, "spring sale").ToString(),
    "invalid character U+0020 at position 6: only ASCII letters, digits, '-' and '_' are allowed");

// Drops: left out of the URL, listed with their reasons, a secret withheld from the description.
var dropping = PaymentLinkUrl.Parse(StripeExample + "?utm_source=a+b&plan=pro#top")
    .WithClientReferenceId("sk_live_51H")
    .WithPrefilledEmail("jenny+1@example.com")
    .WithUtmCampaign(new string('c', 151));
Expect("a link with drops", dropping.ToString(), StripeExample + "?plan=pro&prefilled_email=jenny%2B1%40example.com#top");
Expect("the drops", string.Join(", ", dropping.Dropped.Select(d => $"{d.Name} {d.Reason}")), "utm_source InvalidCharacter, client_reference_id LooksLikeSecret, utm_campaign TooLong");
Expect(
    "a secret's description",
    dropping.Dropped[1].ToString(),
    "client_reference_id (value withheld): looks like a Stripe key or secret, which must never travel in a link");

// A long chain of edits folds into a freshly parsed link and stays correct.
var chained = example;
for (var i = 0; i < 40; i++)
{
    chained = chained.WithUtmTerm($"term{i}");
}

Expect("a chain of 40 edits", chained.ToString(), ExampleUrl + "&utm_term=term39");
Expect("a URL that is not http", PaymentLinkUrl.TryParse("ftp://buy.stripe.com/x", out _), false);

// The webhook parser: HMAC verification and the JSON reader, everything but ToStripeEvent.
const string WebhookSecret = "whsec_aot_smoke_test_secret";
var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
var webhookBody = System.Text.Encoding.UTF8.GetBytes(
    "{\"id\":\"evt_1\",\"object\":\"event\",\"api_version\":\"2026-10-28.endive\",\"created\":" + now + "," +
    "\"data\":{\"object\":{\"id\":\"cs_test_1\",\"object\":\"checkout.session\",\"client_reference_id\":\"order-1042\"," +
    "\"payment_status\":\"paid\",\"metadata\":{\"plan\":\"pro\"},\"amount_total\":2000}},\"livemode\":false,\"type\":\"checkout.session.completed\"}");
var signedPayload = System.Text.Encoding.UTF8.GetBytes(now + ".").Concat(webhookBody).ToArray();
var signature = Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(WebhookSecret), signedPayload));
var webhooks = new PaymentLinkWebhookParser(new PaymentLinkWebhookOptions { SigningSecrets = { WebhookSecret } });
var paid = webhooks.Parse(webhookBody, $"t={now},v1={signature}");
Expect("a signed webhook's kind", paid.Kind, PaymentLinkEventKind.CheckoutCompleted);
Expect("a signed webhook's client_reference_id", paid.Checkout?.ClientReferenceId, "order-1042");
Expect("a signed webhook's metadata", paid.Checkout?.Metadata["plan"], "pro");
Expect("a signed webhook is settled", paid.ShouldFulfill, true);
Expect("a webhook read from a stream", webhooks.TryParseAsync(new MemoryStream(webhookBody), $"t={now},v1={signature}").GetAwaiter().GetResult().Event, paid);
webhooks.TryParse(webhookBody, $"t={now},v1={new string('0', 64)}", out _, out var refused);
Expect("a forged webhook", refused, PaymentLinkWebhookRejection.NoMatchingSignature);
Expect(
    "a webhook signed by PaymentLinkWebhookSigner",
    webhooks.Parse(webhookBody, PaymentLinkWebhookSigner.CreateSignatureHeader(webhookBody, WebhookSecret, DateTimeOffset.UtcNow)),
    paid);
Expect(
    "a refusal as text",
    webhooks.TryParseAsync(new MemoryStream(webhookBody), "t=1,v1=0").GetAwaiter().GetResult().RejectionMessage,
    new PaymentLinkWebhookException(PaymentLinkWebhookRejection.NoMatchingSignature).Message);

// Options bound from configuration by the binder's generated code, and the link factory built on them.
var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
{
    ["PaymentLinkTracking:SigningSecrets:0"] = WebhookSecret,
    ["PaymentLinkTracking:Tolerance"] = "00:02:30",
    ["PaymentLinkTracking:MaxPayloadBytes"] = "65536",
    ["PaymentLinkTracking:DefaultUtm:Source"] = "website",
    ["PaymentLinkTracking:Links:pro-monthly"] = StripeExample,
}).Build();
using (var provider = new ServiceCollection().AddPaymentLinkTracking(configuration.GetSection("PaymentLinkTracking")).BuildServiceProvider())
{
    var bound = provider.GetRequiredService<IOptions<PaymentLinkTrackingOptions>>().Value;
    Expect("a bound signing secret", string.Join(",", bound.SigningSecrets), WebhookSecret);
    Expect("a bound tolerance", bound.Tolerance, TimeSpan.FromSeconds(150));
    Expect("a bound payload limit", bound.MaxPayloadBytes, 65536);
    Expect("a bound default UTM code", bound.DefaultUtm, new UtmCodes { Source = "website" });
    Expect("a bound link", provider.GetRequiredService<IPaymentLinkUrlFactory>().Create("Pro-Monthly").ToString(), StripeExample + "?utm_source=website");
}

if (failures > 0)
{
    Console.Error.WriteLine($"AOT smoke test failed: {failures} of {checks} checks.");
    return 1;
}

Console.WriteLine($"AOT smoke test passed: {checks} checks of the validation core, the builder, the webhook parser and the bound options.");
return 0;
