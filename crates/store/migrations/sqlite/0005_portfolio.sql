-- The portfolio: products › projects › artifacts (one per recorded scan) with their
-- components; environments and deployments; findings with their lifecycle; exceptions per
-- product or project; patch records; and the append-only audit log.
CREATE TABLE products (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    -- The product's policy (TOML); none: the scanned repository's file or the defaults.
    policy      TEXT,
    created_at  TEXT NOT NULL
);

CREATE TABLE projects (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id  INTEGER NOT NULL REFERENCES products (id),
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (product_id, name)
);

-- One row per recorded scan. `ref` is the commit, the image digest or the id given;
-- `built_at` the image's creation time (stale-image check); `policy` the policy (TOML) the
-- artifact was judged by, kept so that a re-evaluation judges it the same way.
CREATE TABLE artifacts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    project_id  INTEGER NOT NULL REFERENCES projects (id),
    ref         TEXT NOT NULL,
    kind        TEXT NOT NULL,
    target      TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    built_at    TEXT,
    image_name  TEXT,
    components  INTEGER NOT NULL,
    policy      TEXT NOT NULL,
    scan_id     INTEGER REFERENCES scans (id)
);
CREATE INDEX artifacts_by_project ON artifacts (project_id, id);

-- Package versions, each stored once; artifacts point at them.
CREATE TABLE components (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    ecosystem      TEXT NOT NULL,
    name           TEXT NOT NULL,
    version        TEXT NOT NULL,
    source_name    TEXT NOT NULL DEFAULT '',
    source_version TEXT NOT NULL DEFAULT '',
    UNIQUE (ecosystem, name, version, source_name, source_version)
);

CREATE TABLE artifact_components (
    artifact_id  INTEGER NOT NULL REFERENCES artifacts (id),
    component_id INTEGER NOT NULL REFERENCES components (id),
    path         TEXT NOT NULL,
    line         INTEGER,
    layer        TEXT,
    direct       INTEGER,
    scope        TEXT NOT NULL,
    PRIMARY KEY (artifact_id, component_id, path)
) WITHOUT ROWID;
CREATE INDEX artifact_components_by_component ON artifact_components (component_id);

-- One vulnerability on one package of one project, from first seen to verified fix.
-- `ids` holds every id of the vulnerability (JSON array), `versions` the installed
-- versions that have it; dates are RFC 3339 (`due` a date).
CREATE TABLE findings (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id        INTEGER NOT NULL REFERENCES products (id),
    project_id        INTEGER NOT NULL REFERENCES projects (id),
    ecosystem         TEXT NOT NULL,
    package           TEXT NOT NULL,
    vulnerability_id  TEXT NOT NULL,
    ids               TEXT NOT NULL,
    versions          TEXT NOT NULL,
    purl              TEXT,
    path              TEXT,
    summary           TEXT,
    severity          TEXT NOT NULL,
    cvss_vector       TEXT,
    cvss_score        REAL,
    fixed_versions    TEXT NOT NULL,
    kev               INTEGER NOT NULL,
    epss              REAL,
    published         TEXT,
    first_seen        TEXT NOT NULL,
    last_seen         TEXT NOT NULL,
    first_artifact_id INTEGER,
    last_artifact_id  INTEGER,
    due               TEXT NOT NULL,
    sla_days          INTEGER NOT NULL,
    status            TEXT NOT NULL,
    status_reason     TEXT,
    closed_by_system  INTEGER NOT NULL DEFAULT 0,
    accepted_by       TEXT,
    accepted_until    TEXT,
    fixed_at          TEXT,
    fixed_artifact_id INTEGER,
    verified_at       TEXT,
    verified_deployment_id INTEGER,
    updated_at        TEXT NOT NULL,
    UNIQUE (project_id, ecosystem, package, vulnerability_id)
);
CREATE INDEX findings_by_product ON findings (product_id, ecosystem, package, vulnerability_id);
CREATE INDEX findings_by_status ON findings (status, due);

-- Which findings each artifact had when it was recorded (or last re-evaluated).
CREATE TABLE artifact_findings (
    artifact_id INTEGER NOT NULL REFERENCES artifacts (id),
    finding_id  INTEGER NOT NULL REFERENCES findings (id),
    PRIMARY KEY (artifact_id, finding_id)
) WITHOUT ROWID;
CREATE INDEX artifact_findings_by_finding ON artifact_findings (finding_id);

CREATE TABLE environments (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE deployments (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    artifact_id        INTEGER NOT NULL REFERENCES artifacts (id),
    environment_id     INTEGER NOT NULL REFERENCES environments (id),
    deployed_at        TEXT NOT NULL,
    backup_confirmed   INTEGER NOT NULL,
    maintenance_window TEXT,
    actor              TEXT NOT NULL
);
CREATE INDEX deployments_by_artifact ON deployments (artifact_id);

-- Exceptions kept in the database, for a whole product or one of its projects.
CREATE TABLE exceptions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id    INTEGER NOT NULL REFERENCES products (id),
    project_id    INTEGER REFERENCES projects (id),
    vulnerability TEXT,
    ecosystem     TEXT,
    package       TEXT,
    purl          TEXT,
    reason        TEXT NOT NULL,
    approved_by   TEXT NOT NULL,
    expires       TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL
);
CREATE INDEX exceptions_by_product ON exceptions (product_id);

-- A finding's patch: the version planned, the pull request, how far it got.
CREATE TABLE patches (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    finding_id      INTEGER NOT NULL REFERENCES findings (id),
    planned_version TEXT,
    pull_request    TEXT,
    state           TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    actor           TEXT NOT NULL
);
CREATE INDEX patches_by_finding ON patches (finding_id);

-- Every change: who, when, what, and the values before and after (JSON). Rows are only
-- ever added: the triggers refuse updates and deletes.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  INTEGER NOT NULL,
    product_id INTEGER,
    before     TEXT,
    after      TEXT
);
CREATE INDEX audit_log_by_entity ON audit_log (entity, entity_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
