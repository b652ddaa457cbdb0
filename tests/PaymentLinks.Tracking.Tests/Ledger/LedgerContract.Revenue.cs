using System.Text.Json.Nodes;
using CsCheck;
using NUnit.Framework;
using PaymentLinks.Tracking.Tests.Webhooks;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Ledger;

/// <summary>Refunds, disputes, renewals, test mode and plain Checkout Sessions: the money the report counts.</summary>
public abstract partial class LedgerContract
{
    private static readonly DateTimeOffset March = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly UtmCodes SpringSale = new() { Source = "newsletter", Medium = "email", Campaign = "spring_sale" };

    [Test]
    public async Task A_partial_then_full_refund_in_either_order_leaves_the_full_refund_each_in_the_period_it_was_made()
    {
        var instance = Instance();
        var ledger = instance.Ledger;
        var changes = new List<SessionRefundChange>();
        ledger.SessionRefundChanged = (_, _, change, _) =>
        {
            changes.Add(change);
            return Task.CompletedTask;
        };
        var partialAt = March.AddDays(10);
        var fullAt = March.AddDays(40);
        foreach (var (session, partialFirst) in new[] { ("cs_test_refund_a", true), ("cs_test_refund_b", false) })
        {
            var paymentIntent = "pi_" + session;
            await ledger.RecordAsync(Session(session, March.AddDays(1), paymentIntent: paymentIntent, amount: 10_000, utm: SpringSale));
            var partial = MoneyEvents.Read("charge.refunded", MoneyEvents.Charge("ch_" + session, paymentIntent, 10_000, 3_000), partialAt);
            var full = MoneyEvents.Read("charge.refunded", MoneyEvents.Charge("ch_" + session, paymentIntent, 10_000, 10_000), fullAt);
            foreach (var refund in partialFirst ? new[] { partial, full } : [full, partial])
            {
                (await ledger.RecordAsync(refund)).ShouldBe(LedgerRecordOutcome.Stored);
            }
        }

        var all = (await ledger.TestReportAsync()).ShouldHaveSingleItem();
        (all.Gross, all.Refunded, all.Revenue, all.Paid).ShouldBe((20_000L, 20_000L, 0L, 2L));

        // A refund counts in the period it was made, whatever order its events came in.
        var march = (await ledger.TestReportAsync(March, March.AddMonths(1))).ShouldHaveSingleItem();
        (march.Gross, march.Refunded, march.Revenue).ShouldBe((20_000L, 6_000L, 14_000L));
        var april = (await ledger.TestReportAsync(March.AddMonths(1), March.AddMonths(2))).ShouldHaveSingleItem();
        (april.Gross, april.Refunded, april.Revenue, april.Sessions).ShouldBe((0L, 14_000L, -14_000L, 0L));

        // The moment the forwarding hears of: each rise once, with the session's cumulative refund.
        changes.ShouldBe(
        [
            new SessionRefundChange("cs_test_refund_a", "usd", 3_000, 3_000),
            new SessionRefundChange("cs_test_refund_a", "usd", 10_000, 7_000),
            new SessionRefundChange("cs_test_refund_b", "usd", 10_000, 10_000),
        ]);
    }

    [Test]
    public async Task Revenue_is_the_money_kept_without_its_tax_so_a_full_refund_leaves_no_tax_behind()
    {
        var ledger = Instance().Ledger;
        await ledger.RecordAsync(Session("cs_test_taxed", March.AddDays(1), paymentIntent: "pi_taxed", amount: 12_000, tax: 2_000, utm: SpringSale));
        var row = (await ledger.TestReportAsync()).ShouldHaveSingleItem();
        (row.Gross, row.Tax, row.Refunded, row.Revenue).ShouldBe((12_000L, 2_000L, 0L, 10_000L));

        await ledger.RecordAsync(MoneyEvents.Read("charge.refunded", MoneyEvents.Charge("ch_taxed", "pi_taxed", 12_000, 3_000), March.AddDays(2)));
        row = (await ledger.TestReportAsync()).ShouldHaveSingleItem();

        // (12,000 − 3,000) × (12,000 − 2,000) / 12,000.
        (row.Gross, row.Tax, row.Refunded, row.Revenue).ShouldBe((12_000L, 2_000L, 3_000L, 7_500L));

        await ledger.RecordAsync(MoneyEvents.Read("charge.refunded", MoneyEvents.Charge("ch_taxed", "pi_taxed", 12_000, 12_000), March.AddDays(3)));
        (await ledger.TestReportAsync()).ShouldHaveSingleItem().Revenue.ShouldBe(0);
    }

