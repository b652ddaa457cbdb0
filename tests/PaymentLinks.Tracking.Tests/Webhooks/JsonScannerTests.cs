using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using CsCheck;
using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Webhooks;

/// <summary>The webhook's JSON reader accepts exactly the documents System.Text.Json's reader accepts.</summary>
public class JsonScannerTests
{
    private static readonly string[] Strings = ["\"\"", "\"a\"", "\"id\"", "\"caf\u00e9\"", "\"\\u00e9\"", "\"\\ud800\"", "\"\\n\\t\\\"\"", "\"\\/\""];
    private static readonly string[] Numbers = ["0", "-0", "1", "-12", "0.5", "1e5", "1E-2", "123456789012345678901234"];
    private static readonly string[] Punctuation = ["{", "}", "[", "]", ",", ":", "\"", "\\", " ", "\n", "0", "-", "+", ".", "e", "x", "u", "t", "/", "\u0001", "é"];

    // Well-formed documents, then the same with one character inserted, replaced or removed: nearly valid JSON, where
    // two readers are most likely to disagree.
    private static readonly Gen<string> WellFormed = Value(4);

    private static readonly Gen<string> NearlyWellFormed = Gen.Select(WellFormed, Gen.Int[0, 1000], Gen.OneOf(Punctuation), Gen.Int[0, 2],
        (json, at, character, edit) =>
        {
            var index = json.Length == 0 ? 0 : at % json.Length;
            return edit switch
            {
                0 => json.Insert(index, character),
                1 when json.Length > 0 => json.Remove(index, 1).Insert(index, character),
                _ when json.Length > 0 => json.Remove(index, 1),
                _ => character,
            };
        });

    [Test]
    public void Accepts_a_document_exactly_when_Utf8JsonReader_does()
    {
        Gen.OneOf(WellFormed, NearlyWellFormed, NearlyWellFormed, NearlyWellFormed, Gen.String[0, 40]).Sample(
            text => ScannerAccepts(Encoding.UTF8.GetBytes(text)).ShouldBe(
                Utf8JsonReaderAccepts(Encoding.UTF8.GetBytes(text)), text),
            iter: PropertyRuns.Iterations * 10);
    }

    private static Gen<string> Value(int depth)
    {
        var scalar = Gen.OneOf(
            Gen.OneOf(Strings), Gen.OneOf(Numbers), Gen.Const("true"), Gen.Const("false"), Gen.Const("null"));
        if (depth == 0)
        {
            return scalar;
        }

        var inner = Value(depth - 1);
        // White space as pretty-printers write it, a line break and indentation up to past where the scanner stops
        // reading it byte by byte, and as they do not.
        var space = Gen.Frequency(
            (3, Gen.OneOf(Gen.Const(""), Gen.Const(" "))),
            (2, Gen.Int[0, 40].Select(spaces => "\n" + new string(' ', spaces))),
            (1, Gen.OneOf(Gen.Const("  "), Gen.Const(" \n"), Gen.Const("\r\n  "), Gen.Const("\n\t"), Gen.Const("\n  \n "))));
        var array = Gen.Select(inner.Array[0, 4], space, (items, gap) => "[" + gap + string.Join("," + gap, items) + gap + "]");
        var member = Gen.Select(Gen.OneOf(Strings), inner, space, (name, value, gap) => name + gap + ":" + gap + value);
        var obj = Gen.Select(member.Array[0, 4], space, (members, gap) => "{" + gap + string.Join("," + gap, members) + gap + "}");
        return Gen.Frequency((3, scalar), (2, array), (2, obj));
    }

    [TestCase("{}")]
    [TestCase("[]")]
    [TestCase(" \t\r\n{ \"a\" : [ 1 , -0 , 0.5 , 1E+2 , 1e-2 , true , false , null , \"\" ] } \n")]
    [TestCase("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\"")]
    [TestCase("\"\\ud800\"")] // Read, not decoded: Utf8JsonReader refuses it only in GetString.
    [TestCase("12345678901234567890123456789")]
    [TestCase("\"\u007f\"")]
    [TestCase("{\"a\":1,\"a\":2}")]
    public void Accepts_well_formed_json(string json)
    {
        Utf8JsonReaderAccepts(Encoding.UTF8.GetBytes(json)).ShouldBeTrue();
        ScannerAccepts(Encoding.UTF8.GetBytes(json)).ShouldBeTrue();
    }

