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
        var api = typeof(PaymentLinkUrl).Assembly.GeneratePublicApi(new ApiGeneratorOptions
        {
            // The AddPaymentLinkTracking extensions live where .NET looks for them; without this they would go unguarded.
            AllowNamespacePrefixes = ["Microsoft.Extensions.DependencyInjection"],
            ExcludeAttributes =
            [
                "System.Runtime.Versioning.TargetFrameworkAttribute",
                "System.Reflection.AssemblyMetadataAttribute",
            ],
        });

        api.ShouldMatchApproved(options => options.NoDiff().WithFileExtension("txt"));
    }
}
