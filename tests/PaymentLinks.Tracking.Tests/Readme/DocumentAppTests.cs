using System.Net;
using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Readme;

/// <summary>
/// Every doc block that is a whole web app (README.md and the guides under docs/) starts as pasted into a project made by
/// <c>dotnet new web</c>, and no endpoint it maps answers a newcomer's first request with a server error.
/// </summary>
[NonParallelizable]
public class DocumentAppTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static IEnumerable<TestCaseData> WebApps() =>
        ReadmeBlock.ReadAllDocuments()
            .Where(block => block.IsWebApp)
            .Select(block => new TestCaseData(block).SetName($"{block.Document} line {block.Line} starts and no endpoint answers 5xx"));

    [TestCaseSource(nameof(WebApps))]
    public async Task Each_web_app_of_the_docs_starts_and_answers_each_endpoint_without_a_server_error(ReadmeBlock block)
    {
        await using var app = await DocumentApp.StartAsync(block, Timeout);
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = Timeout };

        var endpoints = app.Endpoints();
        var answers = new List<string>();
        foreach (var (method, path) in endpoints)
        {
            using var response = await app.SendAsync(client, method, path);
            if ((int)response.StatusCode >= 500)
            {
                answers.Add($"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }

        answers.ShouldBeEmpty($"{block}:{Environment.NewLine}{block.Code}");
    }

    [Test]
    public void The_readme_and_the_guides_have_web_apps_and_the_readme_s_app_maps_the_package_s_endpoints()
    {
        var apps = ReadmeBlock.ReadAllDocuments().Where(block => block.IsWebApp).ToList();

        apps.Count.ShouldBeGreaterThan(3);
        apps.ShouldContain(block => block.Document == "README.md"
            && block.Code.Contains("MapPaymentLinkWebhook(", StringComparison.Ordinal)
            && block.Code.Contains("MapPaymentLinkAdmin(", StringComparison.Ordinal));
    }

    [Test]
    public async Task An_app_that_requires_a_policy_without_authentication_is_caught()
    {
        // The shape the README's app once had: RequireAuthorization with no authentication scheme registered.
        var block = new ReadmeBlock(1, ReadmeBlockKind.Program, """
            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddAuthorization(options => options.AddPolicy("operators", policy => policy.RequireRole("operator")));
            var app = builder.Build();
            app.MapGet("/admin/status", () => "ok").RequireAuthorization("operators");
            app.Run();
            """) { Document = "test.md" };

        await using var app = await DocumentApp.StartAsync(block, Timeout);
        using var client = new HttpClient();
        var (method, path) = app.Endpoints().ShouldHaveSingleItem();
        using var response = await app.SendAsync(client, method, path);

        response.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
    }

    [Test]
    public async Task The_app_s_ledger_is_a_file_in_a_temporary_folder_and_its_routes_are_filled_in()
    {
        var block = new ReadmeBlock(1, ReadmeBlockKind.Program, """
            var builder = WebApplication.CreateBuilder(args);
            var app = builder.Build();
            app.MapGet("/where", () => "Data Source=paymentlinks-ledger.db");
            app.MapPost("/sessions/{id}/retry", (string id) => id);
            app.Run();
            """) { Document = "test.md" };

        await using var app = await DocumentApp.StartAsync(block, Timeout);
        using var client = new HttpClient();

        app.Address.Host.ShouldBe("127.0.0.1");
        app.Endpoints().ShouldBe([("GET", "/where"), ("POST", "/sessions/cs_test_documentapp0/retry")], ignoreOrder: true);
        using var where = await app.SendAsync(client, "GET", "/where");
        var ledger = (await where.Content.ReadAsStringAsync())["Data Source=".Length..];
        Path.IsPathRooted(ledger).ShouldBeTrue();
        ledger.ShouldStartWith(Path.GetTempPath().TrimEnd('/'));
    }
}
