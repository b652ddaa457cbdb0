using NUnit.Framework;
using Shouldly;

namespace PaymentLinks.Tracking.Tests.Ledger;

/// <summary>
/// What every ledger engine must do for attribution: the webhook, the thank-you visit and the campaign key joined in any
/// order, each source and their precedence, and the report grouped in the database.
/// </summary>
public abstract partial class LedgerContract
{
    private static readonly DateTimeOffset ReportStart = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly UtmCodes VisitUtm = new() { Source = "newsletter", Medium = "email", Campaign = "visit_campaign" };
    private static readonly UtmCodes KeyUtm = new() { Source = "partner", Medium = "referral", Campaign = "key_campaign", Term = "blue" };
    private static readonly UtmCodes LinkUtm = new() { Source = "twitter", Medium = "social", Campaign = "link_campaign", Content = "banner" };

    [Test]
    public async Task Webhook_visit_and_key_in_every_order_attribute_the_session_by_its_visit()
    {
        var attribution = Instance().Ledger;
        var order = 0;
        foreach (var steps in Permutations([0, 1, 2]))
        {
            var sessionId = NewSessionId();
            var completedAt = ReportStart.AddHours(order++);
            var key = CampaignKey.For(KeyUtm);
            foreach (var step in steps)
            {
                await (step switch
                {
                    0 => attribution.RecordVisitAsync(sessionId, VisitUtm),
                    1 => attribution.RecordAsync(Completed(sessionId, ClientReferenceCodec.Encode("order_1", key).ClientReferenceId, LinkUtm, completedAt: completedAt)),
                    _ => attribution.RegisterCampaignKeyAsync(key, KeyUtm),
                });
            }

            (await attribution.TestReportAsync(completedAt, completedAt.AddHours(1))).ShouldBe(
                [new CampaignReportRow("newsletter", "email", "visit_campaign", "usd", 1, 1, 4200, 1, 1, 0, 0, Gross: 4200)],
                $"order {string.Join(",", steps)}");
        }
    }

    [Test]
    public async Task Webhook_and_key_in_either_order_attribute_the_session_by_its_reference()
    {
        var attribution = Instance().Ledger;
        var key = CampaignKey.For(KeyUtm);
        var webhookFirst = NewSessionId();
        await attribution.RecordAsync(Completed(webhookFirst, ClientReferenceCodec.Encode(null, key).ClientReferenceId, LinkUtm));
        await attribution.RegisterCampaignKeyAsync(key, KeyUtm);
        var keyFirst = NewSessionId();
        await attribution.RecordAsync(Completed(keyFirst, ClientReferenceCodec.Encode("order_2", key).ClientReferenceId, LinkUtm));

        (await attribution.TestReportAsync()).ShouldBe([new CampaignReportRow("partner", "referral", "key_campaign", "usd", 2, 2, 8400, 0, 0, 2, 0, Gross: 8400)]);
    }

    // Best first: a visit, then a registered key, then the link's metadata, then none.
    [TestCase(true, true, true, true, "visit")]
    [TestCase(true, false, true, true, "visit")]
    [TestCase(true, false, false, false, "visit")]
    [TestCase(false, true, true, true, "reference")]
    [TestCase(false, true, true, false, "reference")]
    [TestCase(false, false, true, true, "link")]
    [TestCase(false, false, false, true, "link")]
    [TestCase(false, false, true, false, "none")]
    [TestCase(false, false, false, false, "none")]
    public async Task Each_source_attributes_the_session_and_the_best_one_wins(
        bool visit, bool keyRegistered, bool keyInReference, bool linkMetadata, string expected)
    {
        var attribution = Instance().Ledger;
        var sessionId = NewSessionId();
        var key = CampaignKey.For(KeyUtm);
        if (visit)
        {
            await attribution.RecordVisitAsync(sessionId, VisitUtm);
        }

        if (keyRegistered)
        {
            await attribution.RegisterCampaignKeyAsync(key, KeyUtm);
        }

        var reference = keyInReference ? ClientReferenceCodec.Encode("order_3", key).ClientReferenceId : "order_3";
        await attribution.RecordAsync(Completed(sessionId, reference, linkMetadata ? LinkUtm : null, amount: 1999, currency: "eur"));

        var row = (await attribution.TestReportAsync()).ShouldHaveSingleItem();
        var utm = expected switch { "visit" => VisitUtm, "reference" => KeyUtm, "link" => LinkUtm, _ => UtmCodes.None };
        row.ShouldBe(new CampaignReportRow(
            utm.Source, utm.Medium, utm.Campaign, "eur", 1, 1, 1999, visit ? 1 : 0,
            expected == "visit" ? 1 : 0, expected == "reference" ? 1 : 0, expected == "link" ? 1 : 0, Gross: 1999));
    }

