-- Versions of what publish reads before it writes, so that a node may keep it in memory (see
-- message/PublishSnapshots) and check it in the message's insert instead of reading it again:
-- application.config_version: moves whenever the application, one of its endpoints' configuration,
--                             or an endpoint's circuit (open or closed) changes; triggers move it
--                             (V19_1, per database), so no writer can forget to.
-- catalog_version.version:    moves whenever any event type is created, changed or deleted (the
--                             schemas a publish enforces).
ALTER TABLE application ADD COLUMN config_version BIGINT NOT NULL DEFAULT 0;
CREATE TABLE catalog_version (
    id       INTEGER PRIMARY KEY,
    version  BIGINT NOT NULL
);
INSERT INTO catalog_version (id, version) VALUES (1, 0);