    [Test]
    public async Task Revenue_rounds_half_away_from_zero_to_the_currencys_minor_unit()
    {
        var ledger = Instance().Ledger;

        // (8 − 3) × (8 − 4) / 8 = 2.5 and (8 − 7) × 4 / 8 = 0.5: 3 and 1, where banker's rounding would give 2 and 0.
        await ledger.RecordAsync(Session("cs_test_round_a", March.AddDays(1), paymentIntent: "pi_round_a", amount: 8, tax: 4, utm: SpringSale));
        await ledger.RecordAsync(MoneyEvents.Read("charge.refunded", MoneyEvents.Charge("ch_round_a", "pi_round_a", 8, 3), March.AddDays(2)));
        (await ledger.TestReportAsync()).ShouldHaveSingleItem().Revenue.ShouldBe(3);
        await ledger.RecordAsync(MoneyEvents.Read("charge.refunded", MoneyEvents.Charge("ch_round_a", "pi_round_a", 8, 7), March.AddDays(3)));
        (await ledger.TestReportAsync()).ShouldHaveSingleItem().Revenue.ShouldBe(1);

        // In a period with refunds only, nothing was paid to take tax from: the refund counts whole.
        (await ledger.TestReportAsync(March.AddDays(3), March.AddDays(4))).ShouldHaveSingleItem().Revenue.ShouldBe(-4);
    }

    [Test]
    public async Task A_refund_that_failed_or_was_canceled_is_no_longer_refunded_in_either_order_and_redelivered()
    {
        var instance = Instance();
        var ledger = instance.Ledger;
        var changes = new List<SessionRefundChange>();
        ledger.SessionRefundChanged = (_, _, change, _) =>
        {
            changes.Add(change);
            return Task.CompletedTask;
        };
        var refundedAt = March.AddDays(10);
        var failedAt = March.AddDays(40);
        foreach (var (session, status, refundFirst) in new[] { ("cs_test_fail_a", "failed", true), ("cs_test_fail_b", "canceled", false) })
        {
            var paymentIntent = "pi_" + session;
            await ledger.RecordAsync(Session(session, March.AddDays(1), paymentIntent: paymentIntent, amount: 10_000, utm: SpringSale));
            var refunded = MoneyEvents.Read("charge.refunded", MoneyEvents.Charge("ch_" + session, paymentIntent, 10_000, 10_000), refundedAt);
            var failed = MoneyEvents.Read(
                "charge.refund.updated", MoneyEvents.Refund("re_" + session, "ch_" + session, paymentIntent, 10_000, status, created: refundedAt), failedAt);
            var failedAgain = MoneyEvents.Read(
                "charge.refund.updated", MoneyEvents.Refund("re_" + session, "ch_" + session, paymentIntent, 10_000, status, created: refundedAt), failedAt.AddDays(1));
            foreach (var paymentLinkEvent in refundFirst ? new[] { refunded, failed, failedAgain, failed, refunded } : [failedAgain, failed, refunded, failed, refunded])
            {
                await ledger.RecordAsync(paymentLinkEvent);
            }
        }

        var all = (await ledger.TestReportAsync()).ShouldHaveSingleItem();
        (all.Gross, all.Refunded, all.Revenue).ShouldBe((20_000L, 0L, 20_000L));

        // The refund counts in the period it was made, and its failure gives the money back in the period it failed in.
        var march = (await ledger.TestReportAsync(March, March.AddMonths(1))).ShouldHaveSingleItem();
        (march.Refunded, march.Revenue).ShouldBe((20_000L, 0L));
        var april = (await ledger.TestReportAsync(March.AddMonths(1), March.AddMonths(2))).ShouldHaveSingleItem();
        (april.Refunded, april.Revenue).ShouldBe((-20_000L, 20_000L));

        // The refund moment is heard of once, for the refund heard of before its failure; a failure is not a refund
        // moment, and a refund that had already failed when it was heard of raises nothing.
        changes.ShouldBe([new SessionRefundChange("cs_test_fail_a", "usd", 10_000, 10_000)]);
    }

