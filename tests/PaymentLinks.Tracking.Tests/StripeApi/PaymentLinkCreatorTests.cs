using System.Net;
using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.StripeApi;

public class PaymentLinkCreatorTests
{
    private const string ApiKey = "rk_test_51PgcCreatorKey0000000000000000";
    private const string Placeholder = "{CHECKOUT_SESSION_ID}";

    private static TrackedPaymentLinkRequest Request(string redirectUrl = "https://example.com/thanks") => new()
    {
        LineItems = [new PaymentLinkLineItem("price_1Pgc6xB7WZ01zgkW1ZbYz3Jc")],
        RedirectUrl = redirectUrl,
    };

    private static async Task<(CreatedPaymentLink Link, RecordedRequest Sent)> CreateAsync(TrackedPaymentLinkRequest request)
    {
        await using var server = new LoopbackStripeServer(StripeAnswer.Ok(StripeFixtures.PaymentLink().ToJsonString()));
        var link = await new PaymentLinkCreator(server.CreateClient(ApiKey)).CreateAsync(request);
        server.Requests.Count.ShouldBe(1);
        return (link, server.Requests[0]);
    }

    [Test]
    public async Task Posts_the_curl_equivalent_to_v1_payment_links()
    {
        var (_, sent) = await CreateAsync(Request());

        sent.Method.ShouldBe("POST");
        sent.Path.ShouldBe("/v1/payment_links");
        sent.Headers["Authorization"].ShouldBe($"Bearer {ApiKey}");
        sent.Headers["Content-Type"].ShouldStartWith("application/x-www-form-urlencoded");
        sent.Form["line_items[0][price]"].ShouldBe("price_1Pgc6xB7WZ01zgkW1ZbYz3Jc");
        sent.Form["line_items[0][quantity]"].ShouldBe("1");
        sent.Form["after_completion[type]"].ShouldBe("redirect");
        sent.Form.AllKeys.ShouldNotContain(key => key!.StartsWith("metadata", StringComparison.Ordinal));
    }

    [Test]
    public async Task Redirect_url_reaches_stripe_with_the_literal_placeholder_after_form_decoding()
    {
        var (_, sent) = await CreateAsync(Request());

        sent.Form["after_completion[redirect][url]"].ShouldBe($"https://example.com/thanks?session_id={Placeholder}");

        // Form-encoded once: the braces travel as %7B %7D, which the server decodes back to the placeholder.
        sent.RawBody.ShouldContain("session_id%3D%7BCHECKOUT_SESSION_ID%7D");
        sent.RawBody.ShouldNotContain("%257B");
    }

    [Test]
    public async Task Returns_the_created_links_id_and_url_ready_for_tracking()
    {
        var fixture = StripeFixtures.PaymentLink();

        var (link, _) = await CreateAsync(Request());

        link.Id.ShouldBe((string)fixture["id"]!);
        link.Url.ToString().ShouldBe((string)fixture["url"]!);
        link.RedirectUrl.ShouldBe($"https://example.com/thanks?session_id={Placeholder}");
        link.Url.WithUtmSource("newsletter").WithClientReferenceId("order_4711").ToString()
            .ShouldBe($"{fixture["url"]}?utm_source=newsletter&client_reference_id=order_4711");
    }

    [Test]
    public async Task Sends_every_line_item_and_the_metadata()
    {
        var request = new TrackedPaymentLinkRequest
        {
            LineItems = [new PaymentLinkLineItem("price_book", 2), new PaymentLinkLineItem("price_shipping")],
            RedirectUrl = "https://example.com/thanks",
            Metadata = new Dictionary<string, string> { ["campaign"] = "spring_sale", ["owner"] = "marketing team" },
        };

        var (_, sent) = await CreateAsync(request);

        sent.Form["line_items[0][price]"].ShouldBe("price_book");
        sent.Form["line_items[0][quantity]"].ShouldBe("2");
        sent.Form["line_items[1][price]"].ShouldBe("price_shipping");
        sent.Form["line_items[1][quantity]"].ShouldBe("1");
        sent.Form["metadata[campaign]"].ShouldBe("spring_sale");
        sent.Form["metadata[owner]"].ShouldBe("marketing team");
    }

