using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PaymentLinks.Tracking;

/// <summary>
/// Writes the campaign report (<see cref="IPaymentLinkAttribution.ReportAsync(DateTimeOffset?, DateTimeOffset?, PaymentLinkMode, AttributionModel, CancellationToken)"/>) as JSON: an array of objects with
/// exactly the names <c>utm_source</c>, <c>utm_medium</c>, <c>utm_campaign</c>, <c>currency</c>, <c>sessions</c>,
/// <c>paid</c>, <c>revenue</c>, <c>visits</c>, <c>by_visit</c>, <c>by_reference</c>, <c>by_link</c>, <c>gross</c>,
/// <c>renewals</c>, <c>renewal_revenue</c>, <c>refunded</c>, <c>disputed</c> and <c>tax</c>, in that order.
/// </summary>
/// <remarks>
/// An unattributed row has <see langword="null"/> UTM codes, and a row without a currency a <see langword="null"/>
/// <c>currency</c>. Amounts are in the currency's minor unit (cents for <c>usd</c>, yen for <c>jpy</c>), as Stripe counts
/// them; <c>revenue</c> is the money kept (<c>gross</c> less <c>refunded</c> and <c>disputed</c>). Written by
/// System.Text.Json's source-generated serializer with its snake-case naming policy: no reflection, so safe to trim and
/// to compile ahead of time. Strings are escaped with its default encoder, so the text is safe to embed in HTML.
/// </remarks>
/// <example>
/// <code>
/// var rows = await attribution.ReportAsync(since: new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));
/// Console.WriteLine(CampaignReportJson.ToJson(rows, indented: true));
/// // [ { "utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "spring_sale", "currency": "eur",
/// //     "sessions": 12, "paid": 11, "revenue": 52890, "visits": 9, "by_visit": 9, "by_reference": 2, "by_link": 0,
/// //     "gross": 58890, "renewals": 4, "renewal_revenue": 4000, "refunded": 4990, "disputed": 1010, "tax": 9400 } ]
/// </code>
/// </example>
public static class CampaignReportJson
{
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

            JsonSerializer.Serialize(writer, row, CampaignReportJsonContext.Default.CampaignReportRow);
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
        await using var writer = new Utf8JsonWriter(utf8Json, WriterOptions(indented));
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
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions(indented)))
        {
            Write(writer, rows);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static JsonWriterOptions WriterOptions(bool indented) => new() { Indented = indented };
}

/// <summary>The report's JSON contract: the row's properties in declaration order, named in snake case.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(CampaignReportRow))]
internal sealed partial class CampaignReportJsonContext : JsonSerializerContext;
