using System.Data;

namespace PaymentLinks.Tracking;

/// <summary>
/// The money after a session's first payment: refunds, disputes and subscription renewals, merged in the event's own
/// transaction (so the webhook and catch-up share one write path). Each table holds facts as the events state them,
/// written so that their order and repetition do not matter; the report works out the money from them.
/// </summary>
internal sealed class RevenueLedger(LedgerStore store)
{
    /// <summary>The metadata key that carries a campaign key on a subscription (<c>subscription_data.metadata</c>).</summary>
    internal const string CampaignKeyMetadataKey = "campaign_key";

    private readonly LedgerDialect _dialect = store.Dialect;
    private readonly RevenueStatements _sql = new(store.Dialect);

    /// <summary>Keeps what joins a session to its refunds, disputes and renewals, and its tax and shipping; filled in once.</summary>
    public async Task MergeSessionPaymentAsync(LedgerUnit unit, PaymentLinkCheckout checkout, CancellationToken cancellationToken)
    {
        if (checkout.AmountShipping is { } shipping)
        {
            await using var shippingMerge = unit.Command(_sql.MergeSessionShipping);
            LedgerDialect.AddParameter(shippingMerge, "session_id", checkout.SessionId, DbType.String);
            LedgerDialect.AddParameter(shippingMerge, "amount_shipping", shipping, DbType.Int64);
            await shippingMerge.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (checkout.PaymentIntentId is null && checkout.SubscriptionId is null && checkout.AmountTax is null)
        {
            return;
        }

        await using var merge = unit.Command(_sql.MergeSessionPayment);
        LedgerDialect.AddParameter(merge, "session_id", checkout.SessionId, DbType.String);
        LedgerDialect.AddParameter(merge, "payment_intent", checkout.PaymentIntentId, DbType.String);
        LedgerDialect.AddParameter(merge, "subscription_id", checkout.SubscriptionId, DbType.String);
        LedgerDialect.AddParameter(merge, "amount_tax", checkout.AmountTax, DbType.Int64);
        await merge.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Merges a refund, a dispute or an invoice in the event's <paramref name="unit"/>. When a <c>charge.refunded</c> raises
    /// the refunded amount of a session the ledger knows (its own payment, or a renewal of the subscription it started),
    /// that rise is returned, if <paramref name="sessionWanted"/>: the caller acts on it in the same unit, so that it is
    /// committed with the event or not at all. Without <paramref name="sessionWanted"/>, the session is not looked up.
    /// </summary>
    public async Task<SessionRefundChange?> MergeMoneyAsync(LedgerUnit unit, PaymentLinkEvent paymentLinkEvent, bool sessionWanted, CancellationToken cancellationToken)
    {
        switch (paymentLinkEvent.Kind)
        {
            case PaymentLinkEventKind.ChargeRefunded when paymentLinkEvent.Charge is { } charge:
                return await RecordRefundAsync(unit, paymentLinkEvent, charge, sessionWanted, cancellationToken).ConfigureAwait(false);
            case PaymentLinkEventKind.DisputeCreated or PaymentLinkEventKind.DisputeClosed when paymentLinkEvent.Dispute is { } dispute:
                await using (var merge = unit.Command(_sql.MergeDispute))
                {
                    LedgerDialect.AddParameter(merge, "dispute_id", dispute.DisputeId, DbType.String);
                    LedgerDialect.AddParameter(merge, "charge_id", dispute.ChargeId, DbType.String);
                    LedgerDialect.AddParameter(merge, "payment_intent", dispute.PaymentIntentId, DbType.String);
                    LedgerDialect.AddParameter(merge, "currency", dispute.Currency, DbType.String);
                    LedgerDialect.AddParameter(merge, "amount", dispute.Amount, DbType.Int64);
                    LedgerDialect.AddParameter(merge, "status", dispute.Status, DbType.String);
                    _dialect.AddTime(merge, "status_at", paymentLinkEvent.Created);
                    LedgerDialect.AddParameter(merge, "livemode", paymentLinkEvent.Livemode, DbType.Boolean);
                    await merge.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                break;
            case PaymentLinkEventKind.InvoicePaid when paymentLinkEvent.Invoice is { } invoice:
                await using (var merge = unit.Command(_sql.MergeInvoice))
                {
                    var metadata = invoice.SubscriptionMetadata;
                    LedgerDialect.AddParameter(merge, "invoice_id", invoice.InvoiceId, DbType.String);
                    LedgerDialect.AddParameter(merge, "subscription_id", invoice.SubscriptionId, DbType.String);
                    LedgerDialect.AddParameter(merge, "billing_reason", invoice.BillingReason, DbType.String);
                    LedgerDialect.AddParameter(merge, "amount_paid", invoice.AmountPaid, DbType.Int64);
                    LedgerDialect.AddParameter(merge, "amount_tax", invoice.Tax, DbType.Int64);
                    LedgerDialect.AddParameter(merge, "currency", invoice.Currency, DbType.String);
                    _dialect.AddTime(merge, "paid_at", invoice.PaidAt ?? paymentLinkEvent.Created);
                    LedgerDialect.AddParameter(merge, "livemode", paymentLinkEvent.Livemode, DbType.Boolean);
                    LedgerDialect.AddParameter(
                        merge,
                        "campaign_key",
                        metadata.GetValueOrDefault(CampaignKeyMetadataKey) is { } key && CampaignKey.TryParse(key, out var campaignKey) ? campaignKey.Value : null,
                        DbType.String);
                    for (var i = 0; i < AttributionLedger.MetadataUtmKeys.Length; i++)
                    {
                        LedgerDialect.AddParameter(merge, AttributionLedger.MetadataUtmKeys[i], metadata.GetValueOrDefault(AttributionLedger.MetadataUtmKeys[i]), DbType.String);
                    }

                    await merge.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await LinkInvoicePaymentsAsync(unit, invoice, cancellationToken).ConfigureAwait(false);
                break;
            case PaymentLinkEventKind.InvoicePaymentPaid when paymentLinkEvent.Invoice is { } invoicePayment:
                await LinkInvoicePaymentsAsync(unit, invoicePayment, cancellationToken).ConfigureAwait(false);
                break;
            case PaymentLinkEventKind.RefundUpdated when paymentLinkEvent.Refund is { ChargeId: not null, Status: "failed" or "canceled" } refund:
                // The refund gives its money back: the charge's statements before this moment counted it, later ones do not.
                // A decrease is not a refund moment: the session is not told.
                await using (var failed = unit.Command(_sql.RecordFailedRefund))
                {
                    LedgerDialect.AddParameter(failed, "refund_id", refund.RefundId, DbType.String);
                    LedgerDialect.AddParameter(failed, "charge_id", refund.ChargeId, DbType.String);
                    LedgerDialect.AddParameter(failed, "amount", refund.Amount, DbType.Int64);
                    _dialect.AddTime(failed, "created_at", refund.Created);
                    _dialect.AddTime(failed, "failed_at", paymentLinkEvent.Created);
                    await failed.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                break;
            default:
                // Every other type (and a refund that has not failed): the event's row is the record.
                break;
        }

        return null;
    }

    private async Task LinkInvoicePaymentsAsync(LedgerUnit unit, PaymentLinkInvoice invoice, CancellationToken cancellationToken)
    {
        foreach (var paymentIntent in invoice.PaymentIntentIds)
        {
            await using var link = unit.Command(_sql.LinkInvoicePayment);
            LedgerDialect.AddParameter(link, "payment_intent", paymentIntent, DbType.String);
            LedgerDialect.AddParameter(link, "invoice_id", invoice.InvoiceId, DbType.String);
            await link.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Keeps the charge's cumulative refunded amount as this event states it. The charge's refunded amount is the newest
    /// one stated less the failed refunds it still counted, so a late older event changes nothing; when this one raises
    /// it, the rise is returned. Two statements, and a third when it raised the amount and the session is wanted: the row,
    /// the charge's amount without and with it, the session with its refunded total.
    /// </summary>
    private async Task<SessionRefundChange?> RecordRefundAsync(
        LedgerUnit unit, PaymentLinkEvent paymentLinkEvent, PaymentLinkCharge charge, bool sessionWanted, CancellationToken cancellationToken)
    {
        await using (var insert = unit.Command(_sql.RecordRefund))
        {
            LedgerDialect.AddParameter(insert, "event_id", paymentLinkEvent.EventId, DbType.String);
            LedgerDialect.AddParameter(insert, "charge_id", charge.ChargeId, DbType.String);
            LedgerDialect.AddParameter(insert, "payment_intent", charge.PaymentIntentId, DbType.String);
            LedgerDialect.AddParameter(insert, "invoice_id", charge.InvoiceId, DbType.String);
            LedgerDialect.AddParameter(insert, "currency", charge.Currency, DbType.String);
            LedgerDialect.AddParameter(insert, "amount_refunded", charge.AmountRefunded, DbType.Int64);
            _dialect.AddTime(insert, "observed_at", paymentLinkEvent.Created);
            LedgerDialect.AddParameter(insert, "livemode", paymentLinkEvent.Livemode, DbType.Boolean);
            if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                // The statement is held already: it changes nothing.
                return null;
            }
        }

        // What the charge had refunded without this statement, and has now: one that still counts a refund already
        // failed, or is older than the newest, raises nothing.
        long before, after;
        await using (var amounts = unit.Command(_sql.ChargeRefundedWithout))
        {
            LedgerDialect.AddParameter(amounts, "charge_id", charge.ChargeId, DbType.String);
            LedgerDialect.AddParameter(amounts, "event_id", paymentLinkEvent.EventId, DbType.String);
            await using var reader = await amounts.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            before = LedgerStore.ToInt64(reader.GetValue(0));
            after = LedgerStore.ToInt64(reader.GetValue(1));
        }

        if (after <= before || !sessionWanted)
        {
            return null;
        }

        string? sessionId = null, invoiceId = null;
        long refunded = 0;
        await using (var owner = unit.Command(_sql.SessionOfChargeRefunded))
        {
            LedgerDialect.AddParameter(owner, "payment_intent", charge.PaymentIntentId, DbType.String);
            LedgerDialect.AddParameter(owner, "invoice_id", charge.InvoiceId, DbType.String);
            await using var reader = await owner.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                sessionId = reader.IsDBNull(0) ? null : reader.GetString(0);
                refunded = LedgerStore.ToInt64(reader.GetValue(1));
                invoiceId = reader.IsDBNull(2) ? null : reader.GetString(2);
            }
        }

        return sessionId is null ? null : new SessionRefundChange(sessionId, charge.Currency, refunded, after - before, invoiceId);
    }

    /// <summary>
    /// A charge's refunded amount before <paramref name="before"/> (a parameter; <see langword="null"/> for now): the
    /// cumulative amount of its newest <c>charge.refunded</c> statement before then, less the refunds that statement
    /// counted (created by its time) and that failed or were canceled after it and before then. A statement made after a
    /// failure no longer counts the failed refund. Two lookups through an index each.
    /// </summary>
    /// <remarks>With <paramref name="withoutEvent"/>, the statement of that event is left out.</remarks>
    internal static string ChargeRefundedSql(LedgerDialect dialect, string chargeId, string? before, string? withoutEvent = null)
    {
        var refunds = dialect.Table("payment_link_charge_refunds");
        var failedRefunds = dialect.Table("payment_link_failed_refunds");
        var observedBefore = (before is null ? string.Empty : $" AND o.observed_at < {before}") +
            (withoutEvent is null ? string.Empty : $" AND o.event_id <> {withoutEvent}");
        var failedBefore = before is null ? string.Empty : $" AND f.failed_at < {before}";
        return
            "COALESCE((SELECT o.amount_refunded - COALESCE((SELECT SUM(f.amount) FROM " +
            $"{failedRefunds} f WHERE f.charge_id = o.charge_id AND f.failed_at > o.observed_at{failedBefore} " +
            "AND (f.created_at IS NULL OR f.created_at <= o.observed_at)), 0) " +
            $"FROM {refunds} o WHERE o.charge_id = {chargeId}{observedBefore} " +
            "ORDER BY o.observed_at DESC, o.amount_refunded DESC LIMIT 1), 0)";
    }

    /// <summary>
    /// Everything refunded of a session now: each charge at its refunded amount, the charges of its own payment and of its
    /// subscription's invoices (named on the charge, or through the invoice's payments), each found through an index.
    /// </summary>
    internal static string SessionRefundedSql(LedgerDialect dialect, string sessionId)
    {
        var sessionPayments = dialect.Table("payment_link_session_payments");
        var refunds = dialect.Table("payment_link_charge_refunds");
        var invoices = dialect.Table("payment_link_invoices");
        var invoicePayments = dialect.Table("payment_link_invoice_payments");
        return
            $"SELECT SUM({ChargeRefundedSql(dialect, "charges.charge_id", null)}) FROM (" +
            $"SELECT r.charge_id FROM {sessionPayments} p JOIN {refunds} r ON r.payment_intent = p.payment_intent WHERE p.session_id = {sessionId} " +
            $"UNION SELECT r.charge_id FROM {sessionPayments} p JOIN {invoices} i ON i.subscription_id = p.subscription_id " +
            $"JOIN {refunds} r ON r.invoice_id = i.invoice_id WHERE p.session_id = {sessionId} " +
            $"UNION SELECT r.charge_id FROM {sessionPayments} p JOIN {invoices} i ON i.subscription_id = p.subscription_id " +
            $"JOIN {invoicePayments} ip ON ip.invoice_id = i.invoice_id JOIN {refunds} r ON r.payment_intent = ip.payment_intent " +
            $"WHERE p.session_id = {sessionId}) charges";
    }

    /// <summary>The revenue tables' SQL, the same on both engines but for the tables' names.</summary>
    private sealed class RevenueStatements
    {
        public RevenueStatements(LedgerDialect dialect)
        {
            var sessionPayments = dialect.Table("payment_link_session_payments");
            var refunds = dialect.Table("payment_link_charge_refunds");
            var disputes = dialect.Table("payment_link_disputes");
            var invoices = dialect.Table("payment_link_invoices");
            var invoicePayments = dialect.Table("payment_link_invoice_payments");
            var failedRefunds = dialect.Table("payment_link_failed_refunds");

            MergeSessionPayment =
                $"INSERT INTO {sessionPayments} AS p (session_id, payment_intent, subscription_id, amount_tax) " +
                "VALUES (@session_id, @payment_intent, @subscription_id, @amount_tax) ON CONFLICT (session_id) DO UPDATE SET " +
                "payment_intent = COALESCE(p.payment_intent, excluded.payment_intent), " +
                "subscription_id = COALESCE(p.subscription_id, excluded.subscription_id), " +
                "amount_tax = COALESCE(p.amount_tax, excluded.amount_tax)";
            MergeSessionShipping =
                $"INSERT INTO {dialect.Table("payment_link_session_shipping")} (session_id, amount_shipping) VALUES (@session_id, @amount_shipping) " +
                "ON CONFLICT (session_id) DO NOTHING";
            ChargeRefundedWithout =
                $"SELECT {ChargeRefundedSql(dialect, "@charge_id", null, "@event_id")}, {ChargeRefundedSql(dialect, "@charge_id", null)}";
            RecordRefund =
                $"INSERT INTO {refunds} (event_id, charge_id, payment_intent, invoice_id, currency, amount_refunded, observed_at, livemode) " +
                "VALUES (@event_id, @charge_id, @payment_intent, @invoice_id, @currency, @amount_refunded, @observed_at, @livemode) " +
                "ON CONFLICT (event_id) DO NOTHING";

            // A refund fails once; a redelivery or a later report of the same failure keeps the first time it was heard of.
            RecordFailedRefund =
                $"INSERT INTO {failedRefunds} AS f (refund_id, charge_id, amount, created_at, failed_at) " +
                "VALUES (@refund_id, @charge_id, @amount, @created_at, @failed_at) ON CONFLICT (refund_id) DO UPDATE SET " +
                "created_at = COALESCE(f.created_at, excluded.created_at), " +
                "failed_at = CASE WHEN excluded.failed_at < f.failed_at THEN excluded.failed_at ELSE f.failed_at END";

            // The newest status wins, by the time of the event that stated it; at one time, a closed status wins.
            const string Closed = "IN ('won', 'lost')";
            MergeDispute =
                $"INSERT INTO {disputes} AS d (dispute_id, charge_id, payment_intent, currency, amount, status, status_at, livemode) " +
                "VALUES (@dispute_id, @charge_id, @payment_intent, @currency, @amount, @status, @status_at, @livemode) " +
                "ON CONFLICT (dispute_id) DO UPDATE SET " +
                "charge_id = COALESCE(d.charge_id, excluded.charge_id), " +
                "payment_intent = COALESCE(d.payment_intent, excluded.payment_intent), " +
                "currency = COALESCE(d.currency, excluded.currency), " +
                $"amount = CASE WHEN {Newer()} THEN excluded.amount ELSE d.amount END, " +
                $"status = CASE WHEN {Newer()} THEN excluded.status ELSE d.status END, " +
                $"status_at = CASE WHEN {Newer()} THEN excluded.status_at ELSE d.status_at END";
            static string Newer() =>
                $"(excluded.status_at > d.status_at OR (excluded.status_at = d.status_at AND excluded.status {Closed} " +
                $"AND (d.status IS NULL OR d.status NOT {Closed} OR excluded.status > d.status)))";

            // An invoice is paid once; its fields are filled in and never overwritten.
            MergeInvoice =
                $"INSERT INTO {invoices} AS i (invoice_id, subscription_id, billing_reason, amount_paid, amount_tax, currency, paid_at, " +
                "livemode, campaign_key, utm_source, utm_medium, utm_campaign, utm_term, utm_content) VALUES (@invoice_id, @subscription_id, " +
                "@billing_reason, @amount_paid, @amount_tax, @currency, @paid_at, @livemode, @campaign_key, @utm_source, @utm_medium, " +
                "@utm_campaign, @utm_term, @utm_content) ON CONFLICT (invoice_id) DO UPDATE SET " +
                "subscription_id = COALESCE(i.subscription_id, excluded.subscription_id), " +
                "billing_reason = COALESCE(i.billing_reason, excluded.billing_reason), " +
                "currency = COALESCE(i.currency, excluded.currency), " +
                "paid_at = CASE WHEN excluded.paid_at < i.paid_at THEN excluded.paid_at ELSE i.paid_at END, " +
                "campaign_key = COALESCE(i.campaign_key, excluded.campaign_key)";
            LinkInvoicePayment =
                $"INSERT INTO {invoicePayments} (payment_intent, invoice_id) VALUES (@payment_intent, @invoice_id) " +
                "ON CONFLICT (payment_intent) DO NOTHING";

            // A charge's session: the session it paid, or the one that started the subscription whose invoice it paid;
            // with everything refunded that belongs to it, each charge at its refunded amount now: the charges of its own
            // payment, and of its subscription's invoices (named on the charge, or through the invoice's payments), each
            // found through an index.
            var sessionOfCharge =
                $"SELECT session_id, CAST(NULL AS TEXT) AS invoice_id FROM {sessionPayments} WHERE payment_intent = @payment_intent " +
                "UNION ALL SELECT p.session_id, CASE WHEN i.billing_reason IN ('subscription_cycle', 'subscription_update') THEN i.invoice_id END " +
                $"FROM {invoices} i JOIN {sessionPayments} p ON p.subscription_id = i.subscription_id " +
                $"WHERE i.invoice_id = COALESCE(@invoice_id, (SELECT invoice_id FROM {invoicePayments} WHERE payment_intent = @payment_intent)) " +
                "LIMIT 1";
            var sessionRefunded = SessionRefundedSql(dialect, "owner.session_id");
            SessionOfChargeRefunded = $"SELECT owner.session_id, ({sessionRefunded}), owner.invoice_id FROM ({sessionOfCharge}) owner";
        }

        public string RecordFailedRefund { get; }

        public string MergeSessionPayment { get; }

        public string MergeSessionShipping { get; }

        /// <summary>A charge's refunded amount without the statement of <c>@event_id</c>, and with every statement.</summary>
        public string ChargeRefundedWithout { get; }

        public string RecordRefund { get; }

        public string MergeDispute { get; }

        public string MergeInvoice { get; }

        public string LinkInvoicePayment { get; }

        /// <summary>A charge's session and everything refunded of it; no row when the session is not known.</summary>
        public string SessionOfChargeRefunded { get; }
    }
}

/// <summary>
/// A session's refunded amount has just risen, inside the unit of work of the <c>charge.refunded</c> event that raised it.
/// </summary>
/// <param name="SessionId">The session (its own payment, or the first of the subscription whose renewal was refunded).</param>
/// <param name="Currency">The refunded charge's currency.</param>
/// <param name="RefundedAmount">Everything refunded of the session so far, cumulative, in the currency's minor unit.</param>
/// <param name="Change">How much this event added, in the currency's minor unit.</param>
/// <param name="InvoiceId">The renewal the refunded charge paid, if it paid one: the refund is that renewal's.</param>
internal sealed record SessionRefundChange(string SessionId, string? Currency, long RefundedAmount, long Change, string? InvoiceId = null);
