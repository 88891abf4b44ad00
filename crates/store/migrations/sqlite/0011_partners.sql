-- Partners who receive the quarterly partner report (High and Critical vulnerabilities of the
-- products they run), the products each runs, and every delivery of a report.
CREATE TABLE partners (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    -- Who to talk to at the partner (free text: a name, an address).
    contact    TEXT NOT NULL DEFAULT '',
    -- The name of a [notify.channels] entry (webhook or email) the report goes through.
    channel    TEXT NOT NULL,
    -- 1 when the partner agreed to receive reports; nothing is sent otherwise.
    opted_in   INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE partner_products (
    partner_id INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    product_id INTEGER NOT NULL REFERENCES products (id),
    PRIMARY KEY (partner_id, product_id)
) WITHOUT ROWID;

-- Every delivery of a partner report, successful or not: the audit record of what was sent
-- where. The partner's name is kept beside its id, so the history outlives the partner.
-- Rows are only ever added: the triggers refuse updates and deletes.
CREATE TABLE partner_deliveries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    partner_id   INTEGER NOT NULL,
    partner      TEXT NOT NULL,
    -- `2026Q3`
    quarter      TEXT NOT NULL,
    -- `schedule` (the partner-reports job) or `request` (someone asked).
    triggered_by TEXT NOT NULL CHECK (triggered_by IN ('schedule', 'request')),
    requested_by TEXT,
    channel      TEXT NOT NULL,
    channel_type TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    finished_at  TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('delivered', 'failed')),
    attempts     INTEGER NOT NULL,
    -- Lowercase hex SHA-256 of the exact bytes sent (the webhook body, the email as sent).
    sha256       TEXT,
    -- The receiver's answer: `HTTP 200`, or the SMTP server's final reply.
    response     TEXT,
    error        TEXT
);
CREATE INDEX partner_deliveries_by_partner ON partner_deliveries (partner_id, quarter, status);
CREATE TRIGGER partner_deliveries_no_update BEFORE UPDATE ON partner_deliveries
BEGIN
    SELECT RAISE(ABORT, 'partner deliveries are append-only');
END;
CREATE TRIGGER partner_deliveries_no_delete BEFORE DELETE ON partner_deliveries
BEGIN
    SELECT RAISE(ABORT, 'partner deliveries are append-only');
END;
