using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace PaymentLinks.Tracking;

/// <summary>
/// What <see cref="CheckoutConversionReader"/> found: a <see cref="CheckoutConversion"/>, or why there is none.
/// </summary>
/// <remarks>
/// Nothing here holds the API key or anything from a response body: <see cref="Message"/> and <see cref="ToString"/>
/// are safe to log. <see cref="ForConversion"/> and <see cref="ForNoConversion"/> make results for a test of code that
/// handles them.
/// </remarks>
public sealed class CheckoutConversionResult
{
    private CheckoutConversionResult(CheckoutConversionOutcome outcome, ThankYouPage page, string message)
    {
        Outcome = outcome;
        Page = page;
        Message = message;
    }

    /// <summary>Makes the result of a page that shows a conversion.</summary>
    /// <param name="page">The thank-you page.</param>
    /// <param name="conversion">The conversion.</param>
    /// <param name="message">One sentence about it; a generic one when <see langword="null"/>.</param>
    /// <returns>A result whose <see cref="Outcome"/> is <see cref="CheckoutConversionOutcome.Converted"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="page"/> or <paramref name="conversion"/> is <see langword="null"/>.</exception>
    /// <example>
    /// <code>
    /// var result = CheckoutConversionResult.ForConversion(ThankYouPage.Parse(url), CheckoutConversion.Create("cs_test_1"));
    /// </code>
    /// </example>
    public static CheckoutConversionResult ForConversion(ThankYouPage page, CheckoutConversion conversion, string? message = null)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(conversion);
        return new(CheckoutConversionOutcome.Converted, page, message ?? "The Checkout Session is complete.")
        {
            Conversion = conversion,
            SessionStatus = "complete",
        };
    }

    /// <summary>Makes the result of a page that shows no conversion, and why.</summary>
    /// <param name="outcome">Why there is none: any outcome but <see cref="CheckoutConversionOutcome.Converted"/>.</param>
    /// <param name="page">The thank-you page.</param>
    /// <param name="message">One sentence about the outcome, without secrets or personal data.</param>
    /// <param name="sessionStatus">The session's <c>status</c> when Stripe returned the session, or <see langword="null"/>.</param>
    /// <param name="statusCode">The HTTP status of Stripe's error answer, or <see langword="null"/>.</param>
    /// <param name="errorCode">Stripe's error code, or <see langword="null"/>.</param>
    /// <param name="requestId">The id of the request in Stripe's logs, or <see langword="null"/>.</param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="page"/> or <paramref name="message"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="outcome"/> is <see cref="CheckoutConversionOutcome.Converted"/> or not defined.</exception>
    /// <example>
    /// <code>
    /// var result = CheckoutConversionResult.ForNoConversion(
    ///     CheckoutConversionOutcome.SessionNotFound, ThankYouPage.Parse(url), "No such session.", statusCode: HttpStatusCode.NotFound);
    /// </code>
    /// </example>
    public static CheckoutConversionResult ForNoConversion(
        CheckoutConversionOutcome outcome,
        ThankYouPage page,
        string message,
        string? sessionStatus = null,
        HttpStatusCode? statusCode = null,
        string? errorCode = null,
        string? requestId = null)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(message);
        if (outcome == CheckoutConversionOutcome.Converted || !Enum.IsDefined(outcome))
        {
            throw new ArgumentOutOfRangeException(nameof(outcome), outcome, $"A result without a conversion cannot be {outcome}: use {nameof(ForConversion)}.");
        }

        return new(outcome, page, message)
        {
            SessionStatus = sessionStatus,
            StatusCode = statusCode,
            ErrorCode = errorCode,
            RequestId = requestId,
        };
    }

    /// <summary>Gets what was found.</summary>
    public CheckoutConversionOutcome Outcome { get; }

    /// <summary>Gets whether the page shows a conversion, which <see cref="Conversion"/> then describes.</summary>
    [MemberNotNullWhen(true, nameof(Conversion))]
    public bool IsConversion => Outcome == CheckoutConversionOutcome.Converted && Conversion is not null;

    /// <summary>Gets the conversion when <see cref="Outcome"/> is <see cref="CheckoutConversionOutcome.Converted"/>; otherwise <see langword="null"/>.</summary>
    public CheckoutConversion? Conversion { get; private init; }

    /// <summary>Gets the thank-you page that was read, with its UTM codes.</summary>
    public ThankYouPage Page { get; }

    /// <summary>
    /// Gets the session's <c>status</c> when Stripe returned the session (<c>complete</c>, <c>open</c> or <c>expired</c>);
    /// otherwise <see langword="null"/>.
    /// </summary>
    public string? SessionStatus { get; private init; }

    /// <summary>Gets the HTTP status of Stripe's error answer, or <see langword="null"/>.</summary>
    public HttpStatusCode? StatusCode { get; private init; }

    /// <summary>Gets Stripe's error code, e.g. <c>resource_missing</c>, or <see langword="null"/>.</summary>
    public string? ErrorCode { get; private init; }

    /// <summary>Gets the id of the request in Stripe's logs (<c>req_...</c>) when Stripe answered with an error, or <see langword="null"/>.</summary>
    public string? RequestId { get; private init; }

    /// <summary>Gets one sentence about the outcome, without secrets or personal data.</summary>
    public string Message { get; }

    /// <summary>Describes the result.</summary>
    /// <returns>The outcome and <see cref="Message"/>.</returns>
    public override string ToString() => $"{Outcome}: {Message}";
}
