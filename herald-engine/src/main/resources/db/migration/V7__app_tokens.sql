-- Application-scoped tokens (app-portal-access): role 'app' with app_id set, an expiry (epoch ms;
-- NULL for admin tokens, which do not expire) and a read-only flag. A revoked token is deleted.
ALTER TABLE api_token ADD COLUMN expires_at BIGINT;
ALTER TABLE api_token ADD COLUMN read_only BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX api_token_app ON api_token (app_id);
