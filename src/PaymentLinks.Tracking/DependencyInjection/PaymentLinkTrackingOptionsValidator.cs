using Microsoft.Extensions.Options;

namespace PaymentLinks.Tracking;

/// <summary>
/// Checks <see cref="PaymentLinkTrackingOptions"/> when they are first read, and so at start-up: every failure names the
/// option and what is wrong with its value, and never repeats a secret.
/// </summary>
/// <param name="webhooks">Set when a webhook endpoint is mapped: a missing signing secret is then a failure too.</param>
internal sealed class PaymentLinkTrackingOptionsValidator(WebhookSigningSecretRequirement? webhooks = null) : IValidateOptions<PaymentLinkTrackingOptions>
{
    private const string Options = nameof(PaymentLinkTrackingOptions);

    private static readonly (PaymentLinkParameter Parameter, string Property)[] UtmProperties =
    [
        (PaymentLinkParameter.UtmSource, nameof(UtmCodes.Source)),
        (PaymentLinkParameter.UtmMedium, nameof(UtmCodes.Medium)),
        (PaymentLinkParameter.UtmCampaign, nameof(UtmCodes.Campaign)),
        (PaymentLinkParameter.UtmTerm, nameof(UtmCodes.Term)),
        (PaymentLinkParameter.UtmContent, nameof(UtmCodes.Content)),
    ];

    public ValidateOptionsResult Validate(string? name, PaymentLinkTrackingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>(options.BindingFailures.Distinct());
        options.Webhook.AddFailures(Options, failures);
        if (webhooks is { IsRequired: true } && options.SigningSecrets is { Count: 0 })
        {
            failures.Add(webhooks.Problem);
        }

        CheckDefaultUtm(options.DefaultUtm, failures);
        CheckLinks(options.Links, failures);
        CheckStripeApiKey(options.StripeApiKey, failures);
        CheckStripeApiBase(options.StripeApiBase, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckDefaultUtm(UtmCodes? defaults, List<string> failures)
    {
        const string Option = $"{Options}.{nameof(PaymentLinkTrackingOptions.DefaultUtm)}";
        if (defaults is null)
        {
            failures.Add($"{Option} is null; set no codes rather than no object.");
            return;
        }

        foreach (var (parameter, property) in UtmProperties)
        {
            if (defaults[parameter] is { } value && PaymentLinkRules.Check(parameter, value) is { IsValid: false } check)
            {
                // ParameterCheck describes the problem without repeating the value.
                failures.Add($"{Option}.{property} would be dropped by Stripe as {PaymentLinkRules.GetQueryName(parameter)}: {check}.");
            }
        }
    }

    private static void CheckLinks(IDictionary<string, string>? links, List<string> failures)
    {
        const string Option = $"{Options}.{nameof(PaymentLinkTrackingOptions.Links)}";
        if (links is null)
        {
            failures.Add($"{Option} is null; leave it empty when no link is configured.");
            return;
        }

        foreach (var (name, url) in links)
        {
            if (string.IsNullOrWhiteSpace(name))
            {
                failures.Add($"{Option} has a link with an empty name.");
                continue;
            }

            if (ParsedLink.TryParse(url, out var link) is { } problem)
            {
                failures.Add($"{Option}[\"{name}\"] is not a payment link: {problem}");
                continue;
            }

            foreach (var dropped in link!.Dropped)
            {
                failures.Add($"{Option}[\"{name}\"] has a {dropped.Name} that Stripe would drop: {dropped.Check}.");
            }
        }
    }

    private static void CheckStripeApiKey(string? key, List<string> failures)
    {
        const string Option = $"{Options}.{nameof(PaymentLinkTrackingOptions.StripeApiKey)}";
        if (key is null)
        {
            return;
        }

        var problem = string.IsNullOrWhiteSpace(key) ? "is empty; leave it out when no Stripe API call is made"
            : key.AsSpan().Trim().Length != key.Length ? "has leading or trailing white space"
            : PaymentLinkRules.GetStripeKeyKind(key) switch
            {
                StripeKeyKind.SecretKey or StripeKeyKind.RestrictedKey => null,
                StripeKeyKind.WebhookSigningSecret => "is a webhook signing secret, which belongs in SigningSecrets",
                StripeKeyKind.PublishableKey => "is a publishable key, which cannot call the API: use a restricted key (rk_...) or a secret key (sk_...)",
                _ => "is not a Stripe API key: it must start with \"rk_live_\" or \"rk_test_\" (restricted, preferred), or \"sk_live_\" or \"sk_test_\"",
            };
        if (problem is not null)
        {
            failures.Add($"{Option} {problem}.");
        }
    }

    private static void CheckStripeApiBase(Uri? apiBase, List<string> failures)
    {
        const string Option = $"{Options}.{nameof(PaymentLinkTrackingOptions.StripeApiBase)}";
        var problem = apiBase is null ? $"is null; leave it out for Stripe's {PaymentLinkTrackingOptions.DefaultStripeApiBase}"
            : !apiBase.IsAbsoluteUri ? "is not an absolute URL"
            : apiBase.Scheme == Uri.UriSchemeHttp && !apiBase.IsLoopback
                ? "uses http, which would send the API key in clear text: use https, or http only for a loopback address such as 127.0.0.1"
            : apiBase.Scheme != Uri.UriSchemeHttps && apiBase.Scheme != Uri.UriSchemeHttp ? $"uses {apiBase.Scheme}: use https"
            : apiBase.UserInfo.Length > 0 ? "carries a user name or password"
            : apiBase.Query.Length > 0 || apiBase.Fragment.Length > 0 ? "has a query or a fragment"
            : null;
        if (problem is not null)
        {
            // The address is not a secret, but its user information may be: it is not repeated.
            failures.Add($"{Option} {problem}.");
        }
    }
}
