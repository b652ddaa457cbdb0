-- PaymentLinks.Tracking ledger, schema version 1, for PostgreSQL.
-- Applied by the library when the host starts, in the configured schema (the search_path is set to it), in one
-- transaction under an advisory lock; safe to run again. To apply it by hand:
--   CREATE SCHEMA IF NOT EXISTS payment_links; SET search_path TO payment_links; \i 001_ledger.sql

CREATE TABLE IF NOT EXISTS payment_link_schema_versions (
    version    integer     PRIMARY KEY,
    applied_at timestamptz NOT NULL
);

-- Every processed event, once by its id.
CREATE TABLE IF NOT EXISTS payment_link_events (
    event_id    text        PRIMARY KEY,
    event_type  text        NOT NULL,
    created     timestamptz NOT NULL,
    session_id  text        NULL,
    livemode    boolean     NOT NULL,
    recorded_at timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS payment_link_events_session_id ON payment_link_events (session_id);

-- One row per Checkout Session: its fields merged forward from its events, and its fulfilment.
CREATE TABLE IF NOT EXISTS payment_link_sessions (
    session_id           text        PRIMARY KEY,
    payment_link_id      text        NULL,
    client_reference_id  text        NULL,
    customer_email       text        NULL,
    amount_total         bigint      NULL,
    currency             text        NULL,
    mode                 text        NULL,
    status               text        NULL,
    payment_status       text        NULL,
    livemode             boolean     NOT NULL,
    metadata             jsonb       NULL,
    completed_at         timestamptz NULL,
    paid_at              timestamptz NULL,
    failed_at            timestamptz NULL,
    expired_at           timestamptz NULL,
    fulfill_due_at       timestamptz NULL,  -- set while fulfilment is due; cleared when fulfilled or parked
    fulfillment_attempts integer     NOT NULL DEFAULT 0,
    fulfilled_at         timestamptz NULL,
    parked_at            timestamptz NULL,
    last_error           text        NULL,
    lease_owner          text        NULL,
    lease_until          timestamptz NULL,
    first_recorded_at    timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS payment_link_sessions_due ON payment_link_sessions (fulfill_due_at) WHERE fulfill_due_at IS NOT NULL;

INSERT INTO payment_link_schema_versions (version, applied_at) VALUES (1, now()) ON CONFLICT (version) DO NOTHING;
