using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Samples;

/// <summary>
/// The console's <c>link</c> and <c>bulk</c>, run as processes, with <c>PaymentLinkTracking:CampaignKeys</c> on (each
/// link carries its campaign key, registered in the SQLite ledger file) and off (no database is opened).
/// </summary>
[NonParallelizable]
public class ConsoleCampaignKeysTests
{
    private const string Console = "PaymentLinks.Tracking.Samples.Console";

    private DirectoryInfo _folder = null!;
    private string _ledgerFile = null!;

    [SetUp]
    public void SetUp()
    {
        _folder = Directory.CreateTempSubdirectory("paymentlinks-keys-");
        _ledgerFile = Path.Combine(_folder.FullName, "ledger.db");
    }

    [TearDown]
    public void TearDown()
    {
        SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }

    [Test]
    public async Task Link_with_campaign_keys_on_puts_the_key_after_the_reference_and_registers_it_in_the_ledger()
    {
        var (exitCode, output, error) = await Run(
            campaignKeys: true,
            "link", "stripe-example", "--utm-source", "newsletter", "--utm-medium", "email", "--utm-campaign", "spring_sale",
            "--client-reference-id", "order-1042");

        exitCode.ShouldBe(0, error);
        var link = PaymentLinkUrl.Parse(output.Trim());
        var utm = new UtmCodes { Source = "newsletter", Medium = "email", Campaign = "spring_sale" };
        link.Utm.ShouldBe(utm);
        var reference = ClientReferenceCodec.Decode(link.ClientReferenceId);
        reference.MerchantReference.ShouldBe("order-1042");
        reference.Key.ShouldBe(CampaignKey.For(utm));
        RegisteredKeys().ShouldBe([$"{CampaignKey.For(utm)} newsletter/email/spring_sale"]);
    }

    [Test]
    public async Task Link_and_bulk_with_campaign_keys_off_open_no_database()
    {
        var input = Path.Combine(_folder.FullName, "links.csv");
        File.WriteAllText(input, "base_url,utm_campaign\nstripe-example,spring_sale\n");

        var link = await Run(campaignKeys: false, "link", "stripe-example", "--utm-campaign", "spring_sale", "--client-reference-id", "order-1");
        var bulk = await Run(campaignKeys: false, "bulk", input);

        link.ExitCode.ShouldBe(0, link.Error);
        bulk.ExitCode.ShouldBe(0, bulk.Error);
        PaymentLinkUrl.Parse(link.Output.Trim()).ClientReferenceId.ShouldBe("order-1");
        bulk.Output.ShouldNotContain(ClientReferenceCodec.Marker);
        File.Exists(_ledgerFile).ShouldBeFalse();
    }

    [Test]
    public async Task Bulk_with_campaign_keys_on_registers_one_key_per_campaign_and_each_row_carries_its_own()
    {
        string[] campaigns = ["spring_sale", "summer_sale", "black_friday"];
        var csv = new StringBuilder("base_url,client_reference_id,utm_source,utm_medium,utm_campaign\n");
        for (var row = 0; row < 300; row++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"stripe-example,order-{row},newsletter,email,{campaigns[row % 3]}\n");
        }

        var input = Path.Combine(_folder.FullName, "links.csv");
        File.WriteAllText(input, csv.ToString());

        var (exitCode, output, error) = await Run(campaignKeys: true, "bulk", input);

        exitCode.ShouldBe(0, error);
        var rows = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..];
        rows.Length.ShouldBe(300);
        for (var row = 0; row < rows.Length; row++)
        {
            var link = PaymentLinkUrl.Parse(rows[row].Split(',')[5]);
            var reference = ClientReferenceCodec.Decode(link.ClientReferenceId);
            reference.MerchantReference.ShouldBe($"order-{row}");
            reference.Key.ShouldBe(CampaignKey.For(new UtmCodes { Source = "newsletter", Medium = "email", Campaign = campaigns[row % 3] }));
        }

        RegisteredKeys().ShouldBe(
            campaigns.Select(campaign => $"{CampaignKey.For(new UtmCodes { Source = "newsletter", Medium = "email", Campaign = campaign })} newsletter/email/{campaign}"),
            ignoreOrder: true);
    }

    private async Task<(int ExitCode, string Output, string Error)> Run(bool campaignKeys, params string[] arguments)
    {
        using var sample = SampleProcess.Start(Console, arguments, new Dictionary<string, string>
        {
            ["PaymentLinkTracking__CampaignKeys"] = campaignKeys ? "true" : "false",
            ["ConnectionStrings__PaymentLinkLedger"] = $"Data Source={_ledgerFile}",
        });
        var exitCode = await sample.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return (exitCode, sample.Output, sample.Error);
    }

    /// <summary>Each key in the ledger file and the codes it stands for, as "key source/medium/campaign".</summary>
    private List<string> RegisteredKeys()
    {
        using var connection = new SqliteConnection($"Data Source={_ledgerFile};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT campaign_key, utm_source, utm_medium, utm_campaign FROM payment_link_campaign_keys ORDER BY campaign_key";
        using var reader = command.ExecuteReader();
        var keys = new List<string>();
        while (reader.Read())
        {
            keys.Add($"{reader.GetString(0)} {reader[1]}/{reader[2]}/{reader[3]}");
        }

        return keys;
    }
}
