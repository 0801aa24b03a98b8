-- Ids sort by creation time only in byte order: as V3 (which see), for the ids of V16.
ALTER TABLE api_token ALTER COLUMN id TYPE TEXT COLLATE "C";
ALTER TABLE audit_log ALTER COLUMN id TYPE TEXT COLLATE "C";
