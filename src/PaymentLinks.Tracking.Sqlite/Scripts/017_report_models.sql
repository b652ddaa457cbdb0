-- PaymentLinks.Tracking ledger, schema version 17, for SQLite: the report's aggregates keyed by attribution model.
-- Applied by the library when the host starts (in one BEGIN IMMEDIATE transaction); safe to run again.
--
-- A piece whose session names no click the ledger knows has its rows under the model 'any' (every model's answer);
-- one whose session names a known click has rows under each model's name ('last-click', 'first-click',
-- 'last-non-direct', 'linear', 'position-based', 'time-decay'), each touch's share under the touch's campaign.
-- Version 16 kept every row under 'last_click', over a session's visit, key or link only: a ledger with such rows
-- reads the report from its rows until a rebuild has worked every piece out again (and replaced them).
UPDATE payment_link_report_state SET built = 0
WHERE name = 'aggregates' AND EXISTS (SELECT 1 FROM payment_link_report_piece_rows WHERE model = 'last_click');

-- The sessions that name a click (its id at the end of their client_reference_id, see ClientReferenceCodec): a click
-- written after them, or erased, changes the touches of its visitor's sessions, found through this index. Sessions
-- without a click are not in it.
CREATE INDEX IF NOT EXISTS payment_link_sessions_click_id ON payment_link_sessions (
    (CASE WHEN LENGTH(client_reference_id) >= 22 AND SUBSTR(client_reference_id, LENGTH(client_reference_id) - 21, 6) = '_plc1_'
        THEN SUBSTR(client_reference_id, LENGTH(client_reference_id) - 15) END))
WHERE (CASE WHEN LENGTH(client_reference_id) >= 22 AND SUBSTR(client_reference_id, LENGTH(client_reference_id) - 21, 6) = '_plc1_'
        THEN SUBSTR(client_reference_id, LENGTH(client_reference_id) - 15) END) IS NOT NULL;

INSERT INTO payment_link_schema_versions (version, applied_at)
VALUES (17, CAST(strftime('%s', 'now') AS INTEGER) * 1000)
ON CONFLICT (version) DO NOTHING;
