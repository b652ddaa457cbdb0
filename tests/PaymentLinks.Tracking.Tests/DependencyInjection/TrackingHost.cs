using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PaymentLinks.Tracking.Tests.DependencyInjection;

/// <summary>Builds hosts the way applications do: appsettings.json text, a configuration section, the real host.</summary>
internal static class TrackingHost
{
    public const string StripeExample = "https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr";
    public const string Secret = "whsec_test_5b2c8e1f0a9d4c3b7e6f1a2b3c4d5e6f";

    public static IConfigurationRoot Json(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();

    public static IHost FromJson(string json, CapturedLogs? logs = null) =>
        Build(services => services.AddPaymentLinkTracking(Json(json).GetSection("PaymentLinkTracking")), logs);

    public static IHost Build(Action<IServiceCollection> configure, CapturedLogs? logs = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace);
        }

        configure(builder.Services);
        return builder.Build();
    }
}