    [Test]
    public async Task A_visit_after_the_webhook_replaces_a_weaker_source_and_a_later_link_never_replaces_a_visit()
    {
        var attribution = Instance().Ledger;
        var sessionId = NewSessionId();
        await attribution.RecordAsync(Completed(sessionId, "order_4", LinkUtm));
        (await attribution.TestReportAsync()).ShouldHaveSingleItem().UtmCampaign.ShouldBe("link_campaign");

        await attribution.RecordVisitAsync(sessionId, VisitUtm);
        await attribution.RecordAsync(Completed(sessionId, "order_4", KeyUtm, eventType: "checkout.session.async_payment_succeeded"));

        (await attribution.TestReportAsync()).ShouldBe([new CampaignReportRow("newsletter", "email", "visit_campaign", "usd", 1, 1, 4200, 1, 1, 0, 0, Gross: 4200)]);
    }

    [Test]
    public async Task The_first_visit_counts_and_a_later_one_with_other_codes_is_a_revisit()
    {
        var attribution = Instance().Ledger;
        var sessionId = NewSessionId();

        (await attribution.RecordVisitAsync(sessionId, VisitUtm)).ShouldBe(VisitOutcome.FirstVisit);
        (await attribution.RecordVisitAsync(sessionId, LinkUtm)).ShouldBe(VisitOutcome.Revisit);
        (await attribution.RecordVisitAsync(sessionId, VisitUtm)).ShouldBe(VisitOutcome.Revisit);
        await attribution.RecordAsync(Completed(sessionId));

        (await attribution.TestReportAsync()).ShouldBe([new CampaignReportRow("newsletter", "email", "visit_campaign", "usd", 1, 1, 4200, 1, 1, 0, 0, Gross: 4200)]);
        (await LongAsync($"SELECT visit_count FROM payment_link_visits WHERE session_id = '{sessionId}'")).ShouldBe(3);
    }

    [Test]
    public async Task Sixteen_visits_at_once_make_one_first_visit_and_its_codes_attribute_the_session()
    {
        var attribution = Instance().Ledger;
        await attribution.EnsureSchemaAsync(CancellationToken.None);
        var sessionId = NewSessionId();
        var codes = Enumerable.Range(0, 16).Select(i => VisitUtm with { Content = $"tab_{i}" }).ToList();

        var outcomes = await Task.WhenAll(codes.Select(utm => Task.Run(() => attribution.RecordVisitAsync(sessionId, utm))));
        await attribution.RecordAsync(Completed(sessionId));

        outcomes.Count(outcome => outcome == VisitOutcome.FirstVisit).ShouldBe(1);
        var first = codes[Array.IndexOf(outcomes, VisitOutcome.FirstVisit)];
        (await LongAsync($"SELECT visit_count FROM payment_link_visits WHERE session_id = '{sessionId}'")).ShouldBe(16);
        (await ScalarAsync($"SELECT utm_content FROM payment_link_visits WHERE session_id = '{sessionId}'")).ShouldBe(first.Content);
        (await attribution.TestReportAsync()).ShouldHaveSingleItem().ByVisit.ShouldBe(1);
    }

    [Test]
    public async Task A_visit_for_a_session_the_ledger_never_heard_of_is_kept_and_reports_nothing_until_its_webhook()
    {
        var attribution = Instance().Ledger;
        var sessionId = NewSessionId();

        (await attribution.RecordVisitAsync(sessionId, VisitUtm)).ShouldBe(VisitOutcome.FirstVisit);
        (await attribution.TestReportAsync()).ShouldBeEmpty();
        (await attribution.FindSessionAsync(sessionId)).ShouldBeNull();

        await attribution.RecordAsync(Completed(sessionId, completedAt: ReportStart));
        (await attribution.TestReportAsync()).ShouldHaveSingleItem().ByVisit.ShouldBe(1);
    }

