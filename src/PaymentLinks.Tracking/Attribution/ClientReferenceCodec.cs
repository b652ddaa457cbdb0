namespace PaymentLinks.Tracking;

/// <summary>
/// Carries a <see cref="CampaignKey"/> in a payment link's <c>client_reference_id</c>, next to the merchant's own
/// reference, so that a <c>checkout.session.completed</c> event alone tells which campaign the payment came from.
/// </summary>
/// <remarks>
/// <para>
/// An encoded value is the merchant's reference (when there is one) followed by <see cref="Marker"/> and the key:
/// <c>order_4711</c> with the key <c>uutrue7pmnzs</c> becomes <c>order_4711_plk1_uutrue7pmnzs</c>, and the key alone
/// becomes <c>_plk1_uutrue7pmnzs</c>. The suffix has a fixed length (<see cref="SuffixLength"/> characters) at the
/// end, so decoding never has to guess where the reference stops, whatever <c>_</c> and <c>-</c> it holds.
/// </para>
/// <para>
/// What round-trips: <see cref="Decode"/> gives back exactly the reference and key given to <see cref="Encode"/> for
/// every valid reference of at most <see cref="MaxMerchantReferenceLength"/> characters, and for no reference at
/// all, including references that themselves end like an encoded value. A longer reference is kept whole and the key
/// left out (<see cref="CampaignKeyOutcome.ReferenceTooLong"/>); such a value decodes as a plain reference, unless it
/// happens to end with <see cref="Marker"/> and twelve base-32 characters itself.
/// </para>
/// <para>
/// What a reference made without the codec decodes to: itself, with no key, unless it ends with <see cref="Marker"/>
/// followed by exactly <see cref="CampaignKey.Length"/> characters from <see cref="CampaignKey.Alphabet"/>. The codec
/// is opt-in: links made without it keep their references unchanged.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var key = CampaignKey.For(link.Utm);
/// var encoded = ClientReferenceCodec.Encode("order_4711", key);
/// var tracked = link.WithClientReferenceId(encoded.ClientReferenceId);
///
/// // Later, from the webhook:
/// var decoded = ClientReferenceCodec.Decode(checkout.ClientReferenceId);
/// // decoded.MerchantReference == "order_4711", decoded.Key == key
/// </code>
/// </example>
public static class ClientReferenceCodec
{
    /// <summary>The characters between the merchant's reference and the key: <c>_plk1_</c>.</summary>
    public const string Marker = "_plk1_";

    /// <summary>The characters the key takes at the end of an encoded value: the marker and the key.</summary>
    public const int SuffixLength = 18; // Marker.Length + CampaignKey.Length

    /// <summary>The longest merchant reference that leaves room for the key: 182 characters.</summary>
    public const int MaxMerchantReferenceLength = PaymentLinkRules.MaxClientReferenceIdLength - SuffixLength;

    /// <summary>Puts a campaign key next to a merchant's reference in one <c>client_reference_id</c>.</summary>
    /// <param name="merchantReference">
    /// The merchant's own reference, valid under <see cref="PaymentLinkRules"/>, or <see langword="null"/> for none.
    /// </param>
    /// <param name="key">The campaign key.</param>
    /// <returns>
    /// The value for <c>client_reference_id</c>, which always passes Stripe's rules, and whether the key is in it.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="merchantReference"/> is not a valid <c>client_reference_id</c> (empty, too long, a character
    /// Stripe refuses, or shaped like a Stripe key); the message says why without repeating it.
    /// </exception>
    public static EncodedClientReference Encode(string? merchantReference, CampaignKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (merchantReference is null)
        {
            return new(Marker + key.Value, null, key, CampaignKeyOutcome.Included);
        }

        var check = PaymentLinkRules.Check(PaymentLinkParameter.ClientReferenceId, merchantReference);
        if (!check.IsValid)
        {
            throw new ArgumentException($"The merchant reference is not a valid client_reference_id: {check}.", nameof(merchantReference));
        }

        return merchantReference.Length <= MaxMerchantReferenceLength
            ? new(string.Concat(merchantReference, Marker, key.Value), merchantReference, key, CampaignKeyOutcome.Included)
            : new(merchantReference, merchantReference, key, CampaignKeyOutcome.ReferenceTooLong);
    }

    /// <summary>Splits a <c>client_reference_id</c> into the merchant's reference and the campaign key.</summary>
    /// <param name="clientReferenceId">The value Stripe returned, e.g. from a Checkout Session; may be <see langword="null"/>.</param>
    /// <returns>
    /// The reference and the key when the value ends with <see cref="Marker"/> and a key; otherwise the whole value
    /// as the reference and no key. <see langword="null"/> or empty gives neither.
    /// </returns>
    public static DecodedClientReference Decode(string? clientReferenceId)
    {
        if (string.IsNullOrEmpty(clientReferenceId))
        {
            return new(null, null);
        }

        var value = clientReferenceId.AsSpan();
        if (value.Length < SuffixLength
            || !value[^SuffixLength..^CampaignKey.Length].SequenceEqual(Marker)
            || !CampaignKey.TryParse(value[^CampaignKey.Length..], out var key))
        {
            return new(clientReferenceId, null);
        }

        var reference = clientReferenceId.Length == SuffixLength ? null : clientReferenceId[..^SuffixLength];
        return new(reference, key);
    }
}
