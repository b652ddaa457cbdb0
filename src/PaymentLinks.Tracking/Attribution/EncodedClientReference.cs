namespace PaymentLinks.Tracking;

/// <summary>What <see cref="ClientReferenceCodec.Encode"/> made: the value for the link, and whether the key is in it.</summary>
/// <param name="ClientReferenceId">The value for <c>client_reference_id</c>; it passes Stripe's rules.</param>
/// <param name="MerchantReference">The merchant's reference as given, or <see langword="null"/> for none.</param>
/// <param name="Key">The campaign key that was asked for.</param>
/// <param name="Outcome">Whether the key is in <paramref name="ClientReferenceId"/>.</param>
public sealed record EncodedClientReference(
    string ClientReferenceId, string? MerchantReference, CampaignKey Key, CampaignKeyOutcome Outcome)
{
    /// <summary>Gets whether the key is in <see cref="ClientReferenceId"/>.</summary>
    public bool IsKeyIncluded => Outcome == CampaignKeyOutcome.Included;

    /// <summary>Describes a key left out, e.g. for a report of what a link could not carry.</summary>
    /// <returns>An explanation that never repeats the reference.</returns>
    public override string ToString() => Outcome switch
    {
        CampaignKeyOutcome.Included => $"client_reference_id carries campaign key {Key}",
        CampaignKeyOutcome.ReferenceTooLong =>
            $"campaign key {Key} left out: the reference has {MerchantReference?.Length} characters, at most {ClientReferenceCodec.MaxMerchantReferenceLength} leave room for it",
        _ => Outcome.ToString(),
    };
}
