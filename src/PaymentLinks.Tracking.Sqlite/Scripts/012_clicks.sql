-- PaymentLinks.Tracking ledger, schema version 12, for SQLite: clicks on tracked links.
-- Applied by the library when the host starts (in one BEGIN IMMEDIATE transaction); safe to run again.
-- Times are Unix milliseconds (UTC).
--
-- A click on a tracked link, before Stripe: what ad platforms match a conversion on, which Stripe does not keep.
-- Written by the redirect (one row per click; crawlers, prefetches and HEAD requests are not clicks); the click's id is
-- appended to the link's client_reference_id, so that a session names the click it came from. Personal data: the
-- clicks of an erased session's visitor are deleted, and the retention option deletes clicks older than it.
-- Self-contained: it reads no other version's tables.
CREATE TABLE IF NOT EXISTS payment_link_clicks (
    click_id           TEXT    PRIMARY KEY,
    visitor_id         TEXT    NOT NULL,
    link_name          TEXT    NOT NULL,
    clicked_at         INTEGER NOT NULL,
    utm_source         TEXT    NULL,
    utm_medium         TEXT    NULL,
    utm_campaign       TEXT    NULL,
    utm_term           TEXT    NULL,
    utm_content        TEXT    NULL,
    merchant_reference TEXT    NULL,
    gclid              TEXT    NULL,
    gbraid             TEXT    NULL,
    wbraid             TEXT    NULL,
    fbclid             TEXT    NULL,
    fbc                TEXT    NULL,
    ttclid             TEXT    NULL,
    msclkid            TEXT    NULL,
    li_fat_id          TEXT    NULL,
    rdt_cid            TEXT    NULL,
    ga_cookie          TEXT    NULL,
    fbp_cookie         TEXT    NULL,
    ttp_cookie         TEXT    NULL,
    referrer           TEXT    NULL,
    landing_url        TEXT    NULL,
    ip_address         TEXT    NULL,
    user_agent         TEXT    NULL
);

-- A visitor's clicks in a window before a session was created, newest last; erasure finds a visitor's clicks.
CREATE INDEX IF NOT EXISTS payment_link_clicks_visitor ON payment_link_clicks (visitor_id, clicked_at);

-- The retention option deletes the clicks older than it.
CREATE INDEX IF NOT EXISTS payment_link_clicks_clicked_at ON payment_link_clicks (clicked_at);

INSERT INTO payment_link_schema_versions (version, applied_at)
VALUES (12, CAST(strftime('%s', 'now') AS INTEGER) * 1000)
ON CONFLICT (version) DO NOTHING;
