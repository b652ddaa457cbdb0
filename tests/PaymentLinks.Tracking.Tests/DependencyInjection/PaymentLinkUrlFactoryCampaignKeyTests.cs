using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NUnit.Framework;
using Shouldly;
using static PaymentLinks.Tracking.Tests.DependencyInjection.TrackingHost;

namespace PaymentLinks.Tracking.Tests.DependencyInjection;

/// <summary>The factory's opt-in campaign keys, with the keys kept in a real SQLite ledger.</summary>
public class PaymentLinkUrlFactoryCampaignKeyTests
{
    private static readonly UtmCodes Newsletter = new() { Source = "website", Medium = "referral", Campaign = "spring" };

    private string _folder = null!;

    private string DatabasePath => Path.Combine(_folder, "ledger.db");

    [SetUp]
    public void CreateFolder() => _folder = Directory.CreateTempSubdirectory("paymentlinks-keys-").FullName;

    [TearDown]
    public void RemoveFolder()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Test]
    public async Task Off_by_default_a_reference_is_left_as_the_caller_set_it_and_no_key_is_registered()
    {
        using var host = Host(campaignKeys: null);
        var links = host.Services.GetRequiredService<IPaymentLinkUrlFactory>();

        var link = links.Create("pro-monthly", link => link.WithUtmCampaign("spring").WithClientReferenceId("order-1042"));

        link.ToString().ShouldBe($"{StripeExample}?utm_source=website&utm_medium=referral&utm_campaign=spring&client_reference_id=order-1042");
        links.Create("pro-monthly").ClientReferenceId.ShouldBeNull();
        await host.Services.GetRequiredService<IPaymentLinkAttribution>().ReportAsync();
        (await CountKeysAsync()).ShouldBe(0);
    }

    [Test]
    public async Task On_the_key_follows_the_reference_and_is_on_disk_before_the_link_is_returned()
    {
        using var host = Host(campaignKeys: true);
        var links = host.Services.GetRequiredService<IPaymentLinkUrlFactory>();

        var link = links.Create("pro-monthly", link => link.WithUtmCampaign("spring").WithClientReferenceId("order-1042"));

        var key = CampaignKey.For(Newsletter);
        link.ClientReferenceId.ShouldBe($"order-1042_plk1_{key}");
        ClientReferenceCodec.Decode(link.ClientReferenceId).ShouldBe(new DecodedClientReference("order-1042", key));
        (await CountKeysAsync()).ShouldBe(1);
    }

    [Test]
    public async Task A_payment_through_a_keyed_link_is_attributed_by_its_reference_from_the_webhook_alone()
    {
        using var host = Host(campaignKeys: true);
        var link = host.Services.GetRequiredService<IPaymentLinkUrlFactory>().Create("pro-monthly", link => link.WithUtmCampaign("spring"));
        var ledger = host.Services.GetRequiredService<IPaymentLinkLedger>();
        var checkout = PaymentLinkCheckout.Create(
            "cs_test_keyed", paymentLinkId: "plink_keyed", clientReferenceId: link.ClientReferenceId, amountTotal: 2900, currency: "eur",
            paymentStatus: CheckoutPaymentStatus.Paid, status: "complete", mode: "payment");

        await ledger.RecordAsync(PaymentLinkEvent.Create("evt_test_keyed", "checkout.session.completed", DateTimeOffset.UtcNow, livemode: true, checkout: checkout));

        (await host.Services.GetRequiredService<IPaymentLinkAttribution>().ReportAsync())
            .ShouldBe([new CampaignReportRow("website", "referral", "spring", "eur", 1, 1, 2900, 0, 0, 1, 0, Gross: 2900)]);
    }

    [Test]
    public async Task Each_campaigns_key_is_written_once_and_later_links_need_no_database()
    {
        using var host = Host(campaignKeys: true);
        var links = host.Services.GetRequiredService<IPaymentLinkUrlFactory>();
        string[] campaigns = ["spring", "summer", "autumn"];
        foreach (var campaign in campaigns)
        {
            links.Create("pro-monthly", link => link.WithUtmCampaign(campaign));
        }

        (await CountKeysAsync()).ShouldBe(3);

        // With the ledger's file gone, links of known campaigns are still made; a new campaign needs the ledger.
        SqliteConnection.ClearAllPools();
        Directory.Move(_folder, _folder + "-away");
        try
        {
            for (var i = 0; i < 1000; i++)
            {
                var order = i.ToString(CultureInfo.InvariantCulture);
                links.Create("pro-monthly", link => link.WithUtmCampaign(campaigns[i % 3]).WithClientReferenceId(order))
                    .ClientReferenceId.ShouldStartWith($"{order}_plk1_");
            }

            Should.Throw<SqliteException>(() => links.Create("pro-monthly", link => link.WithUtmCampaign("winter")));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Move(_folder + "-away", _folder);
        }

        (await CountKeysAsync()).ShouldBe(3);
    }

    [Test]
    public async Task A_reference_too_long_to_share_is_kept_whole_without_the_key_and_reported_like_a_drop()
    {
        var logs = new CapturedLogs();
        using var host = Host(campaignKeys: true, logs);
        var links = host.Services.GetRequiredService<IPaymentLinkUrlFactory>();
        var longest = new string('r', ClientReferenceCodec.MaxMerchantReferenceLength);
        var tooLong = longest + "s";

        links.Create("pro-monthly", link => link.WithClientReferenceId(longest)).ClientReferenceId!.Length.ShouldBe(PaymentLinkRules.MaxClientReferenceIdLength);
        links.Create("pro-monthly", link => link.WithClientReferenceId(tooLong)).ClientReferenceId.ShouldBe(tooLong);

        var warning = logs.Entries.Where(entry => entry.Level >= LogLevel.Warning).ShouldHaveSingleItem();
        warning.Level.ShouldBe(LogLevel.Warning);
        warning.EventId.Name.ShouldBe("PaymentLinkCampaignKeyLeftOut");
        warning.AllText.ShouldContain("pro-monthly");
        warning.AllText.ShouldNotContain(tooLong);
        (await CountKeysAsync()).ShouldBe(1);
    }

    [Test]
    public void A_link_without_utm_codes_is_left_unchanged()
    {
        using var host = Host(campaignKeys: true, defaultUtm: false);
        var links = host.Services.GetRequiredService<IPaymentLinkUrlFactory>();

        links.Create("pro-monthly", link => link.WithClientReferenceId("order-7")).ToString()
            .ShouldBe($"{StripeExample}?client_reference_id=order-7");
    }

    [Test]
    public void A_reference_that_carries_a_key_gets_the_key_of_the_links_codes_instead_of_a_second_one()
    {
        using var host = Host(campaignKeys: true);
        var links = host.Services.GetRequiredService<IPaymentLinkUrlFactory>();
        var spring = links.Create("pro-monthly", link => link.WithUtmCampaign("spring").WithClientReferenceId("order-9"));

        var summer = links.Create("pro-monthly", link => link.WithUtmCampaign("summer").WithClientReferenceId(spring.ClientReferenceId));

        ClientReferenceCodec.Decode(summer.ClientReferenceId)
            .ShouldBe(new DecodedClientReference("order-9", CampaignKey.For(Newsletter with { Campaign = "summer" })));
    }

    [Test]
    public void On_without_a_ledger_creating_a_link_names_the_option_and_the_missing_ledger()
    {
        using var host = Build(services => services.AddPaymentLinkTracking(Json(Settings(true, defaultUtm: true)).GetSection("PaymentLinkTracking")));
        var links = host.Services.GetRequiredService<IPaymentLinkUrlFactory>();

        var error = Should.Throw<InvalidOperationException>(() => links.Create("pro-monthly"));

        error.Message.ShouldContain("PaymentLinkTrackingOptions.CampaignKeys");
        error.Message.ShouldContain("AddSqliteLedger");
    }

    private IHost Host(bool? campaignKeys, CapturedLogs? logs = null, bool defaultUtm = true) =>
        Build(
            services => services
                .AddPaymentLinkTracking(Json(Settings(campaignKeys, defaultUtm)).GetSection("PaymentLinkTracking"))
                .AddSqliteLedger($"Data Source={DatabasePath}"),
            logs);

    // Bound from configuration, as an application sets it.
    private static string Settings(bool? campaignKeys, bool defaultUtm) => $$"""
        {
          "PaymentLinkTracking": {
            {{(campaignKeys is { } on ? $"\"CampaignKeys\": {(on ? "true" : "false")}," : "")}}
            {{(defaultUtm ? "\"DefaultUtm\": { \"Source\": \"website\", \"Medium\": \"referral\" }," : "")}}
            "Links": { "pro-monthly": "{{StripeExample}}" }
          }
        }
        """;

    private async Task<long> CountKeysAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath}");
        await connection.OpenAsync();
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM payment_link_campaign_keys";
        return Convert.ToInt64(await count.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
