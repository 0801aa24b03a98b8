-- The order in which deliveries were written, for FIFO endpoints: a sequence value taken at insert
-- (ids order only to the millisecond, and only on one node's clock). SQLite uses rowid instead.
CREATE SEQUENCE delivery_seq;
ALTER TABLE delivery ADD COLUMN seq BIGINT NOT NULL DEFAULT nextval('delivery_seq');
CREATE INDEX delivery_fifo ON delivery (endpoint_id, seq) WHERE status = 'held';