    [TestCase("")]
    [TestCase("cs_")]
    [TestCase("pi_3MtwBwLkdIwHu7ix28a3tqPa")]
    [TestCase("cs_test_a1 b2")]
    [TestCase("cs_test_a1'; DROP TABLE payment_link_visits; --")]
    [TestCase("CS_test_a1")]
    [TestCase("{CHECKOUT_SESSION_ID}")]
    public async Task A_session_id_that_is_not_a_checkout_session_id_is_refused_and_nothing_is_recorded(string sessionId)
    {
        var attribution = Instance().Ledger;
        await attribution.EnsureSchemaAsync(CancellationToken.None);

        var refused = await Should.ThrowAsync<ArgumentException>(() => attribution.RecordVisitAsync(sessionId, VisitUtm));

        refused.ParamName.ShouldBe("sessionId");
        (await LongAsync("SELECT COUNT(*) FROM payment_link_visits")).ShouldBe(0);
    }

    [Test]
    public async Task A_session_id_longer_than_stripe_allows_is_refused()
    {
        var attribution = Instance().Ledger;
        await Should.ThrowAsync<ArgumentException>(() =>
            attribution.RecordVisitAsync("cs_" + new string('a', PaymentLinkRules.MaxCheckoutSessionIdLength - 2), VisitUtm));
        (await attribution.RecordVisitAsync("cs_" + new string('a', PaymentLinkRules.MaxCheckoutSessionIdLength - 3), VisitUtm))
            .ShouldBe(VisitOutcome.FirstVisit);
    }

    [Test]
    public async Task A_key_registered_again_for_the_same_codes_is_harmless_also_from_another_instance()
    {
        var key = CampaignKey.For(KeyUtm);
        await Instance().Ledger.RegisterCampaignKeyAsync(key, KeyUtm);
        await Instance().Ledger.RegisterCampaignKeyAsync(key, KeyUtm);
        await Instance().Ledger.RegisterCampaignKeyAsync(key, KeyUtm with { });

        (await LongAsync("SELECT COUNT(*) FROM payment_link_campaign_keys")).ShouldBe(1);
    }

    [Test]
    public async Task A_key_already_registered_for_other_codes_is_an_error()
    {
        var key = CampaignKey.For(KeyUtm);
        await Instance().Ledger.RegisterCampaignKeyAsync(key, KeyUtm);

        // Two sets sharing a key are too rare to find: the stored row is changed to stand for another set.
        await ScalarAsync($"UPDATE payment_link_campaign_keys SET utm_term = 'green' WHERE campaign_key = '{key}'");

        var error = await Should.ThrowAsync<InvalidOperationException>(() => Instance().Ledger.RegisterCampaignKeyAsync(key, KeyUtm));
        error.Message.ShouldContain(key.Value);
    }

    [Test]
    public async Task A_key_that_is_not_the_key_of_its_codes_is_refused()
    {
        var ledger = Instance().Ledger;
        await Should.ThrowAsync<ArgumentException>(() => ledger.RegisterCampaignKeyAsync(CampaignKey.For(KeyUtm), LinkUtm));
        await ledger.EnsureSchemaAsync(CancellationToken.None);
        (await LongAsync("SELECT COUNT(*) FROM payment_link_campaign_keys")).ShouldBe(0);
    }

    [Test]
    public async Task An_absent_code_and_an_empty_one_are_different_campaigns()
    {
        var attribution = Instance().Ledger;
        var empty = new UtmCodes { Source = "", Medium = "email", Campaign = "spring" };
        var absent = new UtmCodes { Medium = "email", Campaign = "spring" };
        foreach (var utm in new[] { empty, absent })
        {
            var sessionId = NewSessionId();
            await attribution.RecordVisitAsync(sessionId, utm);
            await attribution.RecordAsync(Completed(sessionId));
        }

        var rows = await attribution.TestReportAsync();
        rows.Select(row => row.UtmSource).ShouldBe(["", null]);
    }

