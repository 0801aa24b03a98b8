-- The columns that hold an id (an application's, a message's, …) or an eventId take the "C"
-- collation, as the ids themselves have since V3, V6_1 and V16_1. Two reasons:
--  * a join of an id (C) to a column in the database's default collation compares in "C" (the
--    non-default collation wins), and an index is used only for comparisons in its own collation:
--    message_app_event_id could not find a publish's eventId by application (it read the whole
--    index), and a join from messages to delivery.message_id could not use delivery_message;
--  * every index entry of these columns is placed by comparisons: bytewise in "C", through the
--    locale (strcoll or ICU) otherwise, and these indexes take most of the entries a message writes.
-- Equality is byte equality in every deterministic collation, so no lookup finds another row; only
-- the order of these columns changes, to the byte order that ids are made for. The tables keep
-- their rows (no rewrite); each index on these columns is rebuilt, holding its table's lock meanwhile
-- (docs/operations.md, "Upgrades").

-- endpoint_changed names app_id among the columns it watches, which ALTER TYPE refuses: the trigger
-- is dropped for the change and made again as V19_1 made it.
DROP TRIGGER endpoint_changed ON endpoint;
ALTER TABLE endpoint ALTER COLUMN app_id TYPE TEXT COLLATE "C";
CREATE TRIGGER endpoint_changed
AFTER UPDATE OF id, app_id, uid, url, description, version, rate_limit, filter_types, channels, disabled,
                headers, metadata, secret, old_secrets, created_at, updated_at, format, filter, signature,
                retry, timeout_ms, disabled_reason, circuit, ordering, max_in_flight
ON endpoint
    FOR EACH ROW EXECUTE FUNCTION herald_endpoint_moves_application();

ALTER TABLE message
    ALTER COLUMN app_id TYPE TEXT COLLATE "C",
    ALTER COLUMN event_id TYPE TEXT COLLATE "C";
ALTER TABLE delivery
    ALTER COLUMN app_id TYPE TEXT COLLATE "C",
    ALTER COLUMN message_id TYPE TEXT COLLATE "C",
    ALTER COLUMN endpoint_id TYPE TEXT COLLATE "C";
ALTER TABLE attempt
    ALTER COLUMN app_id TYPE TEXT COLLATE "C",
    ALTER COLUMN message_id TYPE TEXT COLLATE "C",
    ALTER COLUMN endpoint_id TYPE TEXT COLLATE "C",
    ALTER COLUMN delivery_id TYPE TEXT COLLATE "C";
ALTER TABLE flight ALTER COLUMN endpoint_id TYPE TEXT COLLATE "C";
ALTER TABLE api_token ALTER COLUMN app_id TYPE TEXT COLLATE "C";
ALTER TABLE web_session
    ALTER COLUMN app_id TYPE TEXT COLLATE "C",
    ALTER COLUMN token_id TYPE TEXT COLLATE "C";
ALTER TABLE audit_log
    ALTER COLUMN app_id TYPE TEXT COLLATE "C",
    ALTER COLUMN token_id TYPE TEXT COLLATE "C",
    ALTER COLUMN token_app_id TYPE TEXT COLLATE "C",
    ALTER COLUMN resource_id TYPE TEXT COLLATE "C";
ALTER TABLE background_task
    ALTER COLUMN app_id TYPE TEXT COLLATE "C",
    ALTER COLUMN endpoint_id TYPE TEXT COLLATE "C",
    ALTER COLUMN after_id TYPE TEXT COLLATE "C";
ALTER TABLE idempotency_key ALTER COLUMN resource_id TYPE TEXT COLLATE "C";
