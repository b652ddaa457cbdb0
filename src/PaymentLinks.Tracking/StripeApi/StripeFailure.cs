using System.Globalization;
using Stripe;

namespace PaymentLinks.Tracking;

/// <summary>Describes a failed Stripe request in one sentence, without secrets or anything from a response body.</summary>
internal static class StripeFailure
{
    /// <summary>
    /// Describes Stripe's answer from its status and its error object only: the type, code, parameter, request id and
    /// Stripe's own message. Stripe.net puts an answer it cannot read into its exception's message, and such an answer
    /// (a cut-off session, say) holds a customer's data, so that message is never used.
    /// </summary>
    public static string Describe(string doing, StripeException cause, string? apiKey)
    {
        var error = cause.StripeError;
        var status = cause.HttpStatusCode == 0
            ? "Stripe gave no answer it could read"
            : string.Create(CultureInfo.InvariantCulture, $"Stripe answered {(int)cause.HttpStatusCode}");
        var details = new[]
        {
            error is null ? null : string.Join('/', new[] { error.Type, error.Code }.Where(s => !string.IsNullOrEmpty(s))),
            string.IsNullOrEmpty(error?.Param) ? null : $"parameter {error.Param}",
            cause.StripeResponse?.RequestId is { Length: > 0 } requestId ? $"request {requestId}" : null,
        }.Where(s => !string.IsNullOrEmpty(s)).ToList();
        var said = error is null
            ? "the answer holds no Stripe error object, and its content is not repeated here."
            : SecretRedaction.Redact(error.Message, apiKey);
        return $"{doing}: {status}{(details.Count > 0 ? $" ({string.Join(", ", details)})" : string.Empty)}{(said.Length > 0 ? $": {said}" : ".")}";
    }

    /// <summary>
    /// Describes why Stripe could not be reached with the message of each exception in the chain: an
    /// <see cref="HttpRequestException"/> often says only "see inner exception" (a TLS failure does), and a result
    /// holds no inner exception to see.
    /// </summary>
    public static string DescribeUnreachable(Exception cause, string? apiKey)
    {
        var messages = new List<string>();
        for (var e = cause; e is not null; e = e.InnerException)
        {
            var message = e.Message
                .Replace(", see inner exception.", ".", StringComparison.OrdinalIgnoreCase)
                .Replace(" See the inner exception for details.", string.Empty, StringComparison.OrdinalIgnoreCase)
                .Replace(" See inner exception for details.", string.Empty, StringComparison.OrdinalIgnoreCase)
                .Trim();
            if (message.Length > 0 && !messages.Contains(message))
            {
                messages.Add(message);
            }
        }

        return $"Stripe could not be reached: {SecretRedaction.Redact(string.Join(" ", messages), apiKey)}";
    }
}