    // Many sessions across campaigns, currencies, sources, payment states and periods, written in a shuffled order,
    // against the report worked out here by hand.
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public async Task The_report_matches_one_worked_out_by_hand_on_generated_sessions(int seed)
    {
        var attribution = Instance().Ledger;
        var data = GeneratedSessions.Create(seed, count: 240);
        foreach (var write in data.Writes)
        {
            await write(attribution);
        }

        (await attribution.TestReportAsync()).ShouldBe(data.Expected(null, null));
        var since = data.Start.AddDays(3);
        var until = data.Start.AddDays(7);
        (await attribution.TestReportAsync(since, until)).ShouldBe(data.Expected(since, until));
        (await attribution.TestReportAsync(since: until)).ShouldBe(data.Expected(until, null));
        (await attribution.TestReportAsync(until: since)).ShouldBe(data.Expected(null, since));
        (await attribution.TestReportAsync(until, until)).ShouldBeEmpty();
    }

    [Test]
    public async Task A_schema_script_missing_between_applied_ones_is_applied_at_the_next_start()
    {
        await Instance().Ledger.EnsureSchemaAsync(CancellationToken.None);
        await ScalarAsync("DROP TABLE payment_link_campaign_keys");
        await ScalarAsync("DELETE FROM payment_link_schema_versions WHERE version = 2");

        var restarted = Instance().Ledger;
        await restarted.RegisterCampaignKeyAsync(CampaignKey.For(KeyUtm), KeyUtm);
        (await restarted.RecordVisitAsync(NewSessionId(), VisitUtm)).ShouldBe(VisitOutcome.FirstVisit);
        (await LongAsync("SELECT COUNT(*) FROM payment_link_schema_versions WHERE version = 2")).ShouldBe(1);
    }

    private async Task<long> LongAsync(string sql) => Convert.ToInt64(await ScalarAsync(sql), System.Globalization.CultureInfo.InvariantCulture);

    private static string NewSessionId() => $"cs_test_{Guid.NewGuid():N}";

    private static PaymentLinkEvent Completed(
        string sessionId,
        string? clientReferenceId = "order_1",
        UtmCodes? linkUtm = null,
        long amount = 4200,
        string currency = "usd",
        CheckoutPaymentStatus paymentStatus = CheckoutPaymentStatus.Paid,
        DateTimeOffset? completedAt = null,
        string eventType = "checkout.session.completed") =>
        PaymentLinkEvent.Create(
            CheckoutEvents.NewEventId(),
            eventType,
            completedAt ?? ReportStart,
            checkout: PaymentLinkCheckout.Create(
                sessionId,
                paymentLinkId: "plink_1Pgc78B7WZ01zgkWC75kX0jg",
                clientReferenceId: clientReferenceId,
                amountTotal: amount,
                currency: currency,
                paymentStatus: paymentStatus,
                status: "complete",
                mode: "payment",
                metadata: linkUtm is null ? [new("plan", "pro")] : MetadataOf(linkUtm)));

    private static IEnumerable<KeyValuePair<string, string>> MetadataOf(UtmCodes utm)
    {
        yield return new("plan", "pro");
        foreach (var (name, value) in new[] { ("utm_source", utm.Source), ("utm_medium", utm.Medium), ("utm_campaign", utm.Campaign), ("utm_term", utm.Term), ("utm_content", utm.Content) })
        {
            if (value is not null)
            {
                yield return new(name, value);
            }
        }
    }

    /// <summary>Sessions made from a seed, the writes that record them in a shuffled order, and the report they give.</summary>
    private sealed class GeneratedSessions
    {
        private static readonly UtmCodes[] Campaigns =
        [
            new() { Source = "newsletter", Medium = "email", Campaign = "spring_sale" },
            new() { Source = "newsletter", Medium = "email", Campaign = "spring_sale", Term = "variant_b" },
            new() { Source = "twitter", Medium = "social", Campaign = "launch" },
            new() { Source = "partner", Medium = "referral", Campaign = "Zeta" },
            new() { Source = "partner", Medium = "referral", Campaign = "alpha", Content = "sidebar" },
            new() { Medium = "cpc", Campaign = "alpha" },
        ];

