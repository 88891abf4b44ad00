-- Every alias of every advisory, searchable; and each id's vulnerability identity (alias
-- clusters, recomputed after each import that changes advisories).
CREATE TABLE advisory_aliases (
    advisory_id TEXT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    alias       TEXT NOT NULL,
    PRIMARY KEY (advisory_id, alias)
);
CREATE INDEX advisory_aliases_by_alias ON advisory_aliases (alias);

CREATE TABLE vulnerability_ids (
    id               TEXT PRIMARY KEY,
    vulnerability_id TEXT NOT NULL
);
CREATE INDEX vulnerability_ids_by_vulnerability ON vulnerability_ids (vulnerability_id);

-- One row per feed: where it comes from, what the last import or update did.
CREATE TABLE sources (
    name          TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    location      TEXT NOT NULL,
    records       BIGINT NOT NULL DEFAULT 0,
    last_success  TEXT,
    last_attempt  TEXT,
    last_error    TEXT,
    etag          TEXT,
    last_modified TEXT,
    sha256        TEXT
);

-- CISA Known Exploited Vulnerabilities.
CREATE TABLE kev (
    cve_id             TEXT PRIMARY KEY,
    date_added         TEXT NOT NULL,
    due_date           TEXT NOT NULL,
    ransomware         BIGINT NOT NULL,
    vendor_project     TEXT NOT NULL,
    product            TEXT NOT NULL,
    vulnerability_name TEXT NOT NULL,
    required_action    TEXT NOT NULL,
    notes              TEXT NOT NULL
);

-- FIRST EPSS scores.
CREATE TABLE epss (
    cve        TEXT PRIMARY KEY,
    score      DOUBLE PRECISION NOT NULL,
    percentile DOUBLE PRECISION NOT NULL,
    score_date TEXT
);

-- NVD enrichment for CVE ids: CVSS vectors, CWEs, dates, references (JSON arrays).
CREATE TABLE nvd_cves (
    id            TEXT PRIMARY KEY,
    published     TEXT,
    last_modified TEXT,
    description   TEXT,
    cvss          TEXT NOT NULL,
    cwes          TEXT NOT NULL,
    refs          TEXT NOT NULL
);
