namespace PaymentLinks.Tracking.AspNetCore;

/// <summary>
/// What a report page shows, as <see cref="PaymentLinkReportOptions.Page"/> receives it. Construct one yourself to test
/// your page.
/// </summary>
public sealed class PaymentLinkReportView
{
    /// <summary>Gets the report's rows, by revenue; empty when there is a <see cref="Problem"/>.</summary>
    public IReadOnlyList<CampaignReportRow> Rows { get; init; } = [];

    /// <summary>Gets the period's start (included), or <see langword="null"/>.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Gets the period's end (excluded), or <see langword="null"/>.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Gets the <c>since</c> as the request gave it, to show back in a form.</summary>
    public string? SinceText { get; init; }

    /// <summary>Gets the <c>until</c> as the request gave it.</summary>
    public string? UntilText { get; init; }

    /// <summary>Gets whether the rows are live or test data (<c>?mode=test</c>).</summary>
    /// <value>The default is <see cref="PaymentLinkMode.Live"/>.</value>
    public PaymentLinkMode Mode { get; init; } = PaymentLinkMode.Live;

    /// <summary>Gets how each session's money is shared among its touches (<c>?model=</c>).</summary>
    /// <value>The default is <see cref="AttributionModel.LastClick"/>.</value>
    public AttributionModel Model { get; init; } = AttributionModel.LastClick;

    /// <summary>
    /// Gets the time zone the period was read in (<c>?tz=Europe/Berlin</c>), as the request gave it, or
    /// <see langword="null"/> for UTC.
    /// </summary>
    public string? TimeZone { get; init; }

    /// <summary>
    /// Gets whether the live report is empty while the same period has test data, so that the page can say so rather
    /// than show an empty report.
    /// </summary>
    public bool OnlyTestData { get; init; }

    /// <summary>Gets what went wrong (a bad date, the ledger unavailable), or <see langword="null"/>.</summary>
    public string? Problem { get; init; }

    /// <summary>Gets the status code the page is answered with: 200, 400 for a bad request, 503 when the ledger cannot be read.</summary>
    public int StatusCode { get; init; } = 200;

    /// <summary>The endpoint's path (with the path base), escaped, for the page's links back to itself.</summary>
    internal string Path { get; init; } = "/";

    /// <summary>Net revenue over the period for each currency's top campaigns; read for the built-in page only.</summary>
    internal IReadOnlyList<NetRevenueSeries> OverTime { get; init; } = [];
}
