using System.Net;
using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.StripeApi;

public class CheckoutConversionReaderTests
{
    private const string ApiKey = "rk_test_51PgcReaderKey00000000000000000";
    private const string SessionId = "cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY";
    private const string ThankYouUrl =
        $"https://example.com/thanks?session_id={SessionId}&utm_source=newsletter&utm_medium=email&utm_campaign=spring_sale";

    private static async Task<(CheckoutConversionResult Result, IReadOnlyList<RecordedRequest> Sent)> ReadAsync(
        StripeAnswer answer, string thankYouUrl = ThankYouUrl)
    {
        await using var server = new LoopbackStripeServer(answer);
        var result = await new CheckoutConversionReader(server.CreateClient(ApiKey)).ReadAsync(thankYouUrl);
        return (result, server.Requests);
    }

    [Test]
    public async Task Reads_a_complete_session_as_a_conversion_joined_with_the_pages_utm_codes()
    {
        var (result, _) = await ReadAsync(StripeAnswer.Ok(StripeFixtures.CompletedCheckoutSession().ToJsonString()));

        result.Outcome.ShouldBe(CheckoutConversionOutcome.Converted);
        result.IsConversion.ShouldBeTrue();
        result.SessionStatus.ShouldBe("complete");
        var conversion = result.Conversion;
        conversion.SessionId.ShouldBe(SessionId);
        conversion.PaymentLinkId.ShouldBe("plink_1Pgc78B7WZ01zgkWC75kX0jg");
        conversion.ClientReferenceId.ShouldBe("order_4711");
        conversion.CustomerId.ShouldBe("cus_QXwVt2kZLeNmJY");
        conversion.CustomerEmail.ShouldBe("example@example.com");
        conversion.AmountTotal.ShouldBe(2000);
        conversion.Currency.ShouldBe("usd");
        conversion.PaymentStatus.ShouldBe(CheckoutPaymentStatus.Paid);
        conversion.Livemode.ShouldBeFalse();
        conversion.Metadata.ShouldBe(new Dictionary<string, string> { ["campaign"] = "spring_sale" });
        conversion.Utm.ShouldBe(new UtmCodes { Source = "newsletter", Medium = "email", Campaign = "spring_sale" });
    }

    [Test]
    public async Task Gets_the_session_by_id_with_the_bearer_key_and_expands_nothing()
    {
        var (_, sent) = await ReadAsync(StripeAnswer.Ok(StripeFixtures.CompletedCheckoutSession().ToJsonString()));

        sent.Count.ShouldBe(1);
        sent[0].Method.ShouldBe("GET");
        sent[0].Path.ShouldBe($"/v1/checkout/sessions/{SessionId}");
        sent[0].Headers["Authorization"].ShouldBe($"Bearer {ApiKey}");

        // A Checkout Sessions: read key may not expand the customer or the payment link.
        sent[0].Query.AllKeys.ShouldBeEmpty();
        sent[0].RawBody.ShouldBeEmpty();
    }

    [TestCase("open")]
    [TestCase("expired")]
    public async Task A_session_that_is_not_complete_is_no_conversion(string status)
    {
        var session = StripeFixtures.CompletedCheckoutSession();
        session["status"] = status;

        var (result, _) = await ReadAsync(StripeAnswer.Ok(session.ToJsonString()));

        result.Outcome.ShouldBe(CheckoutConversionOutcome.NotComplete);
        result.IsConversion.ShouldBeFalse();
        result.Conversion.ShouldBeNull();
        result.SessionStatus.ShouldBe(status);
        result.Message.ShouldContain(status);
    }

    [Test]
    public async Task The_unchanged_fixture_session_is_open_and_no_conversion()
    {
        var (result, _) = await ReadAsync(StripeAnswer.Ok(StripeFixtures.OpenCheckoutSession().ToJsonString()));

        result.Outcome.ShouldBe(CheckoutConversionOutcome.NotComplete);
        result.SessionStatus.ShouldBe("open");
    }

    [TestCase("paid", CheckoutPaymentStatus.Paid)]
    [TestCase("unpaid", CheckoutPaymentStatus.Unpaid)]
    [TestCase("no_payment_required", CheckoutPaymentStatus.NoPaymentRequired)]
    [TestCase("partially_refunded_someday", CheckoutPaymentStatus.Unknown)]
    public async Task Reports_the_payment_status_of_a_complete_session(string status, CheckoutPaymentStatus expected)
    {
        var session = StripeFixtures.CompletedCheckoutSession();
        session["payment_status"] = status;

        var (result, _) = await ReadAsync(StripeAnswer.Ok(session.ToJsonString()));

        result.Outcome.ShouldBe(CheckoutConversionOutcome.Converted);
        result.Conversion!.PaymentStatus.ShouldBe(expected);
    }

    [Test]
    public async Task Falls_back_to_customer_email_when_customer_details_have_none()
    {
        var session = StripeFixtures.CompletedCheckoutSession();
        session["customer_details"]!["email"] = null;
        session["customer_email"] = "prefilled@example.com";

        var (result, _) = await ReadAsync(StripeAnswer.Ok(session.ToJsonString()));

        result.Conversion!.CustomerEmail.ShouldBe("prefilled@example.com");
    }

