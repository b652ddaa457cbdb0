using System.Buffers;
using System.Runtime.CompilerServices;

namespace PaymentLinks.Tracking;

/// <summary>
/// Stripe's rules for the URL parameters of a payment link, in one place. Every part of the library calls these.
/// </summary>
/// <remarks>
/// <list type="table">
/// <listheader><term>Parameter</term><description>Valid value</description></listheader>
/// <item><term><c>utm_source</c>, <c>utm_medium</c>, <c>utm_campaign</c>, <c>utm_term</c>, <c>utm_content</c></term>
/// <description>1 to 150 characters from <c>A-Z a-z 0-9 - _</c>.</description></item>
/// <item><term><c>client_reference_id</c></term>
/// <description>1 to 200 characters from <c>A-Z a-z 0-9 - _</c>, and not starting like a Stripe key
/// (<c>sk_live_</c>, <c>sk_test_</c>, <c>rk_live_</c>, <c>rk_test_</c>, <c>whsec_</c>, <c>pk_</c>): links travel, and
/// Stripe warns that this value must never carry secrets.</description></item>
/// <item><term><c>prefilled_email</c>, <c>locked_prefilled_email</c></term>
/// <description>A plausible email address of at most 254 characters: one <c>@</c> after a non-empty local part,
/// a dotted domain of non-empty labels, no whitespace, control characters or unpaired surrogates.</description></item>
/// <item><term><c>prefilled_promo_code</c></term><description>ASCII letters and digits, at least one.</description></item>
/// <item><term><c>locale</c></term><description>One of <see cref="Locales"/>, exactly as written there.</description></item>
/// </list>
/// Only ASCII counts as a letter or digit: <c>é</c>, full-width digits and look-alikes from other scripts are invalid.
/// Lengths count UTF-16 characters. The checks allocate nothing.
/// </remarks>
public static class PaymentLinkRules
{
    /// <summary>The most characters a UTM code may have.</summary>
    public const int MaxUtmCodeLength = 150;

    /// <summary>The most characters a <c>client_reference_id</c> may have.</summary>
    public const int MaxClientReferenceIdLength = 200;

    /// <summary>The most characters an email address may have.</summary>
    public const int MaxEmailLength = 254;

    /// <summary>The most characters a Checkout Session id may have: Stripe's object ids never exceed 255.</summary>
    public const int MaxCheckoutSessionIdLength = 255;

    private const string Alphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private static readonly SearchValues<char> TrackingCharacters = SearchValues.Create(Alphanumerics + "-_");
    private static readonly SearchValues<char> PromoCodeCharacters = SearchValues.Create(Alphanumerics);
    private static readonly SearchValues<char> SessionIdCharacters = SearchValues.Create(Alphanumerics + "_");
    private static readonly SearchValues<char> DomainCharacters = SearchValues.Create(Alphanumerics + "-.");

    /// <summary>The prefix of a webhook endpoint's signing secret.</summary>
    internal const string WebhookSigningSecretPrefix = "whsec_";

    // Stripe's key prefixes, the one list that links, options, the webhook parser and redaction all read.
    private static readonly (string Prefix, StripeKeyKind Kind)[] StripeKeyPrefixList =
    [
        ("sk_live_", StripeKeyKind.SecretKey), ("sk_test_", StripeKeyKind.SecretKey),
        ("rk_live_", StripeKeyKind.RestrictedKey), ("rk_test_", StripeKeyKind.RestrictedKey),
        (WebhookSigningSecretPrefix, StripeKeyKind.WebhookSigningSecret),
        ("pk_", StripeKeyKind.PublishableKey),
    ];

    private static readonly string[] SecretPrefixList = Array.ConvertAll(StripeKeyPrefixList, known => known.Prefix);

    private static readonly string[] LocaleList =
    [
        "auto", "bg", "cs", "da", "de", "el", "en", "en-GB", "es", "es-419", "et", "fi", "fil", "fr", "fr-CA", "hr",
        "hu", "id", "it", "ja", "ko", "lt", "lv", "ms", "mt", "nb", "nl", "pl", "pt", "pt-BR", "ro", "ru", "sk", "sl",
        "sv", "th", "tr", "vi", "zh", "zh-HK", "zh-TW",
    ];

    /// <summary>Gets the values <c>locale</c> accepts: Checkout's locales, and <c>auto</c> for the browser's.</summary>
    public static IReadOnlyList<string> Locales { get; } = Array.AsReadOnly(LocaleList);

    /// <summary>
    /// Gets the prefixes of Stripe's secret keys, restricted keys, webhook signing secrets and publishable keys.
    /// A <c>client_reference_id</c> that starts with one of them (case-sensitively, as Stripe writes them) is refused.
    /// </summary>
    public static IReadOnlyList<string> SecretPrefixes { get; } = Array.AsReadOnly(SecretPrefixList);

