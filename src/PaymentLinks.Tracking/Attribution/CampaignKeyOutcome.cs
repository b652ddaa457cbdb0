namespace PaymentLinks.Tracking;

/// <summary>Whether <see cref="ClientReferenceCodec.Encode"/> could put the campaign key in the value.</summary>
public enum CampaignKeyOutcome
{
    /// <summary>The key is in the value, after the merchant's reference if there is one.</summary>
    Included,

    /// <summary>
    /// The merchant's reference is longer than <see cref="ClientReferenceCodec.MaxMerchantReferenceLength"/>
    /// characters: it is kept whole and the key left out, so the payment is not attributed through the reference.
    /// </summary>
    ReferenceTooLong,
}
