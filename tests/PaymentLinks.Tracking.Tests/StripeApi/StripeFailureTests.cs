using System.Text.Json.Nodes;
using NUnit.Framework;
using Shouldly;
using Stripe;

namespace PaymentLinks.Tracking.Tests.StripeApi;

/// <summary>What the Stripe API services say when Stripe's answer is broken, late or never comes, tried from outside.</summary>
public class StripeFailureTests
{
    private const string ApiKey = "rk_test_51PgcFailureKey0000000000000000";
    private const string CustomerEmail = "jenny.rosen@example.com";
    private const string CustomerName = "Jenny Rosen";
    private const string ThankYouUrl = "https://example.com/thanks?session_id=cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY";

    private static TrackedPaymentLinkRequest Request(string redirectUrl = "https://example.com/thanks") => new()
    {
        LineItems = [new PaymentLinkLineItem("price_1Pgc6xB7WZ01zgkW1ZbYz3Jc")],
        RedirectUrl = redirectUrl,
    };

    // A complete session whose customer details come first, cut off after them: what a dropped connection leaves.
    private static string CutOffSession()
    {
        var session = new JsonObject
        {
            ["id"] = "cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY",
            ["object"] = "checkout.session",
            ["customer_details"] = new JsonObject { ["email"] = CustomerEmail, ["name"] = CustomerName },
        };
        foreach (var (name, value) in StripeFixtures.CompletedCheckoutSession())
        {
            session.TryAdd(name, value?.DeepClone());
        }

        var json = session.ToJsonString();
        return json[..(json.IndexOf(CustomerName, StringComparison.Ordinal) + CustomerName.Length + 20)];
    }

    [Test]
    public async Task A_cut_off_answer_never_puts_the_customers_data_into_the_result()
    {
        await using var server = new LoopbackStripeServer(StripeAnswer.Ok(CutOffSession()));

        var result = await new CheckoutConversionReader(server.CreateClient(ApiKey)).ReadAsync(ThankYouUrl);

        result.Outcome.ShouldBe(CheckoutConversionOutcome.StripeError);
        result.Message.ShouldStartWith("Stripe did not return the Checkout Session: Stripe answered 200");
        result.ToString().ShouldNotContain(CustomerEmail);
        result.ToString().ShouldNotContain(CustomerName);
    }

    [Test]
    public async Task A_cut_off_answer_never_puts_the_customers_data_into_the_exception()
    {
        var link = StripeFixtures.PaymentLink().ToJsonString();
        var cutOff = link[..(link.Length / 2)] + $"\"customer_email\":\"{CustomerEmail}\",\"name\":\"{CustomerName}\"";
        await using var server = new LoopbackStripeServer(StripeAnswer.Ok(cutOff));

        var error = await Should.ThrowAsync<StripeRequestException>(() => new PaymentLinkCreator(server.CreateClient(ApiKey)).CreateAsync(Request()));

        error.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
        error.ToString().ShouldNotContain(CustomerEmail);
        error.ToString().ShouldNotContain(CustomerName);
    }

    [Test]
    public async Task An_error_answer_keeps_stripes_type_code_parameter_request_id_and_message()
    {
        await using var server = new LoopbackStripeServer(new StripeAnswer(400,
            """{"error":{"type":"invalid_request_error","code":"resource_missing","param":"line_items[0][price]","message":"No such price: 'price_x'"}}""")
        {
            RequestId = "req_7Hn2",
        });

        var error = await Should.ThrowAsync<StripeRequestException>(() => new PaymentLinkCreator(server.CreateClient(ApiKey)).CreateAsync(Request()));

        error.Message.ShouldBe(
            "Stripe did not create the payment link: Stripe answered 400 (invalid_request_error/resource_missing, parameter line_items[0][price], request req_7Hn2): No such price: 'price_x'");
    }

    [Test]
    public async Task An_error_page_that_is_not_json_is_not_repeated()
    {
        await using var server = new LoopbackStripeServer(new StripeAnswer(502, $"<html>Bad gateway for {CustomerEmail}</html>"));

        var result = await new CheckoutConversionReader(server.CreateClient(ApiKey)).ReadAsync(ThankYouUrl);

        result.StatusCode.ShouldBe(System.Net.HttpStatusCode.BadGateway);
        result.Message.ShouldNotContain(CustomerEmail);
        result.Message.ShouldNotContain("Bad gateway");
    }

