-- Small facts about the database itself, e.g. that vulnerability identities need recomputing
-- because an import changed advisories (set inside the import's transaction, cleared by the
-- recomputation, checked when the database opens).
CREATE TABLE store_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- A source's own advisories with their modified stamps, answered from the index alone: an
-- import reads this to skip unchanged records without touching the stored JSON.
CREATE INDEX advisories_by_source ON advisories (source, id, modified);
