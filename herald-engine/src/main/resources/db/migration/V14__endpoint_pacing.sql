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

-- An endpoint's own cap on its attempts in flight at once, across all nodes (maxInFlight, 1 to 64);
-- NULL is the server's, per node (HERALD_MAX_IN_FLIGHT_PER_ENDPOINT).
ALTER TABLE endpoint ADD COLUMN max_in_flight INTEGER;

-- The attempts in flight to endpoints that set maxInFlight, across all nodes (Flight): one row per
-- attempt from just before its request until its answer; held_until (epoch ms) ends the row of an
-- attempt whose node died (the attempt's timeout plus a margin after it started).
CREATE TABLE flight (
    endpoint_id  TEXT NOT NULL,
    holder       TEXT NOT NULL,
    held_until   BIGINT NOT NULL,
    PRIMARY KEY (endpoint_id, holder)
);