    [Test]
    public async Task A_partial_refund_of_which_one_fails_leaves_the_other_whatever_the_order()
    {
        var ledger = Instance().Ledger;
        await ledger.RecordAsync(Session("cs_test_partial_fail", March, paymentIntent: "pi_partial_fail", amount: 10_000, utm: SpringSale));
        var first = MoneyEvents.Read("charge.refunded", MoneyEvents.Charge("ch_partial_fail", "pi_partial_fail", 10_000, 3_000), March.AddDays(5));
        var second = MoneyEvents.Read("charge.refunded", MoneyEvents.Charge("ch_partial_fail", "pi_partial_fail", 10_000, 5_000), March.AddDays(6));
        var failed = MoneyEvents.Read(
            "charge.refund.updated", MoneyEvents.Refund("re_second", "ch_partial_fail", "pi_partial_fail", 2_000, "failed", created: March.AddDays(6)), March.AddDays(8));
        var succeeded = MoneyEvents.Read(
            "charge.refund.updated", MoneyEvents.Refund("re_first", "ch_partial_fail", "pi_partial_fail", 3_000, "succeeded", created: March.AddDays(5)), March.AddDays(7));

        // The failure before the statement that counted the failed refund: the first refund's statement does not count it.
        await ledger.RecordAsync(failed);
        await ledger.RecordAsync(first);
        (await ledger.TestReportAsync()).ShouldHaveSingleItem().Refunded.ShouldBe(3_000);

        await ledger.RecordAsync(succeeded);
        await ledger.RecordAsync(second);
        await ledger.RecordAsync(failed);
        var row = (await ledger.TestReportAsync()).ShouldHaveSingleItem();
        (row.Refunded, row.Revenue).ShouldBe((3_000L, 7_000L));
        (await ledger.TestReportAsync(March, March.AddDays(7))).ShouldHaveSingleItem().Refunded.ShouldBe(5_000);
        (await ledger.TestReportAsync(March.AddDays(7), March.AddDays(9))).ShouldHaveSingleItem().Refunded.ShouldBe(-2_000);
    }

    [Test]
    public async Task A_failure_before_a_later_statement_that_already_excludes_it_is_not_subtracted_again()
    {
        var ledger = Instance().Ledger;
        await ledger.RecordAsync(Session("cs_test_after_fail", March, paymentIntent: "pi_after_fail", amount: 10_000, utm: SpringSale));
        var refunded = MoneyEvents.Read("charge.refunded", MoneyEvents.Charge("ch_after_fail", "pi_after_fail", 10_000, 4_000), March.AddDays(5));
        var failed = MoneyEvents.Read(
            "charge.refund.updated", MoneyEvents.Refund("re_big", "ch_after_fail", "pi_after_fail", 4_000, "failed", created: March.AddDays(5)), March.AddDays(7));
        var later = MoneyEvents.Read("charge.refunded", MoneyEvents.Charge("ch_after_fail", "pi_after_fail", 10_000, 1_000), March.AddDays(9));

        foreach (var paymentLinkEvent in new[] { later, failed, refunded, later, failed })
        {
            await ledger.RecordAsync(paymentLinkEvent);
        }

        var row = (await ledger.TestReportAsync()).ShouldHaveSingleItem();
        (row.Refunded, row.Revenue).ShouldBe((1_000L, 9_000L));
        (await ledger.TestReportAsync(March, March.AddDays(6))).ShouldHaveSingleItem().Refunded.ShouldBe(4_000);
        (await ledger.TestReportAsync(March, March.AddDays(8))).ShouldHaveSingleItem().Refunded.ShouldBe(0);
    }

    [Test]
    public async Task A_zero_decimal_currency_is_counted_in_whole_yen()
    {
        var ledger = Instance().Ledger;
        await ledger.RecordAsync(Session("cs_test_yen", March, paymentIntent: "pi_yen", amount: 5_000, currency: "jpy", tax: 455, utm: SpringSale));
        await ledger.RecordAsync(MoneyEvents.Read("charge.refunded", MoneyEvents.Charge("ch_yen", "pi_yen", 5_000, 2_000, "jpy"), March.AddDays(2)));

        (await ledger.TestReportAsync()).ShouldBe(
        [
            // (5,000 − 2,000) × (5,000 − 455) / 5,000 = 2,727 yen kept.
            new CampaignReportRow("newsletter", "email", "spring_sale", "jpy", 1, 1, 2_727, 0, 0, 0, 1, Gross: 5_000, Refunded: 2_000, Tax: 455),
        ]);
    }

