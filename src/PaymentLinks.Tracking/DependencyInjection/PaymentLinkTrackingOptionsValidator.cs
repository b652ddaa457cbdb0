using System.Globalization;
using Microsoft.Extensions.Options;

namespace PaymentLinks.Tracking;

/// <summary>
/// Checks <see cref="PaymentLinkTrackingOptions"/> when they are first read, and so at start-up: every failure names the
/// option and what is wrong with its value, and never repeats a secret.
/// </summary>
internal sealed class PaymentLinkTrackingOptionsValidator : IValidateOptions<PaymentLinkTrackingOptions>
{
    private const string SecretPrefix = "whsec_";
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
        CheckSigningSecrets(options.SigningSecrets, failures);

        if (options.Tolerance <= TimeSpan.Zero)
        {
            failures.Add(Invariant($"{Options}.{nameof(options.Tolerance)} must be positive; it is {options.Tolerance}."));
        }

        if (options.MaxPayloadBytes <= 0)
        {
            failures.Add(Invariant($"{Options}.{nameof(options.MaxPayloadBytes)} must be positive; it is {options.MaxPayloadBytes}."));
        }

        CheckDefaultUtm(options.DefaultUtm, failures);
        CheckLinks(options.Links, failures);
        CheckStripeApiKey(options.StripeApiKey, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckSigningSecrets(IList<string>? secrets, List<string> failures)
    {
        const string Option = $"{Options}.{nameof(PaymentLinkTrackingOptions.SigningSecrets)}";
        if (secrets is null)
        {
            failures.Add($"{Option} is null; leave it empty when the application receives no webhooks.");
            return;
        }

        // Say which entry is wrong and how, never what it holds: a misplaced API key must not reach a log.
        for (var i = 0; i < secrets.Count; i++)
        {
            var secret = secrets[i];
            var problem = string.IsNullOrWhiteSpace(secret) ? "is empty"
                : secret.AsSpan().Trim().Length != secret.Length ? "has leading or trailing white space, so no signature would ever match it"
                : !secret.StartsWith(SecretPrefix, StringComparison.Ordinal) && LooksLikeApiKey(secret)
                    ? $"looks like an API key, not a webhook signing secret: it must start with \"{SecretPrefix}\""
                : !secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? $"is not a webhook signing secret: it must start with \"{SecretPrefix}\""
                : secret.Length == SecretPrefix.Length ? $"holds only the \"{SecretPrefix}\" prefix"
                : null;
            if (problem is not null)
            {
                failures.Add(Invariant($"{Option}[{i}] {problem}."));
            }
        }
    }

    private static bool LooksLikeApiKey(string secret) =>
        secret.StartsWith("sk_", StringComparison.Ordinal) || secret.StartsWith("rk_", StringComparison.Ordinal)
        || secret.StartsWith("pk_", StringComparison.Ordinal);

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
            : key.StartsWith(SecretPrefix, StringComparison.Ordinal) ? "is a webhook signing secret, which belongs in SigningSecrets"
            : key.StartsWith("pk_", StringComparison.Ordinal) ? "is a publishable key, which cannot call the API: use a restricted key (rk_...) or a secret key (sk_...)"
            : !key.StartsWith("rk_", StringComparison.Ordinal) && !key.StartsWith("sk_", StringComparison.Ordinal)
                ? "is not a Stripe API key: it must start with \"rk_\" (restricted, preferred) or \"sk_\""
            : null;
        if (problem is not null)
        {
            failures.Add($"{Option} {problem}.");
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
