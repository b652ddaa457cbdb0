using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace PaymentLinks.Tracking;

/// <summary>
/// A payment link URL with its tracking parameters: an immutable builder and parser that applies Stripe's rules.
/// </summary>
/// <remarks>
/// <para>
/// Every <c>With...</c> method returns a new link and leaves the one it was called on unchanged, so a base link can be
/// shared across threads and campaigns. <see langword="null"/> removes a parameter; a valid value sets it, replacing an
/// earlier value in place; an invalid value is dropped as Stripe would drop it: the parameter is left out of the URL,
/// the link still works, and the drop is listed in <see cref="Dropped"/> with its reason.
/// </para>
/// <para>
/// Parsing applies the same rules to the payment link parameters the URL already holds. Other query parameters and the
/// fragment are kept as written, in order. Values are percent-encoded once, by <see cref="ToString"/>.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var link = PaymentLinkUrl.Parse("https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr")
///     .WithUtmMedium("earned_email")
///     .WithUtmSource("marketo")
///     .WithUtmCampaign("campaign_a");
/// // https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr?utm_medium=earned_email&amp;utm_source=marketo&amp;utm_campaign=campaign_a
/// </code>
/// </example>
public sealed class PaymentLinkUrl
{
    // Past this many edits a link is folded into a freshly parsed one, so that reading it stays cheap however long
    // a chain of With... calls grows.
    private const int MaxEdits = 16;

    // "utm_source=" and so on, indexed by parameter: written with one copy each.
    private static readonly string[] NamePrefixes =
        [.. PaymentLinkRules.Parameters.Select(parameter => PaymentLinkRules.GetQueryName(parameter) + "=")];

    private readonly ParsedLink _origin;

    // An edit: the link it was made from, and what it did to one parameter. The parsed link has none.
    private readonly PaymentLinkUrl? _previous;
    private readonly PaymentLinkParameter _parameter;
    private readonly string? _value;
    private readonly DroppedParameter? _dropped;
    private readonly int _edits;

    private PaymentLinkUrl(ParsedLink origin) => _origin = origin;

    private PaymentLinkUrl(PaymentLinkUrl previous, PaymentLinkParameter parameter, string? value, DroppedParameter? dropped)
    {
        _origin = previous._origin;
        _previous = previous;
        _parameter = parameter;
        _value = value;
        _dropped = dropped;
        _edits = previous._edits + 1;
    }

    /// <summary>Gets the UTM codes the link carries.</summary>
    public UtmCodes Utm => new()
    {
        Source = Get(PaymentLinkParameter.UtmSource),
        Medium = Get(PaymentLinkParameter.UtmMedium),
        Campaign = Get(PaymentLinkParameter.UtmCampaign),
        Term = Get(PaymentLinkParameter.UtmTerm),
        Content = Get(PaymentLinkParameter.UtmContent),
    };

    /// <summary>Gets the <c>client_reference_id</c> the link carries, or <see langword="null"/>.</summary>
    public string? ClientReferenceId => Get(PaymentLinkParameter.ClientReferenceId);

    /// <summary>Gets the <c>prefilled_email</c> the link carries, decoded, or <see langword="null"/>.</summary>
    public string? PrefilledEmail => Get(PaymentLinkParameter.PrefilledEmail);

    /// <summary>Gets the <c>locked_prefilled_email</c> the link carries, decoded, or <see langword="null"/>.</summary>
    public string? LockedPrefilledEmail => Get(PaymentLinkParameter.LockedPrefilledEmail);

    /// <summary>Gets the <c>prefilled_promo_code</c> the link carries, or <see langword="null"/>.</summary>
    public string? PrefilledPromoCode => Get(PaymentLinkParameter.PrefilledPromoCode);

    /// <summary>Gets the <c>locale</c> the link carries, or <see langword="null"/>.</summary>
    public string? Locale => Get(PaymentLinkParameter.Locale);