    [Test]
    public async Task A_lost_dispute_counts_once_and_a_failed_refund_attempt_after_it_changes_nothing()
    {
        var ledger = Instance().Ledger;
        await ledger.RecordAsync(Session("cs_test_dispute", March, paymentIntent: "pi_dispute", amount: 5_000, utm: SpringSale));
        var created = MoneyEvents.Read("charge.dispute.created", MoneyEvents.Dispute("du_1", "ch_dispute", "pi_dispute", 5_000, "needs_response"), March.AddDays(3));
        var lost = MoneyEvents.Read("charge.dispute.closed", MoneyEvents.Dispute("du_1", "ch_dispute", "pi_dispute", 5_000, "lost"), March.AddDays(20));
        var failedRefund = MoneyEvents.Read("charge.refund.updated", MoneyEvents.Refund("re_1", "ch_dispute", "pi_dispute", 5_000, "failed"), March.AddDays(21));

        // The closing event first: the older "created" must not reopen it.
        await ledger.RecordAsync(lost);
        await ledger.RecordAsync(created);
        await ledger.RecordAsync(failedRefund);

        var row = (await ledger.TestReportAsync()).ShouldHaveSingleItem();
        (row.Gross, row.Disputed, row.Refunded, row.Revenue).ShouldBe((5_000L, 5_000L, 0L, 0L));
        (await ledger.TestReportAsync(March, March.AddDays(20))).ShouldHaveSingleItem().Disputed.ShouldBe(0);
    }

    [Test]
    public async Task A_won_dispute_restores_the_money()
    {
        var ledger = Instance().Ledger;
        await ledger.RecordAsync(Session("cs_test_won", March, paymentIntent: "pi_won", amount: 5_000, utm: SpringSale));
        await ledger.RecordAsync(MoneyEvents.Read("charge.dispute.created", MoneyEvents.Dispute("du_2", "ch_won", "pi_won", 5_000, "needs_response"), March.AddDays(3)));
        await ledger.RecordAsync(MoneyEvents.Read("charge.dispute.closed", MoneyEvents.Dispute("du_2", "ch_won", "pi_won", 5_000, "won"), March.AddDays(30)));

        var row = (await ledger.TestReportAsync()).ShouldHaveSingleItem();
        (row.Disputed, row.Revenue).ShouldBe((0L, 5_000L));
    }

    [Test]
    public async Task A_renewal_before_its_first_session_takes_the_subscriptions_campaign_then_the_sessions()
    {
        var ledger = Instance().Ledger;
        var subscriptionMetadata = new JsonObject { ["utm_source"] = "partner", ["utm_medium"] = "referral", ["utm_campaign"] = "renewals" };
        await ledger.RecordAsync(MoneyEvents.Read(
            "invoice.paid", MoneyEvents.Invoice("in_cycle", "sub_1", "subscription_cycle", 2_000, 100, March.AddMonths(1), "pi_cycle", subscriptionMetadata), March.AddMonths(1)));

        (await ledger.TestReportAsync()).ShouldBe(
            [new CampaignReportRow("partner", "referral", "renewals", "usd", 0, 0, 1_900, 0, 0, 0, 0, Gross: 2_000, Renewals: 1, RenewalRevenue: 2_000, Tax: 100)]);

        // The first session arrives, with its own first invoice: that payment is the session's, never counted twice.
        await ledger.RecordAsync(Session("cs_test_sub", March, subscription: "sub_1", amount: 2_000, tax: 100, utm: SpringSale));
        await ledger.RecordAsync(MoneyEvents.Read(
            "invoice.paid", MoneyEvents.Invoice("in_create", "sub_1", "subscription_create", 2_000, 100, March, "pi_create", subscriptionMetadata), March));

        (await ledger.TestReportAsync()).ShouldBe(
            [new CampaignReportRow("newsletter", "email", "spring_sale", "usd", 1, 1, 3_800, 0, 0, 0, 1, Gross: 4_000, Renewals: 1, RenewalRevenue: 2_000, Tax: 200)]);
    }

