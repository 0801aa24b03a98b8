package io.herald.eventtype;

import tools.jackson.databind.JsonNode;

/**
 * What a caller may set on an event type; {@code schemas} maps a version ("1") to a JSON Schema.
 * {@code example} and {@code enforceSchema} are Herald's additions.
 */
public record EventTypeIn(String name, String description, JsonNode schemas, String featureFlag, Boolean archived,
                          JsonNode example, Boolean enforceSchema) {
    EventTypeIn named(String n) {
        return new EventTypeIn(n, description, schemas, featureFlag, archived, example, enforceSchema);
    }
}
