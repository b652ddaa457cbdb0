namespace PaymentLinks.Tracking;

/// <summary>What <see cref="IPaymentLinkAttribution.RecordVisitAsync(string, UtmCodes, ThankYouVisitDetails, CancellationToken)"/> did with a thank-you page visit.</summary>
public enum VisitOutcome
{
    /// <summary>The session's first visit: its UTM codes are the session's attribution from a visit.</summary>
    FirstVisit = 1,

    /// <summary>A later visit: counted, and the attribution stays the first visit's.</summary>
    Revisit = 2,
}