    [Test]
    public async Task A_renewals_refund_finds_its_invoice_on_the_older_and_the_newer_api_version()
    {
        var ledger = Instance().Ledger;
        await ledger.RecordAsync(Session("cs_test_renew", March, subscription: "sub_2", amount: 1_500, utm: SpringSale));

        // Before 2025-03-31: the charge names its invoice.
        await ledger.RecordAsync(MoneyEvents.Read(
            "invoice.paid", MoneyEvents.LegacyInvoice("in_old", "sub_2", "subscription_cycle", 1_500, 0, March.AddMonths(1), "pi_old", "ch_old"), March.AddMonths(1), apiVersion: MoneyEvents.Acacia));
        await ledger.RecordAsync(MoneyEvents.Read(
            "charge.refunded", MoneyEvents.Charge("ch_old", "pi_old", 1_500, 1_500, invoice: "in_old"), March.AddMonths(1).AddDays(1), apiVersion: MoneyEvents.Acacia));

        // From 2025-03-31: the invoice's payments name the PaymentIntent; or invoice_payment.paid does, when they are not included.
        await ledger.RecordAsync(MoneyEvents.Read(
            "invoice.paid", MoneyEvents.Invoice("in_new", "sub_2", "subscription_cycle", 1_500, 0, March.AddMonths(2), "pi_new"), March.AddMonths(2)));
        await ledger.RecordAsync(MoneyEvents.Read("charge.refunded", MoneyEvents.Charge("ch_new", "pi_new", 1_500, 500), March.AddMonths(2).AddDays(1)));
        await ledger.RecordAsync(MoneyEvents.Read("charge.refunded", MoneyEvents.Charge("ch_pay", "pi_pay", 1_500, 1_000), March.AddMonths(3).AddDays(1)));
        await ledger.RecordAsync(MoneyEvents.Read(
            "invoice.paid", MoneyEvents.Invoice("in_pay", "sub_2", "subscription_cycle", 1_500, 0, March.AddMonths(3), paymentIntent: null), March.AddMonths(3)));
        await ledger.RecordAsync(MoneyEvents.Read("invoice_payment.paid", MoneyEvents.InvoicePayment("in_pay", "pi_pay", 1_500), March.AddMonths(3)));

        var row = (await ledger.TestReportAsync()).ShouldHaveSingleItem();
        (row.UtmCampaign, row.Renewals, row.RenewalRevenue, row.Gross, row.Refunded, row.Revenue).ShouldBe(("spring_sale", 3L, 4_500L, 6_000L, 3_000L, 3_000L));
    }

    [Test]
    public async Task Test_data_and_live_data_are_reported_apart_and_the_handler_is_told_the_mode()
    {
        var instance = Instance();
        await instance.Ledger.RecordAsync(Session("cs_live_1", March, paymentIntent: "pi_live", amount: 7_000, utm: SpringSale, livemode: true));
        await instance.Ledger.RecordAsync(Session("cs_test_1", March, paymentIntent: "pi_test", amount: 3_000, utm: SpringSale));

        (await instance.Ledger.ReportAsync()).ShouldHaveSingleItem().Revenue.ShouldBe(7_000);
        (await instance.Ledger.ReportAsync(mode: PaymentLinkMode.Test)).ShouldHaveSingleItem().Revenue.ShouldBe(3_000);

        await DrainAsync(instance.Worker);
        instance.Handler.Livemodes.ShouldBe(new Dictionary<string, bool> { ["cs_live_1"] = true, ["cs_test_1"] = false }, ignoreOrder: true);
    }

