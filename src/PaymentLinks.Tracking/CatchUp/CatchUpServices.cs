using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace PaymentLinks.Tracking;

/// <summary>
/// The registration <c>AddPaymentLinkStripeApi()</c> makes for catch-up: <see cref="IPaymentLinkLedgerCatchUp"/> on the
/// ledger and the Stripe client, its options validated at start-up, and the background worker (idle unless turned on).
/// </summary>
internal static class CatchUpServices
{
    public const string NoLedger =
        "Catching up from Stripe's Events API records events in the ledger, and none is registered: add one with AddSqliteLedger(...) or AddPostgreSqlLedger(...).";

    [RequiresUnreferencedCode(StripeNetTrimming.Message)]
    [RequiresDynamicCode(StripeNetTrimming.Message)]
    public static void Add(IServiceCollection services)
    {
        services.AddOptions<PaymentLinkCatchUpOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PaymentLinkCatchUpOptions>, CatchUpOptionsValidator>());
        services.TryAddSingleton<IPaymentLinkLedgerCatchUp>(provider =>
        {
            var ledger = provider.GetService<DbPaymentLinkLedger>() ?? throw new InvalidOperationException(NoLedger);
            var clients = provider.GetRequiredService<StripeClientSource>();
            var timeProvider = provider.GetService<TimeProvider>() ?? TimeProvider.System;

            // The client is taken for each run, so that a rolled key is used from the next run on.
            return new LedgerCatchUp(
                ledger,
                () => new PaymentLinkEventCatchUp(clients.GetClient(provider), timeProvider),
                provider.GetRequiredService<IOptions<PaymentLinkCatchUpOptions>>(),
                timeProvider,
                provider.GetService<ILogger<LedgerCatchUp>>() ?? NullLogger<LedgerCatchUp>.Instance);
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, CatchUpWorker>(provider => new CatchUpWorker(
            provider,
            provider.GetRequiredService<IOptions<PaymentLinkCatchUpOptions>>(),
            provider.GetService<TimeProvider>() ?? TimeProvider.System,
            provider.GetService<ILogger<CatchUpWorker>>() ?? NullLogger<CatchUpWorker>.Instance)));
    }

    private sealed class CatchUpOptionsValidator : IValidateOptions<PaymentLinkCatchUpOptions>
    {
        public ValidateOptionsResult Validate(string? name, PaymentLinkCatchUpOptions options)
        {
            var problems = options.Problems().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
