namespace PaymentLinks.Tracking;

/// <summary>
/// One line of the campaign report: the Checkout Sessions of one campaign (<c>utm_source</c>, <c>utm_medium</c>,
/// <c>utm_campaign</c>) in one currency. Amounts are never summed across currencies.
/// </summary>
/// <param name="UtmSource">The campaign's <c>utm_source</c>, or <see langword="null"/> for unattributed sessions.</param>
/// <param name="UtmMedium">The campaign's <c>utm_medium</c>, or <see langword="null"/>.</param>
/// <param name="UtmCampaign">The campaign's <c>utm_campaign</c>, or <see langword="null"/>.</param>
/// <param name="Currency">The sessions' currency (ISO 4217, lower case), or <see langword="null"/> when Stripe sent none.</param>
/// <param name="Sessions">How many sessions completed.</param>
/// <param name="Paid">How many sessions were paid (or needed no payment).</param>
/// <param name="Revenue">The paid sessions' <c>amount_total</c>, summed, in the currency's minor unit.</param>
/// <param name="Visits">How many of the sessions had a thank-you page visit.</param>
/// <param name="ByVisit">How many sessions were attributed by <see cref="AttributionSource.Visit"/>.</param>
/// <param name="ByReference">How many sessions were attributed by <see cref="AttributionSource.Reference"/>.</param>
/// <param name="ByLink">How many sessions were attributed by <see cref="AttributionSource.Link"/>.</param>
public sealed record CampaignReportRow(
    string? UtmSource,
    string? UtmMedium,
    string? UtmCampaign,
    string? Currency,
    long Sessions,
    long Paid,
    long Revenue,
    long Visits,
    long ByVisit,
    long ByReference,
    long ByLink);
