namespace PaymentLinks.Tracking;

/// <summary>Where a tracked link sends the buyer, and the click it recorded.</summary>
/// <param name="Location">The configured Stripe link with the click's UTM codes and, when a click was recorded, its id in <c>client_reference_id</c>.</param>
/// <param name="Click">The recorded click, or <see langword="null"/> when none was (a crawler, a prefetch, a <c>HEAD</c>).</param>
public sealed record PaymentLinkRedirect(Uri Location, PaymentLinkClick? Click)
{
    /// <summary>
    /// Gets whether <see cref="Location"/> carries the click's id; <see langword="false"/> when no click was recorded, or
    /// when the link's <c>client_reference_id</c> is longer than <see cref="ClientReferenceCodec.MaxLengthBeforeClickId"/>
    /// characters and leaves no room for it (the click is recorded all the same).
    /// </summary>
    public bool IsClickIdIncluded { get; init; }
}
