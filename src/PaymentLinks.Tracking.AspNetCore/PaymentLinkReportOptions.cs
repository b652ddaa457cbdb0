using Microsoft.AspNetCore.Http;

namespace PaymentLinks.Tracking.AspNetCore;

/// <summary>How <c>app.MapPaymentLinkReport(...)</c> shows the campaign report as HTML.</summary>
public sealed class PaymentLinkReportOptions
{
    /// <summary>
    /// Gets or sets the HTML page for a report (or for a problem with the request, or a ledger that cannot be read).
    /// The JSON form (<c>?format=json</c>) is always <see cref="CampaignReportJson"/>'s.
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>: the built-in page, with no script: net revenue per currency, a bar chart of
    /// net revenue by campaign and a chart of net revenue over time for the top three campaigns in each currency (drawn
    /// by ScottPlot as SVG on the server), and the table of gross, refunded, disputed and net with the counts.
    /// </value>
    public Func<PaymentLinkReportView, IResult>? Page { get; set; }
}
