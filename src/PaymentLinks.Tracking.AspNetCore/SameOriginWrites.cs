using Microsoft.AspNetCore.Http;

namespace PaymentLinks.Tracking.AspNetCore;

/// <summary>
/// The admin API's answer to cross-site request forgery, for the requests that change state: a browser names the page
/// that made a request in <c>Origin</c> and <c>Sec-Fetch-Site</c>, and a page of another origin may not change
/// anything, unless the app listed that origin. A client that is not a browser sends neither header.
/// </summary>
internal sealed class SameOriginWrites
{
    private readonly HashSet<string> _allowed = new(StringComparer.OrdinalIgnoreCase);

    /// <exception cref="ArgumentException">An origin is not <c>scheme://host[:port]</c>.</exception>
    public SameOriginWrites(IEnumerable<string> allowedOrigins)
    {
        foreach (var origin in allowedOrigins)
        {
            _allowed.Add(Normalize(origin) ?? throw new ArgumentException(
                $"\"{origin}\" is not an origin: write the scheme, the host and any port, such as https://admin.example.com, without a path.",
                nameof(allowedOrigins)));
        }
    }

    /// <summary>Why the request is refused, or <see langword="null"/> when it may go on.</summary>
    public string? Refusal(HttpContext context)
    {
        var request = context.Request;
        var origin = request.Headers.Origin.ToString();
        var listed = false;
        if (origin.Length > 0)
        {
            var normalized = Normalize(origin);
            listed = normalized is not null && _allowed.Contains(normalized);
            var own = Normalize($"{request.Scheme}://{request.Host}");
            if (!listed && (normalized is null || !string.Equals(normalized, own, StringComparison.OrdinalIgnoreCase)))
            {
                return "A request from a page of another origin may not change anything here (its Origin is not this API's, nor one of the allowed origins).";
            }
        }

        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (!listed && site.Length > 0 && site is not ("same-origin" or "none"))
        {
            return "A request from a page of another site may not change anything here (Sec-Fetch-Site is not same-origin).";
        }

        return null;
    }

    /// <summary><c>scheme://host[:port]</c> as a browser writes <c>Origin</c> (no default port), or <see langword="null"/>.</summary>
    private static string? Normalize(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0
            ? uri.GetLeftPart(UriPartial.Authority)
            : null;
}
