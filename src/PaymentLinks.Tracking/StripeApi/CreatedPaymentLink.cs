namespace PaymentLinks.Tracking;

/// <summary>A payment link Stripe created, ready to be tracked with <see cref="PaymentLinkUrl"/>'s <c>With...</c> methods.</summary>
public sealed class CreatedPaymentLink
{
    internal CreatedPaymentLink(string id, PaymentLinkUrl url, string redirectUrl)
    {
        Id = id;
        Url = url;
        RedirectUrl = redirectUrl;
    }

    /// <summary>Gets the payment link's id, e.g. <c>plink_1Pgc78B7WZ01zgkWC75kX0jg</c>.</summary>
    public string Id { get; }

    /// <summary>Gets the link customers follow, e.g. <c>https://buy.stripe.com/test_eVa16Q1Vd7yU1Ne8ww</c>.</summary>
    public PaymentLinkUrl Url { get; }

    /// <summary>
    /// Gets the redirect URL as it was sent to Stripe, with <c>session_id={CHECKOUT_SESSION_ID}</c> in its query.
    /// </summary>
    public string RedirectUrl { get; }

    /// <summary>Describes the link.</summary>
    /// <returns>The id and the URL.</returns>
    public override string ToString() => $"{Id} {Url}";
}
