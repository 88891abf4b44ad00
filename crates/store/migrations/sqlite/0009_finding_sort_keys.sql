-- Indexes for the finding pages sorted by severity, EPSS or CVSS: each on the exact
-- expression `findings_page` orders by (the planner uses an expression index only for the
-- same expression), then the row id. Without them every such page sorted every matching row.
CREATE INDEX findings_by_severity_rank ON findings (
    (CASE severity WHEN 'Critical' THEN 5 WHEN 'High' THEN 4 WHEN 'Medium' THEN 3
     WHEN 'Low' THEN 2 WHEN 'None' THEN 1 ELSE 0 END), id);
CREATE INDEX findings_by_epss ON findings ((COALESCE(epss, -1)), id);
CREATE INDEX findings_by_cvss ON findings ((COALESCE(cvss_score, -1)), id);
-- Statistics for the query planner on databases that already hold findings: without them it
-- takes `findings_by_status` for `status IN (...)` and sorts every active finding instead of
-- walking the index of the sort key (bench/server.sh, BENCHMARKS.md).
ANALYZE;
