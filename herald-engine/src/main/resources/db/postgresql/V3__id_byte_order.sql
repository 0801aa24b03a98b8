-- Ids sort by creation time only in byte order (base62, alphabet in ASCII order). A database
-- created with a linguistic collation (en_US.UTF-8, ICU en-US) would sort "msg_…a" before
-- "msg_…Z" and break newest-first lists and keyset paging, so id columns use "C" whatever the
-- database default. PostgreSQL only: SQLite compares text bytewise (BINARY) already. Changing
-- the type rebuilds the indexes that contain these columns.
ALTER TABLE application ALTER COLUMN id TYPE TEXT COLLATE "C";
ALTER TABLE endpoint    ALTER COLUMN id TYPE TEXT COLLATE "C";
ALTER TABLE message     ALTER COLUMN id TYPE TEXT COLLATE "C";
ALTER TABLE delivery    ALTER COLUMN id TYPE TEXT COLLATE "C";
ALTER TABLE attempt     ALTER COLUMN id TYPE TEXT COLLATE "C";
