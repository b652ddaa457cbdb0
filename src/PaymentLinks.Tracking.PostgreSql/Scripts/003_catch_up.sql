-- PaymentLinks.Tracking ledger, schema version 3, for PostgreSQL: catching up from Stripe's Events API.
-- Applied by the library when the host starts, in the configured schema (the search_path is set to it), in one
-- transaction under an advisory lock; safe to run again. To apply it by hand:
--   SET search_path TO payment_links; \i 003_catch_up.sql

-- One row: how far catch-up has recorded, and which instance is catching up now.
CREATE TABLE IF NOT EXISTS payment_link_catch_up (
    id          integer     PRIMARY KEY CHECK (id = 1),
    watermark   timestamptz NULL,  -- the created time of the newest event a catch-up recorded; every older one is recorded
    lease_owner text        NULL,  -- the instance catching up now
    lease_until timestamptz NULL   -- when its lease runs out, so that a dead instance's lease is taken over
);

INSERT INTO payment_link_catch_up (id) VALUES (1) ON CONFLICT (id) DO NOTHING;

INSERT INTO payment_link_schema_versions (version, applied_at) VALUES (3, now()) ON CONFLICT (version) DO NOTHING;
