-- PaymentLinks.Tracking ledger, schema version 13, for SQLite: what stays of a sent purchase or renewal once retention
-- deletes its outbox row. Applied by the library when the host starts (in one BEGIN IMMEDIATE transaction); safe to run
-- again.

-- One row per purchase or renewal whose sent outbox row was deleted after PaymentLinkForwardingOptions.SentRetention,
-- written in the delete's transaction and keyed as the outbox's rows are: a later refund or renewal still goes where it
-- went, and it never enters the outbox again. No personal data (the session's id only); kept.
CREATE TABLE IF NOT EXISTS payment_link_forwarding_receipts (
    session_id  TEXT NOT NULL,
    destination TEXT NOT NULL,  -- 'google_analytics', 'meta' or 'webhook'
    kind        TEXT NOT NULL,  -- 'purchase' or 'renewal'
    refund_key  TEXT NOT NULL,  -- '' for a purchase, the invoice's id for a renewal
    PRIMARY KEY (session_id, destination, kind, refund_key)
);

INSERT INTO payment_link_schema_versions (version, applied_at)
VALUES (13, CAST(strftime('%s', 'now') AS INTEGER) * 1000)
ON CONFLICT (version) DO NOTHING;