    /// <summary>
    /// Gets the values left out of the link because Stripe would drop them: first those of the parsed URL, in URL
    /// order, then those given to <c>With...</c> methods, oldest first. Setting or removing a parameter again replaces
    /// its earlier drops, so the list explains the link as it is.
    /// </summary>
    public IReadOnlyList<DroppedParameter> Dropped
    {
        get
        {
            Span<bool> edited = stackalloc bool[PaymentLinkRules.ParameterCount];
            var fromEdits = new List<DroppedParameter>();
            for (var edit = this; edit._previous is not null; edit = edit._previous)
            {
                if (!edited[(int)edit._parameter])
                {
                    edited[(int)edit._parameter] = true;
                    if (edit._dropped is not null)
                    {
                        fromEdits.Add(edit._dropped);
                    }
                }
            }

            fromEdits.Reverse();
            var all = new List<DroppedParameter>(_origin.Dropped.Length + fromEdits.Count);
            foreach (var dropped in _origin.Dropped)
            {
                if (!edited[(int)dropped.Parameter])
                {
                    all.Add(dropped);
                }
            }

            all.AddRange(fromEdits);
            return all.AsReadOnly();
        }
    }

    /// <summary>Parses an absolute <c>https</c> or <c>http</c> URL: <c>buy.stripe.com</c> or a custom domain.</summary>
    /// <param name="url">The URL.</param>
    /// <returns>The link, with the payment link parameters it holds checked.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="url"/> is <see langword="null"/>.</exception>
    /// <exception cref="FormatException"><paramref name="url"/> is not an absolute http(s) URL; the message says why.</exception>
    public static PaymentLinkUrl Parse(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var error = ParsedLink.TryParse(url, out var parsed);
        return error is null ? new PaymentLinkUrl(parsed!) : throw new FormatException(error);
    }

    /// <summary>Parses an absolute <c>https</c> or <c>http</c> URL, without throwing.</summary>
    /// <param name="url">The URL.</param>
    /// <param name="link">The link, when <paramref name="url"/> is one.</param>
    /// <returns><see langword="true"/> when <paramref name="url"/> is an absolute http(s) URL.</returns>
    public static bool TryParse([NotNullWhen(true)] string? url, [NotNullWhen(true)] out PaymentLinkUrl? link)
    {
        var error = ParsedLink.TryParse(url, out var parsed);
        link = error is null ? new PaymentLinkUrl(parsed!) : null;
        return link is not null;
    }

    /// <summary>Sets or removes <c>utm_source</c>.</summary>
    /// <param name="value">The value, or <see langword="null"/> to remove it. An invalid value is dropped and reported.</param>
    /// <returns>A new link.</returns>
    public PaymentLinkUrl WithUtmSource(string? value) => With(PaymentLinkParameter.UtmSource, value);

    /// <summary>Sets or removes <c>utm_medium</c>.</summary>
    /// <param name="value">The value, or <see langword="null"/> to remove it. An invalid value is dropped and reported.</param>
    /// <returns>A new link.</returns>
    public PaymentLinkUrl WithUtmMedium(string? value) => With(PaymentLinkParameter.UtmMedium, value);

    /// <summary>Sets or removes <c>utm_campaign</c>.</summary>
    /// <param name="value">The value, or <see langword="null"/> to remove it. An invalid value is dropped and reported.</param>
    /// <returns>A new link.</returns>
    public PaymentLinkUrl WithUtmCampaign(string? value) => With(PaymentLinkParameter.UtmCampaign, value);

    /// <summary>Sets or removes <c>utm_term</c>.</summary>
    /// <param name="value">The value, or <see langword="null"/> to remove it. An invalid value is dropped and reported.</param>
    /// <returns>A new link.</returns>
    public PaymentLinkUrl WithUtmTerm(string? value) => With(PaymentLinkParameter.UtmTerm, value);

    /// <summary>Sets or removes <c>utm_content</c>.</summary>
    /// <param name="value">The value, or <see langword="null"/> to remove it. An invalid value is dropped and reported.</param>
    /// <returns>A new link.</returns>
    public PaymentLinkUrl WithUtmContent(string? value) => With(PaymentLinkParameter.UtmContent, value);

    /// <summary>Sets or removes all five UTM codes at once; a <see langword="null"/> code is removed.</summary>
    /// <param name="codes">The codes.</param>
    /// <returns>A new link.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="codes"/> is <see langword="null"/>.</exception>
    public PaymentLinkUrl WithUtm(UtmCodes codes)
    {
        ArgumentNullException.ThrowIfNull(codes);
        return WithUtmSource(codes.Source).WithUtmMedium(codes.Medium).WithUtmCampaign(codes.Campaign)
            .WithUtmTerm(codes.Term).WithUtmContent(codes.Content);
    }

