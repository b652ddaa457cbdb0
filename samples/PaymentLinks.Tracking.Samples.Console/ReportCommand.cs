using System.CommandLine;
using System.CommandLine.Parsing;
using System.Data.Common;
using System.Globalization;
using CsvHelper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace PaymentLinks.Tracking.Samples;

/// <summary><c>report</c>: revenue by campaign over the configured ledger, as a table, CSV or JSON.</summary>
internal static class ReportCommand
{
    public const int LedgerUnavailable = 1;

    /// <summary>What <c>report --help</c> adds after the options.</summary>
    public const string Details = """
        One row per campaign (utm_source, utm_medium, utm_campaign) and currency, for the money that moved in the
        period: sessions completed and paid, renewals paid, refunds made and disputes lost in it. Amounts are never
        summed across currencies. Sessions without a campaign show as (unattributed) in the table and with null UTM
        codes in csv and json. Dates are UTC unless --tz names a time zone (--tz Europe/Berlin: a date is midnight
        there): --since is included, --until excluded. Live data unless --mode test.

        Attribution: a session's touches are its buyer's clicks on tracked links (/go/{name}) in the lookback window
        before it; --model shares its money among them: last-click (the default: the click the session came from),
        first-click, last-non-direct (the last click with a UTM code or an ad click id), linear, position-based
        (40/20/40) or time-decay (half-life 7 days). Every model's columns add up to the same totals. A session
        without a click has one touch: its thank-you visit, else its campaign key, else its link's metadata.

        Money: gross (first payments and renewals, tax included), tax, refunded, disputed (lost disputes) and net,
        the revenue: the money kept without its tax, (gross - refunded - disputed) x (gross - tax) / gross, rounded
        half away from zero to the currency's smallest unit. In the table in major units with the currency (548.90 EUR, 1,200 JPY);
        in minor units in csv and json (54890), as Stripe counts it. csv and json have the columns utm_source, utm_medium, utm_campaign,
        currency, sessions, paid, revenue, visits, by_visit, by_reference, by_link, gross, renewals, renewal_revenue,
        refunded, disputed, tax (revenue is the net).

        The ledger: PaymentLinkTracking:Ledger:Provider (Sqlite, the default, or PostgreSql) and
        ConnectionStrings:PaymentLinkLedger, in appsettings.json or as environment variables.

        Exit codes: 0 the report was printed (even empty); 1 the ledger could not be read; 2 bad arguments.

        The report reads aggregates kept as webhooks are recorded; `report rebuild [--since DATE]` works them out
        again from the ledger, in batches, while webhooks keep coming (after a bulk load or to repair them).

        Example:
          report --since 2026-11-01 --until 2026-12-01 --format csv
          report --since 2026-11-01 --model position-based
          report --since 2026-11-01 --until 2026-12-01 --tz Europe/Berlin
          report rebuild
        """;

