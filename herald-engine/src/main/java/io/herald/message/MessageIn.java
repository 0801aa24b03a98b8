package io.herald.message;

import java.util.Set;
import tools.jackson.databind.JsonNode;

/** What a publisher sends. {@code payload} must be a JSON object. */
public record MessageIn(String eventType, String eventId, JsonNode payload, Set<String> channels, Set<String> tags) {}
