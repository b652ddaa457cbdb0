using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace PaymentLinks.Tracking;

/// <summary>
/// The registration an engine package makes: its options, the ledger (and its attribution) on its dialect, and the
/// fulfilment worker.
/// </summary>
internal static class LedgerServices
{
    /// <summary>
    /// Registers the ledger once: a second engine's call adds nothing. The options are validated when the host starts,
    /// with the engine's own checks after the shared ones.
    /// </summary>
    public static void AddLedger<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(
        IServiceCollection services,
        Action<TOptions> configure,
        Func<TOptions, IEnumerable<string>> engineProblems,
        Func<TOptions, IServiceProvider, LedgerDialect> createDialect)
        where TOptions : PaymentLinkLedgerOptions
    {
        services.AddOptions<TOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>>(new LedgerOptionsValidator<TOptions>(engineProblems)));
        services.TryAddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<TOptions>>().Value;
            return new DbPaymentLinkLedger(
                createDialect(options, provider),
                TimeProviderOf(provider),
                options.Sessions,
                () => provider.GetService<ForwardingServices>()?.Plan,
                options.ApplyMigrations,
                options.MaxUnclaimedVisits,
                options.UnclaimedVisitLifetime,
                () => provider.GetService<IPaymentLinkUrlFactory>(),
                options.AttributionWindow,
                options.TimeDecayHalfLife);
        });
        services.TryAddSingleton<IPaymentLinkLedger>(provider => provider.GetRequiredService<DbPaymentLinkLedger>());
        services.TryAddSingleton<IPaymentLinkAttribution>(provider => provider.GetRequiredService<DbPaymentLinkLedger>());
        services.TryAddSingleton<IPaymentLinkClicks>(provider => provider.GetRequiredService<DbPaymentLinkLedger>());
        services.TryAddSingleton<IPaymentLinkAdmin>(provider => provider.GetRequiredService<DbPaymentLinkLedger>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ClickFlush>(provider =>
        {
            var ledger = provider.GetRequiredService<DbPaymentLinkLedger>();
            ledger.ClickLog = provider.GetService<ILogger<ClickWriter>>() ?? (ILogger)NullLogger.Instance;
            return new ClickFlush(ledger);
        }));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RetentionWorker>(provider => new RetentionWorker(
            provider.GetRequiredService<DbPaymentLinkLedger>(),
            provider.GetRequiredService<IOptions<TOptions>>().Value.PersonalDataRetention,
            TimeProviderOf(provider),
            provider.GetService<ILogger<RetentionWorker>>() ?? NullLogger<RetentionWorker>.Instance)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ReportWorker>(provider => new ReportWorker(
            provider.GetRequiredService<DbPaymentLinkLedger>(),
            provider.GetService<ILogger<ReportWorker>>() ?? NullLogger<ReportWorker>.Instance)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, FulfillmentWorker>(provider => new FulfillmentWorker(
            provider.GetRequiredService<DbPaymentLinkLedger>(),
            provider.GetRequiredService<IOptions<TOptions>>().Value,
            provider.GetRequiredService<IServiceScopeFactory>(),
            TimeProviderOf(provider),
            provider.GetService<ILogger<FulfillmentWorker>>() ?? NullLogger<FulfillmentWorker>.Instance)));
    }

    private static TimeProvider TimeProviderOf(IServiceProvider provider) => provider.GetService<TimeProvider>() ?? TimeProvider.System;

    private sealed class LedgerOptionsValidator<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(Func<TOptions, IEnumerable<string>> engineProblems) : IValidateOptions<TOptions>
        where TOptions : PaymentLinkLedgerOptions
    {
        public ValidateOptionsResult Validate(string? name, TOptions options)
        {
            var problems = options.Problems().Concat(engineProblems(options)).ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }

    /// <summary>
    /// Writes the clicks queued behind the redirect when the host stops (SIGTERM, a deploy), within the host's shutdown
    /// timeout; a click answered after that is written by its own request.
    /// </summary>
    private sealed class ClickFlush(DbPaymentLinkLedger ledger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => ledger.FlushClicksAsync(cancellationToken);
    }
}
