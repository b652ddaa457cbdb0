using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace PaymentLinks.Tracking.Tests.Readme;

/// <summary>
/// Starts a doc block that is a whole web app as a user's <c>dotnet run</c> would: its <c>Main</c> runs on its own
/// thread, on Kestrel at 127.0.0.1 and a free port, with its content root and its SQLite ledger in a temporary folder
/// (the block's <c>paymentlinks-ledger.db</c> is put there), and the configuration a newcomer sets supplied on the
/// command line: a test signing secret and Stripe keys, with Stripe's API base on a closed loopback port so that
/// nothing leaves the machine.
/// </summary>
internal sealed class DocumentApp : IAsyncDisposable
{
    public const string SigningSecret = "whsec_documentapp0test0secret";

    private static readonly string[] Settings =
    [
        $"--PaymentLinkTracking:SigningSecrets:0={SigningSecret}",
        "--PaymentLinkTracking:StripeApiKey=rk_test_documentapp0key",
        "--PaymentLinkTracking:StripeApiBase=http://127.0.0.1:9/",
        $"--Stripe:WebhookSecret={SigningSecret}",
        "--Stripe:CheckoutReadKey=rk_test_documentapp0key",
        "--Logging:LogLevel:Default=Warning",
        "--environment=Production",
    ];

    private readonly DirectoryInfo _folder;
    private readonly Thread _main;
    private readonly IHost _host;
    private readonly StrongBox<Exception?> _failure;

    private DocumentApp(DirectoryInfo folder, Thread main, IHost host, Uri address, StrongBox<Exception?> failure)
    {
        _folder = folder;
        _main = main;
        _host = host;
        Address = address;
        _failure = failure;
    }

    public Uri Address { get; }

    public IServiceProvider Services => _host.Services;

    /// <summary>Compiles and starts the block; returns once the app is listening.</summary>
    public static async Task<DocumentApp> StartAsync(ReadmeBlock block, TimeSpan timeout)
    {
        var folder = Directory.CreateTempSubdirectory("paymentlinks-docapp-");
        var ledger = Path.Combine(folder.FullName, "paymentlinks-ledger.db");
        var code = block.Code.Replace("paymentlinks-ledger.db", ledger, StringComparison.Ordinal);
        var assembly = new AssemblyLoadContext(block.ToString()).LoadFromStream(new MemoryStream(SnippetCompiler.Emit(block, code)));
        var port = FreePort();
        string[] args =
        [
            $"--urls=http://127.0.0.1:{port}",
            $"--contentRoot={folder.FullName}",
            .. Settings,
        ];

        var built = new TaskCompletionSource<IHost>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var observer = new HostBuiltObserver(folder.FullName, built);
        using var listener = DiagnosticListener.AllListeners.Subscribe(observer);
        var failure = new StrongBox<Exception?>();
        var main = new Thread(() =>
        {
            try
            {
                assembly.EntryPoint!.Invoke(null, [args]);
            }
            catch (TargetInvocationException exception)
            {
                failure.Value = exception.InnerException;
                built.TrySetException(exception.InnerException!);
            }

            built.TrySetException(new InvalidOperationException($"{block} returned without building a host."));
        })
        { IsBackground = true, Name = block.ToString() };
        main.Start();

        var host = await built.Task.WaitAsync(timeout);
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            var stoppedEarly = Task.Run(() => main.Join(timeout));
            await Task.WhenAny(started.Task, stoppedEarly).WaitAsync(timeout);
            if (!started.Task.IsCompleted)
            {
                throw new InvalidOperationException($"{block} did not start.", failure.Value);
            }
        }

        var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new DocumentApp(folder, main, host, new Uri(address), failure);
    }

    /// <summary>Each endpoint the running app maps, from its <see cref="EndpointDataSource"/>: method and path.</summary>
    public IReadOnlyList<(string Method, string Path)> Endpoints() =>
        [.. _host.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .SelectMany(endpoint => (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(method => (method, Fill(endpoint.RoutePattern.RawText ?? "/"))))
            .Distinct()];

    /// <summary>Sends one request as a newcomer's first try would: no credentials, an empty JSON body for a write.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(Address, path));
        if (method is "POST" or "PUT" or "PATCH")
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        return await client.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        _host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        var stopped = await Task.Run(() => _main.Join(TimeSpan.FromSeconds(30)));
        SqliteConnection.ClearAllPools();
        try
        {
            _folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still open on another thread: the temporary folder is emptied by the system.
        }

        if (!stopped)
        {
            throw new InvalidOperationException("The app did not stop within 30 seconds.");
        }

        if (_failure.Value is not null)
        {
            throw new InvalidOperationException("The app failed.", _failure.Value);
        }
    }

    // A route's parameters get a value of their usual shape: a session id, an email's place is never in a route.
    private static string Fill(string pattern)
    {
        var path = System.Text.RegularExpressions.Regex.Replace(pattern, @"\{[^}]*\}", "cs_test_documentapp0");
        return path.StartsWith('/') ? path : "/" + path;
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    /// <summary>Catches the host the block builds (Microsoft.Extensions.Hosting's HostBuilt event), by its content root.</summary>
    private sealed class HostBuiltObserver(string contentRoot, TaskCompletionSource<IHost> built)
        : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        private readonly List<IDisposable> _subscriptions = [];

        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == "Microsoft.Extensions.Hosting")
            {
                lock (_subscriptions)
                {
                    _subscriptions.Add(value.Subscribe(this));
                }
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Key == "HostBuilt" && value.Value is IHost host
                && host.Services.GetService<IHostEnvironment>()?.ContentRootPath.TrimEnd('/') == contentRoot.TrimEnd('/'))
            {
                built.TrySetResult(host);
            }
        }

        public void OnCompleted()
        {
        }

        public void Dispose()
        {
            lock (_subscriptions)
            {
                _subscriptions.ForEach(subscription => subscription.Dispose());
            }
        }

        public void OnError(Exception error)
        {
        }
    }
}