        private static readonly string?[] Currencies = ["usd", "eur", "jpy", null];

        private readonly List<Session> _sessions = [];

        public DateTimeOffset Start { get; } = new(2026, 9, 1, 0, 0, 0, TimeSpan.Zero);

        public List<Func<DbPaymentLinkLedger, Task>> Writes { get; } = [];

        public static GeneratedSessions Create(int seed, int count)
        {
            var random = new Random(seed);
            var data = new GeneratedSessions();
            var registered = Campaigns.Where((_, index) => index != 2).ToArray(); // one campaign's key is never registered
            foreach (var utm in registered)
            {
                data.Writes.Add(ledger => ledger.RegisterCampaignKeyAsync(CampaignKey.For(utm), utm));
            }

            for (var i = 0; i < count; i++)
            {
                var session = new Session
                {
                    Id = $"cs_test_gen{seed}_{i}",
                    CompletedAt = data.Start.AddMinutes(random.Next(0, 10 * 24 * 60)),
                    Completed = random.Next(10) != 0,
                    PaymentStatus = random.Next(10) switch { < 6 => CheckoutPaymentStatus.Paid, < 8 => CheckoutPaymentStatus.Unpaid, _ => CheckoutPaymentStatus.NoPaymentRequired },
                    PaidLater = random.Next(8) == 0,
                    Currency = Currencies[random.Next(Currencies.Length)],
                    Visit = random.Next(3) == 0 ? Campaigns[random.Next(Campaigns.Length)] : null,
                    Revisit = random.Next(3) == 0 ? Campaigns[random.Next(Campaigns.Length)] : null,
                    Key = random.Next(2) == 0 ? Campaigns[random.Next(Campaigns.Length)] : null,
                    Link = random.Next(2) == 0 ? Campaigns[random.Next(Campaigns.Length)] : null,
                };
                session.Amount = session.PaymentStatus == CheckoutPaymentStatus.NoPaymentRequired ? 0 : random.Next(1, 100_000);
                session.KeyRegistered = session.Key is not null && registered.Contains(session.Key);
                data._sessions.Add(session);
                data.Writes.AddRange(session.Writes(random));
            }

            // The period's edges: one session exactly at a start (counted) and one exactly at an end (not counted).
            data._sessions[0].CompletedAt = data.Start.AddDays(3);
            data._sessions[1].CompletedAt = data.Start.AddDays(7);
            data._sessions[0].Completed = data._sessions[1].Completed = true;

            // A visit for a session that never completes here.
            data.Writes.Add(ledger => ledger.RecordVisitAsync($"cs_test_gen{seed}_never", Campaigns[0]));
            Shuffle(random, data.Writes);
            return data;
        }

        // A session counts where it completed; its payment where it was paid (a delayed payment an hour later).
        public List<CampaignReportRow> Expected(DateTimeOffset? since, DateTimeOffset? until)
        {
            bool Within(DateTimeOffset moment) => (since is null || moment >= since) && (until is null || moment < until);
            return _sessions
                .Where(session => session.Completed)
                .Select(session => (Session: session, Counted: Within(session.CompletedAt), Paid: session.IsPaid && Within(session.PaidAt)))
                .Where(item => item.Counted || item.Paid)
                .Select(item => (item.Session, item.Counted, item.Paid, Source: item.Session.Source, Utm: item.Session.Attribution))
                .GroupBy(item => (item.Utm.Source, item.Utm.Medium, item.Utm.Campaign, item.Session.Currency))
                .Select(group => new CampaignReportRow(
                    group.Key.Source,
                    group.Key.Medium,
                    group.Key.Campaign,
                    group.Key.Currency,
                    group.Count(item => item.Counted),
                    group.Count(item => item.Paid),
                    group.Where(item => item.Paid).Sum(item => item.Session.Amount),
                    group.Count(item => item.Counted && item.Session.Visit is not null),
                    group.Count(item => item.Counted && item.Source == AttributionSource.Visit),
                    group.Count(item => item.Counted && item.Source == AttributionSource.Reference),
                    group.Count(item => item.Counted && item.Source == AttributionSource.Link),
                    Gross: group.Where(item => item.Paid).Sum(item => item.Session.Amount)))
                .OrderByDescending(row => row.Revenue)
                .ThenBy(row => row.UtmCampaign is null).ThenBy(row => row.UtmCampaign, StringComparer.Ordinal)
                .ThenBy(row => row.UtmSource is null).ThenBy(row => row.UtmSource, StringComparer.Ordinal)
                .ThenBy(row => row.UtmMedium is null).ThenBy(row => row.UtmMedium, StringComparer.Ordinal)
                .ThenBy(row => row.Currency is null).ThenBy(row => row.Currency, StringComparer.Ordinal)
                .ToList();
        }

