-- PaymentLinks.Tracking ledger, schema version 13, for PostgreSQL: what stays of a sent purchase or renewal once
-- retention deletes its outbox row. Applied by the library when the host starts, in the configured schema (the
-- search_path is set to it), in one transaction under an advisory lock; safe to run again. To apply it by hand:
--   SET search_path TO payment_links; \i 013_forwarding_receipts.sql

-- One row per purchase or renewal whose sent outbox row was deleted after PaymentLinkForwardingOptions.SentRetention,
-- written in the delete's transaction and keyed as the outbox's rows are: a later refund or renewal still goes where it
-- went, and it never enters the outbox again. No personal data (the session's id only); kept.
CREATE TABLE IF NOT EXISTS payment_link_forwarding_receipts (
    session_id  text NOT NULL,
    destination text NOT NULL,  -- 'google_analytics', 'meta' or 'webhook'
    kind        text NOT NULL,  -- 'purchase' or 'renewal'
    refund_key  text NOT NULL,  -- '' for a purchase, the invoice's id for a renewal
    PRIMARY KEY (session_id, destination, kind, refund_key)
);

INSERT INTO payment_link_schema_versions (version, applied_at) VALUES (13, now()) ON CONFLICT (version) DO NOTHING;
