-- Rate limits across nodes (Pacer, PaceSlots): one row per limited key (an endpoint's or an
-- application's id), shared by every node. next_at (epoch ms) is the key's next free slot: a node
-- reserves a block of consecutive slots by moving it on in one statement and spaces its attempts
-- within the block. paused_until is the end of the latest pause a receiver asked for (429 or 503
-- with Retry-After); nodes poll the pauses not yet over. A missing row is a key free now.
CREATE TABLE pace (
    pace_key      TEXT PRIMARY KEY,
    next_at       BIGINT NOT NULL,
    paused_until  BIGINT NOT NULL
);
CREATE INDEX pace_paused ON pace (paused_until);


-- An endpoint's own cap on its attempts in flight at once on each node (maxInFlight, 1 to 64);
-- NULL is the server's (HERALD_MAX_IN_FLIGHT_PER_ENDPOINT).
ALTER TABLE endpoint ADD COLUMN max_in_flight INTEGER;