    [Test]
    public async Task A_client_timeout_while_creating_a_link_says_stripe_did_not_answer_in_time()
    {
        await using var server = FailingServer.Silent();
        var client = new StripeClient(
            ApiKey,
            httpClient: new SystemNetHttpClient(new HttpClient { Timeout = TimeSpan.FromMilliseconds(300) }, maxNetworkRetries: 0, appInfo: null, enableTelemetry: false),
            apiBase: $"http://127.0.0.1:{server.Port}");

        var error = await Should.ThrowAsync<HttpRequestException>(() => new PaymentLinkCreator(client).CreateAsync(Request()));

        error.Message.ShouldContain("Stripe did not answer in time");
        error.Message.ShouldContain("look for it in the Dashboard");
    }

    [Test]
    public async Task A_client_timeout_while_reading_a_conversion_is_an_unreachable_result()
    {
        await using var server = FailingServer.Silent();
        var client = new StripeClient(
            ApiKey,
            httpClient: new SystemNetHttpClient(new HttpClient { Timeout = TimeSpan.FromMilliseconds(300) }, maxNetworkRetries: 0, appInfo: null, enableTelemetry: false),
            apiBase: $"http://127.0.0.1:{server.Port}");

        var result = await new CheckoutConversionReader(client).ReadAsync(ThankYouUrl);

        result.Outcome.ShouldBe(CheckoutConversionOutcome.Unreachable);
        result.Message.ShouldBe("Stripe did not answer in time.");
    }

    [Test]
    public async Task A_tls_failure_keeps_the_causes_message_in_the_result()
    {
        await using var server = FailingServer.Garbage();
        var apiBase = $"https://127.0.0.1:{server.Port}";
        using var http = new HttpClient();
        var direct = await Should.ThrowAsync<HttpRequestException>(() => http.GetAsync(new Uri($"{apiBase}/v1/checkout/sessions/cs_test_1")));
        direct.InnerException.ShouldNotBeNull();

        var result = await new CheckoutConversionReader(LoopbackStripeServer.CreateClient(apiBase, ApiKey)).ReadAsync(ThankYouUrl);

        result.Outcome.ShouldBe(CheckoutConversionOutcome.Unreachable);
        result.Message.ShouldStartWith("Stripe could not be reached: The SSL connection could not be established");
        result.Message.ShouldNotContain("see inner exception", Case.Insensitive);
        result.Message.ShouldContain(direct.InnerException!.Message.Trim());
    }

    [Test]
    public async Task Accepts_a_redirect_url_that_reaches_stripes_limit_with_the_session_id()
    {
        var redirect = Padded(TrackedPaymentLinkRequest.MaxRedirectUrlLength - "?session_id={CHECKOUT_SESSION_ID}".Length);
        await using var server = new LoopbackStripeServer(StripeAnswer.Ok(StripeFixtures.PaymentLink().ToJsonString()));

        var created = await new PaymentLinkCreator(server.CreateClient(ApiKey)).CreateAsync(Request(redirect));

        created.RedirectUrl.Length.ShouldBe(2048);
        server.Requests.Single().Form["after_completion[redirect][url]"]!.Length.ShouldBe(2048);
    }

    [Test]
    public async Task Refuses_a_redirect_url_over_stripes_limit_before_any_request()
    {
        var redirect = Padded(TrackedPaymentLinkRequest.MaxRedirectUrlLength - "?session_id={CHECKOUT_SESSION_ID}".Length + 1);
        await using var server = new LoopbackStripeServer(StripeAnswer.Ok(StripeFixtures.PaymentLink().ToJsonString()));

        var error = await Should.ThrowAsync<ArgumentException>(() => new PaymentLinkCreator(server.CreateClient(ApiKey)).CreateAsync(Request(redirect)));

        error.Message.ShouldContain("at most 2048 characters with session_id={CHECKOUT_SESSION_ID} in its query");
        error.Message.ShouldContain("it would be 2049");
        server.Requests.ShouldBeEmpty();
    }

    private static string Padded(int length)
    {
        const string Start = "https://example.com/thanks/";
        return Start + new string('a', length - Start.Length);
    }
}
