-- PaymentLinks.Tracking ledger, schema version 14, for SQLite: the thank-you visit tied to the visitor of the tracked
-- links. Applied by the library when the host starts (in one BEGIN IMMEDIATE transaction); safe to run again. Times are
-- Unix milliseconds (UTC). (A new table rather than a new column: SQLite cannot add a column only if it is missing.)

-- Beside payment_link_visit_details, one row per session whose thank-you visit carried the visitor cookie that the
-- tracked-link redirect sets (plt_visitor): the visitor's id, the one its clicks in payment_link_clicks carry. Written by
-- the first visit, or a later one from the first visit's browser (its browser key). Personal data: erasing a buyer deletes
-- it, and the clicks of that visitor with it; an unclaimed visit's row expires with the visit.
CREATE TABLE IF NOT EXISTS payment_link_visit_visitors (
    session_id  TEXT    PRIMARY KEY,
    visitor_id  TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL
);

-- A visitor's sessions.
CREATE INDEX IF NOT EXISTS payment_link_visit_visitors_visitor ON payment_link_visit_visitors (visitor_id);

INSERT INTO payment_link_schema_versions (version, applied_at)
VALUES (14, CAST(strftime('%s', 'now') AS INTEGER) * 1000)
ON CONFLICT (version) DO NOTHING;