    [TestCase("https://example.com/thanks?lang=fr", "https://example.com/thanks?lang=fr&session_id={CHECKOUT_SESSION_ID}")]
    [TestCase("https://example.com/thanks?session_id={CHECKOUT_SESSION_ID}", "https://example.com/thanks?session_id={CHECKOUT_SESSION_ID}")]
    [TestCase("https://example.com/thanks?session_id=%7BCHECKOUT_SESSION_ID%7D&lang=fr", "https://example.com/thanks?session_id={CHECKOUT_SESSION_ID}&lang=fr")]
    public async Task Sends_the_redirect_url_with_the_placeholder_exactly_once(string redirectUrl, string expected)
    {
        var (link, sent) = await CreateAsync(Request(redirectUrl));

        sent.Form["after_completion[redirect][url]"].ShouldBe(expected);
        link.RedirectUrl.ShouldBe(expected);
    }

    [TestCase("https://example.com/thanks", "https://example.com/thanks?session_id={CHECKOUT_SESSION_ID}")]
    [TestCase("https://example.com/thanks/", "https://example.com/thanks/?session_id={CHECKOUT_SESSION_ID}")]
    [TestCase("https://example.com/thanks?", "https://example.com/thanks?session_id={CHECKOUT_SESSION_ID}")]
    [TestCase("https://example.com/thanks?a=1&b=x%20y", "https://example.com/thanks?a=1&b=x%20y&session_id={CHECKOUT_SESSION_ID}")]
    [TestCase("https://example.com/thanks?a=1&&b=2&", "https://example.com/thanks?a=1&b=2&session_id={CHECKOUT_SESSION_ID}")]
    [TestCase("https://example.com/thanks#done", "https://example.com/thanks?session_id={CHECKOUT_SESSION_ID}#done")]
    [TestCase("https://example.com/thanks?a=1#done?x=1", "https://example.com/thanks?a=1&session_id={CHECKOUT_SESSION_ID}#done?x=1")]
    [TestCase("  https://example.com/thanks  ", "https://example.com/thanks?session_id={CHECKOUT_SESSION_ID}")]
    [TestCase("https://example.com/thanks?session_id={CHECKOUT_SESSION_ID}&session_id=%7BCHECKOUT_SESSION_ID%7D", "https://example.com/thanks?session_id={CHECKOUT_SESSION_ID}")]
    [TestCase("https://example.com/thanks?utm_source=x&session%5Fid={CHECKOUT_SESSION_ID}", "https://example.com/thanks?utm_source=x&session_id={CHECKOUT_SESSION_ID}")]
    public void Puts_the_placeholder_in_the_query_once(string redirectUrl, string expected) =>
        TrackedRedirectUrl.AddSessionIdPlaceholder(redirectUrl, "request").ShouldBe(expected);

    [TestCase("http://example.com/thanks", "uses http")]
    [TestCase("/thanks", "is relative")]
    [TestCase("thanks?x=1", "is relative")]
    [TestCase("//example.com/thanks", "is relative")]
    [TestCase("", "empty")]
    [TestCase("   ", "empty")]
    [TestCase("ftp://example.com/thanks", "uses ftp")]
    [TestCase("javascript:alert(1)", "uses javascript")]
    [TestCase("https://user:secret@example.com/thanks", "user name or password")]
    public async Task Refuses_a_redirect_url_that_is_not_absolute_https_before_any_request(string redirectUrl, string problem)
    {
        await using var server = new LoopbackStripeServer(StripeAnswer.Ok(StripeFixtures.PaymentLink().ToJsonString()));
        var creator = new PaymentLinkCreator(server.CreateClient(ApiKey));

        var error = await Should.ThrowAsync<ArgumentException>(() => creator.CreateAsync(Request(redirectUrl)));

        error.Message.ShouldContain("absolute https URL");
        error.Message.ShouldContain(problem);
        error.ParamName.ShouldBe("request");
        server.Requests.ShouldBeEmpty();
    }

