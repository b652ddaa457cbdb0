-- PaymentLinks.Tracking ledger, schema version 6, for SQLite: forwarding conversions to Google Analytics 4, Meta and a
-- signed webhook. Applied by the library when the host starts (in one BEGIN IMMEDIATE transaction); safe to run again.
-- Times are Unix milliseconds (UTC).

-- What the thank-you page saw of the buyer's browser, for the destinations to join the conversion to the browsing
-- session. PERSONAL DATA: erasing a buyer deletes their session's row here (and the email in payment_link_sessions).
-- The first visit's values are kept and later visits only fill in what was missing; consent follows the latest report.
CREATE TABLE IF NOT EXISTS payment_link_visit_details (
    session_id  TEXT    PRIMARY KEY,
    ga_cookie   TEXT    NULL,  -- the _ga cookie, e.g. GA1.1.123.456
    fbp_cookie  TEXT    NULL,  -- the _fbp cookie
    fbc_cookie  TEXT    NULL,  -- the _fbc cookie
    user_agent  TEXT    NULL,
    page_url    TEXT    NULL,
    client_ip   TEXT    NULL,
    consent     TEXT    NULL,  -- 'granted', 'denied', or NULL when the page reported none
    recorded_at INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- The outbox: one row per conversion, destination and kind, written in the transaction that makes the session paid
-- (or refunded), then sent by the forwarding worker under a lease until a 2xx.
CREATE TABLE IF NOT EXISTS payment_link_forwarding (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id  TEXT    NOT NULL,
    destination TEXT    NOT NULL,  -- 'google_analytics', 'meta' or 'webhook'
    kind        TEXT    NOT NULL,  -- 'purchase' or 'refund'
    refund_key  TEXT    NOT NULL DEFAULT '',  -- tells one refund of a session from another; '' for a purchase
    amount      INTEGER NULL,      -- in the currency's smallest unit: the total paid, or the amount refunded
    currency    TEXT    NULL,
    occurred_at INTEGER NOT NULL,  -- when the session was paid, or the refund recorded
    livemode    INTEGER NOT NULL,
    state       TEXT    NOT NULL,  -- 'pending', 'sent', 'failed' (refused), 'dead' (out of tries) or 'too_old'
    attempts    INTEGER NOT NULL DEFAULT 0,
    due_at      INTEGER NULL,      -- set while pending
    lease_owner TEXT    NULL,
    lease_until INTEGER NULL,
    last_error  TEXT    NULL,      -- the destination's message, secrets redacted
    sent_at     INTEGER NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (session_id, destination, kind, refund_key)
);

CREATE INDEX IF NOT EXISTS payment_link_forwarding_due ON payment_link_forwarding (destination, due_at) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS payment_link_forwarding_state ON payment_link_forwarding (state, id);

INSERT INTO payment_link_schema_versions (version, applied_at)
VALUES (6, CAST(strftime('%s', 'now') AS INTEGER) * 1000)
ON CONFLICT (version) DO NOTHING;
