using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using Shouldly;
using PaymentLinks.Tracking.Tests.Webhooks;

namespace PaymentLinks.Tracking.Tests.AspNetCore;

/// <summary>
/// A webhook endpoint needs a signing secret: without one the host does not start, with a message naming the setting,
/// rather than starting healthy and answering every webhook with a 500.
/// </summary>
public sealed class WebhookSigningSecretTests
{
    private static readonly DirectoryInfo Root = Directory.CreateTempSubdirectory("paymentlinks-secret-");

    [OneTimeTearDown]
    public void RemoveRoot()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Root.Delete(recursive: true);
    }

    private static WebApplicationBuilder Builder(Dictionary<string, string?> settings)
    {
        // Content from the test's own folder (the samples' appsettings.json) stays out.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = Root.FullName });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings);
        return builder;
    }

    [Test]
    public async Task A_section_without_a_secret_stops_the_host_naming_the_configuration_key()
    {
        var builder = Builder(new() { ["PaymentLinkTracking:Tolerance"] = "00:05:00" });
        builder.Services.AddPaymentLinkTracking(builder.Configuration.GetSection("PaymentLinkTracking"));
        await using var app = builder.Build();
        app.MapPaymentLinkWebhook("/stripe/webhook");

        var failure = await Should.ThrowAsync<OptionsValidationException>(() => app.StartAsync());

        failure.Message.ShouldContain("set PaymentLinkTracking:SigningSecrets (e.g. the environment variable PaymentLinkTracking__SigningSecrets__0)");
        failure.Message.ShouldNotContain("check its name");
    }

    [Test]
    public async Task A_misspelled_section_name_stops_the_host_naming_the_key_it_looked_for()
    {
        var builder = Builder(new() { ["PaymentLinkTracking:SigningSecrets:0"] = SignedWebhooks.Secret });
        builder.Services.AddPaymentLinkTracking(builder.Configuration.GetSection("PaymentLinksTracking"));
        await using var app = builder.Build();
        app.MapPaymentLinkWebhook("/stripe/webhook", (_, _) => Task.CompletedTask);

        var failure = await Should.ThrowAsync<OptionsValidationException>(() => app.StartAsync());

        failure.Message.ShouldContain("set PaymentLinksTracking:SigningSecrets");
        failure.Message.ShouldContain("The configuration has no section PaymentLinksTracking at all: check its name.");
    }

    [Test]
    public async Task Options_set_in_code_without_a_secret_stop_the_host_naming_the_option_even_when_read_before_the_endpoint_is_mapped()
    {
        var builder = Builder([]);
        builder.Services.AddPaymentLinkTracking(options => options.Links["pro"] = "https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr");
        await using var app = builder.Build();
        app.Services.GetRequiredService<IPaymentLinkUrlFactory>().Create("pro").ToString().ShouldStartWith("https://buy.stripe.com/");
        app.MapPaymentLinkWebhook("/stripe/webhook");

        var failure = await Should.ThrowAsync<OptionsValidationException>(() => app.StartAsync());

        failure.Message.ShouldContain("add the endpoint's signing secret (whsec_...) to PaymentLinkTrackingOptions.SigningSecrets");
    }

    [Test]
    public async Task An_app_without_a_webhook_endpoint_needs_no_secret()
    {
        var builder = Builder([]);
        builder.Services.AddPaymentLinkTracking(builder.Configuration.GetSection("PaymentLinkTracking"));
        await using var app = builder.Build();
        app.MapGet("/", () => "links only");

        await app.StartAsync();
        await app.StopAsync();
    }

    [Test]
    public async Task A_secret_gone_at_run_time_makes_the_health_check_unhealthy_with_the_start_up_message()
    {
        var secret = SignedWebhooks.Secret;
        var builder = Builder([]);
        builder.Services.AddPaymentLinkTracking(options =>
        {
            if (secret is not null)
            {
                options.SigningSecrets.Add(secret);
            }
        });
        builder.Services.AddSqliteLedger($"Data Source={Path.Combine(Root.FullName, "ledger.db")}");
        builder.Services.AddHealthChecks().AddPaymentLinkTracking();
        await using var app = builder.Build();
        app.MapPaymentLinkWebhook("/stripe/webhook");
        await app.StartAsync();
        var health = app.Services.GetRequiredService<HealthCheckService>();
        (await health.CheckHealthAsync()).Status.ShouldBe(HealthStatus.Healthy);

        secret = null;
        app.Services.GetRequiredService<IOptionsMonitorCache<PaymentLinkTrackingOptions>>().Clear();
        var entry = (await health.CheckHealthAsync()).Entries["paymentlinks"];

        entry.Status.ShouldBe(HealthStatus.Unhealthy);
        entry.Description.ShouldNotBeNull().ShouldContain(
            "No webhook signing secret is configured, but a webhook endpoint is mapped, so every webhook would fail: add the endpoint's signing secret (whsec_...) to PaymentLinkTrackingOptions.SigningSecrets.");
        await app.StopAsync();
    }
}
