using System.Buffers;
using System.Globalization;
using System.Text;
using CsvHelper;

namespace PaymentLinks.Tracking.Samples;

/// <summary>
/// Tracks a CSV of links into another, a row at a time: memory stays flat however long the file is. CsvHelper reads
/// and writes the CSV; a malformed or non-UTF-8 file is refused at its line.
/// </summary>
internal static class CsvLinkTracker
{
    // Enough for every distinct base link of a campaign export; a file with more only parses some bases again.
    private const int MaxCachedBaseLinks = 1024;

    private static readonly CsvReaderOptions Reading = new()
    {
        Separator = ',',
        HasHeader = false,
        SkipEmptyLines = true,
        TrackLineNumbers = true,
        MalformedData = CsvMalformedDataHandling.Throw,
        FieldCountMismatch = CsvFieldCountHandling.Allow,

        // A row too short to reach a column reads it as empty: a missing base_url is reported in the row.
        MissingField = CsvMissingFieldHandling.ReturnEmpty,
        IncludeValuesInExceptions = false,
    };

    private static readonly CsvWriterOptions Writing = new() { NewLine = "\r\n" };

    /// <returns>0 when every row was tracked, 1 when some rows have no valid base link, 2 for a malformed file.</returns>
    public static int Track(Stream input, TextWriter output, IPaymentLinkUrlFactory links, TextWriter error, BulkProgress? progress = null)
    {
        using var reader = CsvReader.Create(input, Reading, leaveOpen: true);
        using var writer = CsvWriter.Create(output, Writing, leaveOpen: true);
        try
        {
            if (!reader.Read())
            {
                return Refuse(error, "the input file is empty: it needs a header row.");
            }

            RefuseIfNotUtf8(reader);
            var header = new string[reader.FieldCount];
            for (var i = 0; i < header.Length; i++)
            {
                header[i] = reader.GetString(i);
            }

            var columns = Columns.Read(header, out var problem);
            if (columns is null)
            {
                return Refuse(error, problem!);
            }

            writer.WriteRecord([.. header, "tracked_url", "dropped"]);

            var baseLinks = new Dictionary<string, BaseLink>(StringComparer.Ordinal);
            var dropped = new List<string>();
            long rows = 0, failedRows = 0, droppedValues = 0;
            while (reader.Read())
            {
                RefuseIfNotUtf8(reader);
                if (reader.FieldCount > columns.Count)
                {
                    throw new FormatException(string.Create(
                        CultureInfo.InvariantCulture, $"line {reader.LineNumber}: {reader.FieldCount} fields, but the header has {columns.Count}."));
                }

                rows++;
                var baseLink = Resolve(baseLinks, reader.GetString(columns.BaseUrl), links);
                string trackedUrl, drops;
                if (baseLink.Problem is not null)
                {
                    failedRows++;
                    (trackedUrl, drops) = (string.Empty, "error: " + baseLink.Problem);
                }
                else
                {
                    var mayHaveDrops = baseLink.HasDrops;
                    PaymentLinkUrl WithRowValues(PaymentLinkUrl link)
                    {
                        foreach (var (column, parameter) in columns.Parameters)
                        {
                            if (column < reader.FieldCount && !reader.IsEmpty(column))
                            {
                                var value = reader.GetString(column);

                                // Checking allocates nothing; only a row with a bad value pays for listing its drops.
                                mayHaveDrops |= !PaymentLinkRules.IsValid(parameter, value);
                                link = link.With(parameter, value);
                            }
                        }

                        return link;
                    }

                    // A configured link is built by the factory for each row, so that it gets the campaign key of the
                    // row's codes when PaymentLinkTracking:CampaignKeys is on.
                    var link = baseLink.Link is { } url ? WithRowValues(url) : links.Create(baseLink.Text, WithRowValues);

                    dropped.Clear();
                    if (mayHaveDrops)
                    {
                        foreach (var drop in link.Dropped)
                        {
                            dropped.Add(drop.ToString());
                        }

                        droppedValues += dropped.Count;
                    }

                    (trackedUrl, drops) = (link.ToString(), dropped.Count == 0 ? string.Empty : string.Join("; ", dropped));
                }

                CopyRow(reader, writer, columns.Count);
                writer.WriteField(trackedUrl);
                writer.WriteField(drops);
                writer.EndRecord();
                progress?.Report(rows, reader.ByteOffset);
            }

            writer.Flush();
            progress?.Finish();
            error.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"bulk: {Count(rows, "row")}, {Count(rows - failedRows, "tracked link")}, {Count(droppedValues, "value")} dropped, {Count(failedRows, "row")} without a valid base link."));
            return failedRows == 0 ? TrackingTool.Success : TrackingTool.SomeRowsFailed;
        }
        catch (Exception malformed) when (malformed is FormatException or CsvFormatException)
        {
            writer.Flush();
            progress?.Finish();
            return Refuse(error, malformed.Message);
        }
    }

    private static int Refuse(TextWriter error, string problem)
    {
        error.WriteLine($"error: {problem}");
        return TrackingTool.UsageError;
    }

    /// <summary>Copies a row's cells as they were, padding a short row to the header's columns.</summary>
    private static void CopyRow(CsvReader reader, CsvWriter writer, int count)
    {
        char[]? rented = null;
        try
        {
            for (var i = 0; i < count; i++)
            {
                if (i >= reader.FieldCount)
                {
                    writer.WriteField(ReadOnlySpan<char>.Empty);
                    continue;
                }

                // A cell's UTF-8 bytes never number fewer than its characters.
                var length = reader.GetRawSpan(i).Length;
                if (rented is null || rented.Length < length)
                {
                    if (rented is not null)
                    {
                        ArrayPool<char>.Shared.Return(rented);
                    }

                    rented = ArrayPool<char>.Shared.Rent(Math.Max(length, 256));
                }

                writer.WriteField(rented.AsSpan(0, reader.GetChars(i, rented)));
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    private static void RefuseIfNotUtf8(CsvReader reader)
    {
        var record = reader.RawRecord;
        if (System.Text.Unicode.Utf8.IsValid(record))
        {
            return;
        }

        var at = 0;
        while (Rune.DecodeFromUtf8(record[at..], out _, out var consumed) == OperationStatus.Done)
        {
            at += consumed;
        }

        var line = reader.LineNumber + record[..at].Count((byte)'\n');
        throw new FormatException(string.Create(
            CultureInfo.InvariantCulture,
            $"line {line}: the file is not UTF-8 (byte 0x{record[at]:X2} cannot start a UTF-8 character there). Save it as UTF-8 and run again."));
    }

    private static BaseLink Resolve(Dictionary<string, BaseLink> cache, string text, IPaymentLinkUrlFactory links)
    {
        if (cache.TryGetValue(text, out var known))
        {
            return known;
        }

        if (cache.Count == MaxCachedBaseLinks)
        {
            cache.Clear();
        }

        var problem = text.Length == 0 ? "the base_url cell is empty." : BaseLinks.Check(text, links);
        var baseLink = problem is not null ? new BaseLink(text, null, problem, false)
            : PaymentLinkUrl.TryParse(text, out var url) ? new BaseLink(text, url, null, url.Dropped.Count > 0)
            : new BaseLink(text, null, null, true);
        cache[text] = baseLink;
        return baseLink;
    }

    // Link is the parsed URL, or null for a configured link (or a Problem). A configured link may carry default codes
    // that are dropped, so its rows are always checked for drops.
    private readonly record struct BaseLink(string Text, PaymentLinkUrl? Link, string? Problem, bool HasDrops);

    private sealed class Columns
    {
        private Columns(int count, int baseUrl, (int, PaymentLinkParameter)[] parameters)
        {
            Count = count;
            BaseUrl = baseUrl;
            Parameters = parameters;
        }

        public int Count { get; }

        public int BaseUrl { get; }

        public (int Column, PaymentLinkParameter Parameter)[] Parameters { get; }

        public static Columns? Read(string[] header, out string? problem)
        {
            var baseUrl = -1;
            var parameters = new List<(int, PaymentLinkParameter)>();
            for (var i = 0; i < header.Length; i++)
            {
                var name = header[i].Trim().ToLowerInvariant();
                if (name == "base_url")
                {
                    if (baseUrl >= 0)
                    {
                        problem = "the header names base_url twice.";
                        return null;
                    }

                    baseUrl = i;
                }
                else if (PaymentLinkRules.TryGetParameter(name, out var parameter))
                {
                    if (parameters.Exists(known => known.Item2 == parameter))
                    {
                        problem = $"the header names {name} twice.";
                        return null;
                    }

                    parameters.Add((i, parameter));
                }
            }

            problem = baseUrl < 0 ? "the header has no base_url column." : null;
            return problem is null ? new Columns(header.Length, baseUrl, [.. parameters]) : null;
        }
    }

    // "1 value", "2 values": a count with its noun.
    private static string Count(long count, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{count:N0} {noun}{(count == 1 ? string.Empty : "s")}");
}
