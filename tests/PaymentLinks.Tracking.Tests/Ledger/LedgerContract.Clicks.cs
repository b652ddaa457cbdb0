using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Ledger;

/// <summary>Clicks on tracked links on every engine: recorded, found for their session, erased with their visitor and by retention.</summary>
public abstract partial class LedgerContract
{
    private const string ClickedLink = "https://buy.stripe.com/test_eVa5nPg1j1wmfXq5kr";

    [Test]
    public async Task A_click_then_its_session_the_session_names_the_click_and_the_ledger_finds_it()
    {
        var (clicks, ledger) = ClickInstance(ClickedLink + "?client_reference_id=order_4711&utm_source=newsletter");

        var redirect = (await clicks.RecordClickAsync(new PaymentLinkClick
        {
            LinkName = "pro",
            Gclid = "EAIaIQobChMI_gclid",
            Msclkid = "msclkid_1",
            Fbclid = "IwAR2F4-Case_Sensitive",
            GoogleAnalyticsCookie = "GA1.1.111.222",
            Fbp = "fb.1.1700000000000.123",
            Ttp = "ttp_1",
            Referrer = "https://news.example/",
            LandingUrl = "https://shop.example/go/pro?gclid=EAIaIQobChMI_gclid",
        })).ShouldNotBeNull();

        var click = redirect.Click.ShouldNotBeNull();
        ClientReferenceCodec.IsClickId(click.ClickId).ShouldBeTrue();
        ClientReferenceCodec.IsClickId(click.VisitorId).ShouldBeTrue();
        redirect.IsClickIdIncluded.ShouldBeTrue();
        var clientReferenceId = QueryValue(redirect.Location, "client_reference_id");
        clientReferenceId.ShouldBe("order_4711" + ClientReferenceCodec.ClickMarker + click.ClickId);
        QueryValue(redirect.Location, "utm_source").ShouldBe("newsletter");

        // Stripe hands the reference back on the session it made.
        var sessionId = $"cs_test_{Guid.NewGuid():N}";
        await ledger.RecordAsync(ClickedSession(sessionId, clientReferenceId));

        var found = (await clicks.FindClickForSessionAsync(sessionId)).ShouldNotBeNull();
        found.ShouldBe(click);
        found.MerchantReference.ShouldBe("order_4711");
        found.Utm.ShouldBe(new UtmCodes { Source = "newsletter" });
        found.Gclid.ShouldBe("EAIaIQobChMI_gclid");
        found.Msclkid.ShouldBe("msclkid_1");
        found.Fbc.ShouldBe($"fb.1.{click.ClickedAt.ToUnixTimeMilliseconds()}.IwAR2F4-Case_Sensitive");
        found.Fbp.ShouldBe("fb.1.1700000000000.123");
        found.Referrer.ShouldBe("https://news.example/");
        (await clicks.FindClickAsync(click.ClickId!)).ShouldBe(click);
        (await clicks.FindClickForSessionAsync($"cs_test_{Guid.NewGuid():N}")).ShouldBeNull();
    }

    [Test]
    public async Task A_clicks_fbc_is_the_fbc_cookie_when_there_is_one_and_its_visitor_is_kept()
    {
        var (clicks, _) = ClickInstance(ClickedLink);
        var first = (await clicks.RecordClickAsync(new PaymentLinkClick { LinkName = "pro", Fbclid = "IwAR_new", Fbc = "fb.1.1600000000000.IwAR_old" }))!.Click!;
        var second = (await clicks.RecordClickAsync(new PaymentLinkClick { LinkName = "pro", VisitorId = first.VisitorId }))!.Click!;
        var forged = (await clicks.RecordClickAsync(new PaymentLinkClick { LinkName = "pro", VisitorId = "x'; DROP TABLE" }))!.Click!;

        (await clicks.FindClickAsync(first.ClickId!))!.Fbc.ShouldBe("fb.1.1600000000000.IwAR_old");
        second.VisitorId.ShouldBe(first.VisitorId);
        second.ClickId.ShouldNotBe(first.ClickId);
        ClientReferenceCodec.IsClickId(forged.VisitorId).ShouldBeTrue();
        forged.VisitorId.ShouldNotBe(first.VisitorId);
    }

    [Test]
    public async Task A_request_with_its_own_reference_and_codes_keeps_them_beside_the_click_id()
    {
        var (clicks, _) = ClickInstance(ClickedLink + "?utm_source=configured&utm_campaign=configured");

        var redirect = (await clicks.RecordClickAsync(new PaymentLinkClick
        {
            LinkName = "PRO",
            MerchantReference = "cart-9",
            Utm = new UtmCodes { Source = "ads", Medium = "cpc" },
        }))!;

        QueryValue(redirect.Location, "client_reference_id").ShouldBe("cart-9" + ClientReferenceCodec.ClickMarker + redirect.Click!.ClickId);
        QueryValue(redirect.Location, "utm_source").ShouldBe("ads");
        QueryValue(redirect.Location, "utm_campaign").ShouldBeNull();
        var stored = (await clicks.FindClickAsync(redirect.Click.ClickId!))!;
        stored.MerchantReference.ShouldBe("cart-9");
        stored.Utm.ShouldBe(new UtmCodes { Source = "ads", Medium = "cpc" });
    }

