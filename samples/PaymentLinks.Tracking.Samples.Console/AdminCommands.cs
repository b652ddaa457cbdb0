using System.CommandLine;
using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace PaymentLinks.Tracking.Samples;

/// <summary>
/// The operator's commands over the configured ledger (<see cref="IPaymentLinkAdmin"/>): <c>sessions list</c>,
/// <c>sessions retry</c>, <c>erase</c> and <c>migrate</c>; <c>reconcile refused</c> opens the ledger the same way.
/// </summary>
internal static class AdminCommands
{
    public const int LedgerUnavailable = 1;

    /// <summary>What <c>sessions --help</c> adds.</summary>
    public const string SessionsDetails = """
        Exit codes: 0 done; 1 the ledger could not be read, or no parked session has the id given; 2 bad arguments.

        Examples:
          sessions list --state parked
          sessions retry cs_test_a1b2C3
          sessions retry --all-parked
        """;

    /// <summary>What <c>erase --help</c> adds.</summary>
    public const string EraseDetails = """
        Removes the personal data of the matching sessions (the customer's email, the metadata, the last fulfilment
        error); amounts, currencies, campaigns and counts stay, so the report does not change. A later event for an
        erased session is recorded without them.

        Exit codes: 0 done (even when nothing matched); 1 the ledger could not be written; 2 bad arguments.
        """;

    /// <summary>What <c>migrate --help</c> adds.</summary>
    public const string MigrateDetails = """
        Applies the ledger's schema scripts the database lacks, with this login; for an application whose login may
        not change the schema (PaymentLinkTracking:Ledger:ApplyMigrations false). --script prints the missing scripts
        for a DBA instead, and changes nothing.

        Exit codes: 0 the schema is current (or the script was printed); 1 the database could not be reached or refused
        a change; 2 bad arguments.
        """;

    public static Command Sessions(Func<IServiceProvider>? openLedger)
    {
        var state = new Option<string>("--state") { Description = "parked (with the last error), pending or fulfilled.", DefaultValueFactory = _ => "parked" };
        state.AcceptOnlyFromAmong("parked", "pending", "fulfilled");
        var limit = LimitOption("At most this many sessions, 1 to 1000.");
        var list = new Command("list", "Lists sessions by fulfilment state, the most recent first.") { state, limit };
        list.SetAction((parse, cancellationToken) => WithAdminAsync(parse, openLedger, async (admin, output) =>
        {
            var chosen = parse.GetValue(state) switch
            {
                "pending" => PaymentLinkSessionState.Pending,
                "fulfilled" => PaymentLinkSessionState.Fulfilled,
                _ => PaymentLinkSessionState.Parked,
            };
            var sessions = await admin.ListSessionsAsync(chosen, parse.GetValue(limit), cancellationToken);
            output.WriteLine(sessions.Count == 1 ? "1 session" : $"{sessions.Count} sessions");
            foreach (var session in sessions)
            {
                var when = chosen switch
                {
                    PaymentLinkSessionState.Parked => session.ParkedAt,
                    PaymentLinkSessionState.Fulfilled => session.FulfilledAt,
                    _ => session.PaidAt,
                };
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{session.SessionId}  {when?.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}  tries {session.FulfillmentAttempts}{(session.LastFulfillmentError is { } error ? $"  {error}" : string.Empty)}"));
            }

            return TrackingTool.Success;
        }));

        var sessionId = new Argument<string?>("session-id") { Description = "The parked session to retry (cs_...).", Arity = ArgumentArity.ZeroOrOne };
        var allParked = new Option<bool>("--all-parked") { Description = "Retry every parked session." };
        var retry = new Command("retry", "Makes a parked session (or every one) due again; the receiver's worker fulfils it at its next poll.") { sessionId, allParked };
        retry.Validators.Add(result =>
        {
            if (result.GetValue(sessionId) is null == !result.GetValue(allParked))
            {
                result.AddError("Give either a session id or --all-parked.");
            }
        });
        retry.SetAction((parse, cancellationToken) => WithAdminAsync(parse, openLedger, async (admin, output) =>
        {
            if (parse.GetValue(allParked))
            {
                var count = await admin.RetryAllParkedAsync(cancellationToken);
                output.WriteLine(count == 1 ? "1 parked session is due again." : $"{count} parked sessions are due again.");
                return TrackingTool.Success;
            }

            var id = parse.GetValue(sessionId)!;
            if (await admin.RetryAsync(id, cancellationToken))
            {
                output.WriteLine($"{id} is due again.");
                return TrackingTool.Success;
            }

            parse.InvocationConfiguration.Error.WriteLine($"error: no parked session has the id {id}.");
            return LedgerUnavailable;
        }));

        return new Command("sessions", "Lists sessions by fulfilment state, and retries parked ones.") { list, retry };
    }

