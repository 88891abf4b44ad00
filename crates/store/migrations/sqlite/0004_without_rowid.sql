-- The index tables hold nothing but their key: as WITHOUT ROWID tables the primary key is the
-- table itself, one B-tree fewer to write on every import (vulnerability_ids is derived data
-- and is rebuilt the same way). 16 KiB pages are set on new databases by the connection.
--
-- The package and alias rows are derived from their advisory's record and written (and
-- deleted) only by the advisory import, in the same transaction as the advisory itself. The
-- foreign key check on each of them (a primary key lookup per row) cost a tenth of the import
-- time and guarded nothing that code does not already guarantee, so the rebuilt tables do not
-- declare it. PostgreSQL keeps its constraint (see its 0004).
CREATE TABLE advisory_packages_new (
    ecosystem   TEXT NOT NULL,
    name        TEXT NOT NULL,
    advisory_id TEXT NOT NULL,
    PRIMARY KEY (ecosystem, name, advisory_id)
) WITHOUT ROWID;
INSERT INTO advisory_packages_new (ecosystem, name, advisory_id)
    SELECT ecosystem, name, advisory_id FROM advisory_packages;
DROP TABLE advisory_packages;
ALTER TABLE advisory_packages_new RENAME TO advisory_packages;
CREATE INDEX advisory_packages_by_advisory ON advisory_packages (advisory_id);

CREATE TABLE advisory_aliases_new (
    advisory_id TEXT NOT NULL,
    alias       TEXT NOT NULL,
    PRIMARY KEY (advisory_id, alias)
) WITHOUT ROWID;
INSERT INTO advisory_aliases_new (advisory_id, alias)
    SELECT advisory_id, alias FROM advisory_aliases;
DROP TABLE advisory_aliases;
ALTER TABLE advisory_aliases_new RENAME TO advisory_aliases;
CREATE INDEX advisory_aliases_by_alias ON advisory_aliases (alias);

CREATE TABLE vulnerability_ids_new (
    id               TEXT PRIMARY KEY,
    vulnerability_id TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO vulnerability_ids_new (id, vulnerability_id)
    SELECT id, vulnerability_id FROM vulnerability_ids;
DROP TABLE vulnerability_ids;
ALTER TABLE vulnerability_ids_new RENAME TO vulnerability_ids;
CREATE INDEX vulnerability_ids_by_vulnerability ON vulnerability_ids (vulnerability_id);
