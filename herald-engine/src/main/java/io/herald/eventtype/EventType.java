package io.herald.eventtype;

import java.time.Instant;
import tools.jackson.databind.JsonNode;

/** One entry of the event catalog, e.g. {@code scan.finished}. */
public record EventType(String name, String description, JsonNode schemas, String featureFlag, boolean archived,
                        Instant createdAt, Instant updatedAt) {}
