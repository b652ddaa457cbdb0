using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace PaymentLinks.Tracking;

/// <summary>
/// Google Analytics 4 through the Measurement Protocol: one <c>purchase</c> (or <c>refund</c>) event a request to
/// <c>{Endpoint}/mp/collect</c>, with the Checkout Session's id (a renewal's: its invoice's) as <c>transaction_id</c> so
/// that GA4 counts it once.
/// GA4 answers 2xx whatever it receives; events more than 72 hours old are not sent.
/// </summary>
internal sealed class GoogleAnalyticsDestination(GoogleAnalyticsForwardingOptions options, bool assumeConsent, TimeProvider? timeProvider = null) : ConversionDestination(timeProvider ?? TimeProvider.System)
{
    /// <summary>GA4 takes <c>timestamp_micros</c> up to 72 hours in the past.</summary>
    public static readonly TimeSpan MaxEventAge = TimeSpan.FromHours(72);

    public override ForwardingDestination Destination => ForwardingDestination.GoogleAnalytics;

    public override IReadOnlyCollection<ForwardingKind> Kinds { get; } = [ForwardingKind.Purchase, ForwardingKind.Renewal, ForwardingKind.Refund];

    public override TimeSpan? MaxAge => MaxEventAge;

    protected override IEnumerable<string?> Secrets => [options.ApiSecret];

    public override HttpRequestMessage CreateRequest(IReadOnlyList<OutboxRow> rows, DateTimeOffset now) =>
        CreateRequest(rows[0], "/mp/collect");

    /// <summary>The same request to <c>/debug/mp/collect</c>, which answers with validation messages and records nothing.</summary>
    public HttpRequestMessage CreateRequest(OutboxRow row, string path)
    {
        var url = $"{options.Endpoint.AbsoluteUri.TrimEnd('/')}{path}?measurement_id={Uri.EscapeDataString(options.MeasurementId!)}" +
            $"&api_secret={Uri.EscapeDataString(options.ApiSecret!)}";
        var body = JsonSerializer.SerializeToUtf8Bytes(Payload(row), ForwardingJson.Default.GoogleAnalyticsRequest);
        return new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonBody(body) };
    }

    /// <summary>
    /// The row as GA4's ecommerce events want it: <c>value</c> and the item's <c>price</c> without tax and shipping, which
    /// go in <c>tax</c> and <c>shipping</c>. A purchase or a renewal is a <c>purchase</c>, a refund a <c>refund</c> of its
    /// transaction (the session's, or the renewal's invoice), each dated by when the money moved.
    /// </summary>
    public GoogleAnalyticsRequest Payload(OutboxRow row)
    {
        var consent = row.ConsentGranted(assumeConsent);
        var value = CurrencyAmounts.MajorUnits(ForwardedMoney.Value(row), row.Currency);
        var item = row.PaymentLinkId ?? "payment_link";
        var grant = consent ? "GRANTED" : "DENIED";
        return new GoogleAnalyticsRequest
        {
            ClientId = ClientId(row),
            TimestampMicros = row.OccurredAt.ToUnixTimeMilliseconds() * 1000,
            Consent = new GoogleAnalyticsConsent { AdUserData = grant, AdPersonalization = grant },
            UserData = consent && options.SendHashedEmail && !string.IsNullOrWhiteSpace(row.CustomerEmail)
                ? new GoogleAnalyticsUserData { Sha256EmailAddress = [Sha256Hex(NormalizeEmail(row.CustomerEmail))] }
                : null,
            Events =
            [
                new GoogleAnalyticsEvent
                {
                    Name = row.Kind == ForwardingKind.Refund ? "refund" : "purchase",
                    Params = new GoogleAnalyticsEventParams
                    {
                        TransactionId = row.TransactionId,
                        Value = value,
                        Currency = CurrencyAmounts.UpperCurrency(row.Currency),
                        Tax = CurrencyAmounts.MajorUnits(row.AmountTax, row.Currency),
                        Shipping = CurrencyAmounts.MajorUnits(row.AmountShipping, row.Currency),
                        Items = row.Kind == ForwardingKind.Refund
                            ? null
                            : [new GoogleAnalyticsItem { ItemId = item, ItemName = item, Price = value, Quantity = 1 }],
                    },
                },
            ],
        };
    }

    /// <summary>
    /// The browser's client id from the <c>_ga</c> cookie (<c>GA1.1.123.456</c> gives <c>123.456</c>), the thank-you
    /// visit's, else the one the buyer's click carried (<see cref="OutboxRow.ForwardedGoogleAnalyticsCookie"/>); without one, a
    /// stable pseudonymous id derived from the session, in the same two-number form, which GA4 cannot join to the
    /// browsing session.
    /// </summary>
    public static string ClientId(OutboxRow row)
    {
        if (ClientIdFromCookie(row.ForwardedGoogleAnalyticsCookie) is { } fromCookie)
        {
            return fromCookie;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("PaymentLinks.Tracking client id " + row.SessionId));
        var random = BitConverter.ToUInt32(hash, 0) % 2_000_000_000u;
        return string.Create(CultureInfo.InvariantCulture, $"{random}.{(row.SessionPaidAt ?? row.OccurredAt).ToUnixTimeSeconds()}");
    }

    public static string? ClientIdFromCookie(string? cookie)
    {
        if (string.IsNullOrWhiteSpace(cookie))
        {
            return null;
        }

        var parts = cookie.Trim().Split('.');
        if (parts.Length < 4 || !parts[0].StartsWith("GA", StringComparison.Ordinal))
        {
            return null;
        }

        var random = parts[^2];
        var timestamp = parts[^1];
        return random.Length > 0 && timestamp.Length > 0 && random.All(char.IsAsciiDigit) && timestamp.All(char.IsAsciiDigit)
            ? $"{random}.{timestamp}"
            : null;
    }

    /// <summary>Google's normalisation: trimmed, lower case, and no dots in a gmail.com or googlemail.com local part.</summary>
    public static string NormalizeEmail(string email)
    {
        var normal = email.Trim().ToLowerInvariant();
        var at = normal.LastIndexOf('@');
        if (at > 0 && normal[(at + 1)..] is "gmail.com" or "googlemail.com")
        {
            normal = normal[..at].Replace(".", string.Empty, StringComparison.Ordinal) + normal[at..];
        }

        return normal;
    }
}
