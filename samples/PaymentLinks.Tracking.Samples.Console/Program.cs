using PaymentLinks.Tracking;

// Stripe's own example link, tracked for a few campaigns. Some values break Stripe's rules on purpose:
// they are left out of the link, as Stripe would leave them out, and the reason is printed.
var baseLink = PaymentLinkUrl.Parse("https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr");

Show("Stripe's example", baseLink.WithUtmMedium("earned_email").WithUtmSource("marketo").WithUtmCampaign("campaign_a"));

Show("Newsletter, with an order to reconcile", baseLink
    .WithUtm(new UtmCodes { Source = "newsletter", Medium = "email", Campaign = "spring_sale" })
    .WithClientReferenceId("order-1042")
    .WithPrefilledEmail("jenny.rosen+spring@example.com")
    .WithLocale("fr-CA"));

Show("Values Stripe would drop", baseLink
    .WithUtmSource("Spring Sale!")
    .WithUtmCampaign(new string('x', 151))
    .WithUtmContent("caf\u00e9")
    .WithClientReferenceId("sk_live_51H8notARealKey")
    .WithLocale("en-US")
    .WithUtmMedium("social"));

static void Show(string title, PaymentLinkUrl link)
{
    Console.WriteLine($"{title}:");
    Console.WriteLine($"  {link}");
    foreach (var dropped in link.Dropped)
    {
        Console.WriteLine($"  dropped {dropped}");
    }

    Console.WriteLine();
}
