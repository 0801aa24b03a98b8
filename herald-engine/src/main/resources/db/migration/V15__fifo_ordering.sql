-- Per-endpoint FIFO (Herald's "ordering": "fifo"): its deliveries are written held (status 'held')
-- and made pending one at a time, in the order they were written; fifo_active is the one let out
-- last, which must end (succeed, fail for good) before the next is let out. See delivery/Fifo.
ALTER TABLE endpoint ADD COLUMN ordering TEXT;
ALTER TABLE endpoint ADD COLUMN fifo_active TEXT;
CREATE INDEX endpoint_fifo ON endpoint (id) WHERE ordering = 'fifo';
