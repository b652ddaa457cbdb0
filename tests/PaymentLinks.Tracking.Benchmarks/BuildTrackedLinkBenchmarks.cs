using System.Text.RegularExpressions;
using System.Web;
using BenchmarkDotNet.Attributes;
using Flurl;
using PaymentLinks.Tracking;

namespace PaymentLinks.Tracking.Benchmarks;

/// <summary>
/// Builds a tracked link (five UTM codes and a client reference id) from a shared base link, the way a user would
/// without the library, with Flurl, with the library, and the floor: concatenating parts already known to be valid.
/// </summary>
[MemoryDiagnoser]
public class BuildTrackedLinkBenchmarks
{
    private const string BaseUrl = "https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr";
    private const string Source = "newsletter";
    private const string Medium = "email";
    private const string Campaign = "spring_sale_2026";
    private const string Term = "running_shoes";
    private const string Content = "hero_banner";
    private const string ClientReferenceId = "order-8f14e45f-ceea-467f-a0e6-3e6b1a5a9b2c";

    private static readonly PaymentLinkUrl BaseLink = PaymentLinkUrl.Parse(BaseUrl);

    private static readonly Regex CompiledUtmCode = new("^[A-Za-z0-9_-]{1,150}$", RegexOptions.Compiled);
    private static readonly Regex CompiledClientReferenceId = new("^[A-Za-z0-9_-]{1,200}$", RegexOptions.Compiled);

    [Benchmark(Baseline = true, Description = "UriBuilder + ParseQueryString + compiled Regex")]
    public string UriBuilderWithRegex()
    {
        var builder = new UriBuilder(BaseUrl);
        var query = HttpUtility.ParseQueryString(builder.Query);
        SetIfValid(query, "utm_source", Source, CompiledUtmCode);
        SetIfValid(query, "utm_medium", Medium, CompiledUtmCode);
        SetIfValid(query, "utm_campaign", Campaign, CompiledUtmCode);
        SetIfValid(query, "utm_term", Term, CompiledUtmCode);
        SetIfValid(query, "utm_content", Content, CompiledUtmCode);
        SetIfValid(query, "client_reference_id", ClientReferenceId, CompiledClientReferenceId);
        builder.Query = query.ToString();
        return builder.Uri.AbsoluteUri;
    }

    [Benchmark(Description = "Flurl 3 + compiled Regex")]
    public string FlurlWithRegex()
    {
        var url = new Url(BaseUrl);
        if (CompiledUtmCode.IsMatch(Source)) url.SetQueryParam("utm_source", Source);
        if (CompiledUtmCode.IsMatch(Medium)) url.SetQueryParam("utm_medium", Medium);
        if (CompiledUtmCode.IsMatch(Campaign)) url.SetQueryParam("utm_campaign", Campaign);
        if (CompiledUtmCode.IsMatch(Term)) url.SetQueryParam("utm_term", Term);
        if (CompiledUtmCode.IsMatch(Content)) url.SetQueryParam("utm_content", Content);
        if (CompiledClientReferenceId.IsMatch(ClientReferenceId)) url.SetQueryParam("client_reference_id", ClientReferenceId);
        return url.ToString();
    }

    [Benchmark(Description = "PaymentLinkUrl")]
    public string PaymentLinkUrlWith() => BaseLink
        .WithUtmSource(Source)
        .WithUtmMedium(Medium)
        .WithUtmCampaign(Campaign)
        .WithUtmTerm(Term)
        .WithUtmContent(Content)
        .WithClientReferenceId(ClientReferenceId)
        .ToString();

    [Benchmark(Description = "floor: string.Concat of valid parts")]
    public string ConcatenateValidParts() => string.Concat(
        BaseUrl, "?utm_source=", Source, "&utm_medium=", Medium, "&utm_campaign=", Campaign, "&utm_term=", Term,
        "&utm_content=", Content, "&client_reference_id=", ClientReferenceId);

    private static void SetIfValid(System.Collections.Specialized.NameValueCollection query, string name, string value, Regex rule)
    {
        if (rule.IsMatch(value))
        {
            query[name] = value;
        }
    }
}
