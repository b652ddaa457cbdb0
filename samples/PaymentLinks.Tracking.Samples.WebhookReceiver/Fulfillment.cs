using System.Globalization;
using PaymentLinks.Tracking;

namespace PaymentLinks.Tracking.Samples.WebhookReceiver;

/// <summary>
/// Called by the ledger's worker once a session is paid. A real application grants access or ships here, keyed on the
/// session id: the ledger calls it at least once, and again only when a try failed or its process stopped mid-call.
/// </summary>
/// <remarks>
/// <c>Sample:FulfillmentDelayMs</c> (default 0) simulates work that cannot be interrupted, such as a call to a supplier:
/// a delay in milliseconds, or a range such as <c>200-500</c> for a random delay in it, that ignores cancellation.
/// </remarks>
internal sealed class Fulfillment(IConfiguration configuration, ILogger<Fulfillment> logger) : IPaymentLinkFulfillmentHandler
{
    private readonly (int Min, int Max) _delay = ParseDelay(configuration["Sample:FulfillmentDelayMs"]);

    public async Task FulfillAsync(PaymentLinkSession session, CancellationToken cancellationToken)
    {
        ReceiverLog.Fulfilling(logger, session.SessionId, session.ClientReferenceId);
        if (_delay.Max > 0)
        {
            // Work that, once started, runs to its end: the host's stopping token does not cut it short.
            await Task.Delay(Random.Shared.Next(_delay.Min, _delay.Max + 1), CancellationToken.None);
        }

        ReceiverLog.Fulfilled(logger, session.SessionId);
    }

    private static (int Min, int Max) ParseDelay(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return (0, 0);
        }

        var parts = text.Split('-', 2, StringSplitOptions.TrimEntries);
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var min)
            || !int.TryParse(parts.Length == 2 ? parts[1] : parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var max)
            || max < min)
        {
            throw new InvalidOperationException(
                $"Sample:FulfillmentDelayMs is \"{text}\": it must be a number of milliseconds, or a range such as 200-500.");
        }

        return (min, max);
    }
}

internal static partial class ReceiverLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Fulfilling session {SessionId} (client_reference_id {ClientReferenceId})")]
    public static partial void Fulfilling(ILogger logger, string sessionId, string? clientReferenceId);

    // Written when the handler has returned: the ledger records the session as fulfilled next.
    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Fulfilled session {SessionId}")]
    public static partial void Fulfilled(ILogger logger, string sessionId);

    // The conversion tag's email is hashed; the raw email is never logged.
    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Conversion for session {SessionId}: {Value} {Currency}, email {EmailState}")]
    public static partial void Conversion(ILogger logger, string sessionId, string value, string currency, string emailState);
}
