-- An attempt whose request body was its message's payload, character for character (the json
-- format without an envelope, which most endpoints use), keeps no copy of it: the copy was the
-- largest part of every attempt row (about 1 KiB of the 2.2 KB of log PostgreSQL wrote per
-- attempt in the closed-loop benchmark). Readers take the body from the message; expunging or
-- purging the payload clears this flag with the copies.
ALTER TABLE attempt ADD COLUMN request_body_is_payload BOOLEAN NOT NULL DEFAULT FALSE;
