using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Ledger;
using PaymentLinks.Tracking.Tests.StripeApi;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Forwarding;

/// <summary>
/// The forwarding clients follow no redirect: a destination that answers 3xx has not received the conversion, whatever
/// the address it points to would answer, and the row's error names that address.
/// </summary>
public sealed class ForwardingRedirectTests
{
    private DirectoryInfo _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("paymentlinks-redirect-");

    [TearDown]
    public void DeleteFolder()
    {
        SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }

    [Test]
    public async Task Every_destination_answering_a_redirect_is_not_sent_and_its_error_names_the_location(
        [Values("google_analytics", "meta", "webhook")] string name,
        [Values(302, 307, 308)] int status)
    {
        var on = ForwardingDestination.Named(name);
        await using var elsewhere = new LoopbackStripeServer(new StripeAnswer(200, "{}"));
        var location = elsewhere.ApiBase + "/hooks/moved";
        await using var destinations = new LoopbackDestinations
        {
            Override = (destination, _) => Task.FromResult<StripeAnswer?>(new StripeAnswer(status, string.Empty) { Headers = new Dictionary<string, string> { ["Location"] = location } }),
        };
        var services = new ServiceCollection();
        services.AddSqliteLedger(options =>
        {
            options.ConnectionString = $"Data Source={Path.Combine(_folder.FullName, "ledger.db")}";
            options.RunFulfillment = false;
        });
        services.AddPaymentLinkForwarding(options =>
        {
            destinations.Configure(options, on);
            options.RequestTimeout = TimeSpan.FromSeconds(5);
        });
        await using var provider = services.BuildServiceProvider();
        var ledger = provider.GetRequiredService<DbPaymentLinkLedger>();
        var worker = provider.GetServices<IHostedService>().OfType<ForwardingWorker>().Single();
        var sessionId = LedgerContract.NewLiveSessionId();
        await ledger.RecordAsync(LedgerContract.PaidEvent(sessionId));
        // A consenting visit, so that Meta's required customer information is there and the event goes out.
        await provider.GetRequiredService<IPaymentLinkAttribution>().RecordVisitAsync(
            sessionId,
            UtmCodes.None,
            new ThankYouVisitDetails { UserAgent = "Mozilla/5.0", PageUrl = "https://shop.example/thanks", ClientIp = "203.0.113.7", Consent = VisitConsent.Granted });

        while (await worker.ForwardRoundAsync(CancellationToken.None))
        {
        }

        destinations.Answered(on).ShouldHaveSingleItem().Status.ShouldBe(status);
        elsewhere.Requests.ShouldBeEmpty();
        var row = (await provider.GetRequiredService<IPaymentLinkForwarding>().ListAsync()).ShouldHaveSingleItem();
        row.SessionId.ShouldBe(sessionId);
        row.State.ShouldNotBe(ForwardingState.Sent);
        row.LastError.ShouldNotBeNull().ShouldContain(location);
    }
}
