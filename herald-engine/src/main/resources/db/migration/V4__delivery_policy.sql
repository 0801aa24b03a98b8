-- Per-endpoint delivery policy (Herald's additions to the Svix endpoint), and what a delivery
-- copies from it when queued. NULL everywhere means the server's default.

ALTER TABLE endpoint ADD COLUMN format TEXT;          -- normalized format spec, JSON
ALTER TABLE endpoint ADD COLUMN filter TEXT;          -- CEL expression over {type, channels, data}
ALTER TABLE endpoint ADD COLUMN signature TEXT;       -- signature profile, JSON
ALTER TABLE endpoint ADD COLUMN retry TEXT;           -- {"retryCount": n} or {"schedule": [seconds]}
ALTER TABLE endpoint ADD COLUMN timeout_ms INTEGER;

-- The delays (ms, JSON array) and timeout in force when the delivery was queued.
ALTER TABLE delivery ADD COLUMN retry_delays TEXT;
ALTER TABLE delivery ADD COLUMN timeout_ms INTEGER;

ALTER TABLE event_type ADD COLUMN example TEXT;
ALTER TABLE event_type ADD COLUMN enforce_schema BOOLEAN NOT NULL DEFAULT FALSE;

-- Messages made by send-example.
ALTER TABLE message ADD COLUMN test BOOLEAN NOT NULL DEFAULT FALSE;
