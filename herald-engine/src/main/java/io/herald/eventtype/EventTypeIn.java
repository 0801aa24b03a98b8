package io.herald.eventtype;

import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * What a caller may set on an event type; {@code schemas} maps a version ("1") to a JSON Schema.
 * {@code example} and {@code enforceSchema} are Herald's additions.
 */
public record EventTypeIn(String name, String description, JsonNode schemas, Set<String> featureFlags, Boolean archived,
                          Boolean deprecated, String groupName, JsonNode example, Boolean enforceSchema) {
    EventTypeIn named(String n) {
        return new EventTypeIn(n, description, schemas, featureFlags, archived, deprecated, groupName, example, enforceSchema);
    }
}
