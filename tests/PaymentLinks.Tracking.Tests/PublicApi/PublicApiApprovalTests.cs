using NUnit.Framework;
using PublicApiGenerator;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.PublicApi;

public class PublicApiApprovalTests
{
    // Every change to the public surface shows up as a diff of PublicApiApprovalTests.*.approved.txt.
    // To accept a change, copy the .received.txt file Shouldly writes beside it over the .approved.txt file.
    [Test]
    public void The_public_api_is_the_approved_one()
    {
        var api = PublicApiOf(typeof(PaymentLinkUrl).Assembly);

        api.ShouldMatchApproved(options => options.NoDiff().WithFileExtension("txt"));
    }

    // The engine packages, each in its own approved file.
    [TestCase(typeof(PaymentLinks.Tracking.Sqlite.SqliteLedgerOptions), "Sqlite")]
    [TestCase(typeof(PaymentLinks.Tracking.PostgreSql.PostgreSqlLedgerOptions), "PostgreSql")]
    public void The_ledger_engines_public_api_is_the_approved_one(Type engineType, string engine)
    {
        var api = PublicApiOf(engineType.Assembly);

        api.ShouldMatchApproved(options => options.NoDiff().WithFileExtension("txt").WithDiscriminator(engine));
    }

    // The ASP.NET Core package: its Map... extensions live in Microsoft.AspNetCore.Builder, as ASP.NET Core's own do.
    [Test]
    public void The_aspnetcore_packages_public_api_is_the_approved_one()
    {
        var api = PublicApiOf(typeof(PaymentLinks.Tracking.AspNetCore.PaymentLinkThankYouOptions).Assembly);

        api.ShouldMatchApproved(options => options.NoDiff().WithFileExtension("txt"));
    }

    // The Google Ads destination's package: written on the core's public destination API only.
    [Test]
    public void The_google_ads_packages_public_api_is_the_approved_one()
    {
        var api = PublicApiOf(typeof(PaymentLinks.Tracking.GoogleAds.GoogleAdsDestination).Assembly);

        api.ShouldMatchApproved(options => options.NoDiff().WithFileExtension("txt"));
    }

    private static string PublicApiOf(System.Reflection.Assembly assembly) =>
        assembly.GeneratePublicApi(new ApiGeneratorOptions
        {
            // The AddPaymentLinkTracking extensions live where .NET looks for them; without this they would go unguarded.
            AllowNamespacePrefixes = ["Microsoft.Extensions.DependencyInjection", "Microsoft.AspNetCore.Builder"],
            ExcludeAttributes =
            [
                "System.Runtime.Versioning.TargetFrameworkAttribute",
                "System.Reflection.AssemblyMetadataAttribute",
            ],
        });
}
