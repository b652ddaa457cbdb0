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
/// <param name="Paid">How many sessions were paid (or needed no payment) in the period.</param>
/// <param name="Revenue">
/// The money kept without its tax, in the currency's minor unit: (<paramref name="Gross"/> − <paramref name="Refunded"/>
/// − <paramref name="Disputed"/>) × (<paramref name="Gross"/> − <paramref name="Tax"/>) / <paramref name="Gross"/>,
/// rounded half away from zero (with <paramref name="Gross"/> 0, <c>−Refunded − Disputed</c>). Tax collected is owed, not
/// earned, and a full refund leaves none of it behind.
/// </param>
/// <param name="Visits">How many of the sessions had a thank-you page visit.</param>
/// <param name="ByVisit">How many sessions were attributed by <see cref="AttributionSource.Visit"/>.</param>
/// <param name="ByReference">How many sessions were attributed by <see cref="AttributionSource.Reference"/>.</param>
/// <param name="ByLink">How many sessions were attributed by <see cref="AttributionSource.Link"/>.</param>
/// <param name="Gross">
/// The money paid in the period: the sessions' <c>amount_total</c> and the renewals' <c>amount_paid</c>, in the currency's
/// minor unit.
/// </param>
/// <param name="Renewals">How many subscription renewals were paid in the period.</param>
/// <param name="RenewalRevenue">The renewals' <c>amount_paid</c>, summed (part of <paramref name="Gross"/>).</param>
/// <param name="Refunded">The money refunded in the period, of first payments and renewals alike.</param>
/// <param name="Disputed">The money lost to disputes closed as <c>lost</c> in the period.</param>
/// <param name="Tax">
/// The tax in the money paid in the period (the sessions' <c>total_details.amount_tax</c> and the renewals' tax), part of
/// <paramref name="Gross"/>.
/// </param>
/// <remarks>
/// A period counts each amount when the money moved: a session when it completed, its payment when it was paid, a renewal
/// when its invoice was paid, a refund when it was made and a dispute when it was lost.
/// </remarks>
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
    long ByLink,
    long Gross = 0,
    long Renewals = 0,
    long RenewalRevenue = 0,
    long Refunded = 0,
    long Disputed = 0,
    long Tax = 0);
