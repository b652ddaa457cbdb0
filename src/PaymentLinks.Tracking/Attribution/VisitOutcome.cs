namespace PaymentLinks.Tracking;

/// <summary>What <see cref="IPaymentLinkAttribution.RecordVisitAsync(string, UtmCodes, ThankYouVisitDetails, CancellationToken)"/> did with a thank-you page visit.</summary>
public enum VisitOutcome
{
    /// <summary>The session's first visit: its UTM codes are the session's attribution from a visit.</summary>
    FirstVisit = 1,

    /// <summary>
    /// A later visit: counted, and the attribution stays the first visit's. Its details change nothing, unless it
    /// carries the first visit's <see cref="ThankYouVisitDetails.BrowserKey"/>.
    /// </summary>
    Revisit = 2,

    /// <summary>
    /// A first visit for a session the ledger does not know, while <see cref="PaymentLinkLedgerOptions.MaxUnclaimedVisits"/>
    /// such visits are kept already: nothing is recorded. Made-up session ids cannot fill the ledger.
    /// </summary>
    NotKept = 3,
}
