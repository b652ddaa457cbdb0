using System.Text;
using System.Text.Json;

namespace PaymentLinks.Tracking;

/// <summary>
/// Writes the campaign report (<see cref="IPaymentLinkAttribution.ReportAsync"/>) as JSON: an array of objects with
/// exactly the names <c>utm_source</c>, <c>utm_medium</c>, <c>utm_campaign</c>, <c>currency</c>, <c>sessions</c>,
/// <c>paid</c>, <c>revenue</c>, <c>visits</c>, <c>by_visit</c>, <c>by_reference</c> and <c>by_link</c>, in that order.
/// </summary>
/// <remarks>
/// An unattributed row has <see langword="null"/> UTM codes, and a row without a currency a <see langword="null"/>
/// <c>currency</c>. <c>revenue</c> is in the currency's minor unit (cents for <c>usd</c>), as Stripe counts it. Strings
/// are escaped with System.Text.Json's default encoder, so the text is safe to embed in HTML. No reflection: safe to
/// trim and to compile ahead of time.
/// </remarks>
/// <example>
/// <code>
/// var rows = await attribution.ReportAsync(since: new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));
/// Console.WriteLine(CampaignReportJson.ToJson(rows, indented: true));
/// // [ { "utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "spring_sale", "currency": "eur",
/// //     "sessions": 12, "paid": 11, "revenue": 54890, "visits": 9, "by_visit": 9, "by_reference": 2, "by_link": 0 } ]
/// </code>
/// </example>
public static class CampaignReportJson
{
    private static readonly JsonEncodedText UtmSource = JsonEncodedText.Encode("utm_source");
    private static readonly JsonEncodedText UtmMedium = JsonEncodedText.Encode("utm_medium");
    private static readonly JsonEncodedText UtmCampaign = JsonEncodedText.Encode("utm_campaign");
    private static readonly JsonEncodedText Currency = JsonEncodedText.Encode("currency");
    private static readonly JsonEncodedText Sessions = JsonEncodedText.Encode("sessions");
    private static readonly JsonEncodedText Paid = JsonEncodedText.Encode("paid");
    private static readonly JsonEncodedText Revenue = JsonEncodedText.Encode("revenue");
    private static readonly JsonEncodedText Visits = JsonEncodedText.Encode("visits");
    private static readonly JsonEncodedText ByVisit = JsonEncodedText.Encode("by_visit");
    private static readonly JsonEncodedText ByReference = JsonEncodedText.Encode("by_reference");
    private static readonly JsonEncodedText ByLink = JsonEncodedText.Encode("by_link");

    /// <summary>Writes the rows as one JSON array, in the order given.</summary>
    /// <param name="writer">The writer; it is not flushed.</param>
    /// <param name="rows">The report's rows.</param>
    /// <exception cref="ArgumentNullException"><paramref name="writer"/> or <paramref name="rows"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A row is <see langword="null"/>.</exception>
    public static void Write(Utf8JsonWriter writer, IEnumerable<CampaignReportRow> rows)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(rows);
        writer.WriteStartArray();
        foreach (var row in rows)
        {
            if (row is null)
            {
                throw new ArgumentException("The report holds a null row.", nameof(rows));
            }

            writer.WriteStartObject();
            writer.WriteString(UtmSource, row.UtmSource);
            writer.WriteString(UtmMedium, row.UtmMedium);
            writer.WriteString(UtmCampaign, row.UtmCampaign);
            writer.WriteString(Currency, row.Currency);
            writer.WriteNumber(Sessions, row.Sessions);
            writer.WriteNumber(Paid, row.Paid);
            writer.WriteNumber(Revenue, row.Revenue);
            writer.WriteNumber(Visits, row.Visits);
            writer.WriteNumber(ByVisit, row.ByVisit);
            writer.WriteNumber(ByReference, row.ByReference);
            writer.WriteNumber(ByLink, row.ByLink);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>Writes the rows as UTF-8 JSON (no byte order mark) to a stream.</summary>
    /// <param name="utf8Json">The stream; left open.</param>
    /// <param name="rows">The report's rows.</param>
    /// <param name="indented">Whether to indent the JSON for people to read. <value>The default is <see langword="false"/>.</value></param>
    /// <param name="cancellationToken">Cancels the write to the stream.</param>
    /// <returns>A task that completes when the JSON is flushed to <paramref name="utf8Json"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="utf8Json"/> or <paramref name="rows"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A row is <see langword="null"/>.</exception>
    public static async Task WriteAsync(
        Stream utf8Json, IEnumerable<CampaignReportRow> rows, bool indented = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        await using var writer = new Utf8JsonWriter(utf8Json, Options(indented));
        Write(writer, rows);
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Returns the rows as a JSON string.</summary>
    /// <param name="rows">The report's rows.</param>
    /// <param name="indented">Whether to indent the JSON for people to read. <value>The default is <see langword="false"/>.</value></param>
    /// <returns>The JSON array; <c>[]</c> for no rows.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="rows"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A row is <see langword="null"/>.</exception>
    public static string ToJson(IEnumerable<CampaignReportRow> rows, bool indented = false)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Options(indented)))
        {
            Write(writer, rows);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static JsonWriterOptions Options(bool indented) => new() { Indented = indented };
}
