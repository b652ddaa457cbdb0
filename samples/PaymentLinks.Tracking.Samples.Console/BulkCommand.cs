using System.Globalization;
using System.Text;

namespace PaymentLinks.Tracking.Samples;

/// <summary>
/// Tracks a CSV file of links into another, a row at a time: memory stays flat however long the file is.
/// </summary>
internal static class BulkCommand
{
    public const string Usage = """
        Tracks every row of a CSV file and writes a CSV of tracked links, a row at a time.

        Usage:
          bulk <links.csv> [--output <tracked.csv>]      (standard output when --output is left out)

        Input (RFC 4180, UTF-8, a header row first; column names in any order and case):
          base_url              required: an absolute http(s) URL, or the name of a link in appsettings.json
          utm_source, utm_medium, utm_campaign, utm_term, utm_content, client_reference_id,
          prefilled_email, locked_prefilled_email, prefilled_promo_code, locale
                                optional: set on the link when the cell is not empty
          any other column      copied as it is

        Example input:
          base_url,client_reference_id,utm_source,utm_medium,utm_campaign,utm_term,utm_content
          https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr,order-1042,newsletter,email,spring_sale,,header

        Output: the input columns, then
          tracked_url           the tracked link; empty when the row has no valid base link
          dropped               each value Stripe would drop and why, separated by "; " (secrets withheld),
                                or "error: ..." when the row has no valid base link

        A progress line goes to standard error every 100,000 rows, and a summary at the end.
        Exit codes: 0 every row was tracked (values may have been dropped); 1 some rows have no valid base
        link; 2 bad arguments or a malformed file (the line is named; rows before it are already written).
        """;

    public const int ProgressInterval = 100_000;

    // Enough for every distinct base link of a campaign export; a file with more only parses some bases again.
    private const int MaxCachedBaseLinks = 1024;

    public static int Run(string[] args, IPaymentLinkUrlFactory links, TextWriter output, TextWriter error)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            output.WriteLine(Usage);
            return TrackingTool.Success;
        }

        string? input = null;
        string? outputPath = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--output" || args[i].StartsWith("--output=", StringComparison.Ordinal))
            {
                outputPath = args[i].Length > "--output".Length ? args[i]["--output=".Length..] : i + 1 < args.Length ? args[++i] : null;
                if (string.IsNullOrEmpty(outputPath))
                {
                    return TrackingTool.Fail(error, "option '--output' needs a file name.", Usage);
                }
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                return TrackingTool.Fail(error, $"unknown option '{args[i]}'.", Usage);
            }
            else if (input is null)
            {
                input = args[i];
            }
            else
            {
                return TrackingTool.Fail(error, $"one input file only; '{args[i]}' is one too many.", Usage);
            }
        }

        if (input is null)
        {
            return TrackingTool.Fail(error, "the input CSV file is missing.", Usage);
        }

        if (!File.Exists(input))
        {
            return TrackingTool.Fail(error, $"the input file '{input}' does not exist.", Usage);
        }

        using var reader = new StreamReader(input, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, new FileStreamOptions
        {
            BufferSize = 1 << 16,
            Options = FileOptions.SequentialScan,
        });

        if (outputPath is null)
        {
            return Track(reader, output, links, error);
        }

        using var writer = new StreamWriter(outputPath, append: false, new UTF8Encoding(false), 1 << 16);
        return Track(reader, writer, links, error);
    }

    public static int Track(TextReader input, TextWriter output, IPaymentLinkUrlFactory links, TextWriter error)
    {
        var csv = new CsvRecordReader(input);
        var fields = new List<string>();
        try
        {
            if (!csv.TryRead(fields))
            {
                return TrackingTool.Fail(error, "the input file is empty: it needs a header row.", Usage);
            }

            var columns = Columns.Read(fields, out var problem);
            if (columns is null)
            {
                return TrackingTool.Fail(error, problem!, Usage);
            }

            output.NewLine = "\r\n";
            WriteRow(output, fields, fields.Count, "tracked_url", "dropped");

            var baseLinks = new Dictionary<string, BaseLink>(StringComparer.Ordinal);
            var dropped = new List<string>();
            long rows = 0, failedRows = 0, droppedValues = 0;
            while (csv.TryRead(fields))
            {
                if (fields.Count > columns.Count)
                {
                    throw new FormatException($"line {csv.LineNumber}: {fields.Count} fields, but the header has {columns.Count}.");
                }

                rows++;
                var baseLink = Resolve(baseLinks, fields[columns.BaseUrl], links);
                if (baseLink.Link is not { } link)
                {
                    failedRows++;
                    WriteRow(output, fields, columns.Count, string.Empty, "error: " + baseLink.Problem);
                }
                else
                {
                    var mayHaveDrops = baseLink.HasDrops;
                    foreach (var (column, parameter) in columns.Parameters)
                    {
                        if (column < fields.Count && fields[column] is { Length: > 0 } value)
                        {
                            // Checking allocates nothing; only a row with a bad value pays for listing its drops.
                            mayHaveDrops |= !PaymentLinkRules.IsValid(parameter, value);
                            link = link.With(parameter, value);
                        }
                    }

                    dropped.Clear();
                    if (mayHaveDrops)
                    {
                        foreach (var drop in link.Dropped)
                        {
                            dropped.Add(drop.ToString());
                        }

                        droppedValues += dropped.Count;
                    }

                    WriteRow(output, fields, columns.Count, link.ToString(), dropped.Count == 0 ? string.Empty : string.Join("; ", dropped));
                }

                if (rows % ProgressInterval == 0)
                {
                    error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bulk: {rows:N0} rows..."));
                }
            }

            output.Flush();
            error.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"bulk: {rows:N0} rows, {rows - failedRows:N0} tracked links, {droppedValues:N0} values dropped, {failedRows:N0} rows without a valid base link."));
            return failedRows == 0 ? TrackingTool.Success : TrackingTool.SomeRowsFailed;
        }
        catch (FormatException malformed)
        {
            output.Flush();
            error.WriteLine($"error: {malformed.Message}");
            return TrackingTool.UsageError;
        }
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

        PaymentLinkUrl? link = null;
        var problem = text.Length == 0 ? "the base_url cell is empty." : TrackingTool.TryReadBaseLink(text, links, out link);
        var baseLink = problem is null ? new BaseLink(link, null, link!.Dropped.Count > 0) : new BaseLink(null, problem, false);
        cache[text] = baseLink;
        return baseLink;
    }

    private static void WriteRow(TextWriter output, List<string> fields, int count, string trackedUrl, string dropped)
    {
        for (var i = 0; i < count; i++)
        {
            // A short row is padded, so that every output row has the header's columns.
            CsvField.Write(output, i < fields.Count ? fields[i] : string.Empty);
            output.Write(',');
        }

        CsvField.Write(output, trackedUrl);
        output.Write(',');
        CsvField.Write(output, dropped);
        output.WriteLine();
    }

    private readonly record struct BaseLink(PaymentLinkUrl? Link, string? Problem, bool HasDrops);

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

        public static Columns? Read(List<string> header, out string? problem)
        {
            var baseUrl = -1;
            var parameters = new List<(int, PaymentLinkParameter)>();
            for (var i = 0; i < header.Count; i++)
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
            return problem is null ? new Columns(header.Count, baseUrl, [.. parameters]) : null;
        }
    }
}
