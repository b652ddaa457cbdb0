namespace PaymentLinks.Tracking;

/// <summary>
/// How a paid session's money is shared among its touches: the buyer's clicks on tracked links in the lookback window
/// before the session (see <see cref="PaymentLinkLedgerOptions.AttributionWindow"/>), or, with no click, the one touch
/// its thank-you visit, campaign key or link metadata makes. Named on the report endpoint and the console by
/// <see cref="AttributionModelNames"/>.
/// </summary>
public enum AttributionModel
{
    /// <summary><c>last-click</c>: everything to the last touch, the click the session came from. The default.</summary>
    LastClick,

    /// <summary><c>first-click</c>: everything to the first touch in the window.</summary>
    FirstClick,

    /// <summary>
    /// <c>last-non-direct</c>: everything to the last touch that is not direct; when every touch is direct, to the last.
    /// A click is direct when it carries no UTM code and no ad click id (<c>gclid</c>, <c>gbraid</c>, <c>wbraid</c>,
    /// <c>fbclid</c>, <c>ttclid</c>, <c>msclkid</c>, <c>li_fat_id</c>, <c>rdt_cid</c>).
    /// </summary>
    LastNonDirect,

    /// <summary><c>linear</c>: an equal share to every touch.</summary>
    Linear,

    /// <summary>
    /// <c>position-based</c>: 40% to the first touch, 40% to the last, 20% shared equally by those between; with two
    /// touches 50% each, with one touch all of it.
    /// </summary>
    PositionBased,

    /// <summary>
    /// <c>time-decay</c>: a touch's share halves with every <see cref="PaymentLinkLedgerOptions.TimeDecayHalfLife"/>
    /// it came before the session.
    /// </summary>
    TimeDecay,
}
