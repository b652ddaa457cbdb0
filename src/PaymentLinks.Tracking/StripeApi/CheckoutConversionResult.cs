using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace PaymentLinks.Tracking;

/// <summary>
/// What <see cref="CheckoutConversionReader"/> found: a <see cref="CheckoutConversion"/>, or why there is none.
/// </summary>
/// <remarks>Nothing here holds the API key: <see cref="Message"/> and <see cref="ToString"/> are safe to log.</remarks>
public sealed class CheckoutConversionResult
{
    internal CheckoutConversionResult(CheckoutConversionOutcome outcome, ThankYouPage page, string message)
    {
        Outcome = outcome;
        Page = page;
        Message = message;
    }

    /// <summary>Gets what was found.</summary>
    public CheckoutConversionOutcome Outcome { get; }

    /// <summary>Gets whether the page shows a conversion, which <see cref="Conversion"/> then describes.</summary>
    [MemberNotNullWhen(true, nameof(Conversion))]
    public bool IsConversion => Outcome == CheckoutConversionOutcome.Converted && Conversion is not null;

    /// <summary>Gets the conversion when <see cref="Outcome"/> is <see cref="CheckoutConversionOutcome.Converted"/>; otherwise <see langword="null"/>.</summary>
    public CheckoutConversion? Conversion { get; init; }

    /// <summary>Gets the thank-you page that was read, with its UTM codes.</summary>
    public ThankYouPage Page { get; }

    /// <summary>
    /// Gets the session's <c>status</c> when Stripe returned the session (<c>complete</c>, <c>open</c> or <c>expired</c>);
    /// otherwise <see langword="null"/>.
    /// </summary>
    public string? SessionStatus { get; init; }

    /// <summary>Gets the HTTP status of Stripe's error answer, or <see langword="null"/>.</summary>
    public HttpStatusCode? StatusCode { get; init; }

    /// <summary>Gets Stripe's error code, e.g. <c>resource_missing</c>, or <see langword="null"/>.</summary>
    public string? ErrorCode { get; init; }

    /// <summary>Gets the id of the request in Stripe's logs (<c>req_...</c>) when Stripe answered with an error, or <see langword="null"/>.</summary>
    public string? RequestId { get; init; }

    /// <summary>Gets one sentence about the outcome, without secrets or personal data.</summary>
    public string Message { get; }

    /// <summary>Describes the result.</summary>
    /// <returns>The outcome and <see cref="Message"/>.</returns>
    public override string ToString() => $"{Outcome}: {Message}";
}
