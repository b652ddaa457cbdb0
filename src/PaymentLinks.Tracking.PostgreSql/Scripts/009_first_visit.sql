-- PaymentLinks.Tracking ledger, schema version 9, for PostgreSQL: the first visit speaks for the buyer, and visits of
-- sessions no payment claims are kept for a while only. Applied by the library when the host starts, in the configured
-- schema (the search_path is set to it), in one transaction under an advisory lock; safe to run again. To apply it by
-- hand, after the earlier ones:
--   SET search_path TO payment_links; \i 009_first_visit.sql

-- Beside payment_link_visit_details, one row per session whose first visit carried a browser key: the SHA-256 (hex) of
-- the key the thank-you page gave that browser in a first-party cookie, never the key. Only a later visit carrying the
-- same key may change the consent or fill in a missing value; a session without a row here: no later visit may.
-- Erasing a buyer deletes it with the details.
CREATE TABLE IF NOT EXISTS payment_link_visit_browsers (
    session_id       text PRIMARY KEY,
    browser_key_hash text NOT NULL
);

-- One row per visit recorded for a session the ledger did not know: when. Deleted when the session's event is recorded
-- (the visit is claimed). An unclaimed visit older than UnclaimedVisitLifetime is deleted with its details, and at most
-- MaxUnclaimedVisits are kept at a time.
CREATE TABLE IF NOT EXISTS payment_link_unclaimed_visits (
    session_id      text        PRIMARY KEY,
    unclaimed_since timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS payment_link_unclaimed_visits_since ON payment_link_unclaimed_visits (unclaimed_since);

INSERT INTO payment_link_schema_versions (version, applied_at) VALUES (9, now()) ON CONFLICT (version) DO NOTHING;
