-- An application whose row is deleted while its endpoints, messages, deliveries, attempts, tokens
-- and tasks may still be there (see app/Applications.delete). The delete writes this row with the
-- application's delete and removes it in the transaction that removes the rest; one left by a
-- crash in between, or by a removal that failed, is finished by the sweep of every node.
CREATE TABLE application_deletion (
    app_id      TEXT PRIMARY KEY,
    deleted_at  BIGINT NOT NULL
);