    /// <summary>Sets or removes <c>client_reference_id</c>, which comes back on the Checkout Session for reconciliation.</summary>
    /// <param name="value">
    /// The value, or <see langword="null"/> to remove it. An invalid value, or one that looks like a Stripe key, is
    /// dropped and reported.
    /// </param>
    /// <returns>A new link.</returns>
    public PaymentLinkUrl WithClientReferenceId(string? value) => With(PaymentLinkParameter.ClientReferenceId, value);

    /// <summary>Sets or removes <c>prefilled_email</c>.</summary>
    /// <param name="value">The address, or <see langword="null"/> to remove it. An implausible address is dropped and reported.</param>
    /// <returns>A new link.</returns>
    public PaymentLinkUrl WithPrefilledEmail(string? value) => With(PaymentLinkParameter.PrefilledEmail, value);

    /// <summary>Sets or removes <c>locked_prefilled_email</c>.</summary>
    /// <param name="value">The address, or <see langword="null"/> to remove it. An implausible address is dropped and reported.</param>
    /// <returns>A new link.</returns>
    public PaymentLinkUrl WithLockedPrefilledEmail(string? value) => With(PaymentLinkParameter.LockedPrefilledEmail, value);

    /// <summary>Sets or removes <c>prefilled_promo_code</c>.</summary>
    /// <param name="value">The code, or <see langword="null"/> to remove it. An invalid code is dropped and reported.</param>
    /// <returns>A new link.</returns>
    public PaymentLinkUrl WithPrefilledPromoCode(string? value) => With(PaymentLinkParameter.PrefilledPromoCode, value);

    /// <summary>Sets or removes <c>locale</c>.</summary>
    /// <param name="value">One of <see cref="PaymentLinkRules.Locales"/>, or <see langword="null"/> to remove it. Another value is dropped and reported.</param>
    /// <returns>A new link.</returns>
    public PaymentLinkUrl WithLocale(string? value) => With(PaymentLinkParameter.Locale, value);

    /// <summary>Sets or removes any payment link parameter.</summary>
    /// <param name="parameter">The parameter.</param>
    /// <param name="value">The value, or <see langword="null"/> to remove it. An invalid value is dropped and reported.</param>
    /// <returns>A new link.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parameter"/> is not a defined parameter.</exception>
    public PaymentLinkUrl With(PaymentLinkParameter parameter, string? value)
    {
        ThrowIfUndefined(parameter);
        var start = _edits >= MaxEdits ? Flatten() : this;
        if (value is null)
        {
            return new PaymentLinkUrl(start, parameter, null, null);
        }

        // The yes-or-no check first: the reason is worked out only for a value that is dropped.
        return PaymentLinkRules.IsValid(parameter, value)
            ? new PaymentLinkUrl(start, parameter, value, null)
            : new PaymentLinkUrl(start, parameter, null, new DroppedParameter(value, PaymentLinkRules.Check(parameter, value)));
    }

    /// <summary>Gets the value a payment link parameter has in the link.</summary>
    /// <param name="parameter">The parameter.</param>
    /// <returns>The value, decoded, or <see langword="null"/> when the link does not carry it.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parameter"/> is not a defined parameter.</exception>
    public string? Get(PaymentLinkParameter parameter)
    {
        ThrowIfUndefined(parameter);
        for (var edit = this; edit._previous is not null; edit = edit._previous)
        {
            if (edit._parameter == parameter)
            {
                return edit._value;
            }
        }

        return _origin.Values[(int)parameter];
    }

    /// <summary>
    /// Gets the value of any query parameter, decoded: e.g. <c>session_id</c> on a thank-you page. When a name repeats,
    /// the last value counts, as Stripe reads it.
    /// </summary>
    /// <param name="name">The parameter name, case-sensitive.</param>
    /// <returns>The value (empty when the parameter has no <c>=</c>), or <see langword="null"/> when it is absent.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    public string? GetQueryParameter(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (PaymentLinkRules.TryGetParameter(name, out var parameter))
        {
            return Get(parameter);
        }

        string? value = null;
        foreach (var segment in _origin.Segments)
        {
            if (segment.Raw is not { } raw)
            {
                continue;
            }

            var equals = raw.IndexOf('=', StringComparison.Ordinal);
            var rawName = equals < 0 ? raw.AsSpan() : raw.AsSpan(0, equals);
            if (QueryText.Decode(rawName) == name)
            {
                value = equals < 0 ? string.Empty : QueryText.Decode(raw.AsSpan(equals + 1));
            }
        }

