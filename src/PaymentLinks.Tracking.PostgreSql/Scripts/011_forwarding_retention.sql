-- PaymentLinks.Tracking ledger, schema version 11, for PostgreSQL: the forwarding outbox's sent rows are deleted after
-- PaymentLinkForwardingOptions.SentRetention (30 days by default). Applied by the library when the host starts, in the
-- configured schema (the search_path is set to it), in one transaction under an advisory lock; safe to run again. To
-- apply it by hand:
--   SET search_path TO payment_links; \i 011_forwarding_retention.sql

-- The sent rows by when they were sent, for the hourly delete of those past the retention.
CREATE INDEX IF NOT EXISTS payment_link_forwarding_sent ON payment_link_forwarding (sent_at) WHERE state = 'sent';

INSERT INTO payment_link_schema_versions (version, applied_at) VALUES (11, now()) ON CONFLICT (version) DO NOTHING;
