package io.herald.eventtype;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * One entry of the event catalog, e.g. {@code scan.finished}. {@code schemas} maps a version
 * ("1") to a JSON Schema; {@code example} is a payload send-example delivers; with
 * {@code enforceSchema}, a published payload must match the newest schema. {@code featureFlags}
 * (null when none), {@code deprecated} and {@code groupName} describe the type in the catalog.
 */
public record EventType(String name, String description, JsonNode schemas, Set<String> featureFlags, boolean archived,
                        boolean deprecated, String groupName, Instant createdAt, Instant updatedAt, JsonNode example,
                        boolean enforceSchema) {

    /** The schema of the highest version, or null when there is none. */
    public JsonNode latestSchema() {
        return latest(schemas);
    }

    /** Of a {@code {"1": schema, "2": schema}} object, the schema of the highest version; null when none. */
    static JsonNode latest(JsonNode schemas) {
        if (schemas == null || !schemas.isObject()) {
            return null;
        }
        JsonNode latest = null;
        long best = -1;
        for (Map.Entry<String, JsonNode> e : schemas.properties()) {
            long v = Long.parseLong(e.getKey());
            if (v > best) {
                best = v;
                latest = e.getValue();
            }
        }
        return latest;
    }
}
