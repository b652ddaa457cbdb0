namespace PaymentLinks.Tracking;

/// <summary>A parameter value that was left out of a payment link because Stripe would drop it.</summary>
public sealed class DroppedParameter
{
    internal DroppedParameter(string value, ParameterCheck check)
    {
        Value = value;
        Check = check;
    }

    /// <summary>Gets the parameter.</summary>
    public PaymentLinkParameter Parameter => Check.Parameter;

    /// <summary>Gets the parameter's name in the URL, e.g. <c>utm_source</c>.</summary>
    public string Name => PaymentLinkRules.GetQueryName(Check.Parameter);

    /// <summary>
    /// Gets the rejected value, decoded. When <see cref="Reason"/> is <see cref="DropReason.LooksLikeSecret"/> it is
    /// the secret itself: never log it.
    /// </summary>
    public string Value { get; }

    /// <summary>Gets why the value was dropped.</summary>
    public DropReason Reason => Check.Reason;

    /// <summary>Gets the full verdict: the reason with the position of a bad character or the length of a long value.</summary>
    public ParameterCheck Check { get; }

    /// <summary>Describes the drop, e.g. <c>utm_source "spring sale": invalid character U+0020 at position 6 ...</c>.</summary>
    /// <returns>The description. A value that looks like a secret is withheld.</returns>
    public override string ToString() => Reason == DropReason.LooksLikeSecret
        ? $"{Name} (value withheld): {Check}"
        : $"{Name} \"{Value}\": {Check}";
}