    /// <summary>Gets every parameter, in the order <see cref="PaymentLinkParameter"/> declares them.</summary>
    public static IReadOnlyList<PaymentLinkParameter> Parameters { get; } = Array.AsReadOnly(
    [
        PaymentLinkParameter.UtmSource, PaymentLinkParameter.UtmMedium, PaymentLinkParameter.UtmCampaign,
        PaymentLinkParameter.UtmTerm, PaymentLinkParameter.UtmContent, PaymentLinkParameter.ClientReferenceId,
        PaymentLinkParameter.PrefilledEmail, PaymentLinkParameter.LockedPrefilledEmail,
        PaymentLinkParameter.PrefilledPromoCode, PaymentLinkParameter.Locale,
    ]);

    internal const int ParameterCount = 10;

    /// <summary>Checks a value against the rules of a parameter.</summary>
    /// <param name="parameter">The parameter the value is for.</param>
    /// <param name="value">The value, decoded (as it reads, not percent-encoded).</param>
    /// <returns>Whether the value is valid and, when it is not, why.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parameter"/> is not a defined parameter.</exception>
    /// <example>
    /// <code>
    /// var check = PaymentLinkRules.Check(PaymentLinkParameter.UtmSource, "spring sale");
    /// // check.Reason == DropReason.InvalidCharacter, check.Position == 6
    /// </code>
    /// </example>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // A caller's constant parameter then folds the switch away.
    public static ParameterCheck Check(PaymentLinkParameter parameter, ReadOnlySpan<char> value) => parameter switch
    {
        PaymentLinkParameter.UtmSource or PaymentLinkParameter.UtmMedium or PaymentLinkParameter.UtmCampaign
            or PaymentLinkParameter.UtmTerm or PaymentLinkParameter.UtmContent
            => CheckCharacters(parameter, value, MaxUtmCodeLength, TrackingCharacters),
        PaymentLinkParameter.ClientReferenceId => CheckClientReferenceId(value),
        PaymentLinkParameter.PrefilledEmail or PaymentLinkParameter.LockedPrefilledEmail => CheckEmail(parameter, value),
        PaymentLinkParameter.PrefilledPromoCode => CheckCharacters(parameter, value, int.MaxValue, PromoCodeCharacters),
        PaymentLinkParameter.Locale => CheckLocale(value),
        _ => throw new ArgumentOutOfRangeException(nameof(parameter), parameter, "Not a payment link parameter."),
    };

    /// <summary>
    /// Tells whether a value is valid for a parameter: the verdict of <see cref="Check"/>, without the reason, for
    /// hot paths that need only a yes or no.
    /// </summary>
    /// <param name="parameter">The parameter the value is for.</param>
    /// <param name="value">The value, decoded.</param>
    /// <returns><see langword="true"/> when Stripe keeps the value.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parameter"/> is not a defined parameter.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // As Check: a constant parameter folds the switch away.
    public static bool IsValid(PaymentLinkParameter parameter, ReadOnlySpan<char> value) => parameter switch
    {
        PaymentLinkParameter.UtmSource or PaymentLinkParameter.UtmMedium or PaymentLinkParameter.UtmCampaign
            or PaymentLinkParameter.UtmTerm or PaymentLinkParameter.UtmContent
            => HasOnlyTrackingCharacters(value, MaxUtmCodeLength),
        PaymentLinkParameter.ClientReferenceId
            => HasOnlyTrackingCharacters(value, MaxClientReferenceIdLength) && !StartsLikeSecret(value),
        _ => CheckOther(parameter, value).IsValid,
    };

    /// <summary>Gets the name a parameter has in a URL, e.g. <c>utm_source</c>.</summary>
    /// <param name="parameter">The parameter.</param>
    /// <returns>The query parameter name.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parameter"/> is not a defined parameter.</exception>
    public static string GetQueryName(PaymentLinkParameter parameter) => parameter switch
    {
        PaymentLinkParameter.UtmSource => "utm_source",
        PaymentLinkParameter.UtmMedium => "utm_medium",
        PaymentLinkParameter.UtmCampaign => "utm_campaign",
        PaymentLinkParameter.UtmTerm => "utm_term",
        PaymentLinkParameter.UtmContent => "utm_content",
        PaymentLinkParameter.ClientReferenceId => "client_reference_id",
        PaymentLinkParameter.PrefilledEmail => "prefilled_email",
        PaymentLinkParameter.LockedPrefilledEmail => "locked_prefilled_email",
        PaymentLinkParameter.PrefilledPromoCode => "prefilled_promo_code",
        PaymentLinkParameter.Locale => "locale",
        _ => throw new ArgumentOutOfRangeException(nameof(parameter), parameter, "Not a payment link parameter."),
    };

