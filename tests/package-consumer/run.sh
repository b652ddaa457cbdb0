#!/usr/bin/env bash
# Packs every package (PaymentLinks.Tracking, .Sqlite, .PostgreSql, .AspNetCore and .GoogleAds) into a local folder feed
# with the README's one command, then builds and runs a fresh console project that installs all five by id and version from that
# feed, as a user would: the packages work, not only the project references.
#
# The version is unique to this run (0.0.0-ci.<time>.<pid>), so a package NuGet cached earlier can never stand in
# for the one just packed; the run's copy is removed from the global cache again at the end.
#
# Usage: run.sh [--keep-feed DIR]
#   --keep-feed DIR   pack into the folder DIR (made if missing) and keep it after the run, so that another project
#                     can install the tested packages from it; the last lines printed are the commands that do.
#                     The environment variable PACKAGE_CONSUMER_FEED=DIR does the same.
#   By default the feed is a temporary folder, removed at the end.
set -euo pipefail

usage() { sed -n 's/^# \{0,1\}//; 2,/^set -euo/p' "$0" | sed '$d'; }

kept_feed="${PACKAGE_CONSUMER_FEED:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --keep-feed) [ $# -ge 2 ] && [ -n "$2" ] || { echo "--keep-feed needs a folder." >&2; exit 2; }; kept_feed="$2"; shift 2 ;;
    --keep-feed=*) kept_feed="${1#--keep-feed=}"; [ -n "$kept_feed" ] || { echo "--keep-feed needs a folder." >&2; exit 2; }; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument '$1'." >&2; usage >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
feed="$work/feed"
if [ -n "$kept_feed" ]; then
  mkdir -p "$kept_feed"
  feed="$(cd "$kept_feed" && pwd)"
fi
version="0.0.0-ci.$(date -u +%Y%m%d%H%M%S).$$"
packages="$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: //p')"
ids=(PaymentLinks.Tracking PaymentLinks.Tracking.Sqlite PaymentLinks.Tracking.PostgreSql PaymentLinks.Tracking.AspNetCore PaymentLinks.Tracking.GoogleAds)
cleanup() {
  rm -rf "$work"
  if [ -n "$packages" ]; then
    for id in "${ids[@]}"; do rm -rf "$packages/${id,,}/$version"; done
  fi
}
trap cleanup EXIT

fail() {
  echo "package consumer test failed: $*" >&2
  exit 1
}

echo "Packing every package, version $version, into $feed"
# The README's command, at the repository's root: only the packages under src/ are packable.
(cd "$root" && dotnet pack -c Release -o "$feed" -p:Version="$version")
for id in "${ids[@]}"; do
  [ -f "$feed/$id.$version.nupkg" ] || fail "no package at $feed/$id.$version.nupkg."
done
packed="$(find "$feed" -maxdepth 1 -name "*.$version.nupkg" | wc -l)"
[ "$packed" -eq "${#ids[@]}" ] || fail "the feed holds $packed packages of $version, not the ${#ids[@]} under src/."

aspnetcore="$feed/PaymentLinks.Tracking.AspNetCore.$version.nupkg"
[ -f "$aspnetcore" ] || fail "no package at $aspnetcore."
aspnetcore_contents="$(unzip -l "$aspnetcore")"
for expected in README.md lib/net8.0/PaymentLinks.Tracking.AspNetCore.dll lib/net10.0/PaymentLinks.Tracking.AspNetCore.dll \
                lib/net10.0/PaymentLinks.Tracking.AspNetCore.xml; do
  grep -q " $expected\$" <<<"$aspnetcore_contents" || fail "the ASP.NET Core package lacks $expected."
