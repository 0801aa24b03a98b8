package io.herald.message;

import java.time.Instant;
import java.util.Set;

/** One published event. {@code payload} is the JSON text delivered to endpoints. */
public record Message(String id, String appId, String eventType, String eventId, String payload,
                      Set<String> channels, Set<String> tags, Instant timestamp) {}
