using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace PaymentLinks.Tracking;

/// <summary>
/// The verdict of <see cref="PaymentLinkRules.Check(PaymentLinkParameter, ReadOnlySpan{char})"/>: whether a value
/// is valid and, when it is not, which rule it breaks and where.
/// </summary>
/// <remarks>A small value type: checking a value allocates nothing.</remarks>
public readonly struct ParameterCheck : IEquatable<ParameterCheck>
{
    // The invalid character is kept as the one or two UTF-16 units at Position, and decoded only when asked for.
    private readonly char _first;
    private readonly char _second;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] // Six stores: a call would cost more than the verdict.
    internal ParameterCheck(PaymentLinkParameter parameter, DropReason reason, int length, int position = -1, char first = '\0', char second = '\0')
    {
        Parameter = parameter;
        Reason = reason;
        Length = length;
        Position = position;
        _first = first;
        _second = second;
    }

    /// <summary>Gets the parameter whose rules were applied.</summary>
    public PaymentLinkParameter Parameter { get; }

    /// <summary>Gets why the value is invalid, or <see cref="DropReason.None"/> when it is valid.</summary>
    public DropReason Reason { get; }

    /// <summary>Gets whether the value is valid.</summary>
    public bool IsValid => Reason == DropReason.None;

    /// <summary>Gets the length of the checked value, in UTF-16 characters.</summary>
    public int Length { get; }

    /// <summary>Gets the most characters the parameter allows, or <see langword="null"/> when it sets no limit.</summary>
    public int? MaxLength => PaymentLinkRules.GetMaxLength(Parameter);

    /// <summary>
    /// Gets the zero-based position of the first invalid character when <see cref="Reason"/> is
    /// <see cref="DropReason.InvalidCharacter"/>; otherwise -1.
    /// </summary>
    public int Position { get; }

    /// <summary>
    /// Gets the first invalid character when <see cref="Reason"/> is <see cref="DropReason.InvalidCharacter"/>
    /// (a whole Unicode scalar, so an emoji is one character); otherwise U+0000.
    /// </summary>
    public Rune InvalidCharacter =>
        Rune.TryCreate(_first, out var single) ? single
        : Rune.TryCreate(_first, _second, out var pair) ? pair
        : Rune.ReplacementChar;

    /// <summary>Explains the verdict in one English sentence fragment, e.g. <c>too long: 151 characters, at most 150</c>.</summary>
    /// <returns>The explanation. It never repeats the value itself.</returns>
    public override string ToString() => Reason switch
    {
        DropReason.None => "valid",
        DropReason.Empty => "empty",
        DropReason.TooLong => string.Create(CultureInfo.InvariantCulture, $"too long: {Length} characters, at most {MaxLength}"),
        DropReason.InvalidCharacter => string.Create(
            CultureInfo.InvariantCulture,
            $"invalid character {Describe(InvalidCharacter)} at position {Position}: {PaymentLinkRules.DescribeAllowedCharacters(Parameter)}"),
        DropReason.LooksLikeSecret => "looks like a Stripe key or secret, which must never travel in a link",
        DropReason.NotAnEmail => "not an email address",
        DropReason.UnknownLocale => "not one of Checkout's locales",
        DropReason.Superseded => "superseded by a later value of the same parameter",
        _ => Reason.ToString(),
    };

    /// <inheritdoc/>
    public bool Equals(ParameterCheck other) =>
        Parameter == other.Parameter && Reason == other.Reason && Length == other.Length
        && Position == other.Position && _first == other._first && _second == other._second;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ParameterCheck other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Parameter, Reason, Length, Position, _first, _second);

    /// <summary>Compares two verdicts.</summary>
    /// <param name="left">The first verdict.</param>
    /// <param name="right">The second verdict.</param>
    /// <returns><see langword="true"/> when they are equal.</returns>
    public static bool operator ==(ParameterCheck left, ParameterCheck right) => left.Equals(right);

    /// <summary>Compares two verdicts.</summary>
    /// <param name="left">The first verdict.</param>
    /// <param name="right">The second verdict.</param>
    /// <returns><see langword="true"/> when they differ.</returns>
    public static bool operator !=(ParameterCheck left, ParameterCheck right) => !left.Equals(right);

    private static string Describe(Rune character) =>
        Rune.IsControl(character) || Rune.IsWhiteSpace(character)
            ? string.Create(CultureInfo.InvariantCulture, $"U+{character.Value:X4}")
            : string.Create(CultureInfo.InvariantCulture, $"'{character}' (U+{character.Value:X4})");
}
