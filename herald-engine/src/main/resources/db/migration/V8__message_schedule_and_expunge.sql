-- deliver_at: when a message published with Svix's deliverAt is first delivered (null: at once).
-- expunged_at: when its payload was deleted (DELETE …/msg/{id}/content); the payload is then '{}'.
ALTER TABLE message ADD COLUMN deliver_at BIGINT;
ALTER TABLE message ADD COLUMN expunged_at BIGINT;