    [TestCase("https://example.com/thanks?session_id=cs_test_123")]
    [TestCase("https://example.com/thanks?session_id=")]
    [TestCase("https://example.com/thanks?session_id")]
    [TestCase("https://example.com/thanks?session_id={CHECKOUT_SESSION_ID}&session_id=42")]
    public void Refuses_a_redirect_url_whose_session_id_holds_something_else(string redirectUrl) =>
        Should.Throw<ArgumentException>(() => TrackedRedirectUrl.AddSessionIdPlaceholder(redirectUrl, "request"))
            .Message.ShouldContain("already has a session_id parameter");

    private static IEnumerable<TestCaseData> InvalidRequests()
    {
        PaymentLinkLineItem price = new("price_1");
        yield return new TestCaseData(new List<PaymentLinkLineItem>(), null, "at least one line item").SetName("No line items");
        yield return new TestCaseData(Enumerable.Repeat(price, 21).ToList(), null, "at most 20 line items").SetName("21 line items");
        yield return new TestCaseData(new List<PaymentLinkLineItem> { new("price_1", 0) }, null, "quantity 0").SetName("Quantity 0");
        yield return new TestCaseData(new List<PaymentLinkLineItem> { new("", 1) }, null, "no valid price id").SetName("Empty price id");
        yield return new TestCaseData(new List<PaymentLinkLineItem> { new("price 1", 1) }, null, "no valid price id").SetName("Price id with a space");
        yield return new TestCaseData(new List<PaymentLinkLineItem> { price }, new Dictionary<string, string> { ["a[b]"] = "x" }, "no square brackets")
            .SetName("Metadata key with brackets");
        yield return new TestCaseData(new List<PaymentLinkLineItem> { price }, new Dictionary<string, string> { [new string('k', 41)] = "x" }, "1 to 40 characters")
            .SetName("Metadata key of 41 characters");
        yield return new TestCaseData(new List<PaymentLinkLineItem> { price }, new Dictionary<string, string> { ["k"] = new string('v', 501) }, "at most 500 characters")
            .SetName("Metadata value of 501 characters");
        yield return new TestCaseData(new List<PaymentLinkLineItem> { price }, Enumerable.Range(0, 51).ToDictionary(i => $"k{i}", _ => "v"), "at most 50 metadata keys")
            .SetName("51 metadata keys");
    }

    [TestCaseSource(nameof(InvalidRequests))]
    public async Task Refuses_an_invalid_request_before_any_request(List<PaymentLinkLineItem> items, Dictionary<string, string>? metadata, string problem)
    {
        await using var server = new LoopbackStripeServer(StripeAnswer.Ok(StripeFixtures.PaymentLink().ToJsonString()));
        var creator = new PaymentLinkCreator(server.CreateClient(ApiKey));

        var error = await Should.ThrowAsync<ArgumentException>(() => creator.CreateAsync(new TrackedPaymentLinkRequest
        {
            LineItems = items,
            RedirectUrl = "https://example.com/thanks",
            Metadata = metadata,
        }));

        error.Message.ShouldContain(problem);
        server.Requests.ShouldBeEmpty();
    }

    [Test]
    public async Task Accepts_the_limits_themselves()
    {
        var request = new TrackedPaymentLinkRequest
        {
            LineItems = Enumerable.Range(0, 20).Select(i => new PaymentLinkLineItem($"price_{i}")).ToList(),
            RedirectUrl = "https://example.com/thanks",
            Metadata = Enumerable.Range(0, 50).ToDictionary(i => $"{i}".PadLeft(40, 'k'), _ => new string('v', 500)),
        };

        var (_, sent) = await CreateAsync(request);

        sent.Form["line_items[19][price]"].ShouldBe("price_19");
        sent.Form.AllKeys.Count(key => key!.StartsWith("metadata[", StringComparison.Ordinal)).ShouldBe(50);
    }

