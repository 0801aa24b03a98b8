-- An endpoint's health, written with the records of its attempts (see delivery/Breaker):
-- failures:        consecutive failed attempts; a success sets it back to 0
-- failing_since:   when the first of those failures happened (null while healthy)
-- last_success_at, last_failure_at, last_error: the latest of each
-- circuit_until:   null while the circuit is closed; when open, when the next probe may go out
-- probes:          failed probes since the circuit opened (the interval grows with it)
-- holding:         some of its deliveries are held (status 'held') while the circuit is open, or
--                  still to be released after it closed
-- disabled_reason: why Herald disabled it (410 Gone, failing too long); null when an operator did
-- circuit:         the endpoint's own breaker settings, JSON; null means the server's
ALTER TABLE endpoint ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoint ADD COLUMN failing_since BIGINT;
ALTER TABLE endpoint ADD COLUMN last_success_at BIGINT;
ALTER TABLE endpoint ADD COLUMN last_failure_at BIGINT;
ALTER TABLE endpoint ADD COLUMN last_error TEXT;
ALTER TABLE endpoint ADD COLUMN circuit_until BIGINT;
ALTER TABLE endpoint ADD COLUMN probes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE endpoint ADD COLUMN holding BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE endpoint ADD COLUMN disabled_reason TEXT;
ALTER TABLE endpoint ADD COLUMN circuit TEXT;

CREATE INDEX endpoint_probe_due ON endpoint (circuit_until) WHERE circuit_until IS NOT NULL;
CREATE INDEX endpoint_holding ON endpoint (id) WHERE holding = TRUE;

-- Deliveries held while their endpoint's circuit is open: out of the due index, so a failing
-- endpoint's backlog costs the claim nothing. A probe takes the one due first; a failed probe goes
-- to the back (due at its failure), so probes go round the backlog.
CREATE INDEX delivery_held ON delivery (endpoint_id, next_attempt_at) WHERE status = 'held';
