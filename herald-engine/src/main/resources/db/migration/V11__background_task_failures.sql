-- Consecutive failed batches of a running task: a success sets it back to 0, the fifth failure in
-- a row ends the task as failed with the last error (TaskRunner), so a batch that keeps failing is
-- not tried again forever.
ALTER TABLE background_task ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
