using System.Diagnostics.CodeAnalysis;
using Stripe;

namespace PaymentLinks.Tracking;

/// <summary>
/// Creates payment links whose confirmation behavior is a redirect to a thank-you page that receives the Checkout
/// Session id and the UTM codes: the links <see cref="CheckoutConversionReader"/> reads conversions from.
/// </summary>
/// <remarks>
/// The equivalent of
/// <c>curl https://api.stripe.com/v1/payment_links -u "sk_...:" -d "line_items[0][price]=price_..." -d "line_items[0][quantity]=1" -d "after_completion[type]=redirect" --data-urlencode "after_completion[redirect][url]=https://example.com/thanks?session_id={CHECKOUT_SESSION_ID}"</c>.
/// It needs a key that may write payment links (a secret key, or a restricted key with Payment Links: write); keep it on
/// the server. The instance is thread-safe.
/// </remarks>
/// <example>
/// <code>
/// var creator = new PaymentLinkCreator(new StripeClient(secretKey));
/// var created = await creator.CreateAsync(new TrackedPaymentLinkRequest
/// {
///     LineItems = [new PaymentLinkLineItem("price_1Pgc6xB7WZ01zgkW1ZbYz3Jc")],
///     RedirectUrl = "https://example.com/thanks",
/// });
/// var forNewsletter = created.Url.WithUtmSource("newsletter").WithUtmMedium("email");
/// </code>
/// </example>
public sealed class PaymentLinkCreator
{
    private readonly IStripeClient _client;
    private readonly PaymentLinkService _paymentLinks;

    /// <summary>Creates the service on a Stripe client.</summary>
    /// <param name="client">The client: its API key, API base and retry policy are used as they are.</param>
    /// <exception cref="ArgumentNullException"><paramref name="client"/> is <see langword="null"/>.</exception>
    [RequiresUnreferencedCode(StripeNetTrimming.Message)]
    [RequiresDynamicCode(StripeNetTrimming.Message)]
    public PaymentLinkCreator(IStripeClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _paymentLinks = new PaymentLinkService(client);
    }

    /// <summary>Creates a payment link that redirects to <see cref="TrackedPaymentLinkRequest.RedirectUrl"/> after payment.</summary>
    /// <param name="request">The line items, the thank-you page and the metadata.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The created link's id and URL.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// The request is invalid: the redirect URL is not an absolute https URL or would be longer than
    /// <see cref="TrackedPaymentLinkRequest.MaxRedirectUrlLength"/> with the session id parameter, there are no line items or more than
    /// <see cref="TrackedPaymentLinkRequest.MaxLineItems"/>, a price id is empty, a quantity is below 1, or the metadata
    /// breaks Stripe's limits. Nothing is sent to Stripe.
    /// </exception>
    /// <exception cref="StripeRequestException">Stripe refused the request (e.g. an unknown price, an invalid key).</exception>
    /// <exception cref="HttpRequestException">
    /// Stripe could not be reached, or did not answer within the HTTP client's timeout (then the link may have been
    /// created: the message says so).
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<CreatedPaymentLink> CreateAsync(TrackedPaymentLinkRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var redirectUrl = TrackedRedirectUrl.AddSessionIdPlaceholder(request.RedirectUrl, nameof(request));
        var options = new PaymentLinkCreateOptions
        {
            LineItems = ToLineItems(request.LineItems, nameof(request)),
            AfterCompletion = new PaymentLinkAfterCompletionOptions
            {
                Type = "redirect",
                Redirect = new PaymentLinkAfterCompletionRedirectOptions { Url = redirectUrl },
            },
            Metadata = ToMetadata(request.Metadata, nameof(request)),
        };

        PaymentLink link;
        try
        {
            link = await _paymentLinks.CreateAsync(options, requestOptions: null, cancellationToken).ConfigureAwait(false);
        }
        catch (StripeException e)
        {
            throw StripeRequestException.From(e, "Stripe did not create the payment link", _client.ApiKey);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            // The HTTP client's timeout, not the caller: the request may have reached Stripe.
            throw new HttpRequestException(
                "Stripe did not answer in time, so whether it created the payment link is unknown: look for it in the Dashboard before trying again.",
                e);
        }

        if (string.IsNullOrEmpty(link.Id) || !PaymentLinkUrl.TryParse(link.Url, out var url))
        {
            throw new StripeRequestException("Stripe's answer has no payment link id or no valid payment link URL.");
        }

        return new CreatedPaymentLink(link.Id, url, redirectUrl);
    }

    private static List<PaymentLinkLineItemOptions> ToLineItems(IReadOnlyList<PaymentLinkLineItem>? items, string paramName)
    {
        if (items is null || items.Count == 0)
        {
            throw new ArgumentException("A payment link needs at least one line item.", paramName);
        }

        if (items.Count > TrackedPaymentLinkRequest.MaxLineItems)
        {
            throw new ArgumentException(
                $"A payment link has at most {TrackedPaymentLinkRequest.MaxLineItems} line items; the request has {items.Count}.", paramName);
        }

        var options = new List<PaymentLinkLineItemOptions>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i] ?? throw new ArgumentException($"Line item {i} is null.", paramName);
            if (string.IsNullOrWhiteSpace(item.PriceId) || item.PriceId.AsSpan().ContainsAny(" \t\r\n"))
            {
                throw new ArgumentException($"Line item {i} has no valid price id.", paramName);
            }

            if (item.Quantity < 1)
            {
                throw new ArgumentException($"Line item {i} has quantity {item.Quantity}; it must be at least 1.", paramName);
            }

            options.Add(new PaymentLinkLineItemOptions { Price = item.PriceId, Quantity = item.Quantity });
        }

        return options;
    }

    private static Dictionary<string, string>? ToMetadata(IReadOnlyDictionary<string, string>? metadata, string paramName)
    {
        if (metadata is null || metadata.Count == 0)
        {
            return null;
        }

        if (metadata.Count > TrackedPaymentLinkRequest.MaxMetadataKeys)
        {
            throw new ArgumentException(
                $"Stripe stores at most {TrackedPaymentLinkRequest.MaxMetadataKeys} metadata keys; the request has {metadata.Count}.", paramName);
        }

        var copy = new Dictionary<string, string>(metadata.Count, StringComparer.Ordinal);
        foreach (var (key, value) in metadata)
        {
            // Square brackets would nest the key in Stripe's form encoding.
            if (string.IsNullOrEmpty(key) || key.Length > TrackedPaymentLinkRequest.MaxMetadataKeyLength || key.AsSpan().ContainsAny('[', ']'))
            {
                throw new ArgumentException(
                    $"Metadata key '{key}' is invalid: 1 to {TrackedPaymentLinkRequest.MaxMetadataKeyLength} characters, no square brackets.", paramName);
            }

            if (value is null || value.Length > TrackedPaymentLinkRequest.MaxMetadataValueLength)
            {
                throw new ArgumentException(
                    $"Metadata value of '{key}' is invalid: a string of at most {TrackedPaymentLinkRequest.MaxMetadataValueLength} characters.", paramName);
            }

            copy.Add(key, value);
        }

        return copy;
    }
}
