using System.Collections.Concurrent;
using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Ledger;
using PaymentLinks.Tracking.Tests.StripeApi;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Forwarding;

/// <summary>
/// A destination of the merchant's own, added with <c>AddConversionDestination&lt;T&gt;()</c>: it receives the outbox's
/// conversions through its own client and gets the outbox's guarantees.
/// </summary>
public sealed class ConversionDestinationApiTests
{
    private DirectoryInfo _folder = null!;
    private readonly List<ServiceProvider> _providers = [];

    [SetUp]
    public void CreateFolder()
    {
        _folder = Directory.CreateTempSubdirectory("paymentlinks-destination-");
        _providers.Clear();
    }

    [TearDown]
    public async Task DeleteFolder()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }

    [Test]
    public async Task An_added_destination_receives_each_purchase_and_refund_once_with_the_forwarding_money_rules()
    {
        var (ledger, worker, forwarding, crm) = Forwarder<RecordingDestination>();
        var sessionId = LedgerContract.NewLiveSessionId();
        await ledger.RecordAsync(LedgerContract.PaidEvent(sessionId, amount: 4200));
        await ledger.RecordAsync(LedgerContract.PaidEvent(sessionId, amount: 4200));
        await DrainAsync(worker);
        await ledger.EnqueueRefundAsync(sessionId, "1000", 1000, "usd", DateTimeOffset.UtcNow, CancellationToken.None);
        await DrainAsync(worker);

        crm.Received.Select(c => c.Kind).ShouldBe([ForwardingKind.Purchase, ForwardingKind.Refund]);
        var purchase = crm.Received[0];
        purchase.SessionId.ShouldBe(sessionId);
        purchase.TransactionId.ShouldBe(sessionId);
        purchase.Value.ShouldBe(42.00m);
        purchase.CurrencyCode.ShouldBe("USD");
        purchase.Email.ShouldBeNull(); // No consent recorded.
        crm.Received[1].Value.ShouldBe(10.00m);
        crm.Clients.ShouldAllBe(client => client != null);
        (await forwarding.ListAsync()).ShouldAllBe(row => row.Destination == ForwardingDestination.Named("crm") && row.State == ForwardingState.Sent);
    }

    [Test]
    public async Task Per_event_outcomes_settle_each_conversion_and_errors_lose_the_declared_secret()
    {
        var (ledger, worker, forwarding, crm) = Forwarder<RecordingDestination>();
        var sessions = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var sessionId = LedgerContract.NewLiveSessionId();
            sessions.Add(sessionId);
            await ledger.RecordAsync(LedgerContract.PaidEvent(sessionId));
        }

        crm.Answer = batch => ConversionBatchResult.PerEvent(batch.Select(c => c.SessionId == sessions[1]
            ? ConversionBatchResult.Refused($"unknown customer (key {RecordingDestination.ApiKey})")
            : ConversionBatchResult.Accepted).ToList());

        await DrainAsync(worker);

        var rows = await forwarding.ListAsync();
        rows.Single(row => row.SessionId == sessions[1]).State.ShouldBe(ForwardingState.Failed);
        var error = rows.Single(row => row.SessionId == sessions[1]).LastError.ShouldNotBeNull();
        error.ShouldStartWith("crm: unknown customer");
        error.ShouldNotContain(RecordingDestination.ApiKey);
        rows.Where(row => row.SessionId != sessions[1]).ShouldAllBe(row => row.State == ForwardingState.Sent);
    }

    [Test]
    public async Task A_withheld_conversion_never_reaches_the_destination_and_lists_why()
    {
        var (ledger, worker, forwarding, crm) = Forwarder<RecordingDestination>();
        crm.Withhold = "Not sent to the CRM: no customer number.";
        await ledger.RecordAsync(LedgerContract.PaidEvent(LedgerContract.NewLiveSessionId()));

        await DrainAsync(worker);

        crm.Received.ShouldBeEmpty();
        var row = (await forwarding.ListAsync()).ShouldHaveSingleItem();
        row.State.ShouldBe(ForwardingState.Withheld);
        row.LastError.ShouldBe("Not sent to the CRM: no customer number.");
    }

    [Test]
    public async Task A_redirect_is_never_followed_nor_handed_to_the_destination()
    {
        await using var elsewhere = new LoopbackStripeServer(new StripeAnswer(200, "{}"));
        await using var moved = new LoopbackStripeServer(new StripeAnswer(307, string.Empty)
        {
            Headers = new Dictionary<string, string> { ["Location"] = elsewhere.ApiBase + "/crm" },
        });
        var (ledger, worker, forwarding, crm) = Forwarder<RecordingDestination>();
        crm.PostTo = new Uri(moved.ApiBase + "/crm");
        await ledger.RecordAsync(LedgerContract.PaidEvent(LedgerContract.NewLiveSessionId()));

        await DrainAsync(worker);

        moved.Requests.Count.ShouldBe(1);
        elsewhere.Requests.ShouldBeEmpty();
        crm.Statuses.ShouldBeEmpty();
        var row = (await forwarding.ListAsync()).ShouldHaveSingleItem();
        row.State.ShouldBe(ForwardingState.Failed);
        row.LastError.ShouldNotBeNull().ShouldContain(elsewhere.ApiBase + "/crm");
    }

    [TestCase("CRM")]
    [TestCase("crm-1")]
    [TestCase("")]
    [TestCase("meta")]
    [TestCase("tiktok")]
    public void A_destination_with_a_bad_or_taken_name_stops_the_start(string name)
    {
        var services = new ServiceCollection();
        services.AddSqliteLedger(options => options.ConnectionString = $"Data Source={Path.Combine(_folder.FullName, "ledger.db")}");
        services.AddPaymentLinkForwarding(options =>
        {
            options.Meta.PixelId = LoopbackDestinations.PixelId;
            options.Meta.AccessToken = LoopbackDestinations.AccessToken;
        });
        services.AddConversionDestination(_ => new RecordingDestination { NameOverride = name });
        using var provider = services.BuildServiceProvider();

        Should.Throw<InvalidOperationException>(() => provider.GetServices<IHostedService>().OfType<ForwardingWorker>().Single())
            .Message.ShouldContain($"'{name}'");
    }

    private (DbPaymentLinkLedger Ledger, ForwardingWorker Worker, IPaymentLinkForwarding Forwarding, T Destination) Forwarder<T>()
        where T : class, IConversionDestination
    {
        var services = new ServiceCollection();
        services.AddSqliteLedger(options =>
        {
            options.ConnectionString = $"Data Source={Path.Combine(_folder.FullName, "ledger.db")}";
            options.RunFulfillment = false;
        });
        services.AddPaymentLinkForwarding(options => options.RequestTimeout = TimeSpan.FromSeconds(5));
        services.AddConversionDestination<T>();
        services.AddConversionDestination<T>();
        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        return (
            provider.GetRequiredService<DbPaymentLinkLedger>(),
            provider.GetServices<IHostedService>().OfType<ForwardingWorker>().Single(),
            provider.GetRequiredService<IPaymentLinkForwarding>(),
            provider.GetRequiredService<T>());
    }

    private static async Task DrainAsync(ForwardingWorker worker)
    {
        while (await worker.ForwardRoundAsync(CancellationToken.None))
        {
        }
    }

    /// <summary>Records what it is given; answers as told, or posts to <see cref="PostTo"/> when set.</summary>
    internal sealed class RecordingDestination : IConversionDestination
    {
        public const string ApiKey = "crm_live_key_0123456789abcdef";

        public string? NameOverride { get; init; }

        public string Name => NameOverride ?? "crm";

        public int MaxBatchSize => 10;

        public ConversionWindow Window => ConversionWindow.RetryFor(TimeSpan.FromDays(3));

        public IReadOnlyCollection<ForwardingKind> Kinds => [ForwardingKind.Purchase, ForwardingKind.Refund];

        public IReadOnlyCollection<string> Secrets => [ApiKey];

        public string? Withhold { get; set; }

        public Uri? PostTo { get; set; }

        public Func<IReadOnlyList<ConversionEvent>, ConversionBatchResult>? Answer { get; set; }

        public ConcurrentQueue<HttpClient> Clients { get; } = new();

        public ConcurrentQueue<HttpStatusCode> Statuses { get; } = new();

        public List<ConversionEvent> Received { get; } = [];

        public string? WithheldBecause(ConversionEvent conversion) => Withhold;

        public async Task<ConversionBatchResult> SendAsync(IReadOnlyList<ConversionEvent> batch, HttpClient client, CancellationToken cancellationToken)
        {
            Clients.Enqueue(client);
            if (PostTo is { } url)
            {
                using var response = await client.PostAsync(url, new StringContent("{}"), cancellationToken);
                Statuses.Enqueue(response.StatusCode);
                return ConversionBatchResult.FromStatus(response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
            }

            lock (Received)
            {
                Received.AddRange(batch);
            }

            return Answer?.Invoke(batch) ?? ConversionBatchResult.Accepted;
        }
    }
}