        return value;
    }

    /// <summary>Gets the link as a URL.</summary>
    /// <returns>The absolute URL, each value percent-encoded once.</returns>
    public override string ToString() => TryMeasureAdded(out var length)
        ? string.Create(length, this, static (destination, link) => link.WriteAdded(destination))
        : RenderResolved();

    /// <summary>Gets whether the link only adds parameters to the parsed one, so <see cref="ToString"/> takes the short way.</summary>
    internal bool OnlyAddsParameters => TryMeasureAdded(out _);

    /// <summary>Renders the link the general way, which serves every link: tests hold the short way to the same URL.</summary>
    internal string RenderResolved()
    {
        var state = new OutputState();
        Resolve(ref state);
        return string.Create(Measure(in state), (Link: this, State: state), static (span, input) => input.Link.Write(span, in input.State));
    }

    /// <summary>Gets the link as a <see cref="Uri"/>.</summary>
    /// <returns>The absolute URI.</returns>
    public Uri ToUri() => new(ToString(), UriKind.Absolute);

    private static void ThrowIfUndefined(PaymentLinkParameter parameter)
    {
        if ((uint)parameter >= PaymentLinkRules.ParameterCount)
        {
            throw new ArgumentOutOfRangeException(nameof(parameter), parameter, "Not a payment link parameter.");
        }
    }

    private PaymentLinkUrl Flatten()
    {
        var error = ParsedLink.TryParse(ToString(), [.. Dropped], out var parsed);
        Debug.Assert(error is null, "A link's own URL always parses.");
        return new PaymentLinkUrl(parsed!);
    }

    // The usual link: a parsed link, and edits that each touch a parameter it lacks, once, setting a value that needs
    // no encoding or leaving the parameter out (a drop). Its URL is the parsed link's own, then one "&name=value" a
    // value set, oldest first: measured in one walk of the edits and written straight into the string in a second, from
    // the end, with nothing to resolve.
    private bool TryMeasureAdded(out int length)
    {
        length = OriginHead.Length + _origin.Fragment.Length;
        var touched = 0;
        for (var edit = this; edit._previous is not null; edit = edit._previous)
        {
            var i = (int)edit._parameter;
            if ((touched & (1 << i)) != 0 || _origin.Values[i] is not null || PaymentLinkRules.MayNeedEncoding(edit._parameter))
            {
                return false;
            }

            touched |= 1 << i;
            length += edit._value is { } value ? 1 + NamePrefixes[i].Length + value.Length : 0;
        }

        return true;
    }

    private void WriteAdded(Span<char> destination)
    {
        var head = OriginHead;
        head.CopyTo(destination);
        var end = destination.Length - _origin.Fragment.Length;
        _origin.Fragment.CopyTo(destination[end..]);
        for (var edit = this; edit._previous is not null; edit = edit._previous)
        {
            if (edit._value is not { } value)
            {
                continue;
            }

            var namePrefix = NamePrefixes[(int)edit._parameter];
            end -= value.Length;
            value.CopyTo(destination[end..]);
            end -= namePrefix.Length;
            namePrefix.CopyTo(destination[end..]);
            destination[--end] = '&';
        }

        Debug.Assert(end == head.Length, "TryMeasureAdded and WriteAdded agree.");

        // Written from the end, the first parameter learns that it opens the query only now.
        if (!_origin.HasQuery && destination.Length > head.Length + _origin.Fragment.Length)
        {
            destination[head.Length] = '?';
        }
    }

    // The parsed link's own URL up to its fragment: where the short way starts. Rendered the general way, once per
    // parsed link.
    private string OriginHead
    {
        get
        {
            if (_origin.Head is not { } head)
            {
                var url = new PaymentLinkUrl(_origin).RenderResolved();
                _origin.Head = head = url[..^_origin.Fragment.Length];
            }

            return head;
        }
    }

    // Works out each parameter's value and where it goes: in the parsed URL's slot (-1) when it has stayed there since
    // parsing, or else appended, ordered by the edit that last gave it a value after it was absent.
    private void Resolve(ref OutputState state)
    {
        // One bit a parameter: edited at all, and present in every edit since the one that set it.
        var edited = 0;
        var presentSinceThen = 0;
        for (var edit = this; edit._previous is not null; edit = edit._previous)
        {
            var i = (int)edit._parameter;
            var bit = 1 << i;
            if ((edited & bit) == 0)
            {
                edited |= bit;
                state.Values[i] = edit._value;
                state.Position[i] = edit._edits;
                presentSinceThen |= edit._value is null ? 0 : bit;
            }
            else if ((presentSinceThen & bit) != 0)
            {
                if (edit._value is null)
                {
                    presentSinceThen &= ~bit;
                }
                else
                {
                    state.Position[i] = edit._edits;
                }
            }
        }

        var origin = _origin.Values;
        for (var i = 0; i < PaymentLinkRules.ParameterCount; i++)
        {
            var bit = 1 << i;
            if ((edited & bit) == 0 || ((presentSinceThen & bit) != 0 && origin[i] is not null))
            {
                state.Values[i] = (edited & bit) == 0 ? origin[i] : state.Values[i];
                state.Position[i] = -1;
            }

            if (state.Values[i] is not { } value)
            {
                continue;
            }

            if (PaymentLinkRules.MayNeedEncoding((PaymentLinkParameter)i))
            {
                state.Values[i] = QueryText.Encode(value);
            }

            // Appended parameters, ordered by position: at most ten, so an insertion sort.
            if (state.Position[i] >= 0)
            {
                var at = state.AppendedCount++;
                while (at > 0 && state.Position[state.Appended[at - 1]] > state.Position[i])
                {
                    state.Appended[at] = state.Appended[at - 1];
                    at--;
                }

                state.Appended[at] = i;
            }
        }
    }

    private int Measure(in OutputState state)
    {
        var length = _origin.Prefix.Length + _origin.Fragment.Length;
        foreach (var segment in _origin.Segments)
        {
            length += segment.Raw is { } raw ? raw.Length + 1 : MeasureSlot(in state, (int)segment.Parameter!.Value);
        }

        for (var i = 0; i < state.AppendedCount; i++)
        {
            length += MeasureParameter(in state, state.Appended[i]);
        }

        return length;
    }

    private static int MeasureSlot(in OutputState state, int parameter) =>
        state.Position[parameter] < 0 && state.Values[parameter] is not null ? MeasureParameter(in state, parameter) : 0;

    // Separator, "name=" and value.
    private static int MeasureParameter(in OutputState state, int parameter) =>
        1 + NamePrefixes[parameter].Length + state.Values[parameter]!.Length;

    private void Write(Span<char> destination, in OutputState state)
    {
        var writer = new SpanWriter(destination);
        writer.Append(_origin.Prefix);
        foreach (var segment in _origin.Segments)
        {
            if (segment.Raw is { } raw)
            {
                writer.AppendSeparator();
                writer.Append(raw);
            }
            else if (MeasureSlot(in state, (int)segment.Parameter!.Value) > 0)
            {
                writer.AppendParameter((PaymentLinkParameter)segment.Parameter.Value, state.Values[(int)segment.Parameter.Value]!);
            }
        }

        for (var i = 0; i < state.AppendedCount; i++)
        {
            writer.AppendParameter((PaymentLinkParameter)state.Appended[i], state.Values[state.Appended[i]]!);
        }

        writer.Append(_origin.Fragment);
        Debug.Assert(writer.Position == destination.Length, "Measure and Write agree.");
    }

    private struct OutputState
    {
        public Strings Values;
        public Integers Position;
        public Integers Appended;
        public int AppendedCount;
    }

    [InlineArray(PaymentLinkRules.ParameterCount)]
    private struct Strings
    {
        private string? _element;
    }

    [InlineArray(PaymentLinkRules.ParameterCount)]
    private struct Integers
    {
        private int _element;
    }

    private ref struct SpanWriter(Span<char> destination)
    {
        private readonly Span<char> _destination = destination;
        private bool _hasQuery;

        public int Position { get; private set; }

        public void Append(string text)
        {
            text.CopyTo(_destination[Position..]);
            Position += text.Length;
        }

        public void AppendSeparator()
        {
            _destination[Position++] = _hasQuery ? '&' : '?';
            _hasQuery = true;
        }

        public void AppendParameter(PaymentLinkParameter parameter, string encodedValue)
        {
            AppendSeparator();
            Append(NamePrefixes[(int)parameter]);
            Append(encodedValue);
        }
    }
}
