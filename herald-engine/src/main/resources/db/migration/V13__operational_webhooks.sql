-- The reserved application whose endpoints are the operational webhook endpoints (see
-- io.herald.operational.OperationalEvents). Its id is not one Herald's ids can be (a hyphen is outside
-- their alphabet), it has no uid, and the application routes neither list nor find it.
INSERT INTO application (id, uid, name, rate_limit, metadata, created_at, updated_at)
VALUES ('app_herald-operational', NULL, 'Herald operational webhooks', NULL, '{}', 0, 0);
