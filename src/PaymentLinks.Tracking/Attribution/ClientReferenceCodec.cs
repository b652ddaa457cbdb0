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

    /// <summary>
    /// The characters before a click id at the very end of a <c>client_reference_id</c>: <c>_plc1_</c>. The redirect of
    /// <c>IPaymentLinkClicks</c> appends it and the click's id after whatever the link carries (the merchant's reference,
    /// a campaign key), so that the session Stripe makes names the click that led to it.
    /// </summary>
    public const string ClickMarker = "_plc1_";

    /// <summary>The characters a click id has: 16 from <see cref="CampaignKey.Alphabet"/> (80 random bits).</summary>
    public const int ClickIdLength = 16;

    /// <summary>The characters a click takes at the end of an encoded value: the click marker and the click id.</summary>
    public const int ClickSuffixLength = 22; // ClickMarker.Length + ClickIdLength

    /// <summary>The longest value that leaves room for a click id: 178 characters.</summary>
    public const int MaxLengthBeforeClickId = PaymentLinkRules.MaxClientReferenceIdLength - ClickSuffixLength;

    /// <summary>Whether <paramref name="value"/> is shaped like a click id: <see cref="ClickIdLength"/> characters of <see cref="CampaignKey.Alphabet"/>.</summary>
    /// <param name="value">The text to check; may be <see langword="null"/>.</param>
    /// <returns><see langword="true"/> when it is.</returns>
    public static bool IsClickId(ReadOnlySpan<char> value) =>
        value.Length == ClickIdLength && !value.ContainsAnyExcept(CampaignKey.AlphabetValues);

    /// <summary>
    /// Appends a click id to a <c>client_reference_id</c> (the merchant's reference, a campaign key, both or none),
    /// after <see cref="ClickMarker"/>; a click id already at its end is replaced.
    /// </summary>
    /// <param name="clientReferenceId">The value the link carries, valid under <see cref="PaymentLinkRules"/>, or <see langword="null"/>.</param>
    /// <param name="clickId">The click's id (see <see cref="IsClickId"/>).</param>
    /// <returns>
    /// The value with the click id, which passes Stripe's rules; or <see langword="null"/> when the value is longer than
    /// <see cref="MaxLengthBeforeClickId"/> characters, and is then kept whole without the click id.
    /// </returns>
    /// <exception cref="ArgumentException"><paramref name="clickId"/> is not a click id.</exception>
    public static string? AppendClickId(string? clientReferenceId, string clickId)
    {
        ArgumentNullException.ThrowIfNull(clickId);
        if (!IsClickId(clickId))
        {
            throw new ArgumentException($"A click id is {ClickIdLength} characters of {CampaignKey.Alphabet}.", nameof(clickId));
        }

        var current = StripClickId(clientReferenceId, out _);
        if (string.IsNullOrEmpty(current))
        {
            return ClickMarker + clickId;
        }

        return current.Length <= MaxLengthBeforeClickId ? string.Concat(current, ClickMarker, clickId) : null;
    }

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
    /// The click id when the value ends with <see cref="ClickMarker"/> and a click id (see <see cref="AppendClickId"/>);
    /// then, in what comes before it, the reference and the key when it ends with <see cref="Marker"/> and a key; otherwise the whole value
    /// as the reference and no key. <see langword="null"/> or empty gives neither.
    /// </returns>
    public static DecodedClientReference Decode(string? clientReferenceId)
    {
        clientReferenceId = StripClickId(clientReferenceId, out var clickId);
        if (string.IsNullOrEmpty(clientReferenceId))
        {
            return new(null, null) { ClickId = clickId };
        }

        var value = clientReferenceId.AsSpan();
        if (value.Length < SuffixLength
            || !value[^SuffixLength..^CampaignKey.Length].SequenceEqual(Marker)
            || !CampaignKey.TryParse(value[^CampaignKey.Length..], out var key))
        {
            return new(clientReferenceId, null) { ClickId = clickId };
        }

        var reference = clientReferenceId.Length == SuffixLength ? null : clientReferenceId[..^SuffixLength];
        return new(reference, key) { ClickId = clickId };
    }

    // The value without a click suffix at its end, and the click id it had.
    private static string? StripClickId(string? clientReferenceId, out string? clickId)
    {
        clickId = null;
        if (clientReferenceId is null || clientReferenceId.Length < ClickSuffixLength)
        {
            return clientReferenceId;
        }

        var value = clientReferenceId.AsSpan();
        if (!value[^ClickSuffixLength..^ClickIdLength].SequenceEqual(ClickMarker) || !IsClickId(value[^ClickIdLength..]))
        {
            return clientReferenceId;
        }

        clickId = clientReferenceId[^ClickIdLength..];
        return clientReferenceId.Length == ClickSuffixLength ? null : clientReferenceId[..^ClickSuffixLength];
    }
}
