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
-- (docs/operations.md, "Upgrades"). Also in "C": pace.pace_key (an endpoint's or application's id),
-- flight.holder (a delivery's id and version) and endpoint.fifo_active (a delivery's id).

-- Every table this changes is locked first, all at once: taken one ALTER at a time, the locks could
-- deadlock with nodes still running (a publish holds message and then reads endpoint; a record holds
-- attempt and delivery, then endpoint). A LOCK that the server aborts for a deadlock lets go of what
-- it took and waits again: the migration does not fail for it (the other transaction may, as in any
-- deadlock).
DO $$
BEGIN
    LOOP
        BEGIN
            LOCK TABLE message, attempt, delivery, flight, pace, endpoint, api_token, web_session, audit_log,
                       background_task, idempotency_key IN ACCESS EXCLUSIVE MODE;
            EXIT;
        EXCEPTION WHEN deadlock_detected OR lock_not_available THEN
            PERFORM pg_sleep(0.1);
        END;
    END LOOP;
END $$;

-- endpoint_changed names app_id among the columns it watches, which ALTER TYPE refuses: the trigger
-- is dropped for the change and made again from its own definition, as the database kept it.
DO $$
DECLARE
    definition TEXT;
BEGIN
    SELECT pg_get_triggerdef(oid) INTO STRICT definition FROM pg_trigger
    WHERE tgrelid = 'endpoint'::regclass AND tgname = 'endpoint_changed';
    DROP TRIGGER endpoint_changed ON endpoint;
    ALTER TABLE endpoint
        ALTER COLUMN app_id TYPE TEXT COLLATE "C",
        ALTER COLUMN fifo_active TYPE TEXT COLLATE "C";
    EXECUTE definition;
END $$;

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
ALTER TABLE flight
    ALTER COLUMN endpoint_id TYPE TEXT COLLATE "C",
    ALTER COLUMN holder TYPE TEXT COLLATE "C";
ALTER TABLE pace ALTER COLUMN pace_key TYPE TEXT COLLATE "C";
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

-- Changing a column's type drops its statistics: gathered again here, not hours later by autovacuum,
-- so that the planner does not guess on the busiest columns meanwhile.
ANALYZE message, attempt, delivery, flight, pace, endpoint, api_token, web_session, audit_log, background_task,
        idempotency_key;
