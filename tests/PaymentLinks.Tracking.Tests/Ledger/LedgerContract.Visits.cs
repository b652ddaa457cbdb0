using System.Security.Cryptography;
using System.Text;
using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Ledger;

/// <summary>
/// What every ledger engine must do with thank-you visits: the first visit speaks for the buyer (only its browser, by its
/// key, may change the consent or fill a gap later), and visits of sessions the ledger does not know are bounded and expire.
/// </summary>
public abstract partial class LedgerContract
{
    private const string BuyerKey = "q1w2e3r4t5y6u7i8o9p0aA";
    private const string StrangerKey = "zZxXcCvVbBnNmM1234567_";

    private static readonly ThankYouVisitDetails BuyerVisit = new()
    {
        ClientIp = "203.0.113.7",
        UserAgent = "Mozilla/5.0 (Buyer)",
        Consent = VisitConsent.Denied,
        BrowserKey = BuyerKey,
    };

    [Test]
    public async Task A_later_visit_from_another_browser_is_a_revisit_and_changes_nothing_in_the_details()
    {
        var ledger = Instance().Ledger;
        var sessionId = NewSessionId();
        (await ledger.RecordVisitAsync(sessionId, UtmCodes.None, BuyerVisit)).ShouldBe(VisitOutcome.FirstVisit);

        foreach (var key in new[] { StrangerKey, null })
        {
            (await ledger.RecordVisitAsync(sessionId, UtmCodes.None, new ThankYouVisitDetails
            {
                GoogleAnalyticsCookie = "GA1.1.111111111.1764000000",
                MetaBrowserCookie = "fb.1.1764000000.222222222",
                MetaClickCookie = "fb.1.1764000000.stranger",
                ClientIp = "198.51.100.99",
                UserAgent = "Mozilla/5.0 (Stranger)",
                PageUrl = "https://shop.example/thanks?leaked",
                Consent = VisitConsent.Granted,
                BrowserKey = key,
            })).ShouldBe(VisitOutcome.Revisit);
        }

        (await DetailsAsync(sessionId)).ShouldBe("denied|||||203.0.113.7|Mozilla/5.0 (Buyer)");
    }

    [Test]
    public async Task The_first_visits_browser_may_change_the_consent_and_fill_a_gap_but_not_replace_a_value()
    {
        var ledger = Instance().Ledger;
        var sessionId = NewSessionId();
        await ledger.RecordVisitAsync(sessionId, UtmCodes.None, BuyerVisit);

        (await ledger.RecordVisitAsync(sessionId, UtmCodes.None, new ThankYouVisitDetails
        {
            GoogleAnalyticsCookie = "GA1.1.333333333.1764000000",
            ClientIp = "203.0.113.8",
            Consent = VisitConsent.Granted,
            BrowserKey = BuyerKey,
        })).ShouldBe(VisitOutcome.Revisit);
        (await DetailsAsync(sessionId)).ShouldBe("granted|GA1.1.333333333.1764000000||||203.0.113.7|Mozilla/5.0 (Buyer)");

        // A later report without consent leaves the one given.
        await ledger.RecordVisitAsync(sessionId, UtmCodes.None, new ThankYouVisitDetails { BrowserKey = BuyerKey });
        (await DetailsAsync(sessionId)).ShouldStartWith("granted|");
    }

