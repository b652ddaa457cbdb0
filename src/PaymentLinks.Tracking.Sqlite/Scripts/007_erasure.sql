-- PaymentLinks.Tracking ledger, schema version 7, for SQLite: erasure of a customer's personal data.
-- Applied by the library when the host starts (in one BEGIN IMMEDIATE transaction); safe to run again.
-- Times are Unix milliseconds (UTC).

-- Each session whose personal data was erased (by email, by session id, or by the retention option). A later event for
-- the session is recorded without its email or metadata, so that an erasure holds whatever Stripe sends afterwards.
CREATE TABLE IF NOT EXISTS payment_link_erasures (
    session_id TEXT    PRIMARY KEY,
    erased_at  INTEGER NOT NULL
);

-- The retention option reads the sessions first recorded before a point in time.
CREATE INDEX IF NOT EXISTS payment_link_sessions_first_recorded_at ON payment_link_sessions (first_recorded_at);

INSERT INTO payment_link_schema_versions (version, applied_at)
VALUES (7, CAST(strftime('%s', 'now') AS INTEGER) * 1000)
ON CONFLICT (version) DO NOTHING;
