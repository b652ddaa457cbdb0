using System.Buffers;
using System.Text;

namespace PaymentLinks.Tracking.Samples;

/// <summary>Reads RFC 4180 records a line at a time: a quoted field may hold commas, doubled quotes and line breaks.</summary>
internal sealed class CsvRecordReader(TextReader reader)
{
    private readonly StringBuilder _quoted = new();

    /// <summary>Gets the number of the last line read, counting from 1.</summary>
    public int LineNumber { get; private set; }

    /// <summary>Reads the next record into <paramref name="fields"/>, reusing the list; skips blank lines.</summary>
    /// <returns><see langword="false"/> at the end of the input.</returns>
    /// <exception cref="FormatException">A quoted field is not closed, or something other than a comma follows it.</exception>
    public bool TryRead(List<string> fields)
    {
        string? line;
        do
        {
            line = reader.ReadLine();
            if (line is null)
            {
                return false;
            }

            LineNumber++;
        }
        while (line.Length == 0);

        fields.Clear();
        var start = 0;
        while (true)
        {
            if (start < line.Length && line[start] == '"')
            {
                var firstLine = LineNumber;
                _quoted.Clear();
                start++;
                while (true)
                {
                    var quote = line.IndexOf('"', start);
                    if (quote < 0)
                    {
                        // The field goes on over a line break.
                        _quoted.Append(line, start, line.Length - start).Append('\n');
                        line = reader.ReadLine() ?? throw new FormatException($"line {firstLine}: a quoted field is never closed.");
                        LineNumber++;
                        start = 0;
                        continue;
                    }

                    _quoted.Append(line, start, quote - start);
                    if (quote + 1 < line.Length && line[quote + 1] == '"')
                    {
                        _quoted.Append('"');
                        start = quote + 2;
                        continue;
                    }

                    start = quote + 1;
                    break;
                }

                fields.Add(_quoted.ToString());
                if (start == line.Length)
                {
                    return true;
                }

                if (line[start] != ',')
                {
                    throw new FormatException($"line {LineNumber}: a quoted field must be followed by a comma or the end of the line.");
                }

                start++;
                continue;
            }

            var comma = line.IndexOf(',', start);
            if (comma < 0)
            {
                fields.Add(line[start..]);
                return true;
            }

            fields.Add(line[start..comma]);
            start = comma + 1;
        }
    }
}

/// <summary>Writes RFC 4180 fields: quoted only when they hold a comma, a quote or a line break.</summary>
internal static class CsvField
{
    private static readonly SearchValues<char> NeedQuotes = SearchValues.Create(",\"\r\n");

    public static void Write(TextWriter writer, string field)
    {
        if (field.AsSpan().IndexOfAny(NeedQuotes) < 0)
        {
            writer.Write(field);
            return;
        }

        writer.Write('"');
        writer.Write(field.Replace("\"", "\"\"", StringComparison.Ordinal));
        writer.Write('"');
    }
}
