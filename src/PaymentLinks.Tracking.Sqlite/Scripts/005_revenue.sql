-- PaymentLinks.Tracking ledger, schema version 5, for SQLite: refunds, disputes and subscription renewals.
-- Applied by the library when the host starts (in one BEGIN IMMEDIATE transaction); safe to run again.
-- Times are Unix milliseconds (UTC); amounts are in the currency's minor unit, as Stripe gives them.
--
-- Every table holds facts as Stripe's events state them, each written so that the order and repetition of the events
-- do not matter; the report works out the money from them when it runs.

-- What joins a session to its money: the PaymentIntent of a payment-mode session, the subscription a
-- subscription-mode session started, and the tax in its total. Filled in once, with the session.
CREATE TABLE IF NOT EXISTS payment_link_session_payments (
    session_id      TEXT    PRIMARY KEY,
    payment_intent  TEXT    NULL,
    subscription_id TEXT    NULL,
    amount_tax      INTEGER NULL
);

CREATE INDEX IF NOT EXISTS payment_link_session_payments_payment_intent
    ON payment_link_session_payments (payment_intent) WHERE payment_intent IS NOT NULL;
CREATE INDEX IF NOT EXISTS payment_link_session_payments_subscription
    ON payment_link_session_payments (subscription_id) WHERE subscription_id IS NOT NULL;

-- Each charge.refunded event: the charge's cumulative amount_refunded at the event's time. A charge's refunded amount
-- at a moment is the largest one stated before it, so an older event arriving late changes nothing.
CREATE TABLE IF NOT EXISTS payment_link_charge_refunds (
    event_id        TEXT    PRIMARY KEY,
    charge_id       TEXT    NOT NULL,
    payment_intent  TEXT    NULL,
    invoice_id      TEXT    NULL,  -- the charge's invoice, named on charges before API version 2025-03-31
    currency        TEXT    NULL,
    amount_refunded INTEGER NOT NULL,
    observed_at     INTEGER NOT NULL,
    livemode        INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS payment_link_charge_refunds_charge ON payment_link_charge_refunds (charge_id);
CREATE INDEX IF NOT EXISTS payment_link_charge_refunds_payment_intent ON payment_link_charge_refunds (payment_intent);
CREATE INDEX IF NOT EXISTS payment_link_charge_refunds_invoice ON payment_link_charge_refunds (invoice_id) WHERE invoice_id IS NOT NULL;

-- One row per dispute: its newest status (by the time of the event that stated it) and when that was.
CREATE TABLE IF NOT EXISTS payment_link_disputes (
    dispute_id     TEXT    PRIMARY KEY,
    charge_id      TEXT    NULL,
    payment_intent TEXT    NULL,
    currency       TEXT    NULL,
    amount         INTEGER NOT NULL,
    status         TEXT    NULL,
    status_at      INTEGER NOT NULL,
    livemode       INTEGER NOT NULL
);

-- One row per paid invoice: a subscription's renewal when billing_reason is subscription_cycle or
-- subscription_update. The UTM codes and campaign key come from the subscription's metadata, for a renewal whose first
-- Checkout Session is not in the ledger.
CREATE TABLE IF NOT EXISTS payment_link_invoices (
    invoice_id      TEXT    PRIMARY KEY,
    subscription_id TEXT    NULL,
    billing_reason  TEXT    NULL,
    amount_paid     INTEGER NOT NULL,
    amount_tax      INTEGER NOT NULL,
    currency        TEXT    NULL,
    paid_at         INTEGER NOT NULL,
    livemode        INTEGER NOT NULL,
    campaign_key    TEXT    NULL,
    utm_source      TEXT    NULL,
    utm_medium      TEXT    NULL,
    utm_campaign    TEXT    NULL,
    utm_term        TEXT    NULL,
    utm_content     TEXT    NULL
);

CREATE INDEX IF NOT EXISTS payment_link_invoices_subscription ON payment_link_invoices (subscription_id);
CREATE INDEX IF NOT EXISTS payment_link_invoices_paid_at ON payment_link_invoices (paid_at);

-- Which invoice each PaymentIntent paid: from the invoice (payment_intent before 2025-03-31, its payments after) or
-- from invoice_payment.paid, so that a renewal's refund or dispute finds its invoice on either API version.
CREATE TABLE IF NOT EXISTS payment_link_invoice_payments (
    payment_intent TEXT PRIMARY KEY,
    invoice_id     TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS payment_link_invoice_payments_invoice ON payment_link_invoice_payments (invoice_id);

-- The report counts a session's payment when it was paid (a delayed payment later than its completion).
CREATE INDEX IF NOT EXISTS payment_link_sessions_paid_at ON payment_link_sessions (paid_at) WHERE paid_at IS NOT NULL;

INSERT INTO payment_link_schema_versions (version, applied_at)
VALUES (5, CAST(strftime('%s', 'now') AS INTEGER) * 1000)
ON CONFLICT (version) DO NOTHING;
