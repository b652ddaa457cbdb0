using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.Sqlite;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Forwarding.GoogleAds;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Samples;

/// <summary>The console sample's <c>forwarding validate</c> with Google Ads configured, run as a process against the loopback Google.</summary>
[SuppressMessage("Design", "CA1001", Justification = "The loopback server is disposed in TearDown.")]
public class GoogleAdsCommandTests
{
    private string _folder = null!;
    private LoopbackGoogle _google = null!;

    [SetUp]
    public void Create()
    {
        _folder = Directory.CreateTempSubdirectory("paymentlinks-googleads-console-").FullName;
        _google = new LoopbackGoogle();
    }

    [TearDown]
    public async Task Remove()
    {
        await _google.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task Forwarding_validate_sends_with_validateOnly_and_prints_Googles_errors()
    {
        _google.Override = (_, _) => LoopbackGoogle.Status(
            400, "INVALID_ARGUMENT", "Request contains an invalid argument.", ("destinations[0].product_destination_id", "Conversion action ID is not valid.", "INVALID_CONVERSION_ACTION_ID"));

        var (exitCode, output, error) = await RunAsync("forwarding", "validate");

        exitCode.ShouldBe(1, error);
        output.ShouldContain("google_ads: problems");
        output.ShouldContain("destinations[0].product_destination_id: Conversion action ID is not valid. (INVALID_CONVERSION_ACTION_ID)");
        ((bool)System.Text.Json.Nodes.JsonNode.Parse(_google.Ingested.ShouldHaveSingleItem().Request.RawBody)!["validateOnly"]!).ShouldBeTrue();

        _google.Override = null;
        (exitCode, output, _) = await RunAsync("forwarding", "validate");
        exitCode.ShouldBe(0);
        output.ShouldContain("google_ads: ok");
    }

    [Test]
    public async Task A_customer_id_with_hyphens_stops_the_command_naming_the_setting()
    {
        var (exitCode, _, error) = await RunAsync(new Dictionary<string, string> { ["PaymentLinkTracking__Forwarding__GoogleAds__OperatingAccountId"] = "123-456-7890" }, "forwarding", "list");

        exitCode.ShouldBe(2);
        error.ShouldContain("PaymentLinkTracking:Forwarding:GoogleAds:OperatingAccountId must be a Google Ads customer id");
    }

    private Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] arguments) => RunAsync([], arguments);

    private async Task<(int ExitCode, string Output, string Error)> RunAsync(Dictionary<string, string> extra, params string[] arguments)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__PaymentLinkLedger"] = $"Data Source={Path.Combine(_folder, "ledger.db")}",
            ["PaymentLinkTracking__Forwarding__GoogleAds__OperatingAccountId"] = LoopbackGoogle.OperatingAccountId,
            ["PaymentLinkTracking__Forwarding__GoogleAds__ConversionActionId"] = LoopbackGoogle.ConversionActionId,
            ["PaymentLinkTracking__Forwarding__GoogleAds__CredentialsJson"] = _google.ServiceAccountKey(),
            ["PaymentLinkTracking__Forwarding__GoogleAds__Endpoint"] = _google.Endpoint.AbsoluteUri,
        };
        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }

        using var process = SampleProcess.Start("PaymentLinks.Tracking.Samples.Console", arguments, environment);
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(90));
        return (exitCode, process.Output, process.Error);
    }
}
