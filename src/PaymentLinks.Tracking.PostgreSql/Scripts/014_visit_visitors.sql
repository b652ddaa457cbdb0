-- PaymentLinks.Tracking ledger, schema version 14, for PostgreSQL: the thank-you visit tied to the visitor of the
-- tracked links. Applied by the library when the host starts, in the configured schema (the search_path is set to it),
-- in one transaction under an advisory lock; safe to run again. To apply it by hand:
--   SET search_path TO payment_links; \i 014_visit_visitors.sql

-- Beside payment_link_visit_details, one row per session whose thank-you visit carried the visitor cookie that the
-- tracked-link redirect sets (plt_visitor): the visitor's id, the one its clicks in payment_link_clicks carry. Written by
-- the first visit, or a later one from the first visit's browser (its browser key). Personal data: erasing a buyer deletes
-- it, and the clicks of that visitor with it; an unclaimed visit's row expires with the visit.
CREATE TABLE IF NOT EXISTS payment_link_visit_visitors (
    session_id  text        PRIMARY KEY,
    visitor_id  text        NOT NULL,
    recorded_at timestamptz NOT NULL
);

-- A visitor's sessions.
CREATE INDEX IF NOT EXISTS payment_link_visit_visitors_visitor ON payment_link_visit_visitors (visitor_id);

INSERT INTO payment_link_schema_versions (version, applied_at) VALUES (14, now()) ON CONFLICT (version) DO NOTHING;
