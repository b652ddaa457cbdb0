namespace PaymentLinks.Tracking.Tests.Ledger;

/// <summary>The report over test-mode data: the events these tests sign are test-mode events, as Stripe's test keys make.</summary>
internal static class TestModeReport
{
    public static Task<IReadOnlyList<CampaignReportRow>> TestReportAsync(
        this IPaymentLinkAttribution attribution, DateTimeOffset? since = null, DateTimeOffset? until = null) =>
        attribution.ReportAsync(since, until, PaymentLinkMode.Test);
}
