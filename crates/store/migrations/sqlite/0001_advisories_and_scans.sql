-- Advisories as imported (the OSV record is kept whole), indexed by affected package so that
-- matching reads only the advisories of the packages it looks at.
CREATE TABLE advisories (
    id          TEXT PRIMARY KEY,
    modified    TEXT NOT NULL,
    published   TEXT,
    withdrawn   TEXT,
    source      TEXT NOT NULL,
    record      TEXT NOT NULL,
    imported_at TEXT NOT NULL
);

CREATE TABLE advisory_packages (
    ecosystem   TEXT NOT NULL,
    name        TEXT NOT NULL,
    advisory_id TEXT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    PRIMARY KEY (ecosystem, name, advisory_id)
);
CREATE INDEX advisory_packages_by_advisory ON advisory_packages (advisory_id);

-- One row per scan: what was scanned, when, and the full JSON result.
CREATE TABLE scans (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    target      TEXT NOT NULL,
    scanned_at  TEXT NOT NULL,
    components  INTEGER NOT NULL,
    findings    INTEGER NOT NULL,
    result      TEXT NOT NULL
);
