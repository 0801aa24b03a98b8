-- Where a token came from: 'env' (HERALD_ADMIN_TOKEN, replaced when the variable changes) or
-- 'generated' (made on first start and printed once). Rows from before origins were recorded are
-- 'unknown': they stay valid until removed by hand.
ALTER TABLE api_token ADD COLUMN origin TEXT NOT NULL DEFAULT 'unknown';
