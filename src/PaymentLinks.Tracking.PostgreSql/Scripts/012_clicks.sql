-- PaymentLinks.Tracking ledger, schema version 12, for PostgreSQL: clicks on tracked links.
-- Applied by the library when the host starts, in the configured schema (the search_path is set to it), in one
-- transaction under an advisory lock; safe to run again. To apply it by hand:
--   SET search_path TO payment_links; \i 012_clicks.sql
--
-- A click on a tracked link, before Stripe: what ad platforms match a conversion on, which Stripe does not keep.
-- Written by the redirect (one row per click; crawlers, prefetches and HEAD requests are not clicks); the click's id is
-- appended to the link's client_reference_id, so that a session names the click it came from. Personal data: the
-- clicks of an erased session's visitor are deleted, and the retention option deletes clicks older than it.
-- Self-contained: it reads no other version's tables.
CREATE TABLE IF NOT EXISTS payment_link_clicks (
    click_id           text        PRIMARY KEY,
    visitor_id         text        NOT NULL,
    link_name          text        NOT NULL,
    clicked_at         timestamptz NOT NULL,
    utm_source         text        NULL,
    utm_medium         text        NULL,
    utm_campaign       text        NULL,
    utm_term           text        NULL,
    utm_content        text        NULL,
    merchant_reference text        NULL,
    gclid              text        NULL,
    gbraid             text        NULL,
    wbraid             text        NULL,
    fbclid             text        NULL,
    fbc                text        NULL,
    ttclid             text        NULL,
    msclkid            text        NULL,
    li_fat_id          text        NULL,
    rdt_cid            text        NULL,
    ga_cookie          text        NULL,
    fbp_cookie         text        NULL,
    ttp_cookie         text        NULL,
    referrer           text        NULL,
    landing_url        text        NULL,
    ip_address         text        NULL,
    user_agent         text        NULL
);

-- A visitor's clicks in a window before a session was created, newest last; erasure finds a visitor's clicks.
CREATE INDEX IF NOT EXISTS payment_link_clicks_visitor ON payment_link_clicks (visitor_id, clicked_at);

-- The retention option deletes the clicks older than it.
CREATE INDEX IF NOT EXISTS payment_link_clicks_clicked_at ON payment_link_clicks (clicked_at);

INSERT INTO payment_link_schema_versions (version, applied_at) VALUES (12, now()) ON CONFLICT (version) DO NOTHING;
