using System.Diagnostics.CodeAnalysis;
using System.Net;
using Stripe;
using Stripe.Checkout;

namespace PaymentLinks.Tracking;

/// <summary>
/// Reads the conversion behind a thank-you page: the Checkout Session whose id Stripe put in the redirect URL, joined
/// with the UTM codes Stripe forwarded to that URL.
/// </summary>
/// <remarks>
/// <para>
/// Give it a client whose key is a restricted key with Checkout Sessions: read and nothing else, and keep it on the
/// server. Nothing is expanded: <c>customer_details.email</c> is on every complete session, and expanding the customer
/// or the payment link would need more permissions than that key has.
/// </para>
/// <para>
/// Every outcome, Stripe's errors included, comes back as a <see cref="CheckoutConversionResult"/>; only a cancelled
/// <see cref="CancellationToken"/> throws. Stripe.net's own retries (its <c>MaxNetworkRetries</c>) happen before a
/// <see cref="CheckoutConversionOutcome.RateLimited"/> result. The instance is thread-safe.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var reader = new CheckoutConversionReader(new StripeClient(restrictedKey));
/// var result = await reader.ReadAsync(request.GetDisplayUrl(), cancellationToken);
/// if (result.IsConversion)
/// {
///     report(result.Conversion.SessionId, result.Conversion.AmountTotal, result.Conversion.Utm.Campaign);
/// }
/// </code>
/// </example>
public sealed class CheckoutConversionReader
{
    private readonly IStripeClient _client;
    private readonly SessionService _sessions;

    /// <summary>Creates the reader on a Stripe client.</summary>
    /// <param name="client">The client: its API key, API base and retry policy are used as they are.</param>
    /// <exception cref="ArgumentNullException"><paramref name="client"/> is <see langword="null"/>.</exception>
    [RequiresUnreferencedCode(StripeNetTrimming.Message)]
    [RequiresDynamicCode(StripeNetTrimming.Message)]
    public CheckoutConversionReader(IStripeClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _sessions = new SessionService(client);
    }

    /// <summary>Reads the conversion behind a thank-you page URL.</summary>
    /// <param name="thankYouUrl">The page's absolute URL, as the browser requested it.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The conversion, or why there is none.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="thankYouUrl"/> is <see langword="null"/>.</exception>
    /// <exception cref="FormatException"><paramref name="thankYouUrl"/> is not an absolute http(s) URL.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<CheckoutConversionResult> ReadAsync(string thankYouUrl, CancellationToken cancellationToken = default) =>
        ReadAsync(ThankYouPage.Parse(thankYouUrl), cancellationToken);

    /// <summary>Reads the conversion behind a thank-you page.</summary>
    /// <param name="page">The page.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The conversion, or why there is none.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="page"/> is <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<CheckoutConversionResult> ReadAsync(ThankYouPage page, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(page);
        if (!page.HasSessionId)
        {
            return page.HasMalformedSessionId
                ? CheckoutConversionResult.ForNoConversion(
                    CheckoutConversionOutcome.InvalidSessionId, page, "The page's session_id is not a Checkout Session id; Stripe was not asked.")
                : CheckoutConversionResult.ForNoConversion(
                    CheckoutConversionOutcome.MissingSessionId, page, "The page has no session_id; Stripe was not asked.");
        }

        Session session;
        try
        {
            session = await _sessions.GetAsync(page.SessionId, options: null, requestOptions: null, cancellationToken).ConfigureAwait(false);
        }
        catch (StripeException e)
        {
            return FromError(page, e);
        }
        catch (HttpRequestException e)
        {
            return CheckoutConversionResult.ForNoConversion(CheckoutConversionOutcome.Unreachable, page, StripeFailure.DescribeUnreachable(e, _client.ApiKey));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return CheckoutConversionResult.ForNoConversion(CheckoutConversionOutcome.Unreachable, page, "Stripe did not answer in time.");
        }

        if (session.Status != "complete")
        {
            return CheckoutConversionResult.ForNoConversion(
                CheckoutConversionOutcome.NotComplete,
                page,
                $"The Checkout Session is {session.Status ?? "of unknown status"}, not complete.",
                sessionStatus: session.Status);
        }

        var conversion = CheckoutConversion.Create(
            sessionId: session.Id ?? page.SessionId,
            paymentLinkId: session.PaymentLinkId,
            clientReferenceId: session.ClientReferenceId,
            customerId: session.CustomerId,
            customerEmail: session.CustomerDetails?.Email ?? session.CustomerEmail,
            amountTotal: session.AmountTotal,
            currency: session.Currency,
            paymentStatus: CheckoutPaymentStatusText.Parse(session.PaymentStatus),
            livemode: session.Livemode,
            metadata: session.Metadata,
            utm: page.Utm);
        return CheckoutConversionResult.ForConversion(page, conversion, $"The Checkout Session is complete ({session.PaymentStatus}).");
    }

    private CheckoutConversionResult FromError(ThankYouPage page, StripeException e)
    {
        var outcome = e.HttpStatusCode switch
        {
            HttpStatusCode.NotFound => CheckoutConversionOutcome.SessionNotFound,
            HttpStatusCode.Unauthorized => CheckoutConversionOutcome.Unauthorized,
            HttpStatusCode.Forbidden => CheckoutConversionOutcome.Forbidden,
            HttpStatusCode.TooManyRequests => CheckoutConversionOutcome.RateLimited,
            _ => CheckoutConversionOutcome.StripeError,
        };
        return CheckoutConversionResult.ForNoConversion(
            outcome,
            page,
            StripeFailure.Describe("Stripe did not return the Checkout Session", e, _client.ApiKey),
            statusCode: e.HttpStatusCode == 0 ? null : e.HttpStatusCode,
            errorCode: e.StripeError?.Code,
            requestId: e.StripeResponse?.RequestId);
    }
}
