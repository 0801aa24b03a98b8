-- Long operations on many messages (endpoint recover, replay-missing) as durable tasks. A node
-- leases a running task (locked_by, locked_until, version, as deliveries are leased) and advances
-- it in short batches along a keyset cursor over message ids (after_id), each batch committing its
-- deliveries together with the new cursor; a task whose node died is resumed where that batch
-- left it once the lease has expired.
CREATE TABLE background_task (
    id               TEXT PRIMARY KEY,
    task             TEXT NOT NULL,      -- endpoint.recover, endpoint.replay
    status           TEXT NOT NULL,      -- running, finished, failed
    app_id           TEXT NOT NULL,
    endpoint_id      TEXT NOT NULL,
    since_at         BIGINT NOT NULL,    -- the window of message creation times: [since_at, until_at)
    until_at         BIGINT NOT NULL,
    after_id         TEXT NOT NULL,      -- the last message id looked at
    messages_queued  BIGINT NOT NULL,
    error            TEXT,               -- why a failed task stopped
    locked_by        TEXT,
    locked_until     BIGINT,
    version          INTEGER NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX background_task_due ON background_task (status, locked_until);
