-- PaymentLinks.Tracking ledger, schema version 10, for PostgreSQL: what a forwarded conversion's money is made of.
-- Applied by the library when the host starts, in the configured schema (the search_path is set to it), in one
-- transaction under an advisory lock; safe to run again. To apply it by hand, after the earlier ones:
--   SET search_path TO payment_links; \i 010_forwarded_money.sql
-- Amounts are in the currency's minor unit, as Stripe gives them.

-- The shipping in a session's total (total_details.amount_shipping), kept beside its tax (in
-- payment_link_session_payments): both are left out of the value sent to Google Analytics and Meta, which take them
-- apart. Filled in once, with the session.
CREATE TABLE IF NOT EXISTS payment_link_session_shipping (
    session_id      text   PRIMARY KEY,
    amount_shipping bigint NOT NULL
);

-- One row per forwarded conversion (the same for every destination, keyed as the outbox's rows are but for the
-- destination): its transaction (the session for its purchase and the purchase's refunds, the invoice for a renewal and
-- the renewal's refunds) and the tax and shipping in its amount, fixed when it enters the outbox. A refund carries its
-- share of its transaction's tax and shipping, rounded half away from zero. No personal data.
CREATE TABLE IF NOT EXISTS payment_link_forwarding_money (
    session_id      text   NOT NULL,
    kind            text   NOT NULL,  -- 'purchase', 'renewal', 'refund' or 'refund_reversed'
    refund_key      text   NOT NULL,
    transaction_id  text   NOT NULL,
    amount_tax      bigint NOT NULL,
    amount_shipping bigint NOT NULL,
    PRIMARY KEY (session_id, kind, refund_key)
);

INSERT INTO payment_link_schema_versions (version, applied_at) VALUES (10, now()) ON CONFLICT (version) DO NOTHING;