    [TestCase("")]
    [TestCase(" ")]
    [TestCase("01")]
    [TestCase("-")]
    [TestCase("1.")]
    [TestCase(".5")]
    [TestCase("1e")]
    [TestCase("+1")]
    [TestCase("1x")]
    [TestCase("nul")]
    [TestCase("truex")]
    [TestCase("NaN")]
    [TestCase("[1,]")]
    [TestCase("{\"a\":1,}")]
    [TestCase("{,}")]
    [TestCase("[1 2]")]
    [TestCase("{\"a\" 1}")]
    [TestCase("{\"a\":}")]
    [TestCase("{1:2}")]
    [TestCase("{} {}")]
    [TestCase("{")]
    [TestCase("[[]")]
    [TestCase("\"abc")]
    [TestCase("\"a\tb\"")] // A raw control character in a string.
    [TestCase("\"\\x\"")]
    [TestCase("\"\\u12G4\"")]
    [TestCase("\"\\u12\"")]
    [TestCase("/* comment */ {}")]
    [TestCase("\ufeff{}")] // A byte order mark.
    [TestCase("{\"a\":1}\u00a0")]
    public void Refuses_malformed_json(string json)
    {
        Utf8JsonReaderAccepts(Encoding.UTF8.GetBytes(json)).ShouldBeFalse();
        ScannerAccepts(Encoding.UTF8.GetBytes(json)).ShouldBeFalse();
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(31)]
    [TestCase(32)]
    [TestCase(33)]
    [TestCase(100)]
    public void Reads_indentation_of_any_depth_and_nothing_past_it(int spaces)
    {
        var indentation = "\n" + new string(' ', spaces);
        var json = Encoding.UTF8.GetBytes(
            "{" + indentation + "\"a\": [" + indentation + "1," + indentation + "true" + indentation + "]" + indentation + "}" + indentation);
        var controlAfterIndentation = Encoding.UTF8.GetBytes("{" + indentation + "\u0001\"a\": 1}");

        Utf8JsonReaderAccepts(json).ShouldBeTrue();
        ScannerAccepts(json).ShouldBeTrue();
        Utf8JsonReaderAccepts(controlAfterIndentation).ShouldBeFalse();
        ScannerAccepts(controlAfterIndentation).ShouldBeFalse();
    }

    [TestCase(63, true)]
    [TestCase(64, true)]
    [TestCase(65, false)]
    public void Allows_64_levels_of_nesting_as_Utf8JsonReader_does(int depth, bool accepted)
    {
        foreach (var (open, close) in new[] { ("[", "]"), ("{\"a\":", "}") })
        {
            var json = Encoding.UTF8.GetBytes(
                string.Concat(Enumerable.Repeat(open, depth)) + "0" + string.Concat(Enumerable.Repeat(close, depth)));
            Utf8JsonReaderAccepts(json).ShouldBe(accepted);
            ScannerAccepts(json).ShouldBe(accepted);
        }
    }

    [TestCase("\"plain\"")]
    [TestCase("\"caf\\u00e9 \\\"quoted\\\" \\\\ \\/ \\n\"")]
    [TestCase("\"\\uD83D\\uDE00\"")]
    [TestCase("\"\\u0000\"")]
    public void Decodes_strings_as_Utf8JsonReader_does(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var reader = new Utf8JsonReader(bytes);
        reader.Read();
        var expected = reader.GetString()!;

        var scanner = new JsonScanner(bytes);
        scanner.TryReadString(out var raw, out var isEscaped).ShouldBeTrue();

        JsonScanner.Decode(raw, isEscaped).ShouldBe(expected);
        JsonScanner.TextEquals(raw, isEscaped, Encoding.UTF8.GetBytes(expected)).ShouldBeTrue();
        JsonScanner.TextEquals(raw, isEscaped, Encoding.UTF8.GetBytes(expected + "x")).ShouldBeFalse();
    }

    [Test]
    public void Refuses_to_decode_an_escaped_lone_surrogate_as_Utf8JsonReader_does()
    {
        var bytes = "\"\\ud800\""u8.ToArray();
        var scanner = new JsonScanner(bytes);
        scanner.TryReadString(out var raw, out var isEscaped).ShouldBeTrue();

        var escaped = raw.ToArray();

        Should.Throw<InvalidOperationException>(() => JsonScanner.Decode(escaped, isEscaped));
    }

    [TestCase("0", 0L, true)]
    [TestCase("-0", 0L, true)]
    [TestCase("1700000000", 1700000000L, true)]
    [TestCase("9223372036854775807", long.MaxValue, true)]
    [TestCase("9223372036854775808", 0L, false)]
    [TestCase("1.0", 0L, false)]
    [TestCase("1e3", 0L, false)]
    public void Reads_an_integer_when_Utf8JsonReader_would(string json, long expected, bool fits)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var reader = new Utf8JsonReader(bytes);
        reader.Read();
        reader.TryGetInt64(out var stjValue).ShouldBe(fits);

        var scanner = new JsonScanner(bytes);
        scanner.TryReadNumber(out var value, out var fitsInt64).ShouldBeTrue();

        fitsInt64.ShouldBe(fits);
        if (fits)
        {
            value.ShouldBe(expected);
            value.ShouldBe(stjValue);
        }

        scanner.IsAtEnd().ShouldBeTrue();
    }

    private static bool ScannerAccepts(byte[] json)
    {
        if (!Utf8.IsValid(json))
        {
            return false;
        }

        var scanner = new JsonScanner(json);
        scanner.SkipValue();
        return scanner.IsAtEnd();
    }

    private static bool Utf8JsonReaderAccepts(byte[] json)
    {
        if (!Utf8.IsValid(json))
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
            var tokens = 0;
            while (reader.Read())
            {
                tokens++;
            }

            return tokens > 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
