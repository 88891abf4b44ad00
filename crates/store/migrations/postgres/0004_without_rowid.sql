-- SQLite rebuilds its key-only index tables as WITHOUT ROWID in this step. PostgreSQL tables
-- have no rowid B-tree to drop, so there is nothing to change here; the step exists so that
-- both backends share one migration history.
SELECT 1;
