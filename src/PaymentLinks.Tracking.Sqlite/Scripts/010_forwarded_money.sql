-- PaymentLinks.Tracking ledger, schema version 10, for SQLite: what a forwarded conversion's money is made of.
-- Applied by the library when the host starts (in one BEGIN IMMEDIATE transaction); safe to run again.
-- Amounts are in the currency's minor unit, as Stripe gives them.

-- The shipping in a session's total (total_details.amount_shipping), kept beside its tax (in
-- payment_link_session_payments): both are left out of the value sent to Google Analytics and Meta, which take them
-- apart. Filled in once, with the session.
CREATE TABLE IF NOT EXISTS payment_link_session_shipping (
    session_id      TEXT    PRIMARY KEY,
    amount_shipping INTEGER NOT NULL
);

-- One row per forwarded conversion (the same for every destination, keyed as the outbox's rows are but for the
-- destination): its transaction (the session for its purchase and the purchase's refunds, the invoice for a renewal and
-- the renewal's refunds) and the tax and shipping in its amount, fixed when it enters the outbox. A refund carries its
-- share of its transaction's tax and shipping, rounded half away from zero. No personal data.
CREATE TABLE IF NOT EXISTS payment_link_forwarding_money (
    session_id      TEXT    NOT NULL,
    kind            TEXT    NOT NULL,  -- 'purchase', 'renewal', 'refund' or 'refund_reversed'
    refund_key      TEXT    NOT NULL,
    transaction_id  TEXT    NOT NULL,
    amount_tax      INTEGER NOT NULL,
    amount_shipping INTEGER NOT NULL,
    PRIMARY KEY (session_id, kind, refund_key)
);

INSERT INTO payment_link_schema_versions (version, applied_at)
VALUES (10, CAST(strftime('%s', 'now') AS INTEGER) * 1000)
ON CONFLICT (version) DO NOTHING;
