-- API tokens get an id that may be shown and named (the hash is never shown), the first characters
-- of the token (prefix) so that a person can tell tokens apart, an optional description, and when
-- the token was last used (written at most once a minute per token and node; see auth/Tokens).
-- Role 'viewer' joins 'admin' and 'app'. Tokens stored before this version get an id made from
-- their hash (a part of a SHA-256 of 32 random bytes tells nothing of the token) and no prefix.
ALTER TABLE api_token ADD COLUMN id TEXT;
ALTER TABLE api_token ADD COLUMN prefix TEXT;
ALTER TABLE api_token ADD COLUMN description TEXT;
ALTER TABLE api_token ADD COLUMN last_used_at BIGINT;
UPDATE api_token SET id = 'tok_' || substr(token_hash, 1, 22) WHERE id IS NULL;
CREATE UNIQUE INDEX api_token_id ON api_token (id);

-- The audit log: one row per state change made through the management API (see audit/AuditLog and
-- api/AuditTrail). Values of the fields changed are never stored, only their names.
-- token_id, token_role, token_app_id: who (token_app_id is the scope of an application token)
-- method, route, status:             what (route is the pattern, e.g. /api/v1/app/{app_id})
-- app_id:                            the application the change was about (its id), if any
-- resource_ids:                      JSON object of the path parameters, ids as given
-- resource_id:                       the id of what the change created or showed (an endpoint's ep_…)
-- fields:                            JSON list of the top-level member names of the request body
-- remote_addr:                       the caller's address (see HERALD_TRUSTED_PROXIES)
CREATE TABLE audit_log (
    id            TEXT PRIMARY KEY,
    created_at    BIGINT NOT NULL,
    token_id      TEXT NOT NULL,
    token_role    TEXT NOT NULL,
    token_app_id  TEXT,
    method        TEXT NOT NULL,
    route         TEXT NOT NULL,
    status        INTEGER NOT NULL,
    app_id        TEXT,
    resource_ids  TEXT NOT NULL,
    resource_id   TEXT,
    fields        TEXT NOT NULL,
    remote_addr   TEXT
);
CREATE INDEX audit_log_created ON audit_log (created_at);
CREATE INDEX audit_log_token ON audit_log (token_id, id);
CREATE INDEX audit_log_app ON audit_log (app_id, id);
