namespace PaymentLinks.Tracking;

/// <summary>The five UTM codes of a payment link. A <see langword="null"/> code is absent.</summary>
/// <example>
/// <code>
/// var tracked = link.WithUtm(new UtmCodes { Source = "newsletter", Medium = "email", Campaign = "spring_sale" });
/// </code>
/// </example>
public sealed record UtmCodes
{
    /// <summary>Gets no UTM codes at all.</summary>
    public static UtmCodes None { get; } = new();

    /// <summary>Gets or initialises <c>utm_source</c>: where the traffic came from.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? Source { get; init; }

    /// <summary>Gets or initialises <c>utm_medium</c>: the marketing medium.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? Medium { get; init; }

    /// <summary>Gets or initialises <c>utm_campaign</c>: the campaign.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? Campaign { get; init; }

    /// <summary>Gets or initialises <c>utm_term</c>: the paid search terms.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? Term { get; init; }

    /// <summary>Gets or initialises <c>utm_content</c>: the content the customer chose.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? Content { get; init; }

    /// <summary>Gets whether no code is set.</summary>
    public bool IsEmpty => Source is null && Medium is null && Campaign is null && Term is null && Content is null;

    internal string? this[PaymentLinkParameter parameter] => parameter switch
    {
        PaymentLinkParameter.UtmSource => Source,
        PaymentLinkParameter.UtmMedium => Medium,
        PaymentLinkParameter.UtmCampaign => Campaign,
        PaymentLinkParameter.UtmTerm => Term,
        PaymentLinkParameter.UtmContent => Content,
        _ => throw new ArgumentOutOfRangeException(nameof(parameter), parameter, "Not a UTM code."),
    };
}
