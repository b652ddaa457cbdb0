namespace PaymentLinks.Tracking.Samples;

/// <summary>What the sample shows when run with no arguments.</summary>
internal static class Demo
{
    public static int Run(IPaymentLinkUrlFactory links, TextWriter output)
    {
        // Stripe's own example, built from the URL in code.
        Show(output, "Stripe's example", PaymentLinkUrl.Parse("https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr")
            .WithUtmMedium("earned_email")
            .WithUtmSource("marketo")
            .WithUtmCampaign("campaign_a"));

        // Links by name from appsettings.json, each with the default utm_source configured there.
        Show(output, "Newsletter, with an order to reconcile (stripe-example)", links.Create("stripe-example", link => link
            .WithUtm(new UtmCodes { Source = "newsletter", Medium = "email", Campaign = "spring_sale" })
            .WithClientReferenceId("order-1042")
            .WithPrefilledEmail("jenny.rosen+spring@example.com")
            .WithLocale("fr-CA")));

        Show(output, "Partner campaign, default utm_source (team-yearly)", links.Create("team-yearly", link => link
            .WithUtmMedium("referral")
            .WithUtmCampaign("partners_2026")));

        // Some values break Stripe's rules on purpose: they are left out, as Stripe would leave them out, with the reason.
        Show(output, "Values Stripe would drop (stripe-example)", links.Create("stripe-example", link => link
            .WithUtmSource("Spring Sale!")
            .WithUtmCampaign(new string('x', 151))
            .WithUtmContent("caf\u00e9")
            .WithClientReferenceId("sk_live_51H8notARealKey")
            .WithLocale("en-US")
            .WithUtmMedium("social")));

        output.WriteLine($"Configured links: {string.Join(", ", links.LinkNames)}.");
        output.WriteLine("Run with --help to build links from the command line or a CSV file.");
        return 0;
    }

    private static void Show(TextWriter output, string title, PaymentLinkUrl link)
    {
        output.WriteLine($"{title}:");
        output.WriteLine($"  {link}");
        foreach (var dropped in link.Dropped)
        {
            // DroppedParameter.ToString() withholds a value that looks like a secret.
            output.WriteLine($"  dropped {dropped}");
        }

        output.WriteLine();
    }
}
