package io.herald.message;

import java.time.Instant;
import java.util.Set;

/**
 * One published event. {@code payload} is the JSON text delivered to endpoints; {@code test} marks
 * a message made by send-example, delivered to one endpoint only; {@code deliverAt}, when not null,
 * is when its first attempts were scheduled.
 */
public record Message(String id, String appId, String eventType, String eventId, String payload,
                      Set<String> channels, Set<String> tags, Instant timestamp, boolean test, Instant deliverAt) {}
