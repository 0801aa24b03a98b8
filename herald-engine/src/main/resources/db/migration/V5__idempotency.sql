-- Idempotency keys: the first response to a POST that carried an idempotency-key header, kept
-- per key and per credential for 12 hours and replayed to later requests with that key.
-- A row whose status is NULL is a request still running (or one whose node died: after
-- locked_until another request may take the key over). See io.herald.idempotency.
CREATE TABLE idempotency_key (
    credential_hash TEXT    NOT NULL,  -- SHA-256 of the bearer token, as api_token.token_hash
    idem_key        TEXT    NOT NULL,  -- the header's value
    route           TEXT    NOT NULL,  -- method, path and query of the first request
    body_hash       TEXT    NOT NULL,  -- SHA-256 of its body
    claim           TEXT    NOT NULL,  -- random per run, so a run that lost the key cannot store over its taker
    locked_until    BIGINT  NOT NULL,  -- while running: after this, another request may take the key over
    status          INTEGER,           -- the kept response, once there is one
    content_type    TEXT,
    body            TEXT,              -- the API answers JSON, which is text
    resource_id     TEXT,              -- the id of what the response shows (msg_…), so deleting its content reaches this copy
    expires_at      BIGINT  NOT NULL,
    PRIMARY KEY (credential_hash, idem_key)
);

CREATE INDEX idempotency_key_expires ON idempotency_key (expires_at);
CREATE INDEX idempotency_key_resource ON idempotency_key (resource_id);