done
# Its dependencies as the project names them: the core at the same version, ScottPlot for the report's charts.
aspnetcore_nuspec="$(unzip -p "$aspnetcore" PaymentLinks.Tracking.AspNetCore.nuspec)"
for dependency in "id=\"PaymentLinks.Tracking\" version=\"$version\"" "id=\"ScottPlot\" version=\"$(sed -n 's/.*Include="ScottPlot" Version="\([^"]*\)".*/\1/p' "$root/Directory.Packages.props")\""; do
  grep -qF "$dependency" <<<"$aspnetcore_nuspec" || fail "the ASP.NET Core package does not depend on $dependency."
done

nupkg="$feed/PaymentLinks.Tracking.$version.nupkg"
[ -f "$nupkg" ] || fail "no package at $nupkg."
[ -f "$feed/PaymentLinks.Tracking.$version.snupkg" ] || fail "no symbol package (.snupkg)."
contents="$(unzip -l "$nupkg")"
for expected in README.md lib/net8.0/PaymentLinks.Tracking.dll lib/net8.0/PaymentLinks.Tracking.xml \
                lib/net10.0/PaymentLinks.Tracking.dll lib/net10.0/PaymentLinks.Tracking.xml; do
  grep -q " $expected\$" <<<"$contents" || fail "the package lacks $expected."
done

consumer="$work/consumer"
mkdir -p "$consumer"
cat >"$consumer/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="local">
      <package pattern="PaymentLinks.Tracking" />
      <package pattern="PaymentLinks.Tracking.*" />
    </packageSource>
    <packageSource key="nuget.org">
      <package pattern="*" />
    </packageSource>
  </packageSourceMapping>
</configuration>
XML
cat >"$consumer/Consumer.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <!-- Every warning fails the build, NuGet's too: installing the packages must print none (no NU1603). -->
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="PaymentLinks.Tracking" Version="$version" />
    <PackageReference Include="PaymentLinks.Tracking.Sqlite" Version="$version" />
    <PackageReference Include="PaymentLinks.Tracking.PostgreSql" Version="$version" />
    <PackageReference Include="PaymentLinks.Tracking.AspNetCore" Version="$version" />
    <PackageReference Include="PaymentLinks.Tracking.GoogleAds" Version="$version" />
  </ItemGroup>
</Project>
XML
cat >"$consumer/Program.cs" <<'CS'
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using System.Collections.Concurrent;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaymentLinks.Tracking;

var link = PaymentLinkUrl.Parse("https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr")
    .WithUtmMedium("earned_email")
    .WithUtmSource("marketo")
    .WithUtmCampaign("campaign_a")
    .WithClientReferenceId("sk_live_notARealKey");

const string Expected = "https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr?utm_medium=earned_email&utm_source=marketo&utm_campaign=campaign_a";
if (link.ToString() != Expected || link.Dropped is not [{ Reason: DropReason.LooksLikeSecret }])
{
    Console.Error.WriteLine($"unexpected link: {link}");
    return 1;
}

Console.WriteLine(link);

// The ledger packages: each registers its ledger (nothing is opened until the host starts).
var ledgers = new ServiceCollection();
ledgers.AddPaymentLinkTracking(_ => { }).AddSqliteLedger("Data Source=consumer.db");
var postgreSql = new ServiceCollection();
postgreSql.AddPaymentLinkTracking(_ => { }).AddPostgreSqlLedger(options => options.ConnectionString = "Host=127.0.0.1;Database=consumer");
Console.WriteLine($"ledgers: {new[] { ledgers, postgreSql }.Count(services => services.Any(d => d.ServiceType == typeof(IPaymentLinkLedger)))}");

// The Google Ads package: a destination of the forwarding outbox, its settings checked when resolved.
var googleAds = new ServiceCollection();
googleAds.AddPaymentLinkTracking(_ => { }).AddSqliteLedger("Data Source=consumer.db")
    .AddPaymentLinkForwarding(_ => { })
    .AddGoogleAdsForwarding(options => { options.OperatingAccountId = "123-456-7890"; options.ConversionActionId = "1"; });
await using (var provider = googleAds.BuildServiceProvider())
{
    try
    {
        _ = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<PaymentLinks.Tracking.GoogleAds.GoogleAdsForwardingOptions>>().Value;
    }
    catch (Microsoft.Extensions.Options.OptionsValidationException invalid)
    {
        Console.WriteLine($"google ads: {invalid.Failures.First()}");
    }
}

// The ASP.NET Core package: its endpoints map onto an app, as a user's Program.cs maps them.
var builder = WebApplication.CreateSlimBuilder();
builder.Services.AddPaymentLinkTracking(options => options.SigningSecrets.Add("whsec_consumer0test0secret"));
builder.Services.AddHealthChecks().AddPaymentLinkTracking();
await using var app = builder.Build();
app.MapPaymentLinkWebhook("/stripe/webhook", (_, _) => Task.CompletedTask);
app.MapPaymentLinkThankYou("/thanks");
app.MapPaymentLinkAdmin("/admin").RequireAuthorization();
Console.WriteLine($"endpoints: {((Microsoft.AspNetCore.Routing.IEndpointRouteBuilder)app).DataSources.Sum(source => source.Endpoints.Count)}");

// The report page with its charts, served on 127.0.0.1 from rows the app gives: the charts' library and its native
// drawing code come with the package.
var reporting = WebApplication.CreateSlimBuilder();
reporting.WebHost.UseUrls("http://127.0.0.1:0");
reporting.Logging.ClearProviders();
reporting.Services.AddPaymentLinkTracking(options => options.SigningSecrets.Add("whsec_consumer0test0secret"));
reporting.Services.AddSingleton<IPaymentLinkAttribution, TwoCampaigns>();
await using var reportApp = reporting.Build();
reportApp.MapPaymentLinkReport("/report");
await reportApp.StartAsync();
using var http = new HttpClient { BaseAddress = new Uri(reportApp.Urls.Single()) };
var page = await http.GetStringAsync("/report");
Console.WriteLine($"report charts: {page.Split("<svg").Length - 1}");
Console.WriteLine($"report jpy: {page.Contains("<td>12,000 JPY</td>", StringComparison.Ordinal)}");
await reportApp.StopAsync();

// A destination of our own on the public API: a tiny "CRM" on 127.0.0.1 receives each paid session through the
// forwarding outbox of a SQLite ledger.
var received = new ConcurrentQueue<(string? Key, CrmDeal[] Deals)>();
var crmBuilder = WebApplication.CreateSlimBuilder();
crmBuilder.WebHost.UseUrls("http://127.0.0.1:0");
crmBuilder.Logging.ClearProviders();
await using var crm = crmBuilder.Build();
crm.MapPost("/deals", async (HttpRequest request) =>
{
    received.Enqueue((request.Headers["X-Api-Key"].ToString(), (await request.ReadFromJsonAsync<CrmDeal[]>())!));
    return Results.Ok();
});
await crm.StartAsync();

const string SigningSecret = "whsec_consumer0test0secret";
var database = Path.Combine(Path.GetTempPath(), $"consumer-{Guid.NewGuid():N}.db");
var shop = WebApplication.CreateSlimBuilder();
shop.Logging.ClearProviders();
shop.Services.AddPaymentLinkTracking(options => options.SigningSecrets.Add(SigningSecret))
    .AddSqliteLedger($"Data Source={database}")
    .AddPaymentLinkForwarding(options => options.PollInterval = TimeSpan.FromMilliseconds(100))
    .Configure<CrmOptions>(options => (options.Url, options.ApiKey) = (new Uri(crm.Urls.Single() + "/deals"), "crm_consumer_key"))
    .AddConversionDestination<CrmDestination>();
await using var shopApp = shop.Build();
await shopApp.StartAsync();
var sessionId = $"cs_live_consumer{Guid.NewGuid():N}";
var created = DateTimeOffset.UtcNow.AddSeconds(-2).ToUnixTimeSeconds();
var paid = $$$"""
    {"id":"evt_consumer{{{Guid.NewGuid():N}}}","object":"event","api_version":"2026-10-28.endive","created":{{{created}}},"livemode":true,
     "pending_webhooks":1,"request":{"id":null,"idempotency_key":null},"type":"checkout.session.completed",
     "data":{"object":{"id":"{{{sessionId}}}","object":"checkout.session","status":"complete","payment_status":"paid","mode":"payment",
       "livemode":true,"created":{{{created}}},"currency":"usd","amount_total":4200,"amount_subtotal":4200,"payment_link":"plink_consumer",
       "client_reference_id":null,"metadata":{},"customer_details":{"email":"buyer@example.com"},
       "total_details":{"amount_discount":0,"amount_shipping":0,"amount_tax":0} } } }
    """;
var parser = new PaymentLinkWebhookParser(new PaymentLinkWebhookOptions { SigningSecrets = { SigningSecret } });
var paidEvent = parser.Parse(paid, PaymentLinkWebhookSigner.CreateSignatureHeader(paid, SigningSecret, DateTimeOffset.UtcNow));
await shopApp.Services.GetRequiredService<IPaymentLinkLedger>().RecordAsync(paidEvent);
var waited = System.Diagnostics.Stopwatch.StartNew();
while (received.IsEmpty && waited.Elapsed < TimeSpan.FromSeconds(30))
{
    await Task.Delay(100);
}

await shopApp.StopAsync();
await crm.StopAsync();
File.Delete(database);
Console.WriteLine(received.TryPeek(out var delivery) && delivery.Deals is [var deal]
    ? $"crm received: {deal.TransactionId == sessionId} {deal.Value.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)} {deal.Currency} key {delivery.Key}"
    : "crm received: nothing");
return 0;

sealed class CrmOptions
{
    public Uri? Url { get; set; }

    public string ApiKey { get; set; } = string.Empty;
}

sealed record CrmDeal(string TransactionId, decimal Value, string Currency);

sealed class CrmDestination(IOptions<CrmOptions> options) : IConversionDestination
{
    public string Name => "crm";

    public int MaxBatchSize => 100;

    public ConversionWindow Window => ConversionWindow.RetryFor(TimeSpan.FromDays(3));

    public IReadOnlyCollection<ForwardingKind> Kinds => [ForwardingKind.Purchase];

    public IReadOnlyCollection<string> Secrets => [options.Value.ApiKey];

    public string? WithheldBecause(ConversionEvent conversion) => null;

    public async Task<ConversionBatchResult> SendAsync(IReadOnlyList<ConversionEvent> batch, HttpClient client, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Value.Url)
        {
            Content = JsonContent.Create(batch.Select(c => new CrmDeal(c.TransactionId, c.Value, c.CurrencyCode)).ToArray()),
        };
        request.Headers.Add("X-Api-Key", options.Value.ApiKey);
        using var response = await client.SendAsync(request, cancellationToken);
        return ConversionBatchResult.FromStatus(response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }
}

sealed class TwoCampaigns : IPaymentLinkAttribution
{
    public Task<VisitOutcome> RecordVisitAsync(string sessionId, UtmCodes utm, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task RegisterCampaignKeyAsync(CampaignKey key, UtmCodes utm, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<IReadOnlyList<CampaignReportRow>> ReportAsync(
        DateTimeOffset? since = null, DateTimeOffset? until = null, PaymentLinkMode mode = PaymentLinkMode.Live, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<CampaignReportRow>>(
        [
            new("newsletter", "email", "spring_sale", "eur", 12, 11, 54890, 9, 9, 2, 0, Gross: 59880, Refunded: 4990),
            new("instagram", "social", "launch", "jpy", 4, 4, 12000, 1, 1, 3, 0, Gross: 12000),
        ]);
}
CS

echo "Building and running a console project that installs the package from the local feed"
# The consumer lives outside the repository, so none of its Directory.*.props apply.
output="$(dotnet run --project "$consumer/Consumer.csproj" -c Release --nologo 2>&1)" || { echo "$output"; fail "the consumer did not build or run."; }
echo "$output"
! grep -q "warning" <<<"$output" || fail "installing or building the packages printed a warning."
grep -qx "https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr?utm_medium=earned_email&utm_source=marketo&utm_campaign=campaign_a" <<<"$output" \
  || fail "the consumer printed something other than Stripe's example link."
assets="$consumer/obj/project.assets.json"
for id in "${ids[@]}"; do
  grep -q "\"$id/$version\"" "$assets" || fail "the consumer did not restore $id $version."
done
grep -qx "ledgers: 2" <<<"$output" || fail "the consumer did not register the SQLite and PostgreSQL ledgers."
grep -qx "google ads: PaymentLinkTracking:Forwarding:GoogleAds:OperatingAccountId must be a Google Ads customer id: 10 digits without hyphens (1234567890, not 123-456-7890)." <<<"$output" \
  || fail "the consumer's Google Ads destination did not check its settings."
grep -qx "endpoints: [1-9][0-9]*" <<<"$output" || fail "the consumer mapped no endpoint from PaymentLinks.Tracking.AspNetCore."
# Two currencies: a bar chart and a net-over-time chart each.
grep -qx "report charts: 4" <<<"$output" || fail "the consumer's report page does not have its four charts."
grep -qx "report jpy: True" <<<"$output" || fail "the consumer's report page does not show 12,000 JPY."
grep -qx "crm received: True 42.00 USD key crm_consumer_key" <<<"$output" \
  || fail "the consumer's own destination (AddConversionDestination<CrmDestination>) did not receive the paid session."
echo "package consumer test passed: ${ids[*]} $version install and run."
if [ -n "$kept_feed" ]; then
  echo "The feed $feed keeps the packages. In your project's folder:"
  for id in "${ids[@]}"; do
    echo "  dotnet add package $id --version $version --source \"$feed\""
  done
fi
