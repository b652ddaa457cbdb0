using System.CommandLine;

namespace PaymentLinks.Tracking.Samples;

/// <summary><c>link</c>: prints one tracked payment link, and each value Stripe would drop on standard error.</summary>
internal static class LinkCommand
{
    /// <summary>What <c>link --help</c> adds after the options.</summary>
    public const string Details = """
        Values Stripe would drop are left out of the link and listed on standard error, with the reason. UTM codes
        allow 1 to 150 ASCII letters, digits, '-' and '_'; client_reference_id 1 to 200.

        Exit codes: 0 the link was printed (even with values dropped); 2 bad arguments or base link.

        Example:
          link https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr --utm-source newsletter --client-reference-id order-1042
        """;

    private static readonly (string Option, PaymentLinkParameter Parameter, string Description)[] Parameters =
    [
        ("--utm-source", PaymentLinkParameter.UtmSource, "utm_source: where the visit comes from, e.g. newsletter"),
        ("--utm-medium", PaymentLinkParameter.UtmMedium, "utm_medium, e.g. email"),
        ("--utm-campaign", PaymentLinkParameter.UtmCampaign, "utm_campaign, e.g. spring_sale"),
        ("--utm-term", PaymentLinkParameter.UtmTerm, "utm_term"),
        ("--utm-content", PaymentLinkParameter.UtmContent, "utm_content"),
        ("--client-reference-id", PaymentLinkParameter.ClientReferenceId, "client_reference_id, returned in the checkout.session.completed webhook"),
        ("--prefilled-email", PaymentLinkParameter.PrefilledEmail, "prefilled_email"),
        ("--locale", PaymentLinkParameter.Locale, "locale, one of Checkout's, e.g. fr-CA"),
        ("--promo-code", PaymentLinkParameter.PrefilledPromoCode, "prefilled_promo_code"),
    ];

    public static Command Create(IPaymentLinkUrlFactory links)
    {
        var baseLink = new Argument<string>("url-or-name")
        {
            Description = "The base link: an absolute http(s) URL, or the name of a link in appsettings.json.",
        };
        baseLink.Validators.Add(result =>
        {
            if (BaseLinks.Check(result.GetValueOrDefault<string>(), links) is { } problem)
            {
                result.AddError(problem);
            }
        });

        var command = new Command("link", "Prints one tracked payment link; values Stripe would drop are listed on standard error.")
        {
            baseLink,
        };

        var options = Parameters
            .Select(parameter => (Option: new Option<string>(parameter.Option) { Description = parameter.Description, HelpName = "value" }, parameter.Parameter))
            .ToArray();
        foreach (var (option, _) in options)
        {
            command.Options.Add(option);
        }

        command.SetAction(parse =>
        {
            var link = BaseLinks.Create(parse.GetRequiredValue(baseLink), links, link =>
            {
                foreach (var (option, parameter) in options)
                {
                    if (parse.GetResult(option) is not null)
                    {
                        link = link.With(parameter, parse.GetValue(option));
                    }
                }

                return link;
            });

            parse.InvocationConfiguration.Output.WriteLine(link.ToString());
            foreach (var dropped in link.Dropped)
            {
                parse.InvocationConfiguration.Error.WriteLine($"dropped {dropped}");
            }

            return TrackingTool.Success;
        });
        return command;
    }
}
