using Microsoft.AspNetCore.Http;

namespace PaymentLinks.Tracking.AspNetCore;

/// <summary>How <c>app.MapPaymentLinkReport(...)</c> shows the campaign report as HTML.</summary>
public sealed class PaymentLinkReportOptions
{
    /// <summary>
    /// Gets or sets the HTML page for a report (or for a problem with the request, or a ledger that cannot be read).
    /// The JSON form (<c>?format=json</c>) is always <see cref="CampaignReportJson"/>'s.
    /// </summary>
    /// <value>The default is <see langword="null"/>: a plain table, with no script.</value>
    public Func<PaymentLinkReportView, IResult>? Page { get; set; }
}
