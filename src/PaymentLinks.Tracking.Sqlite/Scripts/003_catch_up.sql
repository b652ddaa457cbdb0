-- PaymentLinks.Tracking ledger, schema version 3, for SQLite: catching up from Stripe's Events API.
-- Applied by the library when the host starts (in one BEGIN IMMEDIATE transaction); safe to run again.
-- Times are Unix milliseconds (UTC).

-- One row: how far catch-up has recorded, and which instance is catching up now.
CREATE TABLE IF NOT EXISTS payment_link_catch_up (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    watermark   INTEGER NULL,  -- the created time of the newest event a catch-up recorded; every older one is recorded
    lease_owner TEXT    NULL,  -- the instance catching up now
    lease_until INTEGER NULL   -- when its lease runs out, so that a dead instance's lease is taken over
);

INSERT INTO payment_link_catch_up (id) VALUES (1) ON CONFLICT (id) DO NOTHING;

INSERT INTO payment_link_schema_versions (version, applied_at)
VALUES (3, CAST(strftime('%s', 'now') AS INTEGER) * 1000)
ON CONFLICT (version) DO NOTHING;
