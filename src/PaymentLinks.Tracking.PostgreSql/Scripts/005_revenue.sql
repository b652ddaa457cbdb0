-- PaymentLinks.Tracking ledger, schema version 5, for PostgreSQL: refunds, disputes and subscription renewals.
-- Applied by the library when the host starts, in the configured schema (the search_path is set to it), in one
-- transaction under an advisory lock; safe to run again. To apply it by hand:
--   SET search_path TO payment_links; \i 005_revenue.sql
-- Amounts are in the currency's minor unit, as Stripe gives them.
--
-- Every table holds facts as Stripe's events state them, each written so that the order and repetition of the events
-- do not matter; the report works out the money from them when it runs.

-- What joins a session to its money: the PaymentIntent of a payment-mode session, the subscription a
-- subscription-mode session started, and the tax in its total. Filled in once, with the session.
CREATE TABLE IF NOT EXISTS payment_link_session_payments (
    session_id      text    PRIMARY KEY,
    payment_intent  text    NULL,
    subscription_id text    NULL,
    amount_tax      bigint  NULL
);

CREATE INDEX IF NOT EXISTS payment_link_session_payments_payment_intent
    ON payment_link_session_payments (payment_intent) WHERE payment_intent IS NOT NULL;
CREATE INDEX IF NOT EXISTS payment_link_session_payments_subscription
    ON payment_link_session_payments (subscription_id) WHERE subscription_id IS NOT NULL;

-- Each charge.refunded event: the charge's cumulative amount_refunded at the event's time. A charge's refunded amount
-- at a moment is the largest one stated before it, so an older event arriving late changes nothing.
CREATE TABLE IF NOT EXISTS payment_link_charge_refunds (
    event_id        text    PRIMARY KEY,
    charge_id       text    NOT NULL,
    payment_intent  text    NULL,
    invoice_id      text    NULL,  -- the charge's invoice, named on charges before API version 2025-03-31
    currency        text    NULL,
    amount_refunded bigint  NOT NULL,
    observed_at     timestamptz NOT NULL,
    livemode        boolean NOT NULL
);

CREATE INDEX IF NOT EXISTS payment_link_charge_refunds_charge ON payment_link_charge_refunds (charge_id);
CREATE INDEX IF NOT EXISTS payment_link_charge_refunds_payment_intent ON payment_link_charge_refunds (payment_intent);
CREATE INDEX IF NOT EXISTS payment_link_charge_refunds_invoice ON payment_link_charge_refunds (invoice_id) WHERE invoice_id IS NOT NULL;

-- One row per dispute: its newest status (by the time of the event that stated it) and when that was.
CREATE TABLE IF NOT EXISTS payment_link_disputes (
    dispute_id     text    PRIMARY KEY,
    charge_id      text    NULL,
    payment_intent text    NULL,
    currency       text    NULL,
    amount         bigint  NOT NULL,
    status         text    NULL,
    status_at      timestamptz NOT NULL,
    livemode       boolean NOT NULL
);

-- One row per paid invoice: a subscription's renewal when billing_reason is subscription_cycle or
-- subscription_update. The UTM codes and campaign key come from the subscription's metadata, for a renewal whose first
-- Checkout Session is not in the ledger.
CREATE TABLE IF NOT EXISTS payment_link_invoices (
    invoice_id      text    PRIMARY KEY,
    subscription_id text    NULL,
    billing_reason  text    NULL,
    amount_paid     bigint  NOT NULL,
    amount_tax      bigint  NOT NULL,
    currency        text    NULL,
    paid_at         timestamptz NOT NULL,
    livemode        boolean NOT NULL,
    campaign_key    text    NULL,
    utm_source      text    NULL,
    utm_medium      text    NULL,
    utm_campaign    text    NULL,
    utm_term        text    NULL,
    utm_content     text    NULL
);

CREATE INDEX IF NOT EXISTS payment_link_invoices_subscription ON payment_link_invoices (subscription_id);
CREATE INDEX IF NOT EXISTS payment_link_invoices_paid_at ON payment_link_invoices (paid_at);

-- Which invoice each PaymentIntent paid: from the invoice (payment_intent before 2025-03-31, its payments after) or
-- from invoice_payment.paid, so that a renewal's refund or dispute finds its invoice on either API version.
CREATE TABLE IF NOT EXISTS payment_link_invoice_payments (
    payment_intent text PRIMARY KEY,
    invoice_id     text NOT NULL
);

CREATE INDEX IF NOT EXISTS payment_link_invoice_payments_invoice ON payment_link_invoice_payments (invoice_id);

-- The report counts a session's payment when it was paid (a delayed payment later than its completion).
CREATE INDEX IF NOT EXISTS payment_link_sessions_paid_at ON payment_link_sessions (paid_at) WHERE paid_at IS NOT NULL;

INSERT INTO payment_link_schema_versions (version, applied_at) VALUES (5, now()) ON CONFLICT (version) DO NOTHING;
