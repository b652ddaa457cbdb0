-- PaymentLinks.Tracking ledger, schema version 6, for PostgreSQL: forwarding conversions to Google Analytics 4, Meta
-- and a signed webhook. Applied by the library when the host starts, in the configured schema (the search_path is set
-- to it), in one transaction under an advisory lock; safe to run again. To apply it by hand, after the earlier ones:
--   SET search_path TO payment_links; \i 006_forwarding.sql

-- What the thank-you page saw of the buyer's browser, for the destinations to join the conversion to the browsing
-- session. PERSONAL DATA: erasing a buyer deletes their session's row here (and the email in payment_link_sessions).
-- The first visit's values are kept and later visits only fill in what was missing; consent follows the latest report.
CREATE TABLE IF NOT EXISTS payment_link_visit_details (
    session_id  text        PRIMARY KEY,
    ga_cookie   text        NULL,  -- the _ga cookie, e.g. GA1.1.123.456
    fbp_cookie  text        NULL,  -- the _fbp cookie
    fbc_cookie  text        NULL,  -- the _fbc cookie
    user_agent  text        NULL,
    page_url    text        NULL,
    client_ip   text        NULL,
    consent     text        NULL,  -- 'granted', 'denied', or NULL when the page reported none
    recorded_at timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

-- The outbox: one row per conversion, destination and kind, written in the transaction that makes the session paid
-- (or refunded), then sent by the forwarding worker under a lease until a 2xx.
CREATE TABLE IF NOT EXISTS payment_link_forwarding (
    id          bigserial   PRIMARY KEY,
    session_id  text        NOT NULL,
    destination text        NOT NULL,  -- 'google_analytics', 'meta' or 'webhook'
    kind        text        NOT NULL,  -- 'purchase' or 'refund'
    refund_key  text        NOT NULL DEFAULT '',  -- tells one refund of a session from another; '' for a purchase
    amount      bigint      NULL,      -- in the currency's smallest unit: the total paid, or the amount refunded
    currency    text        NULL,
    occurred_at timestamptz NOT NULL,  -- when the session was paid, or the refund recorded
    livemode    boolean     NOT NULL,
    state       text        NOT NULL,  -- 'pending', 'sent', 'failed' (refused), 'dead' (out of tries) or 'too_old'
    attempts    integer     NOT NULL DEFAULT 0,
    due_at      timestamptz NULL,      -- set while pending
    lease_owner text        NULL,
    lease_until timestamptz NULL,
    last_error  text        NULL,      -- the destination's message, secrets redacted
    sent_at     timestamptz NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    UNIQUE (session_id, destination, kind, refund_key)
);

CREATE INDEX IF NOT EXISTS payment_link_forwarding_due ON payment_link_forwarding (destination, due_at) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS payment_link_forwarding_state ON payment_link_forwarding (state, id);

INSERT INTO payment_link_schema_versions (version, applied_at) VALUES (6, now()) ON CONFLICT (version) DO NOTHING;
