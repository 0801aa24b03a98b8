-- Task ids sort by creation time only in byte order, as the ids of V3 (which see).
ALTER TABLE background_task ALTER COLUMN id TYPE TEXT COLLATE "C";
