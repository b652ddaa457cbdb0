using System.Diagnostics.CodeAnalysis;

namespace PaymentLinks.Tracking;

/// <summary>
/// The URL Stripe redirected a customer to after payment, read through the same rules as every payment link URL:
/// the Checkout Session id from <c>session_id</c>, and the UTM codes Stripe forwarded.
/// </summary>
/// <remarks>
/// The URL comes from the customer's browser and can be tampered with: a <c>session_id</c> that is not shaped like a
/// Checkout Session id (<c>cs_</c>, then ASCII letters, digits and <c>_</c>, at most 255 characters) is not kept, so it
/// never reaches Stripe.
/// </remarks>
/// <example>
/// <code>
/// var page = ThankYouPage.Parse("https://example.com/thanks?session_id=cs_test_a1YS1URl&amp;utm_source=newsletter");
/// // page.SessionId == "cs_test_a1YS1URl", page.Utm.Source == "newsletter"
/// </code>
/// </example>
public sealed class ThankYouPage
{
    private ThankYouPage(PaymentLinkUrl url)
    {
        Url = url;
        var sessionId = url.GetQueryParameter(CheckoutSessionId.QueryName);
        if (sessionId is not null && PaymentLinkRules.IsCheckoutSessionId(sessionId))
        {
            SessionId = sessionId;
        }

        HasMalformedSessionId = sessionId is not null && SessionId is null;
    }

    /// <summary>Gets the page's URL, with the payment link parameters checked (see <see cref="PaymentLinkUrl.Dropped"/>).</summary>
    public PaymentLinkUrl Url { get; }

    /// <summary>Gets the UTM codes of the page, those Stripe forwarded from the link the customer followed.</summary>
    public UtmCodes Utm => Url.Utm;

    /// <summary>Gets the Checkout Session id, or <see langword="null"/> when the URL has none or a malformed one.</summary>
    public string? SessionId { get; }

    /// <summary>Gets whether the URL has a Checkout Session id.</summary>
    [MemberNotNullWhen(true, nameof(SessionId))]
    public bool HasSessionId => SessionId is not null;

    /// <summary>
    /// Gets whether the URL has a <c>session_id</c> that is not shaped like a Checkout Session id: tampered with, or the
    /// <c>{CHECKOUT_SESSION_ID}</c> placeholder itself because the page was opened without Stripe's redirect.
    /// </summary>
    public bool HasMalformedSessionId { get; }

    /// <summary>Reads a thank-you page URL.</summary>
    /// <param name="url">The page's absolute URL, as the browser requested it.</param>
    /// <returns>The page.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="url"/> is <see langword="null"/>.</exception>
    /// <exception cref="FormatException"><paramref name="url"/> is not an absolute http(s) URL; the message says why.</exception>
    public static ThankYouPage Parse(string url) => new(PaymentLinkUrl.Parse(url));

    /// <summary>Reads a thank-you page URL, without throwing.</summary>
    /// <param name="url">The page's absolute URL.</param>
    /// <param name="page">The page, when <paramref name="url"/> is an absolute http(s) URL.</param>
    /// <returns><see langword="true"/> when <paramref name="url"/> is an absolute http(s) URL.</returns>
    public static bool TryParse([NotNullWhen(true)] string? url, [NotNullWhen(true)] out ThankYouPage? page)
    {
        page = PaymentLinkUrl.TryParse(url, out var link) ? new ThankYouPage(link) : null;
        return page is not null;
    }

    /// <summary>Reads a thank-you page from a URL already parsed.</summary>
    /// <param name="url">The page's URL.</param>
    /// <returns>The page.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="url"/> is <see langword="null"/>.</exception>
    public static ThankYouPage FromUrl(PaymentLinkUrl url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return new ThankYouPage(url);
    }

    /// <summary>Gets the page's URL.</summary>
    /// <returns>The URL, as <see cref="PaymentLinkUrl.ToString"/> writes it.</returns>
    public override string ToString() => Url.ToString();
}
