package io.herald.eventtype;

import tools.jackson.databind.JsonNode;

/** What a caller may set on an event type; {@code schemas} maps a version ("1") to a JSON Schema. */
public record EventTypeIn(String name, String description, JsonNode schemas, String featureFlag, Boolean archived) {}
