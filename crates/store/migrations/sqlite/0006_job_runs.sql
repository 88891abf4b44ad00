-- Scheduled jobs: one row per job and scheduled time. Inserting the row is how an instance
-- claims the run (the primary key lets exactly one of several instances sharing the database
-- win), so a job runs once per slot however many instances serve, even with clock skew
-- between them.
CREATE TABLE job_runs (
    job           TEXT NOT NULL,
    scheduled_for TEXT NOT NULL,
    instance      TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    outcome       TEXT,
    error         TEXT,
    PRIMARY KEY (job, scheduled_for)
);
