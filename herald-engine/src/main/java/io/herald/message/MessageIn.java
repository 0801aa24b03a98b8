package io.herald.message;

import java.util.Set;

/**
 * What a publisher sends. {@code payload} is JSON text holding an object; it is stored and
 * delivered byte for byte as given. {@code payloadField} names where it came from, for errors.
 */
public record MessageIn(String eventType, String eventId, String payload, String payloadField, Set<String> channels,
                        Set<String> tags) {
    public MessageIn(String eventType, String eventId, String payload, Set<String> channels, Set<String> tags) {
        this(eventType, eventId, payload, "payload", channels, tags);
    }
}
