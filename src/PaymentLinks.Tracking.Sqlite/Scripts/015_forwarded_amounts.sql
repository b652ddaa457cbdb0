-- PaymentLinks.Tracking ledger, schema version 15, for SQLite: what is left of a forwarded transaction after its refunds.
-- Applied by the library when the host starts (in one BEGIN IMMEDIATE transaction); safe to run again. Amounts are in
-- the currency's minor unit, as Stripe gives them. (A new table rather than new columns of
-- payment_link_forwarding_money: SQLite cannot add a column only if it is missing.)

-- Beside payment_link_forwarding_money, keyed as it is: a conversion's amount (a purchase's or renewal's total, a
-- refund's or reversed refund's amount), and for a refund or reversed refund what remains of its transaction's amount
-- after it and every refund and reversal before it, fixed when it enters the outbox. A destination that restates a
-- transaction's value (Google Ads) sends that remainder less its share of tax and shipping. No personal data.
CREATE TABLE IF NOT EXISTS payment_link_forwarding_amounts (
    session_id       TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    refund_key       TEXT    NOT NULL,
    transaction_id   TEXT    NOT NULL,
    amount           INTEGER NOT NULL,
    amount_remaining INTEGER,
    PRIMARY KEY (session_id, kind, refund_key)
);

-- A transaction's conversions, for the remainder of the next refund.
CREATE INDEX IF NOT EXISTS payment_link_forwarding_amounts_transaction ON payment_link_forwarding_amounts (session_id, transaction_id);

-- The refunds whose remainder is not yet set: the one just entered, which the same transaction sets.
CREATE INDEX IF NOT EXISTS payment_link_forwarding_amounts_unset ON payment_link_forwarding_amounts (kind)
WHERE amount_remaining IS NULL AND kind IN ('refund', 'refund_reversed');

INSERT INTO payment_link_schema_versions (version, applied_at)
VALUES (15, CAST(strftime('%s', 'now') AS INTEGER) * 1000)
ON CONFLICT (version) DO NOTHING;
