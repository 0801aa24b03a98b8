-- application_deletion.app_id holds an application's id: "C", as every id column (see V21_1).
-- The table is new and nearly always empty; its primary key is rebuilt with it.
ALTER TABLE application_deletion ALTER COLUMN app_id TYPE TEXT COLLATE "C";
