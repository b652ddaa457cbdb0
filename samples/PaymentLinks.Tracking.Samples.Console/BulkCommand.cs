using System.CommandLine;
using System.Text;

namespace PaymentLinks.Tracking.Samples;

/// <summary>
/// <c>bulk</c>: tracks a CSV file of links into another. Every argument is checked before a file is opened, and an
/// <c>--output</c> file is replaced only once the run has written every row.
/// </summary>
internal static class BulkCommand
{
    /// <summary>What <c>bulk --help</c> adds after the options.</summary>
    public const string Details = """
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

        A summary goes to standard error at the end, and a progress bar while a long run goes on, when standard
        error is a terminal. Under `dotnet run`, use --output rather than "> file": the build's own messages also
        go to standard output.

        Exit codes: 0 every row was tracked (values may have been dropped); 1 some rows have no valid base link;
        2 bad arguments, a malformed or non-UTF-8 file (the line is named), or a file that cannot be read or
        written. With --output, the file is then left as it was; on standard output, the rows before the bad
        line are already written.
        """;

    public static Command Create(IPaymentLinkUrlFactory links, Func<long, BulkProgress?>? progress)
    {
        var input = new Argument<string>("links.csv") { Description = "The CSV file to read (UTF-8, a header row first)." };
        var output = new Option<string>("--output", "-o")
        {
            Description = "The CSV file to write; standard output when left out. Replaced only when every row is written.",
            HelpName = "tracked.csv",
        };

        var command = new Command("bulk", "Tracks every row of a CSV file of links into a CSV of tracked links, a row at a time.")
        {
            input,
            output,
        };
        command.Validators.Add(result =>
        {
            // Only what the parser read: a missing value is already reported by the parser itself.
            var inputPath = result.GetResult(input)?.Tokens is [var inputToken] ? inputToken.Value : null;
            var outputPath = result.GetResult(output)?.Tokens is [var outputToken] ? outputToken.Value : null;
            if (inputPath is not null && ProblemWithInput(inputPath) is { } inputProblem)
            {
                result.AddError(inputProblem);
            }
            else if (outputPath is not null && ProblemWithOutput(outputPath, inputPath) is { } outputProblem)
            {
                result.AddError(outputProblem);
            }
        });

        command.SetAction(parse => Run(
            parse.GetRequiredValue(input), parse.GetValue(output), links, parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error, progress));
        return command;
    }

    private static string? ProblemWithInput(string path) =>
        Directory.Exists(path) ? $"the input '{path}' is a folder, not a CSV file."
        : !File.Exists(path) ? $"the input file '{path}' does not exist."
        : null;

    private static string? ProblemWithOutput(string path, string? inputPath)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return "option '--output' needs a file name.";
        }

        if (Directory.Exists(path))
        {
            return $"--output '{path}' is a folder: give the name of a file to write.";
        }

        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder && !Directory.Exists(folder))
        {
            return $"the folder '{folder}' for --output '{path}' does not exist.";
        }

        return inputPath is not null && FileIdentity.AreSameFile(inputPath, path)
            ? $"--output '{path}' is the input file '{inputPath}': writing it would destroy what is read. Choose another file."
            : null;
    }

    private static int Run(
        string inputPath, string? outputPath, IPaymentLinkUrlFactory links, TextWriter output, TextWriter error,
        Func<long, BulkProgress?>? progress)
    {
        string? temporary = null;
        try
        {
            using var input = new FileStream(inputPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            var bar = progress?.Invoke(input.Length);
            if (outputPath is null)
            {
                return CsvLinkTracker.Track(input, output, links, error, bar);
            }

            // Written beside the target, then moved over it: an existing file is never truncated by a run that fails.
            var target = Path.GetFullPath(outputPath);
            temporary = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
            int exitCode;
            using (var writer = new StreamWriter(
                new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16), new UTF8Encoding(false), 1 << 16))
            {
                exitCode = CsvLinkTracker.Track(input, writer, links, error, bar);
            }

            if (exitCode != TrackingTool.UsageError)
            {
                File.Move(temporary, target, overwrite: true);
            }

            return exitCode;
        }
        catch (Exception failed) when (failed is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {failed.Message}");
            return TrackingTool.UsageError;
        }
        finally
        {
            if (temporary is not null)
            {
                File.Delete(temporary);
            }
        }
    }
}