    /// <summary>Finds the parameter a query name stands for. Names are case-sensitive, as Stripe reads them.</summary>
    /// <param name="queryName">A decoded query parameter name, e.g. <c>utm_source</c>.</param>
    /// <param name="parameter">The parameter, when the name is one.</param>
    /// <returns><see langword="true"/> when the name is a payment link parameter.</returns>
    public static bool TryGetParameter(ReadOnlySpan<char> queryName, out PaymentLinkParameter parameter)
    {
        switch (queryName)
        {
            case "utm_source": parameter = PaymentLinkParameter.UtmSource; return true;
            case "utm_medium": parameter = PaymentLinkParameter.UtmMedium; return true;
            case "utm_campaign": parameter = PaymentLinkParameter.UtmCampaign; return true;
            case "utm_term": parameter = PaymentLinkParameter.UtmTerm; return true;
            case "utm_content": parameter = PaymentLinkParameter.UtmContent; return true;
            case "client_reference_id": parameter = PaymentLinkParameter.ClientReferenceId; return true;
            case "prefilled_email": parameter = PaymentLinkParameter.PrefilledEmail; return true;
            case "locked_prefilled_email": parameter = PaymentLinkParameter.LockedPrefilledEmail; return true;
            case "prefilled_promo_code": parameter = PaymentLinkParameter.PrefilledPromoCode; return true;
            case "locale": parameter = PaymentLinkParameter.Locale; return true;
            default: parameter = default; return false;
        }
    }

    /// <summary>
    /// Tells whether a value is shaped like a Checkout Session id: <c>cs_</c>, then ASCII letters, digits and <c>_</c>,
    /// at most <see cref="MaxCheckoutSessionIdLength"/> characters. A thank-you page checks the <c>session_id</c> it
    /// was given this way before asking Stripe, so a tampered value never reaches the API.
    /// </summary>
    /// <param name="value">The value of <c>session_id</c>, decoded.</param>
    /// <returns><see langword="true"/> when the value may be a Checkout Session id.</returns>
    public static bool IsCheckoutSessionId(ReadOnlySpan<char> value) =>
        value.Length > 3
        && value.Length <= MaxCheckoutSessionIdLength
        && value.StartsWith("cs_", StringComparison.Ordinal)
        && value[3..].IndexOfAnyExcept(SessionIdCharacters) < 0;

    /// <summary>Gets the most characters a parameter allows.</summary>
    /// <param name="parameter">The parameter.</param>
    /// <returns>The limit, or <see langword="null"/> when the parameter sets none (promotion codes, locales).</returns>
    public static int? GetMaxLength(PaymentLinkParameter parameter) => parameter switch
    {
        PaymentLinkParameter.ClientReferenceId => MaxClientReferenceIdLength,
        PaymentLinkParameter.PrefilledEmail or PaymentLinkParameter.LockedPrefilledEmail => MaxEmailLength,
        PaymentLinkParameter.PrefilledPromoCode or PaymentLinkParameter.Locale => null,
        _ => MaxUtmCodeLength,
    };

    // Valid values of the other parameters are all RFC 3986 unreserved characters, so never need percent-encoding.
    internal static bool MayNeedEncoding(PaymentLinkParameter parameter) =>
        parameter is PaymentLinkParameter.PrefilledEmail or PaymentLinkParameter.LockedPrefilledEmail;

    internal static string DescribeAllowedCharacters(PaymentLinkParameter parameter) => parameter switch
    {
        PaymentLinkParameter.PrefilledPromoCode => "only ASCII letters and digits are allowed",
        PaymentLinkParameter.PrefilledEmail or PaymentLinkParameter.LockedPrefilledEmail
            => "an email address has no whitespace, control characters or unpaired surrogates",
        _ => "only ASCII letters, digits, '-' and '_' are allowed",
    };

    // 1 to maxLength characters, none outside the alphabet. Whether there is one is cheaper to learn than where.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool HasOnlyTrackingCharacters(ReadOnlySpan<char> value, int maxLength) =>
        (uint)(value.Length - 1) < (uint)maxLength && !value.ContainsAnyExcept(TrackingCharacters);

    // The parameters without a yes-or-no shortcut, kept out of line so that IsValid stays small where it is inlined.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ParameterCheck CheckOther(PaymentLinkParameter parameter, ReadOnlySpan<char> value) => Check(parameter, value);

    private static ParameterCheck CheckClientReferenceId(ReadOnlySpan<char> value)
    {
        // The secret check comes first so that a key is reported as a secret whatever else is wrong with it,
        // and whoever logs the drop knows to keep the value out of the log.
        if (StartsLikeSecret(value))
        {
            return new ParameterCheck(PaymentLinkParameter.ClientReferenceId, DropReason.LooksLikeSecret, value.Length);
        }

        return CheckCharacters(PaymentLinkParameter.ClientReferenceId, value, MaxClientReferenceIdLength, TrackingCharacters);
    }