    [Test]
    public async Task Only_the_hash_of_the_browser_key_is_stored()
    {
        var sessionId = NewSessionId();
        await Instance().Ledger.RecordVisitAsync(sessionId, UtmCodes.None, BuyerVisit);

        (await ScalarAsync($"SELECT browser_key_hash FROM payment_link_visit_browsers WHERE session_id = '{sessionId}'"))
            .ShouldBe(Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(BuyerKey))));
        (await PlacesContainingAsync(BuyerKey)).ShouldBeEmpty();
    }

    [Test]
    public async Task Visits_of_unknown_sessions_are_kept_up_to_the_bound_and_counted_in_the_status()
    {
        new PaymentLinkLedgerOptions().MaxUnclaimedVisits.ShouldBe(10_000);
        var ledger = Instance(options => options.MaxUnclaimedVisits = 3).Ledger;
        var kept = new[] { NewSessionId(), NewSessionId(), NewSessionId() };
        foreach (var sessionId in kept)
        {
            (await ledger.RecordVisitAsync(sessionId, VisitUtm, BuyerVisit)).ShouldBe(VisitOutcome.FirstVisit);
        }

        var refused = NewSessionId();
        (await ledger.RecordVisitAsync(refused, VisitUtm, BuyerVisit)).ShouldBe(VisitOutcome.NotKept);
        (await LongAsync($"SELECT COUNT(*) FROM payment_link_visits WHERE session_id = '{refused}'")).ShouldBe(0);
        (await LongAsync($"SELECT COUNT(*) FROM payment_link_visit_details WHERE session_id = '{refused}'")).ShouldBe(0);
        (await ledger.RecordVisitAsync(kept[0], VisitUtm)).ShouldBe(VisitOutcome.Revisit);
        (await ledger.GetStatusAsync()).UnclaimedVisits.ShouldBe(3);

        // A session the ledger knows is never bounded; a claimed visit frees its place.
        var known = NewSessionId();
        await ledger.RecordAsync(Completed(known));
        (await ledger.RecordVisitAsync(known, VisitUtm)).ShouldBe(VisitOutcome.FirstVisit);
        await ledger.RecordAsync(Completed(kept[1]));
        (await ledger.GetStatusAsync()).UnclaimedVisits.ShouldBe(2);
        (await ledger.RecordVisitAsync(refused, VisitUtm)).ShouldBe(VisitOutcome.FirstVisit);
        (await ledger.GetStatusAsync()).UnclaimedVisits.ShouldBe(3);
    }

    [Test]
    public async Task A_visit_before_its_session_is_claimed_by_the_event_kept_past_the_lifetime_and_attributes_the_session()
    {
        var dayAgo = Instance(clock: new ShiftedClock(TimeSpan.FromDays(-2))).Ledger;
        var sessionId = NewSessionId();
        (await dayAgo.RecordVisitAsync(sessionId, VisitUtm, BuyerVisit)).ShouldBe(VisitOutcome.FirstVisit);
        (await LongAsync($"SELECT COUNT(*) FROM payment_link_unclaimed_visits WHERE session_id = '{sessionId}'")).ShouldBe(1);

        var ledger = Instance().Ledger;
        await ledger.RecordAsync(Completed(sessionId));
        (await LongAsync($"SELECT COUNT(*) FROM payment_link_unclaimed_visits WHERE session_id = '{sessionId}'")).ShouldBe(0);

        (await ledger.DeleteExpiredUnclaimedVisitsAsync(CancellationToken.None)).ShouldBe(0);
        (await ledger.RecordVisitAsync(NewSessionId(), UtmCodes.None)).ShouldBe(VisitOutcome.FirstVisit);
        (await DetailsAsync(sessionId)).ShouldBe("denied|||||203.0.113.7|Mozilla/5.0 (Buyer)");
        (await ledger.GetStatusAsync()).UnclaimedVisits.ShouldBe(1);
        (await ledger.TestReportAsync()).ShouldBe([new CampaignReportRow("newsletter", "email", "visit_campaign", "usd", 1, 1, 4200, 1, 1, 0, 0, Gross: 4200)]);
    }

    [Test]
    public async Task An_unclaimed_visit_older_than_the_lifetime_is_deleted_with_its_details()
    {
        new PaymentLinkLedgerOptions().UnclaimedVisitLifetime.ShouldBe(TimeSpan.FromDays(1));
        var past = Instance(clock: new ShiftedClock(TimeSpan.FromHours(-25))).Ledger;
        var (expired, swept, recent) = (NewSessionId(), NewSessionId(), NewSessionId());
        await past.RecordVisitAsync(expired, VisitUtm, BuyerVisit);
        await past.RecordVisitAsync(swept, VisitUtm, BuyerVisit);
        var ledger = Instance().Ledger;
        (await ledger.GetStatusAsync()).UnclaimedVisits.ShouldBe(2);

        // By the hourly pass, and by the next visit of an unknown session.
        (await ledger.DeleteExpiredUnclaimedVisitsAsync(CancellationToken.None)).ShouldBe(2);
        await past.RecordVisitAsync(swept, VisitUtm, BuyerVisit);
        (await ledger.RecordVisitAsync(recent, VisitUtm, BuyerVisit)).ShouldBe(VisitOutcome.FirstVisit);

        (await LongAsync($"SELECT COUNT(*) FROM payment_link_visits WHERE session_id IN ('{expired}', '{swept}')")).ShouldBe(0);
        (await LongAsync($"SELECT COUNT(*) FROM payment_link_visit_details WHERE session_id IN ('{expired}', '{swept}')")).ShouldBe(0);
        (await LongAsync($"SELECT COUNT(*) FROM payment_link_visit_browsers WHERE session_id IN ('{expired}', '{swept}')")).ShouldBe(0);
        (await ledger.GetStatusAsync()).UnclaimedVisits.ShouldBe(1);
        await ledger.RecordAsync(Completed(expired));
        (await ledger.TestReportAsync()).ShouldHaveSingleItem().ByVisit.ShouldBe(0);
    }

    /// <summary>What would be forwarded of a session's visit: consent, cookies, URL, IP and user agent, '|'-separated.</summary>
    private async Task<string?> DetailsAsync(string sessionId) =>
        (string?)await ScalarAsync(
            "SELECT COALESCE(consent, '') || '|' || COALESCE(ga_cookie, '') || '|' || COALESCE(fbp_cookie, '') || '|' || " +
            "COALESCE(fbc_cookie, '') || '|' || COALESCE(page_url, '') || '|' || COALESCE(client_ip, '') || '|' || COALESCE(user_agent, '') " +
            $"FROM payment_link_visit_details WHERE session_id = '{sessionId}'");
}
