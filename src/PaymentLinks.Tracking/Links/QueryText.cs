using System.Buffers;

namespace PaymentLinks.Tracking;

/// <summary>Percent-encoding of query components, as <see cref="Uri.EscapeDataString(string)"/> and form decoding do it.</summary>
internal static class QueryText
{
    // RFC 3986's unreserved characters: the only ones Uri.EscapeDataString leaves as they are.
    private static readonly SearchValues<char> Unreserved =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~");

    /// <summary>Encodes a value once; a value that needs no encoding (every valid UTM code) is returned as it is.</summary>
    public static string Encode(string value) =>
        value.AsSpan().IndexOfAnyExcept(Unreserved) < 0 ? value : Uri.EscapeDataString(value);

    /// <summary>Decodes a query component: <c>+</c> is a space, <c>%XX</c> a UTF-8 byte; invalid escapes stay as written.</summary>
    public static string Decode(ReadOnlySpan<char> component)
    {
        if (component.IndexOfAny('+', '%') < 0)
        {
            return component.ToString();
        }

        var text = component.ToString().Replace('+', ' ');
        return Uri.UnescapeDataString(text);
    }
}
