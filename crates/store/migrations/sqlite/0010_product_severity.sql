-- One product's findings most severe first (the dashboard's and the API's product view)
-- walk this index instead of sorting the product's active findings.
CREATE INDEX findings_by_product_severity ON findings (
    product_id,
    (CASE severity WHEN 'Critical' THEN 5 WHEN 'High' THEN 4 WHEN 'Medium' THEN 3
     WHEN 'Low' THEN 2 WHEN 'None' THEN 1 ELSE 0 END),
    id);
-- Statistics for the planner: without them for this index it takes the index for every
-- query that joins products, and sorts.
ANALYZE;
