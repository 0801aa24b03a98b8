-- What an attempt sent and what came back beyond the body (see attempt/Attempt); null in rows
-- written before this version, which read as "not recorded":
-- request_headers:        JSON object, Herald's own headers in clear, custom ones masked
-- request_body:           the first 64 KiB of the body as sent (UTF-8, invalid bytes as U+FFFD)
-- request_body_truncated: more was sent than request_body holds
-- response_headers:       JSON object, at most 50 fields and 8 KiB
ALTER TABLE attempt ADD COLUMN request_headers TEXT;
ALTER TABLE attempt ADD COLUMN request_body TEXT;
ALTER TABLE attempt ADD COLUMN request_body_truncated BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE attempt ADD COLUMN response_headers TEXT;
-- An application's attempts across its endpoints, newest first (Attempts.byApplication).
CREATE INDEX attempt_app ON attempt (app_id, id);
-- When a message's payload is deleted by the retention purge (Svix's payloadRetentionPeriod or
-- payloadRetentionHours); null: kept as long as the message. Cleared when the payload is.
ALTER TABLE message ADD COLUMN payload_expires_at BIGINT;
CREATE INDEX message_payload_expiry ON message (payload_expires_at, id) WHERE payload_expires_at IS NOT NULL;
