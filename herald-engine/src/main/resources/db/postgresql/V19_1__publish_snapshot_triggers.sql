-- Move the versions of V19. An endpoint's configuration columns are listed in endpoint_changed;
-- the rest of its columns are its health and FIFO turn, written with every attempt's record, of
-- which only the circuit opening or closing counts (endpoint_circuit). A test holds every endpoint
-- column to one of the two lists (StoreContractTest.endpointColumns_…).
CREATE FUNCTION herald_endpoint_moves_application() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE application SET config_version = config_version + 1 WHERE id = OLD.app_id;
    ELSIF TG_OP = 'INSERT' THEN
        UPDATE application SET config_version = config_version + 1 WHERE id = NEW.app_id;
    ELSE
        UPDATE application SET config_version = config_version + 1 WHERE id IN (OLD.app_id, NEW.app_id);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION herald_application_moves() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE application SET config_version = config_version + 1 WHERE id = NEW.id;
    RETURN NULL;
END $$;

CREATE FUNCTION herald_catalog_moves() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_version SET version = version + 1;
    RETURN NULL;
END $$;

CREATE TRIGGER endpoint_added AFTER INSERT ON endpoint
    FOR EACH ROW EXECUTE FUNCTION herald_endpoint_moves_application();

CREATE TRIGGER endpoint_removed AFTER DELETE ON endpoint
    FOR EACH ROW EXECUTE FUNCTION herald_endpoint_moves_application();

CREATE TRIGGER endpoint_changed
AFTER UPDATE OF id, app_id, uid, url, description, version, rate_limit, filter_types, channels, disabled,
                headers, metadata, secret, old_secrets, created_at, updated_at, format, filter, signature,
                retry, timeout_ms, disabled_reason, circuit, ordering, max_in_flight
ON endpoint
    FOR EACH ROW EXECUTE FUNCTION herald_endpoint_moves_application();

CREATE TRIGGER endpoint_circuit AFTER UPDATE OF circuit_until ON endpoint
    FOR EACH ROW WHEN ((OLD.circuit_until IS NULL) <> (NEW.circuit_until IS NULL))
    EXECUTE FUNCTION herald_endpoint_moves_application();

CREATE TRIGGER application_changed AFTER UPDATE OF id, uid, name, rate_limit, metadata, created_at, updated_at
ON application
    FOR EACH ROW EXECUTE FUNCTION herald_application_moves();

CREATE TRIGGER event_type_changed AFTER INSERT OR UPDATE OR DELETE ON event_type
    FOR EACH STATEMENT EXECUTE FUNCTION herald_catalog_moves();
