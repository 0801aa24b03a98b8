-- Move the versions of V19. An endpoint's configuration columns are listed in endpoint_changed;
-- the rest of its columns are its health and FIFO turn, written with every attempt's record, of
-- which only the circuit opening or closing counts (endpoint_circuit). A test holds every endpoint
-- column to one of the two lists (StoreContractTest.endpointColumns_…).
CREATE TRIGGER endpoint_added AFTER INSERT ON endpoint
BEGIN
    UPDATE application SET config_version = config_version + 1 WHERE id = NEW.app_id;
END;

CREATE TRIGGER endpoint_removed AFTER DELETE ON endpoint
BEGIN
    UPDATE application SET config_version = config_version + 1 WHERE id = OLD.app_id;
END;

CREATE TRIGGER endpoint_changed
AFTER UPDATE OF id, app_id, uid, url, description, version, rate_limit, filter_types, channels, disabled,
                headers, metadata, secret, old_secrets, created_at, updated_at, format, filter, signature,
                retry, timeout_ms, disabled_reason, circuit, ordering, max_in_flight
ON endpoint
BEGIN
    UPDATE application SET config_version = config_version + 1 WHERE id IN (OLD.app_id, NEW.app_id);
END;

CREATE TRIGGER endpoint_circuit AFTER UPDATE OF circuit_until ON endpoint
WHEN (OLD.circuit_until IS NULL) <> (NEW.circuit_until IS NULL)
BEGIN
    UPDATE application SET config_version = config_version + 1 WHERE id = NEW.app_id;
END;

CREATE TRIGGER application_changed AFTER UPDATE OF id, uid, name, rate_limit, metadata, created_at, updated_at ON application
BEGIN
    UPDATE application SET config_version = config_version + 1 WHERE id = NEW.id;
END;

CREATE TRIGGER event_type_added AFTER INSERT ON event_type
BEGIN
    UPDATE catalog_version SET version = version + 1;
END;

CREATE TRIGGER event_type_changed AFTER UPDATE ON event_type
BEGIN
    UPDATE catalog_version SET version = version + 1;
END;

CREATE TRIGGER event_type_removed AFTER DELETE ON event_type
BEGIN
    UPDATE catalog_version SET version = version + 1;
END;
