-- Where a token came from: 'env' (HERALD_ADMIN_TOKEN, replaced when the variable changes),
-- 'generated' (made on first start and printed once), or 'api'.
ALTER TABLE api_token ADD COLUMN origin TEXT NOT NULL DEFAULT 'api';
