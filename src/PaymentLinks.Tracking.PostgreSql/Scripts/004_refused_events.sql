-- PaymentLinks.Tracking ledger, schema version 4, for PostgreSQL: events catch-up could not read.
-- Applied by the library when the host starts, in the configured schema (the search_path is set to it), in one
-- transaction under an advisory lock; safe to run again. To apply it by hand:
--   SET search_path TO payment_links; \i 004_refused_events.sql
-- Leases and due times are set on the database's clock from this version on; their columns are unchanged.

-- An event Stripe's Events API listed that cannot be read as an event: kept with its JSON and the reason, so that
-- catch-up moves past it (its watermark too) and an operator can look at it. Once per event id.
CREATE TABLE IF NOT EXISTS payment_link_refused_events (
    event_id   text        PRIMARY KEY,
    event_type text        NULL,  -- its type, when it has a text one
    created    timestamptz NULL,  -- its created time, when it has a numeric one
    reason     text        NOT NULL,
    payload    text        NOT NULL,  -- the event's JSON as Stripe listed it
    refused_at timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS payment_link_refused_events_refused_at ON payment_link_refused_events (refused_at);

INSERT INTO payment_link_schema_versions (version, applied_at) VALUES (4, now()) ON CONFLICT (version) DO NOTHING;
