using System.Buffers;
using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace PaymentLinks.Tracking;

/// <summary>
/// A forward-only reader of one JSON document that checks all of it, skipped values too, against the grammar of
/// RFC 8259 as <see cref="Utf8JsonReader"/> applies it by default: no comments, no trailing commas, at most 64 levels of
/// nesting. A profile of the webhook parser showed <see cref="Utf8JsonReader"/> taking 40% of the time, most of it
/// stepping through values nobody reads; this reader skips them with vectorised scans and no per-token state.
/// </summary>
/// <remarks>
/// The caller checks the document's UTF-8 first. On the first error the reader stops: <see cref="HasError"/> becomes
/// true and every later call reads nothing. Escaped strings, which Stripe rarely sends, are decoded by
/// <see cref="Utf8JsonReader"/> itself, so that they decode exactly as System.Text.Json decodes them.
/// </remarks>
internal ref struct JsonScanner
{
    private const int MaxDepth = 64;

    // The most spaces after a line break read one by one; deeper indentation is searched vectorised.
    private const int MaxPlainIndentation = 32;

    // What ends a run of plain string bytes: the closing quote, an escape, or a control character JSON forbids there.
    private static readonly SearchValues<byte> StringSpecials = SearchValues.Create(
        [(byte)'"', (byte)'\\', 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31]);

    private static readonly SearchValues<byte> WhiteSpace = SearchValues.Create(" \t\r\n"u8);

    private readonly ReadOnlySpan<byte> _json;
    private int _position;
    private int _depth;

    // Set when an object has just been entered: its first member is not preceded by a comma.
    private bool _atFirstMember;

    public JsonScanner(ReadOnlySpan<byte> json) => _json = json;

    /// <summary>Gets whether the document broke the grammar; the reader has stopped.</summary>
    public bool HasError { get; private set; }

    /// <summary>Gets what the next value is, from its first character, without reading it.</summary>
    public JsonValueKind Peek()
    {
        SkipWhiteSpace();
        if (HasError || _position >= _json.Length)
        {
            return JsonValueKind.Undefined;
        }

        return _json[_position] switch
        {
            (byte)'{' => JsonValueKind.Object,
            (byte)'[' => JsonValueKind.Array,
            (byte)'"' => JsonValueKind.String,
            (byte)'t' => JsonValueKind.True,
            (byte)'f' => JsonValueKind.False,
            (byte)'n' => JsonValueKind.Null,
            (byte)'-' or (>= (byte)'0' and <= (byte)'9') => JsonValueKind.Number,
            _ => JsonValueKind.Undefined,
        };
    }

    /// <summary>Enters the next value when it is an object; <see cref="NextMember"/> then walks its members.</summary>
    /// <returns>Whether the next value is an object; if not, nothing is read.</returns>
    public bool TryEnterObject()
    {
        if (Peek() != JsonValueKind.Object)
        {
            return false;
        }

        EnterObject();
        return true;
    }

    /// <summary>
    /// Moves to the next member of the object being read and reads its name and colon; the caller then reads or
    /// skips its value. At the object's end, reads the closing brace and returns false.
    /// </summary>
    /// <param name="name">The member's name, as written between the quotes.</param>
    /// <param name="isEscaped">Whether the name holds escapes, so that <paramref name="name"/> is not its text.</param>
    /// <returns>Whether there is another member.</returns>
    public bool NextMember(out ReadOnlySpan<byte> name, out bool isEscaped)
    {
        name = default;
        isEscaped = false;
        SkipWhiteSpace();
        var first = _atFirstMember;
        _atFirstMember = false;
        if (HasError || _position >= _json.Length)
        {
            return Fail();
        }

        // A brace ends the object, empty or not; a comma before it ("{"a":1,}") leaves a brace where a name must be.
        var next = _json[_position];
        if (next == '}')
        {
            _position++;
            _depth--;
            return false;
        }

        if (!first)
        {
            if (next != ',')
            {
                return Fail();
            }

            _position++;
            SkipWhiteSpace();
        }

        if (!TryReadRawString(out name, out isEscaped))
        {
            return Fail();
        }

        SkipWhiteSpace();
        if (_position >= _json.Length || _json[_position] != ':')
        {
            return Fail();
        }

        _position++;
        return true;
    }

    /// <summary>Reads the next value when it is a string.</summary>
    /// <param name="raw">The string as written between the quotes.</param>
    /// <param name="isEscaped">Whether it holds escapes: then decode it with <see cref="Decode"/>.</param>
    /// <returns>Whether the next value is a string; if not, nothing is read.</returns>
    public bool TryReadString(out ReadOnlySpan<byte> raw, out bool isEscaped)
    {
        raw = default;
        isEscaped = false;
        return Peek() == JsonValueKind.String && TryReadRawString(out raw, out isEscaped);
    }

    /// <summary>Reads the next value when it is a number, and the number when it is an integer a <see cref="long"/> holds.</summary>
    /// <param name="value">The number, when <paramref name="fitsInt64"/>.</param>
    /// <param name="fitsInt64">Whether the number is an integer a <see cref="long"/> holds, as <see cref="Utf8JsonReader.TryGetInt64"/> says.</param>
    /// <returns>Whether the next value is a number; if not, nothing is read.</returns>
    public bool TryReadNumber(out long value, out bool fitsInt64)
    {
        value = 0;
        fitsInt64 = false;
        if (Peek() != JsonValueKind.Number)
        {
            return false;
        }

        var start = _position;
        SkipNumber();
        var number = _json[start.._position];
        fitsInt64 = !HasError && Utf8Parser.TryParse(number, out value, out var consumed) && consumed == number.Length;
        return !HasError;
    }

    /// <summary>Reads the next value when it is <c>true</c> or <c>false</c>.</summary>
    /// <param name="value">The value.</param>
    /// <returns>Whether the next value is a boolean; if not, nothing is read.</returns>
    public bool TryReadBoolean(out bool value)
    {
        value = false;
        switch (Peek())
        {
            case JsonValueKind.True:
                value = true;
                return SkipLiteral("true"u8);
            case JsonValueKind.False:
                return SkipLiteral("false"u8);
            default:
                return false;
        }
    }

    /// <summary>Reads the next value when it is <c>null</c>.</summary>
    /// <returns>Whether the next value is <c>null</c>; if not, nothing is read.</returns>
    public bool TryReadNull() => Peek() == JsonValueKind.Null && SkipLiteral("null"u8);

    /// <summary>Reads past the next value, whatever it is, checking all of it.</summary>
    public void SkipValue()
    {
        switch (Peek())
        {
            case JsonValueKind.Object:
                EnterObject();
                while (NextMember(out _, out _))
                {
                    SkipValue();
                }

                break;
            case JsonValueKind.Array:
                SkipArray();
                break;
            case JsonValueKind.String:
                TryReadRawString(out _, out _);
                break;
            case JsonValueKind.Number:
                SkipNumber();
                break;
            case JsonValueKind.True:
                SkipLiteral("true"u8);
                break;
            case JsonValueKind.False:
                SkipLiteral("false"u8);
                break;
            case JsonValueKind.Null:
                SkipLiteral("null"u8);
                break;
            default:
                Fail();
                break;
        }
    }

    /// <summary>After the document's value: whether only white space follows it.</summary>
    /// <returns>Whether the document ends well.</returns>
    public bool IsAtEnd()
    {
        SkipWhiteSpace();
        return !HasError && _depth == 0 && _position == _json.Length;
    }

    /// <summary>Decodes a string read by <see cref="TryReadString"/> or <see cref="NextMember"/>.</summary>
    /// <param name="raw">The string as written between the quotes.</param>
    /// <param name="isEscaped">Whether it holds escapes.</param>
    /// <returns>The text.</returns>
    /// <exception cref="InvalidOperationException">An escape decodes to a lone surrogate, as <see cref="Utf8JsonReader.GetString"/> refuses it.</exception>
    public static string Decode(ReadOnlySpan<byte> raw, bool isEscaped)
    {
        if (!isEscaped)
        {
            return Encoding.UTF8.GetString(raw);
        }

        return QuotedReader(raw).GetString()!;
    }

    /// <summary>Whether a string read by <see cref="TryReadString"/> or <see cref="NextMember"/> has the given text.</summary>
    /// <param name="raw">The string as written between the quotes.</param>
    /// <param name="isEscaped">Whether it holds escapes.</param>
    /// <param name="text">The UTF-8 text to compare with.</param>
    /// <returns>Whether the decoded string equals <paramref name="text"/>.</returns>
    public static bool TextEquals(ReadOnlySpan<byte> raw, bool isEscaped, ReadOnlySpan<byte> text)
    {
        if (!isEscaped)
        {
            return raw.SequenceEqual(text);
        }

        return QuotedReader(raw).ValueTextEquals(text);
    }

    // A Utf8JsonReader positioned on the string, so that escapes decode exactly as System.Text.Json decodes them.
    // Stripe rarely escapes anything, so the quoted copy is a plain array.
    private static Utf8JsonReader QuotedReader(ReadOnlySpan<byte> raw)
    {
        var quoted = new byte[raw.Length + 2];
        quoted[0] = (byte)'"';
        raw.CopyTo(quoted.AsSpan(1));
        quoted[^1] = (byte)'"';
        var reader = new Utf8JsonReader(quoted);
        reader.Read();
        return reader;
    }

    private void EnterObject()
    {
        Enter();
        _atFirstMember = true;
    }

    private void Enter()
    {
        // Utf8JsonReader refuses the 65th level.
        if (++_depth > MaxDepth)
        {
            Fail();
            return;
        }

        _position++;
    }

    private void SkipArray()
    {
        Enter();
        SkipWhiteSpace();
        if (!HasError && _position < _json.Length && _json[_position] == ']')
        {
            _position++;
            _depth--;
            return;
        }

        while (!HasError)
        {
            SkipValue();
            SkipWhiteSpace();
            if (HasError || _position >= _json.Length)
            {
                Fail();
                return;
            }

            var next = _json[_position++];
            if (next == ']')
            {
                _depth--;
                return;
            }

            if (next != ',')
            {
                Fail();
                return;
            }
        }
    }

    // At a quote: reads through the closing quote, checking escapes and refusing control characters.
    private bool TryReadRawString(out ReadOnlySpan<byte> raw, out bool isEscaped)
    {
        raw = default;
        isEscaped = false;
        if (HasError || _position >= _json.Length || _json[_position] != '"')
        {
            return Fail();
        }

        var start = _position + 1;
        var at = start;
        while (true)
        {
            var special = _json[at..].IndexOfAny(StringSpecials);
            if (special < 0)
            {
                return Fail();
            }

            at += special;
            if (_json[at] == '"')
            {
                raw = _json[start..at];
                _position = at + 1;
                return true;
            }

            if (_json[at] != '\\' || !TrySkipEscape(ref at))
            {
                return Fail();
            }

            isEscaped = true;
        }
    }

    // At a backslash: steps over a valid escape.
    private readonly bool TrySkipEscape(ref int at)
    {
        if (at + 1 >= _json.Length)
        {
            return false;
        }

        switch (_json[at + 1])
        {
            case (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t':
                at += 2;
                return true;
            case (byte)'u':
                if (at + 5 >= _json.Length
                    || !IsHexDigit(_json[at + 2]) || !IsHexDigit(_json[at + 3])
                    || !IsHexDigit(_json[at + 4]) || !IsHexDigit(_json[at + 5]))
                {
                    return false;
                }

                at += 6;
                return true;
            default:
                return false;
        }
    }

    // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    private void SkipNumber()
    {
        var json = _json;
        var at = _position;
        if (json[at] == '-')
        {
            at++;
        }

        if (at < json.Length && json[at] == '0')
        {
            at++;
        }
        else if (!SkipDigits(json, ref at))
        {
            Fail();
            return;
        }

        if (at < json.Length && json[at] == '.')
        {
            at++;
            if (!SkipDigits(json, ref at))
            {
                Fail();
                return;
            }
        }

        if (at < json.Length && (json[at] | 0x20) == 'e')
        {
            at++;
            if (at < json.Length && json[at] is (byte)'+' or (byte)'-')
            {
                at++;
            }

            if (!SkipDigits(json, ref at))
            {
                Fail();
                return;
            }
        }

        // What follows ("0123", "1x") is checked as the next token.
        _position = at;
    }

    private static bool SkipDigits(ReadOnlySpan<byte> json, ref int at)
    {
        var start = at;
        while (at < json.Length && IsDigit(json[at]))
        {
            at++;
        }

        return at > start;
    }

    private bool SkipLiteral(ReadOnlySpan<byte> literal)
    {
        if (!_json[_position..].StartsWith(literal))
        {
            return Fail();
        }

        _position += literal.Length;
        return true;
    }

    // Stripe's pretty-printed JSON puts one space after a colon, and a line break and indentation before a member or
    // element. Plain comparisons step over those few bytes faster than a vectorised search is set up (scanning the
    // benchmark's event took 30% less time); longer or other runs are left to the vectorised search.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SkipWhiteSpace()
    {
        var json = _json;
        var at = _position;
        if (at >= json.Length || json[at] > ' ')
        {
            return;
        }

        if (json[at] == '\n')
        {
            at++;
            var indentationEnd = Math.Min(json.Length, at + MaxPlainIndentation);
            while (at < indentationEnd && json[at] == ' ')
            {
                at++;
            }
        }
        else if (json[at] == ' ')
        {
            at++;
        }

        _position = at < json.Length && json[at] <= ' ' ? SkipLongWhiteSpace(at) : at;
    }

    private readonly int SkipLongWhiteSpace(int at)
    {
        var rest = _json[at..].IndexOfAnyExcept(WhiteSpace);
        return rest < 0 ? _json.Length : at + rest;
    }

    private bool Fail()
    {
        HasError = true;
        _position = _json.Length;
        return false;
    }

    private static bool IsDigit(byte value) => (uint)(value - '0') <= 9;

    private static bool IsHexDigit(byte value) => IsDigit(value) || (uint)((value | 0x20) - 'a') <= 5;
}