    public static Command Erase(Func<IServiceProvider>? openLedger)
    {
        var email = new Option<string?>("--email") { Description = "Erase every session of this customer email (any case).", HelpName = "address" };
        var session = new Option<string?>("--session") { Description = "Erase one session (cs_...).", HelpName = "session-id" };
        var command = new Command("erase", "Erases a customer's personal data from the ledger, keeping amounts, campaigns and counts.") { email, session };
        command.Validators.Add(result =>
        {
            if (string.IsNullOrWhiteSpace(result.GetValue(email)) == string.IsNullOrWhiteSpace(result.GetValue(session)))
            {
                result.AddError("Give either --email or --session.");
            }
            else if (result.GetValue(session) is { } id && !PaymentLinkRules.IsCheckoutSessionId(id))
            {
                result.AddError("--session is not a Checkout Session id (cs_...).");
            }
        });
        command.SetAction((parse, cancellationToken) => WithAdminAsync(parse, openLedger, async (admin, output) =>
        {
            var erased = parse.GetValue(email) is { Length: > 0 } address
                ? await admin.EraseByEmailAsync(address, cancellationToken)
                : await admin.EraseSessionAsync(parse.GetValue(session)!, cancellationToken);
            output.WriteLine($"{erased}{(erased.SessionIds.Count == 0 ? "." : ": " + string.Join(", ", erased.SessionIds))}");
            return TrackingTool.Success;
        }));
        return command;
    }

    public static Command Migrate(Func<IServiceProvider>? openLedger)
    {
        var script = new Option<bool>("--script") { Description = "Print the missing scripts for a DBA, and change nothing." };
        var command = new Command("migrate", "Applies the ledger's schema scripts the database lacks (or prints them with --script).") { script };
        command.SetAction((parse, cancellationToken) => WithAdminAsync(parse, openLedger, async (admin, output) =>
        {
            if (parse.GetValue(script))
            {
                var schema = await admin.GetSchemaAsync(cancellationToken);
                output.Write(schema.IsCurrent ? "-- The ledger's schema is current: nothing to apply.\n" : schema.MissingScript);
                return TrackingTool.Success;
            }

            var before = await admin.GetSchemaAsync(cancellationToken);
            var after = await admin.ApplyMigrationsAsync(cancellationToken);
            output.WriteLine(before.IsCurrent
                ? $"The ledger's schema is current (versions {string.Join(", ", after.AppliedVersions)})."
                : $"Applied {string.Join(", ", before.MissingVersions.Select(version => version.ToString("000", CultureInfo.InvariantCulture)))}; the schema is current.");
            return TrackingTool.Success;
        }));
        return command;
    }

    /// <summary>A <c>--limit</c> from 1 to 1000, 100 by default.</summary>
    public static Option<int> LimitOption(string description)
    {
        var limit = new Option<int>("--limit") { Description = description, DefaultValueFactory = _ => 100 };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 1000)
            {
                result.AddError("--limit is from 1 to 1000.");
            }
        });
        return limit;
    }

    /// <summary>Runs <paramref name="run"/> with the configured ledger's admin service; a ledger that cannot be used exits 1, saying why.</summary>
    public static async Task<int> WithAdminAsync(ParseResult parse, Func<IServiceProvider>? openLedger, Func<IPaymentLinkAdmin, TextWriter, Task<int>> run)
    {
        var error = parse.InvocationConfiguration.Error;
        try
        {
            if (openLedger?.Invoke().GetService<IPaymentLinkAdmin>() is not { } admin)
            {
                error.WriteLine("error: no ledger is configured.");
                return LedgerUnavailable;
            }

            return await run(admin, parse.InvocationConfiguration.Output);
        }
        catch (Exception unavailable) when (unavailable is DbException or OptionsValidationException or InvalidOperationException)
        {
            // The engines' messages name what failed (a file, a host, an option), never a password.
            error.WriteLine($"error: the ledger could not be used: {unavailable.Message}");
            return LedgerUnavailable;
        }
    }
}
