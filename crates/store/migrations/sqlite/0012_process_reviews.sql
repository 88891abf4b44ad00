-- Reviews of the patching process (SAMM Patching and Updating, level 3: "review and update
-- the process based on feedback from the people who perform patching"): when the review
-- took place, who led it, what was found and what was changed. Recorded through an audited
-- write like every other change.
CREATE TABLE process_reviews (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    reviewed_on TEXT NOT NULL,
    reviewer    TEXT NOT NULL,
    summary     TEXT NOT NULL,
    changes     TEXT,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE INDEX process_reviews_by_day ON process_reviews (reviewed_on);
