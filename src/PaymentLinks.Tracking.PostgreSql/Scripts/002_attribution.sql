-- PaymentLinks.Tracking ledger, schema version 2, for PostgreSQL: attribution.
-- Applied by the library when the host starts, in the configured schema (the search_path is set to it), in one
-- transaction under an advisory lock; safe to run again. To apply it by hand, after 001_ledger.sql:
--   SET search_path TO payment_links; \i 002_attribution.sql
-- A UTM code that was absent is NULL; an empty one is ''.
--
-- A session's campaign is not stored: the report works it out from the three tables below, best source first
-- (the first thank-you visit, then the campaign key in client_reference_id, then the link's metadata), so the answer
-- is the same whichever of the webhook, the visit and the key's registration arrives first.

-- One row per session whose thank-you page was visited: the first visit's UTM codes, and how many visits there were.
CREATE TABLE IF NOT EXISTS payment_link_visits (
    session_id       text        PRIMARY KEY,
    utm_source       text        NULL,
    utm_medium       text        NULL,
    utm_campaign     text        NULL,
    utm_term         text        NULL,
    utm_content      text        NULL,
    first_visited_at timestamptz NOT NULL,
    last_visited_at  timestamptz NOT NULL,
    visit_count      bigint      NOT NULL
);

-- Each campaign key a link was made with, and the UTM codes it stands for.
CREATE TABLE IF NOT EXISTS payment_link_campaign_keys (
    campaign_key  text        PRIMARY KEY,
    utm_source    text        NULL,
    utm_medium    text        NULL,
    utm_campaign  text        NULL,
    utm_term      text        NULL,
    utm_content   text        NULL,
    registered_at timestamptz NOT NULL
);

-- What a session's own events say about its campaign: the key decoded from its client_reference_id, and the UTM codes
-- in its metadata (copied by Stripe from the payment link). Written with the session; sessions recorded before this
-- version have no row and are attributed by their visit only.
CREATE TABLE IF NOT EXISTS payment_link_session_campaigns (
    session_id        text PRIMARY KEY,
    campaign_key      text NULL,
    link_utm_source   text NULL,
    link_utm_medium   text NULL,
    link_utm_campaign text NULL,
    link_utm_term     text NULL,
    link_utm_content  text NULL
);

-- The report reads the sessions completed in a period.
CREATE INDEX IF NOT EXISTS payment_link_sessions_completed_at ON payment_link_sessions (completed_at) WHERE completed_at IS NOT NULL;

INSERT INTO payment_link_schema_versions (version, applied_at) VALUES (2, now()) ON CONFLICT (version) DO NOTHING;
