namespace PaymentLinks.Tracking;

/// <summary>What <see cref="ClientReferenceCodec.Decode"/> read from a <c>client_reference_id</c>.</summary>
/// <param name="MerchantReference">The merchant's own reference, or <see langword="null"/> when there is none.</param>
/// <param name="Key">The campaign key, or <see langword="null"/> when the value carries none.</param>
public sealed record DecodedClientReference(string? MerchantReference, CampaignKey? Key)
{
    /// <summary>Gets whether the value carried a campaign key.</summary>
    public bool HasKey => Key is not null;

    /// <summary>Gets the id of the click the value names (see <see cref="ClientReferenceCodec.AppendClickId"/>), or <see langword="null"/>.</summary>
    public string? ClickId { get; init; }
}
