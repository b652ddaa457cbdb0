-- PaymentLinks.Tracking ledger, schema version 8, for PostgreSQL: refunds that failed or were canceled.
-- Applied by the library when the host starts, in the configured schema (the search_path is set to it), in one
-- transaction under an advisory lock; safe to run again. To apply it by hand:
--   SET search_path TO payment_links; \i 008_failed_refunds.sql
-- Amounts are in the currency's minor unit, as Stripe gives them.
--
-- A refund that fails or is canceled gives its money back to the charge: a charge.refunded event stated before the
-- failure still counts it in amount_refunded, one stated after it no longer does. A charge's refunded amount at a moment
-- is its newest charge.refunded statement before that moment, less the failed refunds that statement counted (created
-- by then) and that failed after it and before the moment.

-- One row per refund that charge.refund.updated reported failed or canceled: its charge, amount, when it was created
-- and the time of the first event that reported the failure.
CREATE TABLE IF NOT EXISTS payment_link_failed_refunds (
    refund_id  text        PRIMARY KEY,
    charge_id  text        NOT NULL,
    amount     bigint      NOT NULL,
    created_at timestamptz NULL,
    failed_at  timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS payment_link_failed_refunds_charge ON payment_link_failed_refunds (charge_id, failed_at);

-- A charge's newest statement before a moment, read through one index.
CREATE INDEX IF NOT EXISTS payment_link_charge_refunds_charge_observed
    ON payment_link_charge_refunds (charge_id, observed_at, amount_refunded);

INSERT INTO payment_link_schema_versions (version, applied_at) VALUES (8, now()) ON CONFLICT (version) DO NOTHING;
