-- PaymentLinks.Tracking ledger, schema version 16, for SQLite: the campaign report's aggregates, kept on write.
-- Applied by the library when the host starts (in one BEGIN IMMEDIATE transaction); safe to run again.
-- Hours are whole hours since 1970-01-01 UTC, days whole days; amounts are in the currency's minor unit.
--
-- A "piece" is what one fact contributes to the report: a session (counted when it completed, paid when it was paid),
-- a renewal (an invoice), a charge's refunds (per hour in which its refunded amount moved) or a lost dispute. Each
-- write that changes a piece works its rows out again in its own transaction, keeps them here, and adds the difference
-- to the delta rows: writers only ever insert, so no row is shared by all of them. A fold step moves the delta rows, in
-- batches, into the hourly and daily aggregates the report reads.
--
-- Text keys (the UTM codes, the currency) are stored as '' for none and '=' followed by the value otherwise, so that
-- they can be part of a key on both engines.

-- Each piece's rows as last worked out: what its next change is compared with.
CREATE TABLE IF NOT EXISTS payment_link_report_piece_rows (
    piece           TEXT    NOT NULL,  -- 's:' session id, 'i:' invoice id, 'c:' charge id, 'd:' dispute id
    bucket_hour     INTEGER NOT NULL,
    model           TEXT    NOT NULL,  -- the attribution model: 'last_click'
    livemode        INTEGER NOT NULL,
    linked          INTEGER NOT NULL,  -- 1 when counted whichever sessions the ledger reports (made by a payment link)
    currency        TEXT    NOT NULL,
    utm_source      TEXT    NOT NULL,
    utm_medium      TEXT    NOT NULL,
    utm_campaign    TEXT    NOT NULL,
    sessions        INTEGER NOT NULL,
    paid            INTEGER NOT NULL,
    visits          INTEGER NOT NULL,
    by_visit        INTEGER NOT NULL,
    by_reference    INTEGER NOT NULL,
    by_link         INTEGER NOT NULL,
    gross           INTEGER NOT NULL,
    tax             INTEGER NOT NULL,
    renewals        INTEGER NOT NULL,
    renewal_revenue INTEGER NOT NULL,
    refunded        INTEGER NOT NULL,
    disputed        INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS payment_link_report_piece_rows_piece ON payment_link_report_piece_rows (piece);

-- What changed, one row per change and key, inserted by the write that made it; folded into the aggregates later.
CREATE TABLE IF NOT EXISTS payment_link_report_deltas (
    delta_id        INTEGER PRIMARY KEY AUTOINCREMENT,
    bucket_hour     INTEGER NOT NULL,
    model           TEXT    NOT NULL,
    livemode        INTEGER NOT NULL,
    linked          INTEGER NOT NULL,
    currency        TEXT    NOT NULL,
    utm_source      TEXT    NOT NULL,
    utm_medium      TEXT    NOT NULL,
    utm_campaign    TEXT    NOT NULL,
    sessions        INTEGER NOT NULL,
    paid            INTEGER NOT NULL,
    visits          INTEGER NOT NULL,
    by_visit        INTEGER NOT NULL,
    by_reference    INTEGER NOT NULL,
    by_link         INTEGER NOT NULL,
    gross           INTEGER NOT NULL,
    tax             INTEGER NOT NULL,
    renewals        INTEGER NOT NULL,
    renewal_revenue INTEGER NOT NULL,
    refunded        INTEGER NOT NULL,
    disputed        INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS payment_link_report_deltas_hour ON payment_link_report_deltas (bucket_hour);

-- The folded sums: grain 'h' per hour, grain 'd' per day (UTC), each keyed by campaign, currency, mode and model.
CREATE TABLE IF NOT EXISTS payment_link_report_aggregates (
    grain           TEXT    NOT NULL,
    bucket          INTEGER NOT NULL,
    model           TEXT    NOT NULL,
    livemode        INTEGER NOT NULL,
    linked          INTEGER NOT NULL,
    currency        TEXT    NOT NULL,
    utm_source      TEXT    NOT NULL,
    utm_medium      TEXT    NOT NULL,
    utm_campaign    TEXT    NOT NULL,
    sessions        INTEGER NOT NULL,
    paid            INTEGER NOT NULL,
    visits          INTEGER NOT NULL,
    by_visit        INTEGER NOT NULL,
    by_reference    INTEGER NOT NULL,
    by_link         INTEGER NOT NULL,
    gross           INTEGER NOT NULL,
    tax             INTEGER NOT NULL,
    renewals        INTEGER NOT NULL,
    renewal_revenue INTEGER NOT NULL,
    refunded        INTEGER NOT NULL,
    disputed        INTEGER NOT NULL,
    PRIMARY KEY (grain, bucket, model, livemode, linked, currency, utm_source, utm_medium, utm_campaign)
);

-- Whether the aggregates hold the whole ledger: a ledger that had money before this version reads the report from its
-- rows until a rebuild (the retention worker's, the console's `report rebuild`, the admin API's) has built them.
CREATE TABLE IF NOT EXISTS payment_link_report_state (
    name  TEXT    PRIMARY KEY,
    built INTEGER NOT NULL
);

INSERT INTO payment_link_report_state (name, built)
SELECT 'aggregates', CASE WHEN EXISTS (SELECT 1 FROM payment_link_sessions) OR EXISTS (SELECT 1 FROM payment_link_invoices)
    OR EXISTS (SELECT 1 FROM payment_link_charge_refunds) OR EXISTS (SELECT 1 FROM payment_link_disputes) THEN 0 ELSE 1 END
WHERE true
ON CONFLICT (name) DO NOTHING;

-- The report's raw edges read disputes, failed refunds and refund statements by their time; a session's pieces find
-- its disputes by its PaymentIntent.
CREATE INDEX IF NOT EXISTS payment_link_disputes_payment_intent ON payment_link_disputes (payment_intent);
CREATE INDEX IF NOT EXISTS payment_link_disputes_status_at ON payment_link_disputes (status_at);
CREATE INDEX IF NOT EXISTS payment_link_failed_refunds_failed_at ON payment_link_failed_refunds (failed_at);
CREATE INDEX IF NOT EXISTS payment_link_charge_refunds_observed_at ON payment_link_charge_refunds (observed_at);

INSERT INTO payment_link_schema_versions (version, applied_at)
VALUES (16, CAST(strftime('%s', 'now') AS INTEGER) * 1000)
ON CONFLICT (version) DO NOTHING;
