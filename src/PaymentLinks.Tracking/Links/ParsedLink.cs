namespace PaymentLinks.Tracking;

/// <summary>
/// A URL as <see cref="PaymentLinkUrl.Parse(string)"/> read it: everything but the payment link parameters kept as
/// written, and those parameters checked, deduplicated and resolved.
/// </summary>
internal sealed class ParsedLink
{
    private ParsedLink(string prefix, QuerySegment[] segments, string fragment, string?[] values, DroppedParameter[] dropped)
    {
        Prefix = prefix;
        Segments = segments;
        Fragment = fragment;
        Values = values;
        Dropped = dropped;
    }

    /// <summary>Gets the scheme, authority and path, escaped.</summary>
    public string Prefix { get; }

    /// <summary>Gets the query in order: other parameters as written, and one slot for each kept payment link parameter.</summary>
    public QuerySegment[] Segments { get; }

    /// <summary>Gets the fragment with its <c>#</c>, or an empty string.</summary>
    public string Fragment { get; }

    /// <summary>Gets the kept value of each payment link parameter, indexed by <see cref="PaymentLinkParameter"/>.</summary>
    public string?[] Values { get; }

    /// <summary>Gets the payment link parameters the URL held that Stripe would drop, in URL order.</summary>
    public DroppedParameter[] Dropped { get; }

    /// <summary>
    /// Gets or sets the URL up to its fragment as <see cref="PaymentLinkUrl"/> renders it with the parsed values: kept
    /// here once worked out, for every link built from this one. A race only repeats the work.
    /// </summary>
    public string? Head { get; set; }

    /// <summary>Gets whether <see cref="Head"/> has a query, so that a parameter added after it follows a <c>&amp;</c>.</summary>
    public bool HasQuery => Segments.Length > 0;

    public static string? TryParse(string? url, out ParsedLink? link) => TryParse(url, [], out link);

    /// <summary>Parses a URL; returns why it is not a payment link URL, or <see langword="null"/> on success.</summary>
    public static string? TryParse(string? url, DroppedParameter[] carriedDrops, out ParsedLink? link)
    {
        link = null;
        if (string.IsNullOrWhiteSpace(url))
        {
            return "The URL is empty.";
        }

        // On Unix, Uri reads a rooted path such as "/pay" as a file URI: that is a relative URL too.
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)
            || (uri.IsFile && !url.TrimStart().StartsWith("file:", StringComparison.OrdinalIgnoreCase)))
        {
            return $"'{Shorten(url)}' is not an absolute URL.";
        }

        if (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
        {
            return $"'{Shorten(url)}' is not an http or https URL (its scheme is '{uri.Scheme}').";
        }

        if (uri.Host.Length == 0)
        {
            return $"'{Shorten(url)}' has no host.";
        }

        var query = uri.Query.AsSpan();
        var segments = new List<QuerySegment>();
        var values = new string?[PaymentLinkRules.ParameterCount];
        var dropped = new List<DroppedParameter>(carriedDrops);

        var rest = query.IsEmpty ? query : query[1..];
        while (!rest.IsEmpty)
        {
            var ampersand = rest.IndexOf('&');
            var segment = ampersand < 0 ? rest : rest[..ampersand];
            rest = ampersand < 0 ? default : rest[(ampersand + 1)..];
            if (segment.IsEmpty)
            {
                continue;
            }

            var equals = segment.IndexOf('=');
            var rawName = equals < 0 ? segment : segment[..equals];
            if (!PaymentLinkRules.TryGetParameter(QueryText.Decode(rawName), out var parameter))
            {
                segments.Add(new QuerySegment(segment.ToString(), parameter: null));
                continue;
            }

            var value = equals < 0 ? string.Empty : QueryText.Decode(segment[(equals + 1)..]);
            var index = (int)parameter;

            // Stripe reads the last occurrence of a repeated parameter: an earlier kept one is superseded.
            if (values[index] is { } earlier)
            {
                dropped.Add(new DroppedParameter(earlier, new ParameterCheck(parameter, DropReason.Superseded, earlier.Length)));
                segments.RemoveAt(segments.FindIndex(kept => kept.Parameter == parameter));
                values[index] = null;
            }

            var check = PaymentLinkRules.Check(parameter, value);
            if (!check.IsValid)
            {
                dropped.Add(new DroppedParameter(value, check));
                continue;
            }

            values[index] = value;
            segments.Add(new QuerySegment(null, parameter));
        }

        link = new ParsedLink(uri.GetLeftPart(UriPartial.Path), [.. segments], uri.Fragment, values, [.. dropped]);
        return null;
    }

    private static string Shorten(string url) => url.Length <= 100 ? url : string.Concat(url.AsSpan(0, 100), "...");
}

/// <summary>A query segment: another parameter as written, or the slot of a payment link parameter.</summary>
internal readonly struct QuerySegment(string? raw, PaymentLinkParameter? parameter)
{
    public string? Raw { get; } = raw;

    public PaymentLinkParameter? Parameter { get; } = parameter;
}