    [TestCase(400, "invalid_request_error", "resource_missing", "No such price: 'price_1Pgc6xB7WZ01zgkW1ZbYz3Jc'")]
    [TestCase(401, "invalid_request_error", null, "Invalid API Key provided: rk_test_********************0000")]
    [TestCase(403, "invalid_request_error", null, "The provided key 'rk_test_***0000' does not have the required permissions for this endpoint.")]
    [TestCase(429, "invalid_request_error", "rate_limit", "Too many requests hit the API too quickly.")]
    public async Task Surfaces_stripe_errors_as_StripeRequestException(int status, string type, string? code, string message)
    {
        await using var server = new LoopbackStripeServer(StripeAnswer.Error(status, type, code, message));
        var creator = new PaymentLinkCreator(server.CreateClient(ApiKey));

        var error = await Should.ThrowAsync<StripeRequestException>(() => creator.CreateAsync(Request()));

        error.StatusCode.ShouldBe((HttpStatusCode)status);
        error.ErrorType.ShouldBe(type);
        error.ErrorCode.ShouldBe(code);
        error.RequestId.ShouldBe("req_loopback1");
        error.Message.ShouldStartWith($"Stripe did not create the payment link: Stripe answered {status}");
        error.Message.ShouldNotContain("rk_test_");
        server.Requests.Count.ShouldBe(1);
    }

    [Test]
    public async Task Keeps_the_parameter_stripe_names_in_a_400()
    {
        await using var server = new LoopbackStripeServer(new StripeAnswer(400,
            """{"error":{"type":"invalid_request_error","code":"resource_missing","param":"line_items[0][price]","message":"No such price: 'price_x'"}}"""));

        var error = await Should.ThrowAsync<StripeRequestException>(
            () => new PaymentLinkCreator(server.CreateClient(ApiKey)).CreateAsync(Request()));

        error.Parameter.ShouldBe("line_items[0][price]");
        error.Message.ShouldContain("No such price: 'price_x'");
    }

    [Test]
    public async Task Never_puts_the_api_key_in_the_exception_even_when_stripe_repeats_it()
    {
        await using var server = new LoopbackStripeServer(
            StripeAnswer.Error(401, "invalid_request_error", "api_key_expired", $"Expired API Key provided: {ApiKey}"));

        var error = await Should.ThrowAsync<StripeRequestException>(
            () => new PaymentLinkCreator(server.CreateClient(ApiKey)).CreateAsync(Request()));

        error.ToString().ShouldNotContain(ApiKey);
        error.Message.ShouldContain("Expired API Key provided: [redacted]");
        error.InnerException.ShouldBeNull();
    }

    [Test]
    public async Task Refuses_an_answer_without_a_usable_link_url()
    {
        var link = StripeFixtures.PaymentLink();
        link["url"] = "not a url";
        await using var server = new LoopbackStripeServer(StripeAnswer.Ok(link.ToJsonString()));

        var error = await Should.ThrowAsync<StripeRequestException>(
            () => new PaymentLinkCreator(server.CreateClient(ApiKey)).CreateAsync(Request()));

        error.Message.ShouldContain("no valid payment link URL");
    }

    [Test]
    public async Task Refuses_a_null_client_and_a_null_request()
    {
        Should.Throw<ArgumentNullException>(() => new PaymentLinkCreator(null!));
        await Should.ThrowAsync<ArgumentNullException>(
            () => new PaymentLinkCreator(LoopbackStripeServer.CreateClient("http://127.0.0.1:9", ApiKey)).CreateAsync(null!));
    }
}