    [Test]
    public async Task An_unknown_link_is_no_redirect_and_records_nothing()
    {
        var (clicks, ledger) = ClickInstance(ClickedLink);
        await ledger.EnsureSchemaAsync(CancellationToken.None);

        (await clicks.RecordClickAsync(new PaymentLinkClick { LinkName = "https://evil.example/" })).ShouldBeNull();
        clicks.CreateRedirect(new PaymentLinkClick { LinkName = "other" }).ShouldBeNull();
        LedgerStore.ToInt64(await ScalarAsync("SELECT COUNT(*) FROM payment_link_clicks")).ShouldBe(0);
    }

    [Test]
    public async Task What_is_not_a_click_is_redirected_without_a_click_id_and_records_nothing()
    {
        var (clicks, ledger) = ClickInstance(ClickedLink + "?client_reference_id=order_1");
        await ledger.EnsureSchemaAsync(CancellationToken.None);

        var redirect = clicks.CreateRedirect(new PaymentLinkClick { LinkName = "pro", Gclid = "g" }).ShouldNotBeNull();

        redirect.Click.ShouldBeNull();
        redirect.IsClickIdIncluded.ShouldBeFalse();
        QueryValue(redirect.Location, "client_reference_id").ShouldBe("order_1");
        redirect.Location.GetLeftPart(UriPartial.Path).ShouldBe(ClickedLink);
        LedgerStore.ToInt64(await ScalarAsync("SELECT COUNT(*) FROM payment_link_clicks")).ShouldBe(0);
    }

    [Test]
    public async Task Erasing_a_session_or_its_email_removes_every_click_of_its_visitor_and_no_other()
    {
        var (clicks, ledger) = ClickInstance(ClickedLink);
        foreach (var byEmail in new[] { false, true })
        {
            var first = (await clicks.RecordClickAsync(new PaymentLinkClick { LinkName = "pro", Gclid = "gclid_erased" }))!;
            var again = (await clicks.RecordClickAsync(new PaymentLinkClick { LinkName = "pro", VisitorId = first.Click!.VisitorId }))!;
            var stranger = (await clicks.RecordClickAsync(new PaymentLinkClick { LinkName = "pro" }))!;
            var sessionId = $"cs_test_{Guid.NewGuid():N}";
            var reference = QueryValue(again.Location, "client_reference_id");
            await ledger.RecordAsync(ClickedSession(sessionId, reference));

            var erased = byEmail ? await ledger.EraseByEmailAsync(Webhooks.SignedWebhooks.CustomerEmail) : await ledger.EraseSessionAsync(sessionId);

            erased.SessionIds.ShouldContain(sessionId);
            (await clicks.FindClickAsync(first.Click.ClickId!)).ShouldBeNull();
            (await clicks.FindClickAsync(again.Click!.ClickId!)).ShouldBeNull();
            (await clicks.FindClickForSessionAsync(sessionId)).ShouldBeNull();
            (await clicks.FindClickAsync(stranger.Click!.ClickId!)).ShouldNotBeNull();
        }

        (await PlacesContainingAsync("gclid_erased")).ShouldBeEmpty();
    }

    [Test]
    public async Task The_retention_deletes_clicks_older_than_it()
    {
        var (clicks, ledger) = ClickInstance(ClickedLink);
        var click = (await clicks.RecordClickAsync(new PaymentLinkClick { LinkName = "pro" }))!.Click!;
        var retention = TimeSpan.FromDays(30);

        await new RetentionWorker(ledger, retention, new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(29)), NullLogger<RetentionWorker>.Instance)
            .RunOnceAsync(CancellationToken.None);
        (await clicks.FindClickAsync(click.ClickId!)).ShouldNotBeNull();

        await new RetentionWorker(ledger, retention, new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(31)), NullLogger<RetentionWorker>.Instance)
            .RunOnceAsync(CancellationToken.None);
        (await clicks.FindClickAsync(click.ClickId!)).ShouldBeNull();
    }

    [Test]
    public async Task A_visitors_clicks_in_a_window_are_found_by_the_visitor_index()
    {
        var (_, ledger) = ClickInstance(ClickedLink);
        await ledger.EnsureSchemaAsync(CancellationToken.None);

        var columns = await ScalarAsync(IndexDefinitionSql("payment_link_clicks_visitor"));

        columns!.ToString()!.Replace(" ", string.Empty, StringComparison.Ordinal).ShouldContain("visitor_id,clicked_at");
    }

    /// <summary>The ledger with its clicks, over the tracking options' one link <c>pro</c>.</summary>
    private (IPaymentLinkClicks Clicks, DbPaymentLinkLedger Ledger) ClickInstance(string link)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPaymentLinkTracking(options => options.Links["pro"] = link);
        AddLedger(services, options => options.RunFulfillment = false);
        var provider = services.BuildServiceProvider();
        _instances.Add(provider);
        return (provider.GetRequiredService<IPaymentLinkClicks>(), provider.GetRequiredService<DbPaymentLinkLedger>());
    }

    private static PaymentLinkEvent ClickedSession(string sessionId, string? clientReferenceId) =>
        PaymentLinkEvent.Create(
            CheckoutEvents.NewEventId(),
            "checkout.session.completed",
            DateTimeOffset.UtcNow,
            checkout: PaymentLinkCheckout.Create(
                sessionId,
                paymentLinkId: "plink_1Pgc78B7WZ01zgkWC75kX0jg",
                clientReferenceId: clientReferenceId,
                customerEmail: Webhooks.SignedWebhooks.CustomerEmail,
                amountTotal: 4200,
                currency: "usd",
                paymentStatus: CheckoutPaymentStatus.Paid,
                status: "complete",
                mode: "payment"));

    private static string? QueryValue(Uri location, string name) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(location.Query).TryGetValue(name, out var value) ? value.ToString() : null;
}
