package io.herald.message;

import io.herald.app.ApplicationIn;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * What a publisher sends. {@code payload} is JSON text holding an object; it is stored and
 * delivered byte for byte as given. {@code payloadField} names where it came from, for errors.
 * {@code deliverAt} (Svix's), when not null, delays the first attempts until then; {@code application},
 * when not null, creates the application the message is addressed to if it does not exist.
 * {@code parsed}, when not null, is {@code payload} as {@link io.herald.Json#read(String)} reads it,
 * parsed already by a caller that found the payload inside a larger document (the API's request
 * body): publish then does not parse it again. {@code payloadRetention} (Svix's
 * {@code payloadRetentionPeriod}/{@code payloadRetentionHours}), when not null, is how long the
 * payload is kept: after that the retention purge deletes it as {@code DELETE …/content} would,
 * once no delivery of the message waits (the message is still purged whole after the server's retention).
 */
public record MessageIn(String eventType, String eventId, String payload, String payloadField, Set<String> channels,
                        Set<String> tags, Instant deliverAt, ApplicationIn application, JsonNode parsed,
                        Duration payloadRetention) {
    public MessageIn(String eventType, String eventId, String payload, String payloadField, Set<String> channels,
                     Set<String> tags, Instant deliverAt, ApplicationIn application, JsonNode parsed) {
        this(eventType, eventId, payload, payloadField, channels, tags, deliverAt, application, parsed, null);
    }

    public MessageIn(String eventType, String eventId, String payload, String payloadField, Set<String> channels,
                     Set<String> tags, Instant deliverAt, ApplicationIn application) {
        this(eventType, eventId, payload, payloadField, channels, tags, deliverAt, application, null);
    }

    public MessageIn(String eventType, String eventId, String payload, Set<String> channels, Set<String> tags) {
        this(eventType, eventId, payload, "payload", channels, tags, null, null);
    }
}