    [Test]
    public async Task A_session_without_customer_or_payment_link_is_still_a_conversion()
    {
        var session = StripeFixtures.CompletedCheckoutSession();
        session["customer"] = null;
        session["payment_link"] = null;
        session["client_reference_id"] = null;

        var (result, _) = await ReadAsync(StripeAnswer.Ok(session.ToJsonString()), $"https://example.com/thanks?session_id={SessionId}");

        result.Outcome.ShouldBe(CheckoutConversionOutcome.Converted);
        result.Conversion!.CustomerId.ShouldBeNull();
        result.Conversion.PaymentLinkId.ShouldBeNull();
        result.Conversion.ClientReferenceId.ShouldBeNull();
        result.Conversion.Utm.IsEmpty.ShouldBeTrue();
    }

    [Test]
    public async Task Drops_invalid_utm_codes_of_the_page_as_everywhere_else()
    {
        var (result, _) = await ReadAsync(
            StripeAnswer.Ok(StripeFixtures.CompletedCheckoutSession().ToJsonString()),
            $"https://example.com/thanks?session_id={SessionId}&utm_source=news%20letter&utm_campaign=spring_sale");

        result.Conversion!.Utm.ShouldBe(new UtmCodes { Campaign = "spring_sale" });
        result.Page.Url.Dropped.ShouldHaveSingleItem().Name.ShouldBe("utm_source");
    }

    [TestCase("cs_test_x%27;drop")]
    [TestCase("cs_test_x'%3Bdrop")]
    [TestCase("sk_live_51PgcSecretKeyThatMustNeverTravel")]
    [TestCase("pi_3Pgc78B7WZ01zgkW0abc")]
    [TestCase("CS_test_abc")]
    [TestCase("cs_")]
    [TestCase("cs_test_a%20b")]
    [TestCase("cs_test_a-b")]
    [TestCase("cs_test_%C3%A9")]
    [TestCase("../v1/customers")]
    [TestCase("cs_test_a%2Fv1%2Fcustomers")]
    [TestCase("{CHECKOUT_SESSION_ID}")]
    [TestCase("%7BCHECKOUT_SESSION_ID%7D")]
    [TestCase("")]
    public async Task Rejects_a_tampered_session_id_without_asking_stripe(string sessionId)
    {
        var (result, sent) = await ReadAsync(
            StripeAnswer.Ok(StripeFixtures.CompletedCheckoutSession().ToJsonString()), $"https://example.com/thanks?session_id={sessionId}");

        result.Outcome.ShouldBe(CheckoutConversionOutcome.InvalidSessionId);
        result.Conversion.ShouldBeNull();
        sent.ShouldBeEmpty();
        result.ToString().ShouldNotContain("sk_live_");
    }

    [Test]
    public async Task The_last_session_id_counts_so_a_tampered_second_one_is_rejected()
    {
        var (result, sent) = await ReadAsync(
            StripeAnswer.Ok(StripeFixtures.CompletedCheckoutSession().ToJsonString()),
            $"https://example.com/thanks?session_id={SessionId}&session_id=cs_test_x%27;drop");

        result.Outcome.ShouldBe(CheckoutConversionOutcome.InvalidSessionId);
        sent.ShouldBeEmpty();
    }

    [TestCase(4)]
    [TestCase(255)]
    public async Task Accepts_session_ids_of_4_to_255_characters(int length)
    {
        var id = "cs_" + new string('a', length - 3);

        var (_, sent) = await ReadAsync(
            StripeAnswer.Ok(StripeFixtures.CompletedCheckoutSession().ToJsonString()), $"https://example.com/thanks?session_id={id}");

        sent.ShouldHaveSingleItem().Path.ShouldBe($"/v1/checkout/sessions/{id}");
    }

    [Test]
    public async Task Rejects_a_session_id_of_256_characters_without_asking_stripe()
    {
        var id = "cs_" + new string('a', 253);

        var (result, sent) = await ReadAsync(
            StripeAnswer.Ok(StripeFixtures.CompletedCheckoutSession().ToJsonString()), $"https://example.com/thanks?session_id={id}");

        result.Outcome.ShouldBe(CheckoutConversionOutcome.InvalidSessionId);
        sent.ShouldBeEmpty();
    }

    [Test]
    public async Task A_page_without_session_id_asks_stripe_nothing()
    {
        var (result, sent) = await ReadAsync(
            StripeAnswer.Ok(StripeFixtures.CompletedCheckoutSession().ToJsonString()), "https://example.com/thanks?utm_source=newsletter");

        result.Outcome.ShouldBe(CheckoutConversionOutcome.MissingSessionId);
        result.Page.Utm.Source.ShouldBe("newsletter");
        sent.ShouldBeEmpty();
    }

