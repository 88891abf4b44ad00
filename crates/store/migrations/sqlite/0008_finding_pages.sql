-- Indexes for the API's finding pages: keyset pagination orders by a key then the row id,
-- over every product or within one.
CREATE INDEX findings_by_due ON findings (due, id);
CREATE INDEX findings_by_product_due ON findings (product_id, due, id);
CREATE INDEX findings_by_first_seen ON findings (first_seen, id);
CREATE INDEX findings_by_updated ON findings (updated_at, id);
