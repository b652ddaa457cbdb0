-- PaymentLinks.Tracking ledger, schema version 4, for SQLite: events catch-up could not read.
-- Applied by the library when the host starts (in one BEGIN IMMEDIATE transaction); safe to run again.
-- Times are Unix milliseconds (UTC). Leases and due times are set on the database's clock from this version on; their
-- columns are unchanged.

-- An event Stripe's Events API listed that cannot be read as an event: kept with its JSON and the reason, so that
-- catch-up moves past it (its watermark too) and an operator can look at it. Once per event id.
CREATE TABLE IF NOT EXISTS payment_link_refused_events (
    event_id   TEXT    PRIMARY KEY,
    event_type TEXT    NULL,  -- its type, when it has a text one
    created    INTEGER NULL,  -- its created time, when it has a numeric one
    reason     TEXT    NOT NULL,
    payload    TEXT    NOT NULL,  -- the event's JSON as Stripe listed it
    refused_at INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS payment_link_refused_events_refused_at ON payment_link_refused_events (refused_at);

INSERT INTO payment_link_schema_versions (version, applied_at)
VALUES (4, CAST(strftime('%s', 'now') AS INTEGER) * 1000)
ON CONFLICT (version) DO NOTHING;
