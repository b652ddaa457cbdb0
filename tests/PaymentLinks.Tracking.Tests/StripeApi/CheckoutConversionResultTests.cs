using System.Net;
using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.StripeApi;

public class CheckoutConversionResultTests
{
    private static readonly ThankYouPage Page = ThankYouPage.Parse("https://example.com/thanks?session_id=cs_test_1&utm_source=newsletter");

    [Test]
    public void A_conversion_made_for_a_test_carries_what_it_was_given()
    {
        var metadata = new Dictionary<string, string> { ["plan"] = "pro" };

        var conversion = CheckoutConversion.Create(
            "cs_test_1", "plink_1", "order-1042", "cus_1", "jenny.rosen@example.com", 2000, "usd", CheckoutPaymentStatus.Paid, livemode: true, metadata, Page.Utm);

        conversion.SessionId.ShouldBe("cs_test_1");
        conversion.PaymentLinkId.ShouldBe("plink_1");
        conversion.ClientReferenceId.ShouldBe("order-1042");
        conversion.CustomerId.ShouldBe("cus_1");
        conversion.CustomerEmail.ShouldBe("jenny.rosen@example.com");
        conversion.AmountTotal.ShouldBe(2000);
        conversion.Currency.ShouldBe("usd");
        conversion.PaymentStatus.ShouldBe(CheckoutPaymentStatus.Paid);
        conversion.Livemode.ShouldBeTrue();
        conversion.Metadata.ShouldBeSameAs(metadata);
        conversion.Utm.ShouldBe(new UtmCodes { Source = "newsletter" });
    }

    [Test]
    public void A_conversion_made_from_a_session_id_alone_has_no_metadata_codes_or_status()
    {
        var conversion = CheckoutConversion.Create("cs_test_1");

        conversion.Metadata.ShouldBeEmpty();
        conversion.Utm.ShouldBe(UtmCodes.None);
        conversion.PaymentStatus.ShouldBe(CheckoutPaymentStatus.Unknown);
        conversion.AmountTotal.ShouldBeNull();
        conversion.ToString().ShouldBe("cs_test_1 from no payment link: no amount  Unknown");
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("  ")]
    public void A_conversion_needs_a_session_id(string? sessionId) =>
        Should.Throw<ArgumentException>(() => CheckoutConversion.Create(sessionId!)).ParamName.ShouldBe("sessionId");

    [Test]
    public void A_result_for_a_conversion_is_one()
    {
        var conversion = CheckoutConversion.Create("cs_test_1");

        var result = CheckoutConversionResult.ForConversion(Page, conversion);

        result.Outcome.ShouldBe(CheckoutConversionOutcome.Converted);
        result.IsConversion.ShouldBeTrue();
        result.Conversion.ShouldBeSameAs(conversion);
        result.Page.ShouldBeSameAs(Page);
        result.SessionStatus.ShouldBe("complete");
        result.ToString().ShouldBe("Converted: The Checkout Session is complete.");
    }

    [Test]
    public void A_result_without_a_conversion_carries_stripes_details()
    {
        var result = CheckoutConversionResult.ForNoConversion(
            CheckoutConversionOutcome.SessionNotFound, Page, "No such session.", statusCode: HttpStatusCode.NotFound, errorCode: "resource_missing", requestId: "req_1");

        result.IsConversion.ShouldBeFalse();
        result.Conversion.ShouldBeNull();
        result.Outcome.ShouldBe(CheckoutConversionOutcome.SessionNotFound);
        result.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        result.ErrorCode.ShouldBe("resource_missing");
        result.RequestId.ShouldBe("req_1");
        result.SessionStatus.ShouldBeNull();
        result.Message.ShouldBe("No such session.");
    }

    [TestCase(CheckoutConversionOutcome.Converted)]
    [TestCase((CheckoutConversionOutcome)99)]
    public void A_result_without_a_conversion_cannot_claim_one_or_an_unknown_outcome(CheckoutConversionOutcome outcome) =>
        Should.Throw<ArgumentOutOfRangeException>(() => CheckoutConversionResult.ForNoConversion(outcome, Page, "x")).ParamName.ShouldBe("outcome");

    [Test]
    public void Refuses_null_arguments()
    {
        Should.Throw<ArgumentNullException>(() => CheckoutConversionResult.ForConversion(null!, CheckoutConversion.Create("cs_test_1")));
        Should.Throw<ArgumentNullException>(() => CheckoutConversionResult.ForConversion(Page, null!));
        Should.Throw<ArgumentNullException>(() => CheckoutConversionResult.ForNoConversion(CheckoutConversionOutcome.NotComplete, null!, "x"));
        Should.Throw<ArgumentNullException>(() => CheckoutConversionResult.ForNoConversion(CheckoutConversionOutcome.NotComplete, Page, null!));
    }
}
