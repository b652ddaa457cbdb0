using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace PaymentLinks.Tracking.GoogleAds;

/// <summary>
/// Checks <see cref="GoogleAdsForwardingOptions"/> at start-up: the account and conversion action ids for shape, one
/// credential at most, and the credential itself loaded (a key that is not a service account's fails here, not at the
/// first conversion). Messages name the option and never repeat a key.
/// </summary>
internal sealed partial class GoogleAdsForwardingOptionsValidator : IValidateOptions<GoogleAdsForwardingOptions>
{
    public const string SectionName = "GoogleAds";

    public const string Section = "PaymentLinkTracking:Forwarding:" + SectionName;

    [GeneratedRegex("^[0-9]{10}$", RegexOptions.CultureInvariant)]
    private static partial Regex CustomerId();

    [GeneratedRegex("^[0-9]{1,20}$", RegexOptions.CultureInvariant)]
    private static partial Regex ConversionActionId();

    public ValidateOptionsResult Validate(string? name, GoogleAdsForwardingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>(options.BindingFailures.Distinct());
        CheckCustomerId("OperatingAccountId", options.OperatingAccountId, required: true, failures);
        CheckCustomerId("LoginAccountId", options.LoginAccountId, required: false, failures);
        if (string.IsNullOrEmpty(options.ConversionActionId))
        {
            failures.Add($"{Section}:ConversionActionId is required: the id of the Google Ads conversion action (an import of offline click conversions) the conversions are recorded under.");
        }
        else if (!ConversionActionId().IsMatch(options.ConversionActionId))
        {
            failures.Add($"{Section}:ConversionActionId must be the conversion action's numeric id (digits only).");
        }

        CheckEndpoint("Endpoint", options.Endpoint, required: true, failures);
        CheckEndpoint("TokenEndpoint", options.TokenEndpoint, required: false, failures);
        if (!string.IsNullOrEmpty(options.CredentialsFile) && !string.IsNullOrEmpty(options.CredentialsJson))
        {
            failures.Add($"{Section}: set CredentialsFile or CredentialsJson, not both.");
        }
        else if (failures.Count == 0)
        {
            try
            {
                GoogleAdsCredential.Load(options);
            }
            catch (InvalidOperationException e)
            {
                failures.Add($"{Section}: {e.Message}");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckCustomerId(string option, string? value, bool required, List<string> failures)
    {
        if (string.IsNullOrEmpty(value))
        {
            if (required)
            {
                failures.Add($"{Section}:{option} is required: the Google Ads account's 10-digit customer id, without hyphens (1234567890).");
            }
        }
        else if (!CustomerId().IsMatch(value))
        {
            failures.Add($"{Section}:{option} must be a Google Ads customer id: 10 digits without hyphens (1234567890, not 123-456-7890).");
        }
    }

    private static void CheckEndpoint(string option, Uri? endpoint, bool required, List<string> failures)
    {
        var problem = endpoint is null ? (required ? "is null; leave it out for the default" : null)
            : !endpoint.IsAbsoluteUri ? "is not an absolute URL"
            : endpoint.Scheme == Uri.UriSchemeHttp && !endpoint.IsLoopback
                ? "uses http, which would send the credential and personal data in clear text: use https, or http only for a loopback address such as 127.0.0.1"
            : endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp ? $"uses {endpoint.Scheme}: use https"
            : endpoint.UserInfo.Length > 0 ? "carries a user name or password"
            : endpoint.Query.Length > 0 || endpoint.Fragment.Length > 0 ? "has a query or a fragment"
            : null;
        if (problem is not null)
        {
            failures.Add($"{Section}:{option} {problem}.");
        }
    }
}