    [TestCase(PaymentLinkLedgerSessions.PaymentLinks)]
    [TestCase(PaymentLinkLedgerSessions.All)]
    public async Task A_checkout_session_without_a_payment_link_is_recorded_and_only_fulfilled_and_reported_when_all_are(PaymentLinkLedgerSessions sessions)
    {
        var instance = Instance(options => options.Sessions = sessions);
        await instance.Ledger.RecordAsync(Session("cs_test_link", March, paymentIntent: "pi_link", amount: 1_000, utm: SpringSale));
        await instance.Ledger.RecordAsync(Session("cs_test_plain", March, paymentIntent: "pi_plain", amount: 9_000, paymentLink: null));
        await instance.Ledger.RecordAsync(MoneyEvents.Read("charge.refunded", MoneyEvents.Charge("ch_plain", "pi_plain", 9_000, 9_000), March.AddDays(1)));

        (await instance.Ledger.FindSessionAsync("cs_test_plain")).ShouldNotBeNull().PaidAt.ShouldNotBeNull();
        await DrainAsync(instance.Worker);
        var rows = await instance.Ledger.TestReportAsync();
        if (sessions == PaymentLinkLedgerSessions.All)
        {
            instance.Handler.Calls.ShouldBe(["cs_test_link", "cs_test_plain"], ignoreOrder: true);
            rows.Sum(row => row.Gross).ShouldBe(10_000);
            rows.Sum(row => row.Refunded).ShouldBe(9_000);
        }
        else
        {
            instance.Handler.Calls.ShouldBe(["cs_test_link"]);
            rows.ShouldBe([new CampaignReportRow("newsletter", "email", "spring_sale", "usd", 1, 1, 1_000, 0, 0, 0, 1, Gross: 1_000)]);
        }
    }

    [Test]
    public async Task A_visit_without_utm_codes_is_counted_but_keeps_the_links_campaign()
    {
        var ledger = Instance().Ledger;
        await ledger.RecordVisitAsync("cs_test_bare_visit", UtmCodes.None);
        await ledger.RecordAsync(Session("cs_test_bare_visit", March, paymentIntent: "pi_bare", amount: 2_500, utm: SpringSale));

        (await ledger.TestReportAsync()).ShouldBe(
            [new CampaignReportRow("newsletter", "email", "spring_sale", "usd", 1, 1, 2_500, 1, 0, 0, 1, Gross: 2_500)]);
    }

    [Test]
    public async Task A_delayed_payment_counts_when_it_was_paid_even_without_its_completed_event()
    {
        var ledger = Instance().Ledger;
        await ledger.RecordAsync(Session("cs_test_delayed", March.AddDays(5), type: "checkout.session.async_payment_succeeded", paymentIntent: "pi_delayed", amount: 8_000, utm: SpringSale));

        var row = (await ledger.TestReportAsync(March.AddDays(5), March.AddDays(6))).ShouldHaveSingleItem();
        (row.Paid, row.Gross, row.Revenue).ShouldBe((1L, 8_000L, 8_000L));
    }

    // Any order of three live sessions' events, their refunds, a lost dispute and renewals, each delivered one to three
    // times, beside a test session: the same report.
    [Test]
    public async Task Any_order_and_any_redelivery_of_a_sessions_money_gives_the_same_report()
    {
        var ledger = Instance().Ledger;
        var run = 0;
        await Gen.Int.SampleAsync(
            async seed =>
            {
                var campaign = $"property_{run++}";
                var events = MoneyHistory(campaign);
                var random = new Random(seed);
                var deliveries = events.SelectMany(paymentLinkEvent => Enumerable.Repeat(paymentLinkEvent, random.Next(1, 4))).ToList();
                for (var i = deliveries.Count - 1; i > 0; i--)
                {
                    var j = random.Next(i + 1);
                    (deliveries[i], deliveries[j]) = (deliveries[j], deliveries[i]);
                }

                foreach (var delivery in deliveries)
                {
                    await ledger.RecordAsync(delivery);
                }

                var row = (await ledger.ReportAsync()).Single(row => row.UtmCampaign == campaign);
                row.ShouldBe(new CampaignReportRow(
                    // (22,000 − 6,000 − 6,000) × (22,000 − 1,100) / 22,000: the money kept without its tax.
                    "newsletter", "email", campaign, "usd", 3, 3, 9_500, 0, 0, 0, 3,
                    Gross: 22_000, Renewals: 2, RenewalRevenue: 4_000, Refunded: 6_000, Disputed: 6_000, Tax: 1_100));
                (await ledger.ReportAsync(mode: PaymentLinkMode.Test)).Single(row => row.UtmCampaign == campaign).Gross.ShouldBe(5_000);
            },
            iter: 12,
            threads: 1);
    }

