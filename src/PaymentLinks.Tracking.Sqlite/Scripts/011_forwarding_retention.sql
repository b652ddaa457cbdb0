-- PaymentLinks.Tracking ledger, schema version 11, for SQLite: the forwarding outbox's sent rows are deleted after
-- PaymentLinkForwardingOptions.SentRetention (30 days by default). Applied by the library when the host starts (in one
-- BEGIN IMMEDIATE transaction); safe to run again. Times are Unix milliseconds (UTC).

-- The sent rows by when they were sent, for the hourly delete of those past the retention.
CREATE INDEX IF NOT EXISTS payment_link_forwarding_sent ON payment_link_forwarding (sent_at) WHERE state = 'sent';

INSERT INTO payment_link_schema_versions (version, applied_at)
VALUES (11, CAST(strftime('%s', 'now') AS INTEGER) * 1000)
ON CONFLICT (version) DO NOTHING;