    private static bool StartsLikeSecret(ReadOnlySpan<char> value) => GetStripeKeyKind(value) != StripeKeyKind.None;

    /// <summary>
    /// Tells which kind of Stripe key or secret a value starts like (case-sensitively, as Stripe writes them), from the
    /// one list of prefixes that <see cref="SecretPrefixes"/> shows.
    /// </summary>
    internal static StripeKeyKind GetStripeKeyKind(ReadOnlySpan<char> value)
    {
        // Every prefix starts with one of these letters: most values are cleared by one comparison.
        if (value.IsEmpty || value[0] is not ('s' or 'r' or 'w' or 'p'))
        {
            return StripeKeyKind.None;
        }

        foreach (var (prefix, kind) in StripeKeyPrefixList)
        {
            if (value.StartsWith(prefix, StringComparison.Ordinal))
            {
                return kind;
            }
        }

        return StripeKeyKind.None;
    }

    /// <summary>Finds where the next Stripe key or secret starts in a text, from <paramref name="start"/> on.</summary>
    /// <returns>The key's index and the length of its prefix, or (-1, 0) when there is none.</returns>
    internal static (int Index, int PrefixLength) FindStripeKey(string text, int start)
    {
        var found = (Index: -1, PrefixLength: 0);
        foreach (var prefix in SecretPrefixList)
        {
            var index = text.IndexOf(prefix, start, StringComparison.Ordinal);
            if (index >= 0 && (found.Index < 0 || index < found.Index))
            {
                found = (index, prefix.Length);
            }
        }

        return found;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ParameterCheck CheckCharacters(
        PaymentLinkParameter parameter, ReadOnlySpan<char> value, int maxLength, SearchValues<char> allowed)
    {
        if (value.IsEmpty)
        {
            return new ParameterCheck(parameter, DropReason.Empty, 0);
        }

        if (value.Length > maxLength)
        {
            return new ParameterCheck(parameter, DropReason.TooLong, value.Length);
        }

        var invalid = value.IndexOfAnyExcept(allowed);
        return invalid < 0
            ? new ParameterCheck(parameter, DropReason.None, value.Length)
            : InvalidCharacterAt(parameter, value, invalid);
    }

    private static ParameterCheck CheckEmail(PaymentLinkParameter parameter, ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return new ParameterCheck(parameter, DropReason.Empty, 0);
        }

        if (value.Length > MaxEmailLength)
        {
            return new ParameterCheck(parameter, DropReason.TooLong, value.Length);
        }

        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
                continue;
            }

            // An unpaired surrogate cannot be percent-encoded: the URL would carry U+FFFD instead of the address.
            if (char.IsWhiteSpace(value[i]) || char.IsControl(value[i]) || char.IsSurrogate(value[i]))
            {
                return InvalidCharacterAt(parameter, value, i);
            }
        }

        var at = value.IndexOf('@');
        var domain = value[(at + 1)..];
        var plausible = at > 0 && domain.IndexOf('@') < 0 && IsDottedDomain(domain);
        return new ParameterCheck(parameter, plausible ? DropReason.None : DropReason.NotAnEmail, value.Length);
    }

    // A dotted domain: two or more non-empty labels. Non-ASCII is let through for internationalised domains.
    private static bool IsDottedDomain(ReadOnlySpan<char> domain)
    {
        if (domain.IsEmpty || domain[0] == '.' || domain[^1] == '.' || domain.IndexOf('.') < 0 || domain.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in domain)
        {
            if (char.IsAscii(c) && !DomainCharacters.Contains(c))
            {
                return false;
            }
        }

        return true;
    }

    private static ParameterCheck CheckLocale(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return new ParameterCheck(PaymentLinkParameter.Locale, DropReason.Empty, 0);
        }

        foreach (var locale in LocaleList)
        {
            if (value.SequenceEqual(locale))
            {
                return new ParameterCheck(PaymentLinkParameter.Locale, DropReason.None, value.Length);
            }
        }

        return new ParameterCheck(PaymentLinkParameter.Locale, DropReason.UnknownLocale, value.Length);
    }

    // The character is decoded only when the verdict is read: a lone surrogate then reads as the replacement character.
    private static ParameterCheck InvalidCharacterAt(PaymentLinkParameter parameter, ReadOnlySpan<char> value, int position) =>
        new(parameter, DropReason.InvalidCharacter, value.Length, position, value[position], position + 1 < value.Length ? value[position + 1] : '\0');
}

/// <summary>The kinds of Stripe key and secret that <see cref="PaymentLinkRules.GetStripeKeyKind"/> tells apart by prefix.</summary>
internal enum StripeKeyKind
{
    None,
    SecretKey,
    RestrictedKey,
    PublishableKey,
    WebhookSigningSecret,
}
