using System.Buffers;

namespace PaymentLinks.Tracking;

/// <summary>The shape of a Checkout Session id, checked before any id read from a URL reaches Stripe.</summary>
internal static class CheckoutSessionId
{
    /// <summary>The query parameter that carries the id to the thank-you page.</summary>
    public const string QueryName = "session_id";

    /// <summary>The placeholder Stripe replaces with the id when it redirects.</summary>
    public const string Placeholder = "{CHECKOUT_SESSION_ID}";

    // Stripe's object ids never exceed 255 characters.
    public const int MaxLength = 255;

    private const string Prefix = "cs_";

    private static readonly SearchValues<char> IdCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");

    /// <summary>Tells whether a value is shaped like a Checkout Session id: <c>cs_</c>, then ASCII letters, digits and <c>_</c>.</summary>
    public static bool IsWellFormed(ReadOnlySpan<char> value) =>
        value.Length > Prefix.Length
        && value.Length <= MaxLength
        && value.StartsWith(Prefix, StringComparison.Ordinal)
        && value[Prefix.Length..].IndexOfAnyExcept(IdCharacters) < 0;
}
