using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace PaymentLinks.Tracking;

/// <summary>
/// Checks <see cref="PaymentLinkForwardingOptions"/> at start-up: each destination's settings for shape (a secret that
/// cannot be one fails here, not at the first conversion), the endpoints for <c>https</c>, and the worker's numbers.
/// Messages name the option and what is wrong, never a secret's value.
/// </summary>
internal sealed partial class PaymentLinkForwardingOptionsValidator : IValidateOptions<PaymentLinkForwardingOptions>
{
    private const string Prefix = "PaymentLinkTracking:Forwarding";

    [GeneratedRegex("^G-[A-Z0-9]{4,20}$", RegexOptions.CultureInvariant)]
    private static partial Regex MeasurementId();

    [GeneratedRegex("^[A-Za-z0-9_-]{12,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex ApiSecret();

    [GeneratedRegex("^[0-9]{5,20}$", RegexOptions.CultureInvariant)]
    private static partial Regex PixelId();

    [GeneratedRegex("^[A-Za-z0-9]{32,1024}$", RegexOptions.CultureInvariant)]
    private static partial Regex AccessToken();

    [GeneratedRegex("^v[0-9]{1,3}\\.[0-9]{1,3}$", RegexOptions.CultureInvariant)]
    private static partial Regex ApiVersion();

    [GeneratedRegex("^[A-Za-z0-9]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex TestEventCode();

    [GeneratedRegex("^[\\x21-\\x7E]{32,512}$", RegexOptions.CultureInvariant)]
    private static partial Regex WebhookSecret();

    public ValidateOptionsResult Validate(string? name, PaymentLinkForwardingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>(options.BindingFailures.Distinct());
        CheckGoogleAnalytics(options.GoogleAnalytics, failures);
        CheckMeta(options.Meta, failures);
        CheckWebhook(options.Webhook, failures);
        CheckTikTok(options.TikTok, failures);
        CheckWorker(options, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckGoogleAnalytics(GoogleAnalyticsForwardingOptions ga, List<string> failures)
    {
        const string Section = $"{Prefix}:GoogleAnalytics";
        CheckEndpoint($"{Section}:Endpoint", ga.Endpoint, required: true, failures);
        if (!ga.IsConfigured)
        {
            return;
        }

        if (string.IsNullOrEmpty(ga.MeasurementId))
        {
            failures.Add($"{Section}:MeasurementId is required with ApiSecret (the web stream's G-XXXXXXX).");
        }
        else if (!MeasurementId().IsMatch(ga.MeasurementId))
        {
            failures.Add($"{Section}:MeasurementId is not a GA4 measurement id: it must be G- followed by upper-case letters and digits.");
        }

        if (string.IsNullOrEmpty(ga.ApiSecret))
        {
            failures.Add($"{Section}:ApiSecret is required with MeasurementId (Admin, Data streams, Measurement Protocol API secrets).");
        }
        else if (!ApiSecret().IsMatch(ga.ApiSecret))
        {
            failures.Add($"{Section}:ApiSecret does not have the shape of a Measurement Protocol API secret (12 to 128 letters, digits, '-' or '_'; white space and placeholders are refused).");
        }
    }

    private static void CheckMeta(MetaForwardingOptions meta, List<string> failures)
    {
        const string Section = $"{Prefix}:Meta";
        CheckEndpoint($"{Section}:Endpoint", meta.Endpoint, required: true, failures);
        if (!meta.IsConfigured)
        {
            return;
        }

        if (string.IsNullOrEmpty(meta.PixelId))
        {
            failures.Add($"{Section}:PixelId is required with AccessToken (the pixel's id, digits only).");
        }
        else if (!PixelId().IsMatch(meta.PixelId))
        {
            failures.Add($"{Section}:PixelId is not a pixel id: it must be 5 to 20 digits.");
        }

        if (string.IsNullOrEmpty(meta.AccessToken))
        {
            failures.Add($"{Section}:AccessToken is required with PixelId (Events Manager, the pixel's Conversions API settings).");
        }
        else if (!AccessToken().IsMatch(meta.AccessToken))
        {
            failures.Add($"{Section}:AccessToken does not have the shape of a Conversions API access token (at least 32 letters and digits; white space and placeholders are refused).");
        }

        if (meta.ApiVersion is null || !ApiVersion().IsMatch(meta.ApiVersion))
        {
            failures.Add($"{Section}:ApiVersion \"{meta.ApiVersion}\" is not a Graph API version such as {MetaForwardingOptions.DefaultApiVersion}.");
        }

        if (meta.TestEventCode is { } code && !TestEventCode().IsMatch(code))
        {
            failures.Add($"{Section}:TestEventCode must be letters and digits only, such as TEST12345.");
        }
    }

    private static void CheckTikTok(TikTokForwardingOptions tiktok, List<string> failures)
    {
        const string Section = $"{Prefix}:TikTok";
        CheckEndpoint($"{Section}:Endpoint", tiktok.Endpoint, required: true, failures);
        if (!tiktok.IsConfigured)
        {
            return;
        }

        if (string.IsNullOrEmpty(tiktok.PixelCode))
        {
            failures.Add($"{Section}:PixelCode is required with AccessToken (Events Manager, the web pixel's code).");
        }
        else if (!TikTokPixelCode().IsMatch(tiktok.PixelCode))
        {
            failures.Add($"{Section}:PixelCode is not a pixel code: it must be 10 to 40 upper-case letters and digits.");
        }

        if (string.IsNullOrEmpty(tiktok.AccessToken))
        {
            failures.Add($"{Section}:AccessToken is required with PixelCode (the pixel's settings, Events API, Generate access token).");
        }
        else if (!TikTokAccessToken().IsMatch(tiktok.AccessToken))
        {
            failures.Add($"{Section}:AccessToken does not have the shape of an Events API access token (16 to 512 letters and digits; white space and placeholders are refused).");
        }

        if (tiktok.TestEventCode is { } code && !TestEventCode().IsMatch(code))
        {
            failures.Add($"{Section}:TestEventCode must be letters and digits only, such as TEST12345.");
        }
    }

    [GeneratedRegex("^[A-Z0-9]{10,40}$", RegexOptions.CultureInvariant)]
    private static partial Regex TikTokPixelCode();

    [GeneratedRegex("^[A-Za-z0-9]{16,512}$", RegexOptions.CultureInvariant)]
    private static partial Regex TikTokAccessToken();

    private static void CheckWebhook(WebhookForwardingOptions webhook, List<string> failures)
    {
        const string Section = $"{Prefix}:Webhook";
        if (!webhook.IsConfigured)
        {
            return;
        }

        if (webhook.Url is null)
        {
            failures.Add($"{Section}:Url is required with Secret.");
        }
        else
        {
            CheckEndpoint($"{Section}:Url", webhook.Url, required: true, failures, allowPathAndQuery: true);
        }

        if (string.IsNullOrEmpty(webhook.Secret))
        {
            failures.Add($"{Section}:Secret is required with Url (at least 32 characters, e.g. 32 random bytes in base64).");
        }
        else if (!WebhookSecret().IsMatch(webhook.Secret) || webhook.Secret.Contains("placeholder", StringComparison.OrdinalIgnoreCase)
            || webhook.Secret.Contains("...", StringComparison.Ordinal))
        {
            failures.Add($"{Section}:Secret must be 32 to 512 printable characters without white space, and not a placeholder.");
        }
    }

    private static void CheckEndpoint(string option, Uri? endpoint, bool required, List<string> failures, bool allowPathAndQuery = false)
    {
        var problem = endpoint is null ? (required ? "is null; leave it out for the default" : null)
            : !endpoint.IsAbsoluteUri ? "is not an absolute URL"
            : endpoint.Scheme == Uri.UriSchemeHttp && !endpoint.IsLoopback
                ? "uses http, which would send secrets and personal data in clear text: use https, or http only for a loopback address such as 127.0.0.1"
            : endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp ? $"uses {endpoint.Scheme}: use https"
            : endpoint.UserInfo.Length > 0 ? "carries a user name or password"
            : !allowPathAndQuery && (endpoint.Query.Length > 0 || endpoint.Fragment.Length > 0) ? "has a query or a fragment"
            : null;
        if (problem is not null)
        {
            failures.Add($"{option} {problem}.");
        }
    }

    private static void CheckWorker(PaymentLinkForwardingOptions options, List<string> failures)
    {
        if (options.MaxInFlight is < 1 or > 256)
        {
            failures.Add($"{Prefix}:MaxInFlight must be from 1 to 256 (it is {options.MaxInFlight}).");
        }

        if (options.MaxAttempts < 1)
        {
            failures.Add($"{Prefix}:MaxAttempts must be at least 1 (it is {options.MaxAttempts}).");
        }

        if (options.SentRetention < TimeSpan.FromDays(1))
        {
            failures.Add($"{Prefix}:SentRetention must be at least 1 day (it is {options.SentRetention}).");
        }

        if (options.RetryDelay < TimeSpan.Zero)
        {
            failures.Add($"{Prefix}:RetryDelay must not be negative (it is {options.RetryDelay}).");
        }

        if (options.MaxRetryDelay < options.RetryDelay)
        {
            failures.Add($"{Prefix}:MaxRetryDelay must be at least RetryDelay (it is {options.MaxRetryDelay}).");
        }

        if (options.RequestTimeout < TimeSpan.FromMilliseconds(100) || options.RequestTimeout > TimeSpan.FromMinutes(10))
        {
            failures.Add($"{Prefix}:RequestTimeout must be from 100 milliseconds to 10 minutes (it is {options.RequestTimeout}).");
        }

        if (options.LeaseDuration < options.RequestTimeout * 4)
        {
            failures.Add($"{Prefix}:LeaseDuration must be at least 4 times RequestTimeout, so that a round of requests ends within its lease (it is {options.LeaseDuration}).");
        }

        if (options.PollInterval < TimeSpan.FromMilliseconds(10))
        {
            failures.Add($"{Prefix}:PollInterval must be at least 10 milliseconds (it is {options.PollInterval}).");
        }
    }
}