    /// <summary>The events of three live sessions of one campaign and one test session; see the property above.</summary>
    private static List<PaymentLinkEvent> MoneyHistory(string campaign)
    {
        var utm = new UtmCodes { Source = "newsletter", Medium = "email", Campaign = campaign };
        var id = campaign.Replace("property_", string.Empty, StringComparison.Ordinal);
        var (a, b, c) = ($"cs_live_a{id}", $"cs_live_b{id}", $"cs_live_c{id}");
        var subscription = $"sub_{id}";
        return
        [
            Session(a, March, paymentIntent: $"pi_a{id}", amount: 10_000, tax: 800, utm: utm, livemode: true),
            MoneyEvents.Read("charge.refunded", MoneyEvents.Charge($"ch_a{id}", $"pi_a{id}", 10_000, 2_500), March.AddDays(1), livemode: true),
            MoneyEvents.Read("charge.refunded", MoneyEvents.Charge($"ch_a{id}", $"pi_a{id}", 10_000, 4_000), March.AddDays(2), livemode: true),
            Session(b, March, paymentIntent: $"pi_b{id}", amount: 6_000, utm: utm, livemode: true),
            MoneyEvents.Read("charge.dispute.created", MoneyEvents.Dispute($"du_b{id}", $"ch_b{id}", $"pi_b{id}", 6_000, "needs_response"), March.AddDays(3), livemode: true),
            MoneyEvents.Read("charge.dispute.closed", MoneyEvents.Dispute($"du_b{id}", $"ch_b{id}", $"pi_b{id}", 6_000, "lost"), March.AddDays(9), livemode: true),
            Session(c, March, subscription: subscription, amount: 2_000, tax: 100, utm: utm, livemode: true),
            MoneyEvents.Read("invoice.paid", MoneyEvents.Invoice($"in_c0{id}", subscription, "subscription_create", 2_000, 100, March, $"pi_c0{id}"), March, livemode: true),
            MoneyEvents.Read("invoice.paid", MoneyEvents.Invoice($"in_c1{id}", subscription, "subscription_cycle", 2_000, 100, March.AddMonths(1), $"pi_c1{id}"), March.AddMonths(1), livemode: true),
            MoneyEvents.Read("invoice.paid", MoneyEvents.Invoice($"in_c2{id}", subscription, "subscription_cycle", 2_000, 100, March.AddMonths(2), $"pi_c2{id}"), March.AddMonths(2), livemode: true),
            MoneyEvents.Read("charge.refunded", MoneyEvents.Charge($"ch_c1{id}", $"pi_c1{id}", 2_000, 2_000), March.AddMonths(1).AddDays(1), livemode: true),
            Session($"cs_test_d{id}", March, paymentIntent: $"pi_d{id}", amount: 5_000, utm: utm),
        ];
    }

    /// <summary>A Checkout Session event in Stripe's shape, signed and read by the parser.</summary>
    private static PaymentLinkEvent Session(
        string sessionId,
        DateTimeOffset created,
        string type = "checkout.session.completed",
        string? paymentIntent = null,
        string? subscription = null,
        long amount = 4_200,
        string currency = "usd",
        long tax = 0,
        UtmCodes? utm = null,
        bool livemode = false,
        string? paymentLink = SignedWebhooks.PaymentLinkId,
        long? shipping = null,
        string? clientReference = null)
    {
        var session = SignedWebhooks.CompletedSession();
        session["id"] = sessionId;
        session["mode"] = subscription is null ? "payment" : "subscription";
        session["payment_intent"] = paymentIntent;
        session["subscription"] = subscription;
        session["amount_total"] = amount;
        session["currency"] = currency;
        session["total_details"]!["amount_tax"] = tax;
        session["total_details"]!["amount_shipping"] = shipping;
        session["payment_link"] = paymentLink;
        session["livemode"] = livemode;
        if (clientReference is not null)
        {
            session["client_reference_id"] = clientReference;
        }

        var metadata = new JsonObject();
        foreach (var (key, value) in new[] { ("utm_source", utm?.Source), ("utm_medium", utm?.Medium), ("utm_campaign", utm?.Campaign) })
        {
            if (value is not null)
            {
                metadata[key] = value;
            }
        }

        session["metadata"] = metadata;
        return MoneyEvents.Read(type, session, created, livemode);
    }
}
