using System.Globalization;
using System.Text;

namespace PaymentLinks.Tracking;

/// <summary>Checks a thank-you page URL and puts <c>session_id={CHECKOUT_SESSION_ID}</c> in its query, once.</summary>
internal static class TrackedRedirectUrl
{
    private const string Parameter = CheckoutSessionId.QueryName + "=" + CheckoutSessionId.Placeholder;

    /// <summary>Returns the URL with the placeholder parameter, literal, in its query.</summary>
    /// <exception cref="ArgumentException">
    /// The URL is not an absolute https URL, its <c>session_id</c> holds something else, or with the placeholder it is longer
    /// than Stripe accepts.
    /// </exception>
    public static string AddSessionIdPlaceholder(string? url, string paramName)
    {
        var problem = FindProblem(url);
        if (problem is not null)
        {
            throw new ArgumentException($"The redirect URL must be an absolute https URL: {problem}", paramName);
        }

        var text = url!.Trim();
        var hash = text.IndexOf('#', StringComparison.Ordinal);
        var fragment = hash < 0 ? string.Empty : text[hash..];
        var beforeFragment = hash < 0 ? text : text[..hash];
        var question = beforeFragment.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? beforeFragment : beforeFragment[..question];
        var query = question < 0 ? string.Empty : beforeFragment[(question + 1)..];

        var result = new StringBuilder(text.Length + Parameter.Length + 1).Append(path);
        var separator = '?';
        var hasPlaceholder = false;
        foreach (var segment in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = segment.IndexOf('=', StringComparison.Ordinal);
            var name = QueryText.Decode(equals < 0 ? segment : segment.AsSpan(0, equals));
            if (name == CheckoutSessionId.QueryName)
            {
                var value = equals < 0 ? string.Empty : QueryText.Decode(segment.AsSpan(equals + 1));
                if (value != CheckoutSessionId.Placeholder)
                {
                    throw new ArgumentException(
                        $"The redirect URL already has a {CheckoutSessionId.QueryName} parameter that is not {CheckoutSessionId.Placeholder}; " +
                        "remove it so that Stripe's Checkout Session id can take its place.",
                        paramName);
                }

                // Written once and literally, even when the URL had it percent-encoded: Stripe replaces only the literal.
                if (hasPlaceholder)
                {
                    continue;
                }

                hasPlaceholder = true;
                result.Append(separator).Append(Parameter);
            }
            else
            {
                result.Append(separator).Append(segment);
            }

            separator = '&';
        }

        if (!hasPlaceholder)
        {
            result.Append(separator).Append(Parameter);
        }

        result.Append(fragment);
        if (result.Length > TrackedPaymentLinkRequest.MaxRedirectUrlLength)
        {
            throw new ArgumentException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"The redirect URL must be at most {TrackedPaymentLinkRequest.MaxRedirectUrlLength} characters with {Parameter} in its query, as Stripe stores it; it would be {result.Length}."),
                paramName);
        }

        return result.ToString();
    }

    private static string? FindProblem(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "it is empty.";
        }

        var text = url.Trim();

        // On Unix, Uri reads "/thanks" as an absolute file path: a leading slash means a relative URL here.
        if (text.StartsWith('/') || !Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            return $"'{Shorten(text)}' is relative.";
        }

        if (uri.Scheme != Uri.UriSchemeHttps)
        {
            return $"'{Shorten(text)}' uses {uri.Scheme}.";
        }

        if (uri.Host.Length == 0)
        {
            return $"'{Shorten(text)}' has no host.";
        }

        // Credentials in a URL travel to the customer's browser.
        return uri.UserInfo.Length > 0 ? "it carries a user name or password." : null;
    }

    private static string Shorten(string url) => url.Length <= 100 ? url : string.Concat(url.AsSpan(0, 100), "...");
}
