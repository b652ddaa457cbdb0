namespace PaymentLinks.Tracking;

/// <summary>Stripe's two modes: live money, or test data made with test keys (<c>livemode: false</c>).</summary>
public enum PaymentLinkMode
{
    /// <summary>Live mode: real payments.</summary>
    Live = 0,

    /// <summary>Test mode: payments made with test keys and test cards.</summary>
    Test,
}
