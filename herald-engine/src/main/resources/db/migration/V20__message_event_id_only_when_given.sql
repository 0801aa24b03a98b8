-- Messages published without an eventId (null) no longer have an entry in the eventId index: it
-- only ever answered "is this eventId taken", and each such entry cost every publish a write in a
-- page chosen by its application (one of the pages its commit writes out again). Lookups by eventId
-- (= ?) imply it is not null, so both databases still use the index for them.
DROP INDEX message_app_event_id;
CREATE UNIQUE INDEX message_app_event_id ON message (app_id, event_id) WHERE event_id IS NOT NULL;
