-- The order in which deliveries were written, for FIFO endpoints, is SQLite's rowid (one writer:
-- rowids grow in commit order). This index is ordered by (endpoint_id, rowid).
CREATE INDEX delivery_fifo ON delivery (endpoint_id) WHERE status = 'held';
