-- One schema for SQLite and PostgreSQL: times are epoch milliseconds (BIGINT), JSON is TEXT.
-- No foreign keys: deletes that cascade are done explicitly, in one transaction, by the engine.

CREATE TABLE application (
    id          TEXT PRIMARY KEY,
    uid         TEXT UNIQUE,
    name        TEXT NOT NULL,
    rate_limit  INTEGER,
    metadata    TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE event_type (
    name          TEXT PRIMARY KEY,
    description   TEXT NOT NULL,
    schemas       TEXT,
    feature_flag  TEXT,
    archived      BOOLEAN NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE endpoint (
    id            TEXT PRIMARY KEY,
    app_id        TEXT NOT NULL,
    uid           TEXT,
    url           TEXT NOT NULL,
    description   TEXT NOT NULL,
    version       INTEGER NOT NULL,
    rate_limit    INTEGER,
    filter_types  TEXT,
    channels      TEXT,
    disabled      BOOLEAN NOT NULL,
    headers       TEXT NOT NULL,
    metadata      TEXT NOT NULL,
    -- the current signing secret, and a JSON list of {key, expiresAt} still valid after rotation
    secret        TEXT NOT NULL,
    old_secrets   TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX endpoint_app_uid ON endpoint (app_id, uid);
CREATE INDEX endpoint_app ON endpoint (app_id, id);

CREATE TABLE message (
    id          TEXT PRIMARY KEY,
    app_id      TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    event_id    TEXT,
    payload     TEXT NOT NULL,
    channels    TEXT,
    tags        TEXT,
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX message_app_event_id ON message (app_id, event_id);
CREATE INDEX message_app ON message (app_id, id);

-- The queue: one row per (message, endpoint) delivery. status is pending until it succeeds or
-- gives up; a pending row is due when next_attempt_at <= now and no live lease holds it.
CREATE TABLE delivery (
    id               TEXT PRIMARY KEY,
    app_id           TEXT NOT NULL,
    message_id       TEXT NOT NULL,
    endpoint_id      TEXT NOT NULL,
    status           TEXT NOT NULL,
    trigger_type     INTEGER NOT NULL,
    attempts         INTEGER NOT NULL,
    next_attempt_at  BIGINT,
    locked_by        TEXT,
    locked_until     BIGINT,
    version          INTEGER NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX delivery_due ON delivery (next_attempt_at) WHERE status = 'pending';
CREATE INDEX delivery_message ON delivery (message_id);
CREATE INDEX delivery_endpoint ON delivery (endpoint_id, id);

CREATE TABLE attempt (
    id                    TEXT PRIMARY KEY,
    app_id                TEXT NOT NULL,
    message_id            TEXT NOT NULL,
    endpoint_id           TEXT NOT NULL,
    delivery_id           TEXT NOT NULL,
    attempt_number        INTEGER NOT NULL,
    status                INTEGER NOT NULL,
    trigger_type          INTEGER NOT NULL,
    url                   TEXT NOT NULL,
    response_status_code  INTEGER NOT NULL,
    response              TEXT NOT NULL,
    response_duration_ms  BIGINT NOT NULL,
    error                 TEXT,
    next_attempt_at       BIGINT,
    created_at            BIGINT NOT NULL
);
CREATE INDEX attempt_message ON attempt (message_id, id);
CREATE INDEX attempt_endpoint ON attempt (endpoint_id, id);

CREATE TABLE api_token (
    token_hash  TEXT PRIMARY KEY,
    role        TEXT NOT NULL,
    app_id      TEXT,
    created_at  BIGINT NOT NULL
);
