-- PaymentLinks.Tracking ledger, schema version 2, for SQLite: attribution.
-- Applied by the library when the host starts (in one BEGIN IMMEDIATE transaction); safe to run again.
-- Times are Unix milliseconds (UTC). A UTM code that was absent is NULL; an empty one is ''.
--
-- A session's campaign is not stored: the report works it out from the three tables below, best source first
-- (the first thank-you visit, then the campaign key in client_reference_id, then the link's metadata), so the answer
-- is the same whichever of the webhook, the visit and the key's registration arrives first.

-- One row per session whose thank-you page was visited: the first visit's UTM codes, and how many visits there were.
CREATE TABLE IF NOT EXISTS payment_link_visits (
    session_id       TEXT    PRIMARY KEY,
    utm_source       TEXT    NULL,
    utm_medium       TEXT    NULL,
    utm_campaign     TEXT    NULL,
    utm_term         TEXT    NULL,
    utm_content      TEXT    NULL,
    first_visited_at INTEGER NOT NULL,
    last_visited_at  INTEGER NOT NULL,
    visit_count      INTEGER NOT NULL
);

-- Each campaign key a link was made with, and the UTM codes it stands for.
CREATE TABLE IF NOT EXISTS payment_link_campaign_keys (
    campaign_key  TEXT    PRIMARY KEY,
    utm_source    TEXT    NULL,
    utm_medium    TEXT    NULL,
    utm_campaign  TEXT    NULL,
    utm_term      TEXT    NULL,
    utm_content   TEXT    NULL,
    registered_at INTEGER NOT NULL
);

-- What a session's own events say about its campaign: the key decoded from its client_reference_id, and the UTM codes
-- in its metadata (copied by Stripe from the payment link). Written with the session; sessions recorded before this
-- version have no row and are attributed by their visit only.
CREATE TABLE IF NOT EXISTS payment_link_session_campaigns (
    session_id        TEXT PRIMARY KEY,
    campaign_key      TEXT NULL,
    link_utm_source   TEXT NULL,
    link_utm_medium   TEXT NULL,
    link_utm_campaign TEXT NULL,
    link_utm_term     TEXT NULL,
    link_utm_content  TEXT NULL
);

-- The report reads the sessions completed in a period.
CREATE INDEX IF NOT EXISTS payment_link_sessions_completed_at ON payment_link_sessions (completed_at) WHERE completed_at IS NOT NULL;

INSERT INTO payment_link_schema_versions (version, applied_at)
VALUES (2, CAST(strftime('%s', 'now') AS INTEGER) * 1000)
ON CONFLICT (version) DO NOTHING;
