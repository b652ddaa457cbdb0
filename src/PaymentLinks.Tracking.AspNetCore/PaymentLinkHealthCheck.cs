using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using PaymentLinks.Tracking;

namespace PaymentLinks.Tracking.AspNetCore;

/// <summary>
/// The ledger's health: <c>Unhealthy</c> when it cannot be reached (or no ledger is registered), <c>Degraded</c> when
/// sessions are parked, catch-up refused events, conversions are dead in the forwarding outbox, or the catch-up watermark
/// is older than <see cref="PaymentLinkHealthCheckOptions.MaxCatchUpLag"/>, else <c>Healthy</c>; the counts are in the
/// result's data. The database's reachability is the ledger's own query, so
/// a separate database check (such as Npgsql's) adds nothing for the ledger.
/// </summary>
internal sealed class PaymentLinkHealthCheck(IServiceProvider services, IOptionsMonitor<PaymentLinkHealthCheckOptions> options, string optionsName, TimeProvider timeProvider)
    : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (SettingsProblem() is { } problem)
        {
            return HealthCheckResult.Unhealthy(problem);
        }

        if (services.GetService(typeof(IPaymentLinkAdmin)) is not IPaymentLinkAdmin admin)
        {
            return HealthCheckResult.Unhealthy("No ledger is registered: add .AddSqliteLedger(...) or .AddPostgreSqlLedger(...).");
        }

        PaymentLinkLedgerStatus status;
        try
        {
            status = await admin.GetStatusAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The exception's type only: an engine's message may name a host or a file.
            return HealthCheckResult.Unhealthy($"The ledger cannot be reached ({exception.GetType().FullName}).");
        }

        var settings = options.Get(optionsName);
        var data = new Dictionary<string, object>
        {
            ["pending_sessions"] = status.PendingSessions,
            ["parked_sessions"] = status.ParkedSessions,
            ["refused_catch_up_events"] = status.RefusedCatchUpEvents,
            ["dead_conversions"] = status.DeadConversions,
            ["failed_conversions"] = status.FailedConversions,
            ["unclaimed_visits"] = status.UnclaimedVisits,
        };
        if (status.OldestPendingConversionAge is { } oldestPending)
        {
            data["oldest_pending_conversion_seconds"] = Math.Round(oldestPending.TotalSeconds);
        }

        var problems = new List<string>();
        if (status.ParkedSessions > settings.MaxParkedSessions)
        {
            problems.Add($"{status.ParkedSessions} session{(status.ParkedSessions == 1 ? " is" : "s are")} parked (fulfilment gave up): see the admin API's sessions?state=parked, then retry.");
        }

        if (status.RefusedCatchUpEvents > 0)
        {
            problems.Add($"Catch-up refused {status.RefusedCatchUpEvents} event{(status.RefusedCatchUpEvents == 1 ? string.Empty : "s")} it could not read: they wait for a person to look at them.");
        }

        if (status.DeadConversions > 0)
        {
            problems.Add($"{status.DeadConversions} forwarded conversion{(status.DeadConversions == 1 ? " is" : "s are")} dead (tried until the destination's window closed): see forwarding's list of dead conversions, then retry.");
        }

        if (status.FailedConversions > 0)
        {
            problems.Add($"A destination refused {status.FailedConversions} conversion{(status.FailedConversions == 1 ? string.Empty : "s")} (a 4xx, such as a wrong token): see forwarding's list of failed conversions, fix the setting, then retry.");
        }

        if (status.CatchUpWatermark is { } watermark)
        {
            var lag = timeProvider.GetUtcNow() - watermark;
            data["catch_up_watermark"] = watermark.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            data["catch_up_lag_seconds"] = Math.Round(lag.TotalSeconds);
            if (settings.MaxCatchUpLag is { } maxLag && lag > maxLag)
            {
                problems.Add($"The catch-up watermark is {lag.TotalHours:0.#} hours old (more than {maxLag}).");
            }
        }
        else if (settings.MaxCatchUpLag is not null)
        {
            problems.Add("Catch-up has not recorded an event yet.");
        }

        return problems.Count == 0
            ? HealthCheckResult.Healthy("The ledger is reachable and nothing is parked.", data)
            : HealthCheckResult.Degraded(string.Join(" ", problems), data: data);
    }

    /// <summary>
    /// The settings' failures when they no longer hold (a reload that removed the signing secret while a webhook endpoint
    /// is mapped, for one): the same message that stops the host at start-up.
    /// </summary>
    private string? SettingsProblem()
    {
        if (services.GetService(typeof(IOptionsMonitor<PaymentLinkTrackingOptions>)) is not IOptionsMonitor<PaymentLinkTrackingOptions> tracking)
        {
            return null;
        }

        try
        {
            _ = tracking.CurrentValue;
            return null;
        }
        catch (OptionsValidationException invalid)
        {
            return invalid.Message;
        }
    }
}
