using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PaymentLinks.Tracking;

/// <summary>
/// Runs <see cref="IPaymentLinkLedgerCatchUp"/> when the host starts and then every
/// <see cref="PaymentLinkCatchUpOptions.Interval"/>, when <see cref="PaymentLinkCatchUpOptions.RunInBackground"/> is on.
/// A failed run is logged and the next one starts at the watermark.
/// </summary>
internal sealed class CatchUpWorker(
    IServiceProvider services, IOptions<PaymentLinkCatchUpOptions> options, TimeProvider timeProvider, ILogger<CatchUpWorker> logger)
    : BackgroundService
{
    private IPaymentLinkLedgerCatchUp? _catchUp;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.RunInBackground)
        {
            // Resolved here so that a host without a ledger, or without a Stripe key, stops at start-up saying so.
            _catchUp = services.GetRequiredService<IPaymentLinkLedgerCatchUp>();
        }

        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_catchUp is null)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _catchUp.RunAsync(since: null, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is StripeRequestException or InvalidOperationException or ArgumentOutOfRangeException)
            {
                // These messages name no key and copy no answer.
                CatchUpLog.Failed(logger, exception.GetType().FullName, exception.Message);
            }
            catch (DbException exception)
            {
                CatchUpLog.Failed(logger, exception.GetType().FullName, "The ledger could not be reached or refused a write.");
            }
            catch (Exception exception)
            {
                // A failed run never stops the host; its message could quote anything, so only its type is logged.
                CatchUpLog.Failed(logger, exception.GetType().FullName, "The run stopped.");
            }

            try
            {
                await Task.Delay(options.Value.Interval, timeProvider, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
