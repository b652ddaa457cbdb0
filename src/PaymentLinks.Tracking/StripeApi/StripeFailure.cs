using System.Globalization;
using Stripe;

namespace PaymentLinks.Tracking;

/// <summary>Describes a Stripe error in one sentence without secrets.</summary>
internal static class StripeFailure
{
    public static string Describe(string doing, StripeException cause, string? apiKey)
    {
        var status = cause.HttpStatusCode == 0
            ? "Stripe's answer was unusable"
            : string.Create(CultureInfo.InvariantCulture, $"Stripe answered {(int)cause.HttpStatusCode}");
        var error = cause.StripeError;
        var kind = error is null ? string.Empty : string.Join('/', new[] { error.Type, error.Code }.Where(s => !string.IsNullOrEmpty(s)));
        var said = SecretRedaction.Redact(error?.Message ?? cause.Message, apiKey);
        return $"{doing}: {status}{(kind.Length > 0 ? $" ({kind})" : string.Empty)}{(said.Length > 0 ? $": {said}" : ".")}";
    }
}