    public static Command Create(Func<IServiceProvider>? openLedger)
    {
        var since = DateOption("--since", "The period's first instant (included), e.g. 2026-11-01. Default: no start.");
        var until = DateOption("--until", "The period's end (excluded), e.g. 2026-12-01. Default: no end.");
        var format = new Option<string>("--format")
        {
            Description = "table (revenue in major units), csv or json (revenue in minor units).",
            DefaultValueFactory = _ => "table",
        };
        format.AcceptOnlyFromAmong("table", "csv", "json");
        var mode = new Option<string>("--mode")
        {
            Description = "live (real payments) or test (payments made with Stripe's test keys).",
            DefaultValueFactory = _ => "live",
        };
        mode.AcceptOnlyFromAmong("live", "test");
        var timeZone = new Option<string?>("--tz")
        {
            Description = "The time zone --since and --until are read in (an IANA id such as Europe/Berlin). Default: UTC.",
            HelpName = "zone",
        };

        var model = new Option<string>("--model")
        {
            Description = "How each session's money is shared among its buyer's clicks: " + string.Join(", ", AttributionModelNames.All) + ".",
            DefaultValueFactory = _ => AttributionModelNames.Format(AttributionModel.LastClick),
        };
        model.AcceptOnlyFromAmong([.. AttributionModelNames.All]);

        var command = new Command("report", "Prints revenue by campaign from the ledger: sessions, paid, revenue, thank-you visits, and how each was attributed.")
        {
            since, until, format, mode, model, timeZone, Rebuild(openLedger),
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var (start, end) = (parse.GetValue(since), parse.GetValue(until));
            if (parse.GetValue(timeZone) is { } zoneId)
            {
                if (!TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out var zone))
                {
                    error.WriteLine($"error: --tz \"{zoneId}\" is not a time zone: use an IANA id such as Europe/Berlin.");
                    return TrackingTool.UsageError;
                }

                // The dates again, read in the zone.
                start = ReportPeriod.TryParse(parse.GetResult(since)?.Tokens.SingleOrDefault()?.Value, zone, out var zoneStart) ? zoneStart : start;
                end = ReportPeriod.TryParse(parse.GetResult(until)?.Tokens.SingleOrDefault()?.Value, zone, out var zoneEnd) ? zoneEnd : end;
            }

            if (ReportPeriod.Problem(start, end) is { } problem)
            {
                error.WriteLine($"error: {problem}");
                return TrackingTool.UsageError;
            }

            var reportMode = parse.GetValue(mode) == "test" ? PaymentLinkMode.Test : PaymentLinkMode.Live;
            var reportModel = AttributionModelNames.Parse(parse.GetValue(model)!);
            IReadOnlyList<CampaignReportRow> rows;
            var onlyTestData = false;
            try
            {
                var attribution = openLedger?.Invoke().GetService<IPaymentLinkAttribution>();
                if (attribution is null)
                {
                    error.WriteLine("error: the configured ledger keeps no attribution, so there is nothing to report.");
                    return LedgerUnavailable;
                }

                rows = await attribution.ReportAsync(start, end, reportMode, reportModel, cancellationToken);
                if (rows.Count == 0 && reportMode == PaymentLinkMode.Live)
                {
                    onlyTestData = (await attribution.ReportAsync(start, end, PaymentLinkMode.Test, reportModel, cancellationToken)).Count > 0;
                }
            }
            catch (Exception unavailable) when (unavailable is DbException or OptionsValidationException or InvalidOperationException)
            {
                // The engines' messages name what failed (a file, a host, an option), never a password.
                error.WriteLine($"error: the ledger could not be read: {unavailable.Message}");
                return LedgerUnavailable;
            }

            switch (parse.GetValue(format))
            {
                case "csv":
                    WriteCsv(output, rows);
                    break;
                case "json":
                    output.WriteLine(CampaignReportJson.ToJson(rows, indented: true));
                    break;
                default:
                    WriteTable(output, rows, start, end, reportMode, reportModel);
                    break;
            }

            if (onlyTestData)
            {
                // Said on the error stream, so that csv and json stay parseable.
                error.WriteLine("note: there is no live data in this period, only test data: run with --mode test to see it.");
            }

            return TrackingTool.Success;
        });
        return command;
    }

    /// <summary><c>report rebuild [--since]</c>: the report's aggregates worked out again from the ledger.</summary>
    private static Command Rebuild(Func<IServiceProvider>? openLedger)
    {
        var since = DateOption("--since", "Only what has money moving from this instant on, e.g. 2026-11-01. Default: everything.");
        var command = new Command(
            "rebuild",
            "Works the report's aggregates out again from the ledger, in batches, while webhooks keep being recorded: after a bulk load, to repair them, or at once after an upgrade.")
        {
            since,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (output, error) = (parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            try
            {
                if (openLedger?.Invoke().GetService<IPaymentLinkAdmin>() is not { } admin)
                {
                    error.WriteLine("error: no ledger is configured, so there is nothing to rebuild.");
                    return LedgerUnavailable;
                }

                var started = System.Diagnostics.Stopwatch.StartNew();
                var pieces = await admin.RebuildReportAsync(parse.GetValue(since), cancellationToken);
                output.WriteLine(
                    $"Rebuilt the report's aggregates from {pieces.ToString("N0", CultureInfo.InvariantCulture)} sessions, renewals, refunded charges and disputes " +
                    $"in {started.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s.");
                return TrackingTool.Success;
            }
            catch (Exception unavailable) when (unavailable is DbException or OptionsValidationException or InvalidOperationException)
            {
                error.WriteLine($"error: the ledger could not be read: {unavailable.Message}");
                return LedgerUnavailable;
            }
        });
        return command;
    }

    /// <summary>A date option read the same way by every command: <see cref="ReportPeriod.TryParse(string?, out DateTimeOffset?)"/>.</summary>
    internal static Option<DateTimeOffset?> DateOption(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "date",
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : null;
            if (ReportPeriod.TryParse(text, out var moment))
            {
                return moment;
            }

            result.AddError($"{name} \"{text}\" is not a date: use {ReportPeriod.Formats} (UTC unless an offset is given).");
            return null;
        },
    };

    private static void WriteCsv(TextWriter output, IReadOnlyList<CampaignReportRow> rows)
    {
        using var csv = CsvWriter.Create(output, new CsvWriterOptions { NewLine = "\r\n" }, leaveOpen: true);
        csv.WriteRecord(
        [
            "utm_source", "utm_medium", "utm_campaign", "currency", "sessions", "paid", "revenue", "visits", "by_visit", "by_reference", "by_link",
            "gross", "renewals", "renewal_revenue", "refunded", "disputed", "tax",
        ]);
        foreach (var row in rows)
        {
            csv.WriteRecord(
            [
                row.UtmSource ?? string.Empty, row.UtmMedium ?? string.Empty, row.UtmCampaign ?? string.Empty, row.Currency ?? string.Empty,
                Number(row.Sessions), Number(row.Paid), Number(row.Revenue), Number(row.Visits),
                Number(row.ByVisit), Number(row.ByReference), Number(row.ByLink),
                Number(row.Gross), Number(row.Renewals), Number(row.RenewalRevenue), Number(row.Refunded), Number(row.Disputed), Number(row.Tax),
            ]);
        }
    }

    private static void WriteTable(
        TextWriter output, IReadOnlyList<CampaignReportRow> rows, DateTimeOffset? since, DateTimeOffset? until, PaymentLinkMode mode, AttributionModel model)
    {
        var byModel = model == AttributionModel.LastClick ? string.Empty : $", {AttributionModelNames.Format(model)} attribution";
        output.WriteLine($"Revenue by campaign, {CampaignReportText.Period(since, until)} (UTC){(mode == PaymentLinkMode.Test ? ", test data" : string.Empty)}{byModel}");
        output.WriteLine();
        if (rows.Count == 0)
        {
            output.WriteLine("No money moved in this period.");
            return;
        }

        string[] header = ["campaign", "sessions", "paid", "renewals", "gross", "tax", "refunded", "disputed", "net", "visits", "by visit", "by reference", "by link"];
        var cells = rows.Select(row => new[]
        {
            CampaignReportText.Campaign(row), Count(row.Sessions), Count(row.Paid), Count(row.Renewals),
            CampaignReportText.Money(row.Gross, row.Currency), CampaignReportText.Money(row.Tax, row.Currency),
            CampaignReportText.Money(row.Refunded, row.Currency),
            CampaignReportText.Money(row.Disputed, row.Currency),
            CampaignReportText.Money(row.Revenue, row.Currency),
            Count(row.Visits), Count(row.ByVisit), Count(row.ByReference), Count(row.ByLink),
        }).ToList();
        var widths = header.Select((name, column) => cells.Max(line => line[column].Length)).Select((width, column) => Math.Max(width, header[column].Length)).ToArray();

        // The campaign reads left to right; numbers line up on the right.
        string Line(string[] line) => string.Join("  ", line.Select((cell, column) => column == 0 ? cell.PadRight(widths[column]) : cell.PadLeft(widths[column]))).TrimEnd();
        output.WriteLine(Line(header));
        output.WriteLine(Line(widths.Select(width => new string('-', width)).ToArray()));
        foreach (var line in cells)
        {
            output.WriteLine(Line(line));
        }
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
