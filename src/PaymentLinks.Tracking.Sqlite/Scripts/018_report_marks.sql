-- PaymentLinks.Tracking ledger, schema version 18, for SQLite: the report's marks.
-- Applied by the library when the host starts (in one BEGIN IMMEDIATE transaction); safe to run again.
--
-- A write that changes what the report counts inserts a mark in its own transaction, naming what it changed: 's:' a
-- session (with its money), 'i:' an invoice (with its money), 'c:' a charge's refunds, 'd:' a dispute, 'k:' a click
-- (its visitor's sessions), 'K:' a campaign key (the sessions and invoices that name it). The report worker, and any
-- report before it reads, takes the marks and works their pieces out again into the aggregates, in one transaction.
CREATE TABLE IF NOT EXISTS payment_link_report_marks (
    mark_id INTEGER PRIMARY KEY,
    piece   TEXT    NOT NULL
);

INSERT INTO payment_link_schema_versions (version, applied_at)
VALUES (18, CAST(strftime('%s', 'now') AS INTEGER) * 1000)
ON CONFLICT (version) DO NOTHING;