    [TestCase(404, "resource_missing", "No such checkout.session: 'cs_test_a1YS'", CheckoutConversionOutcome.SessionNotFound)]
    [TestCase(401, null, "Invalid API Key provided: rk_test_*****************0000", CheckoutConversionOutcome.Unauthorized)]
    [TestCase(403, null, "The provided key 'rk_test_***0000' does not have the required permissions for this endpoint.", CheckoutConversionOutcome.Forbidden)]
    [TestCase(429, "rate_limit", "Too many requests hit the API too quickly.", CheckoutConversionOutcome.RateLimited)]
    [TestCase(400, "parameter_unknown", "Received unknown parameter: foo", CheckoutConversionOutcome.StripeError)]
    [TestCase(500, null, "An unknown error occurred", CheckoutConversionOutcome.StripeError)]
    public async Task Stripe_errors_come_back_as_typed_results(int status, string? code, string message, CheckoutConversionOutcome expected)
    {
        var (result, sent) = await ReadAsync(StripeAnswer.Error(status, status == 500 ? "api_error" : "invalid_request_error", code, message));

        result.Outcome.ShouldBe(expected);
        result.IsConversion.ShouldBeFalse();
        result.StatusCode.ShouldBe((HttpStatusCode)status);
        result.ErrorCode.ShouldBe(code);
        result.RequestId.ShouldBe("req_loopback1");
        result.Message.ShouldStartWith($"Stripe did not return the Checkout Session: Stripe answered {status}");
        result.ToString().ShouldNotContain("rk_test_");
        result.Page.Utm.Campaign.ShouldBe("spring_sale");
        sent.Count.ShouldBe(1);
    }

    [Test]
    public async Task Never_puts_the_api_key_in_a_result_even_when_stripe_repeats_it()
    {
        var (result, _) = await ReadAsync(
            StripeAnswer.Error(401, "invalid_request_error", "api_key_expired", $"Expired API Key provided: {ApiKey}"));

        result.Outcome.ShouldBe(CheckoutConversionOutcome.Unauthorized);
        result.Message.ShouldNotContain(ApiKey);
        result.ToString().ShouldNotContain(ApiKey);
        result.Message.ShouldContain("[redacted]");
    }

    [Test]
    public async Task An_answer_that_is_not_json_is_a_stripe_error()
    {
        var (result, _) = await ReadAsync(new StripeAnswer(502, "<html>Bad gateway</html>"));

        result.Outcome.ShouldBe(CheckoutConversionOutcome.StripeError);
        result.StatusCode.ShouldBe(HttpStatusCode.BadGateway);
    }

    [Test]
    public async Task Stripe_nets_own_retries_run_before_a_rate_limited_result()
    {
        var answers = 0;
        await using var server = new LoopbackStripeServer(_ => Interlocked.Increment(ref answers) == 1
            ? StripeAnswer.Error(429, "invalid_request_error", "rate_limit", "Too many requests hit the API too quickly.") with
            {
                Headers = new Dictionary<string, string> { ["Stripe-Should-Retry"] = "true" },
            }
            : StripeAnswer.Ok(StripeFixtures.CompletedCheckoutSession().ToJsonString()));

        var result = await new CheckoutConversionReader(server.CreateClient(ApiKey, maxNetworkRetries: 1)).ReadAsync(ThankYouUrl);

        result.Outcome.ShouldBe(CheckoutConversionOutcome.Converted);
        server.Requests.Count.ShouldBe(2);
    }

    [Test]
    public async Task An_unreachable_stripe_is_a_typed_result()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var reader = new CheckoutConversionReader(LoopbackStripeServer.CreateClient($"http://127.0.0.1:{port}", ApiKey));

        var result = await reader.ReadAsync(ThankYouUrl);

        result.Outcome.ShouldBe(CheckoutConversionOutcome.Unreachable);
        result.Message.ShouldStartWith("Stripe could not be reached");
        result.ToString().ShouldNotContain(ApiKey);
    }

    [Test]
    public async Task A_cancelled_read_throws()
    {
        await using var server = new LoopbackStripeServer(StripeAnswer.Ok(StripeFixtures.CompletedCheckoutSession().ToJsonString()));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(
            () => new CheckoutConversionReader(server.CreateClient(ApiKey)).ReadAsync(ThankYouUrl, cancelled.Token));
    }

    [Test]
    public void Refuses_a_url_that_is_not_absolute()
    {
        var reader = new CheckoutConversionReader(LoopbackStripeServer.CreateClient("http://127.0.0.1:9", ApiKey));

        Should.Throw<FormatException>(() => reader.ReadAsync("thanks?session_id=cs_test_1"));
        Should.Throw<ArgumentNullException>(() => reader.ReadAsync((string)null!));
        Should.Throw<ArgumentNullException>(() => reader.ReadAsync((ThankYouPage)null!));
    }

    [Test]
    public void A_conversion_describes_itself_without_the_customers_email()
    {
        var conversion = CheckoutConversion.Create(
            SessionId, paymentLinkId: "plink_1", customerEmail: "jane@example.com", amountTotal: 2000, currency: "usd", paymentStatus: CheckoutPaymentStatus.Paid);

        conversion.ToString().ShouldBe($"{SessionId} from plink_1: 2000 usd Paid");
    }
}
