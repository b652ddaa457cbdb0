-- PaymentLinks.Tracking ledger, schema version 1, for SQLite.
-- Applied by the library when the host starts (in one BEGIN IMMEDIATE transaction); safe to run again.
-- Times are Unix milliseconds (UTC).

CREATE TABLE IF NOT EXISTS payment_link_schema_versions (
    version    INTEGER PRIMARY KEY,
    applied_at INTEGER NOT NULL
);

-- Every processed event, once by its id.
CREATE TABLE IF NOT EXISTS payment_link_events (
    event_id    TEXT    PRIMARY KEY,
    event_type  TEXT    NOT NULL,
    created     INTEGER NOT NULL,
    session_id  TEXT    NULL,
    livemode    INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS payment_link_events_session_id ON payment_link_events (session_id);

-- One row per Checkout Session: its fields merged forward from its events, and its fulfilment.
CREATE TABLE IF NOT EXISTS payment_link_sessions (
    session_id           TEXT    PRIMARY KEY,
    payment_link_id      TEXT    NULL,
    client_reference_id  TEXT    NULL,
    customer_email       TEXT    NULL,
    amount_total         INTEGER NULL,
    currency             TEXT    NULL,
    mode                 TEXT    NULL,
    status               TEXT    NULL,
    payment_status       TEXT    NULL,
    livemode             INTEGER NOT NULL,
    metadata             TEXT    NULL,  -- a JSON object
    completed_at         INTEGER NULL,
    paid_at              INTEGER NULL,
    failed_at            INTEGER NULL,
    expired_at           INTEGER NULL,
    fulfill_due_at       INTEGER NULL,  -- set while fulfilment is due; cleared when fulfilled or parked
    fulfillment_attempts INTEGER NOT NULL DEFAULT 0,
    fulfilled_at         INTEGER NULL,
    parked_at            INTEGER NULL,
    last_error           TEXT    NULL,
    lease_owner          TEXT    NULL,
    lease_until          INTEGER NULL,
    first_recorded_at    INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS payment_link_sessions_due ON payment_link_sessions (fulfill_due_at) WHERE fulfill_due_at IS NOT NULL;

INSERT INTO payment_link_schema_versions (version, applied_at)
VALUES (1, CAST(strftime('%s', 'now') AS INTEGER) * 1000)
ON CONFLICT (version) DO NOTHING;
