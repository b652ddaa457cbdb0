-- PaymentLinks.Tracking ledger, schema version 7, for PostgreSQL: erasure of a customer's personal data.
-- Applied by the library when the host starts, in the configured schema (the search_path is set to it), in one
-- transaction under an advisory lock; safe to run again. To apply it by hand:
--   SET search_path TO payment_links; \i 007_erasure.sql

-- Each session whose personal data was erased (by email, by session id, or by the retention option). A later event for
-- the session is recorded without its email or metadata, so that an erasure holds whatever Stripe sends afterwards.
CREATE TABLE IF NOT EXISTS payment_link_erasures (
    session_id text        PRIMARY KEY,
    erased_at  timestamptz NOT NULL
);

-- The retention option reads the sessions first recorded before a point in time.
CREATE INDEX IF NOT EXISTS payment_link_sessions_first_recorded_at ON payment_link_sessions (first_recorded_at);

INSERT INTO payment_link_schema_versions (version, applied_at) VALUES (7, now()) ON CONFLICT (version) DO NOTHING;
