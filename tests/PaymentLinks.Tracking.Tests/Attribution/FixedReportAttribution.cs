namespace PaymentLinks.Tracking.Tests.Attribution;

/// <summary>
/// An in-test stand-in for the ledger's <see cref="IPaymentLinkAttribution"/>: it reports the rows it was given and
/// remembers each period it was asked for, for the tests of what presents the report (the console, the pages). The
/// report's own computation is tested on the real engines.
/// </summary>
internal sealed class FixedReportAttribution(params CampaignReportRow[] rows) : IPaymentLinkAttribution
{
    private readonly List<(DateTimeOffset? Since, DateTimeOffset? Until)> _periods = [];
    private readonly List<PaymentLinkMode> _modes = [];
    private readonly List<AttributionModel> _models = [];

    /// <summary>The report of the examples: two currencies, a zero-decimal one, and unattributed sessions.</summary>
    public static CampaignReportRow[] ExampleRows { get; } =
    [
        new("newsletter", "email", "spring_sale", "eur", 12, 11, 54890, 9, 9, 2, 0, Gross: 59880, Renewals: 2, RenewalRevenue: 9980, Refunded: 4990, Tax: 9560),
        new("google", "cpc", "brand", "usd", 30, 28, 139720, 20, 20, 0, 8, Gross: 139720),
        new("instagram", "social", "launch", "jpy", 4, 4, 12000, 1, 1, 3, 0, Gross: 15000, Disputed: 3000),
        new(null, null, null, "usd", 3, 2, 1998, 0, 0, 0, 0, Gross: 1998),
    ];

    /// <summary>The rows reported for <see cref="PaymentLinkMode.Test"/>; none unless given.</summary>
    public CampaignReportRow[] TestRows { get; init; } = [];

    /// <summary>The mode of each report asked for, in order.</summary>
    public IReadOnlyList<PaymentLinkMode> Modes
    {
        get
        {
            lock (_periods)
            {
                return [.. _modes];
            }
        }
    }

    /// <summary>The model of each report asked for by model, in order.</summary>
    public IReadOnlyList<AttributionModel> Models
    {
        get
        {
            lock (_periods)
            {
                return [.. _models];
            }
        }
    }

    /// <summary>Thrown by every call instead of answering, e.g. a <see cref="System.Data.Common.DbException"/>.</summary>
    public Exception? Failure { get; init; }

    public IReadOnlyList<(DateTimeOffset? Since, DateTimeOffset? Until)> Periods
    {
        get
        {
            lock (_periods)
            {
                return [.. _periods];
            }
        }
    }

    public Task<VisitOutcome> RecordVisitAsync(string sessionId, UtmCodes utm, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("This stand-in only reports.");

    public Task RegisterCampaignKeyAsync(CampaignKey key, UtmCodes utm, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("This stand-in only reports.");

    public Task<IReadOnlyList<CampaignReportRow>> ReportAsync(
        DateTimeOffset? since = null, DateTimeOffset? until = null, PaymentLinkMode mode = PaymentLinkMode.Live, CancellationToken cancellationToken = default)
    {
        lock (_periods)
        {
            _periods.Add((since, until));
            _modes.Add(mode);
        }

        return Failure is null ? Task.FromResult<IReadOnlyList<CampaignReportRow>>(mode == PaymentLinkMode.Test ? TestRows : rows) : Task.FromException<IReadOnlyList<CampaignReportRow>>(Failure);
    }

    public Task<IReadOnlyList<CampaignReportRow>> ReportAsync(
        DateTimeOffset? since, DateTimeOffset? until, PaymentLinkMode mode, AttributionModel model, CancellationToken cancellationToken = default)
    {
        lock (_periods)
        {
            _models.Add(model);
        }

        return ReportAsync(since, until, mode, cancellationToken);
    }
}
