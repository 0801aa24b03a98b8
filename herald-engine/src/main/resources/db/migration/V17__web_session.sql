-- Sessions of the web console and portal (see auth/WebSessions). The cookie holds 32 random bytes;
-- only their SHA-256 is stored. A session speaks for the API token it was opened with (token_id):
-- revoking or expiring that token ends the session with no cascade. kind: 'console' or 'portal'.
-- app_id: the application of a portal session (a redundant check), null for the console.
CREATE TABLE web_session (
    id_hash     TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    token_id    TEXT NOT NULL,
    app_id      TEXT,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX web_session_token ON web_session (token_id);
CREATE INDEX web_session_expires ON web_session (expires_at);
