-- PaymentLinks.Tracking ledger, schema version 18, for PostgreSQL: the report's marks.
-- Applied by the library when the host starts in the configured schema, in one transaction under an advisory lock; safe to run again.
--
-- A write that changes what the report counts inserts a mark in its own transaction, naming what it changed: 's:' a
-- session (with its money), 'i:' an invoice (with its money), 'c:' a charge's refunds, 'd:' a dispute, 'k:' a click
-- (its visitor's sessions), 'K:' a campaign key (the sessions and invoices that name it). Writers only insert, so none
-- waits on another; the report worker of each instance takes the marks no other holds (FOR UPDATE SKIP LOCKED), and a
-- report, before it reads, takes every mark committed before it began, and works their pieces out again.
CREATE TABLE IF NOT EXISTS payment_link_report_marks (
    mark_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    piece   text   NOT NULL
);

INSERT INTO payment_link_schema_versions (version, applied_at)
VALUES (18, now())
ON CONFLICT (version) DO NOTHING;
