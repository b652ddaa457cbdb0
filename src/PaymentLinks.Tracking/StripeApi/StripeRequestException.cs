using System.Net;
using Stripe;

namespace PaymentLinks.Tracking;

/// <summary>
/// Stripe refused a request or answered with something unusable. The message never holds the API key, nor anything
/// shaped like a Stripe key.
/// </summary>
/// <remarks>
/// Stripe.net's own <see cref="StripeException"/> is not kept as the inner exception: its message repeats Stripe's,
/// which names the (masked) key on authentication errors. Its useful parts are copied here.
/// </remarks>
public sealed class StripeRequestException : Exception
{
    /// <summary>Creates an exception.</summary>
    public StripeRequestException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">The message; it must not hold secrets.</param>
    public StripeRequestException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    /// <param name="message">The message; it must not hold secrets.</param>
    /// <param name="innerException">The cause.</param>
    public StripeRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    private StripeRequestException(string message, StripeException cause)
        : base(message)
    {
        StatusCode = cause.HttpStatusCode == 0 ? null : cause.HttpStatusCode;
        ErrorType = cause.StripeError?.Type;
        ErrorCode = cause.StripeError?.Code;
        Parameter = cause.StripeError?.Param;
        RequestId = cause.StripeResponse?.RequestId;
    }

    /// <summary>Gets the HTTP status of Stripe's answer, e.g. 400, or <see langword="null"/> when there was none.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>Gets Stripe's error type, e.g. <c>invalid_request_error</c>, or <see langword="null"/>.</summary>
    public string? ErrorType { get; }

    /// <summary>Gets Stripe's error code, e.g. <c>resource_missing</c>, or <see langword="null"/>.</summary>
    public string? ErrorCode { get; }

    /// <summary>Gets the request parameter Stripe's error is about, e.g. <c>line_items[0][price]</c>, or <see langword="null"/>.</summary>
    public string? Parameter { get; }

    /// <summary>Gets the id of the request in Stripe's logs (<c>req_...</c>), or <see langword="null"/>.</summary>
    public string? RequestId { get; }

    internal static StripeRequestException From(StripeException cause, string doing, string? apiKey) =>
        new(StripeFailure.Describe(doing, cause, apiKey), cause);
}