        private static void Shuffle<T>(Random random, List<T> items)
        {
            for (var i = items.Count - 1; i > 0; i--)
            {
                var j = random.Next(i + 1);
                (items[i], items[j]) = (items[j], items[i]);
            }
        }

        private sealed class Session
        {
            public required string Id { get; init; }

            public DateTimeOffset CompletedAt { get; set; }

            public bool Completed { get; set; }

            public CheckoutPaymentStatus PaymentStatus { get; init; }

            // Completed unpaid, then paid by checkout.session.async_payment_succeeded.
            public bool PaidLater { get; init; }

            public long Amount { get; set; }

            public string? Currency { get; init; }

            public UtmCodes? Visit { get; init; }

            public UtmCodes? Revisit { get; init; }

            public UtmCodes? Key { get; init; }

            public bool KeyRegistered { get; set; }

            public UtmCodes? Link { get; init; }

            public bool IsPaid => PaidLater || PaymentStatus != CheckoutPaymentStatus.Unpaid;

            public DateTimeOffset PaidAt => PaidLater ? CompletedAt.AddHours(1) : CompletedAt;

            public AttributionSource Source =>
                Visit is not null ? AttributionSource.Visit
                : KeyRegistered ? AttributionSource.Reference
                : Link is not null ? AttributionSource.Link
                : AttributionSource.None;

            public UtmCodes Attribution => Source switch
            {
                AttributionSource.Visit => Visit!,
                AttributionSource.Reference => Key!,
                AttributionSource.Link => Link!,
                _ => UtmCodes.None,
            };

            public IEnumerable<Func<DbPaymentLinkLedger, Task>> Writes(Random random)
            {
                // Times are read when the write runs, so that the edges set after generation count.
                var reference = Key is null ? $"order_{Id}" : ClientReferenceCodec.Encode(random.Next(2) == 0 ? null : $"order_{Id}", CampaignKey.For(Key)).ClientReferenceId;
                if (Visit is not null)
                {
                    yield return async ledger =>
                    {
                        (await ledger.RecordVisitAsync(Id, Visit)).ShouldBe(VisitOutcome.FirstVisit);
                        if (Revisit is not null)
                        {
                            (await ledger.RecordVisitAsync(Id, Revisit)).ShouldBe(VisitOutcome.Revisit);
                        }
                    };
                }

                yield return ledger => Completed
                    ? ledger.RecordAsync(Event("checkout.session.completed", reference, PaidLater ? CheckoutPaymentStatus.Unpaid : PaymentStatus, CompletedAt))
                    : ledger.RecordAsync(Event("checkout.session.expired", reference, CheckoutPaymentStatus.Unpaid, CompletedAt));
                if (PaidLater)
                {
                    yield return ledger => Completed
                        ? ledger.RecordAsync(Event("checkout.session.async_payment_succeeded", reference, CheckoutPaymentStatus.Paid, CompletedAt.AddHours(1)))
                        : Task.CompletedTask;
                }
            }

            private PaymentLinkEvent Event(string type, string reference, CheckoutPaymentStatus status, DateTimeOffset created) =>
                PaymentLinkEvent.Create(
                    CheckoutEvents.NewEventId(),
                    type,
                    created,
                    checkout: PaymentLinkCheckout.Create(
                        Id,
                        paymentLinkId: "plink_generated",
                        clientReferenceId: reference,
                        amountTotal: Amount,
                        currency: Currency,
                        paymentStatus: status,
                        status: type == "checkout.session.expired" ? "expired" : "complete",
                        mode: "payment",
                        metadata: Link is null ? [new("plan", "pro")] : MetadataOf(Link)));
        }
    }
}
