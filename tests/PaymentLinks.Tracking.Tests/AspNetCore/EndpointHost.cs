using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PaymentLinks.Tracking.Tests.DependencyInjection;
using PaymentLinks.Tracking.Tests.Webhooks;

namespace PaymentLinks.Tracking.Tests.AspNetCore;

/// <summary>
/// An ASP.NET Core app with the package's endpoints on a real SQLite ledger in a temporary folder, served by TestServer
/// (in process) or by Kestrel on 127.0.0.1 (real HTTP, real client addresses).
/// </summary>
internal sealed class EndpointHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly DirectoryInfo _folder;

    private EndpointHost(WebApplication app, DirectoryInfo folder, HttpClient client, CapturedLogs logs)
    {
        _app = app;
        _folder = folder;
        Client = client;
        Logs = logs;
    }

    public HttpClient Client { get; }

    public CapturedLogs Logs { get; }

    public IServiceProvider Services => _app.Services;

    public Microsoft.Extensions.Configuration.IConfigurationRoot Configuration => _app.Configuration as Microsoft.Extensions.Configuration.IConfigurationRoot
        ?? throw new InvalidOperationException("The app's configuration is not a root.");

    public TestServer? TestServer => _app.Services.GetService<IServer>() as TestServer;

    public string LedgerPath => Path.Combine(_folder.FullName, "ledger.db");

    /// <param name="map">Maps the endpoints under test.</param>
    /// <param name="configure">Adds to the services (the tracking and the ledger are there already, unless <paramref name="ledger"/> is false).</param>
    /// <param name="kestrel">Serve on Kestrel at 127.0.0.1 instead of TestServer.</param>
    /// <param name="ledger">Register the SQLite ledger (without its fulfilment worker).</param>
    /// <param name="tracking">Sets the tracking options beyond the test secret.</param>
    /// <param name="environment">The host's environment name; the framework's default (Production) when <see langword="null"/>.</param>
    public static async Task<EndpointHost> StartAsync(
        Action<WebApplication> map, Action<WebApplicationBuilder>? configure = null, bool kestrel = false, bool ledger = true,
        Action<PaymentLinkTrackingOptions>? tracking = null, string? environment = null)
    {
        var folder = Directory.CreateTempSubdirectory("paymentlinks-endpoints-");
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = environment });
        if (kestrel)
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
        }
        else
        {
            builder.WebHost.UseTestServer();
        }

        var logs = new CapturedLogs();
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddPaymentLinkTracking(options =>
        {
            options.SigningSecrets.Add(SignedWebhooks.Secret);
            tracking?.Invoke(options);
        });
        if (ledger)
        {
            builder.Services.AddSqliteLedger(options =>
            {
                options.ConnectionString = $"Data Source={Path.Combine(folder.FullName, "ledger.db")}";
                options.RunFulfillment = false;
            });
        }

        configure?.Invoke(builder);
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        HttpClient client;
        if (kestrel)
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            client = new HttpClient { BaseAddress = new Uri(address) };
        }
        else
        {
            client = app.GetTestClient();
        }

        return new EndpointHost(app, folder, client, logs);
    }

    /// <summary>Sends a request through TestServer as if from <paramref name="remote"/>.</summary>
    /// <param name="remote">The client's address as the connection shows it.</param>
    /// <param name="method">The method.</param>
    /// <param name="path">The path, without a query.</param>
    /// <param name="request">Sets more of the request: headers, the query, the body, the <c>Host</c>.</param>
    public Task<HttpContext> SendFromAsync(IPAddress remote, string method, string path, Action<HttpRequest>? request = null) =>
        TestServer!.SendAsync(context =>
        {
            context.Request.Method = method;
            context.Request.Path = path;
            context.Connection.RemoteIpAddress = remote;
            context.Connection.LocalIpAddress = IPAddress.Parse("10.0.0.5");
            request?.Invoke(context.Request);
        });

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }
}
