package io.herald.format;

import java.time.Instant;
import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The event being delivered, as a {@link Format} sees it. {@code id} is Herald's message id,
 * {@code payload} the publisher's exact JSON object text. {@code eventId} and {@code channels} may
 * be null. Channels are kept sorted so that every rendering of the same event is the same.
 */
public record Event(String id, String type, Instant timestamp, String eventId, Set<String> channels, String payload) {
    public Event {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(payload, "payload");
        channels = channels == null ? null : Collections.unmodifiableSortedSet(new TreeSet<>(channels));
    }

    /** The channels joined with commas, as CEF and syslog carry them; empty when there are none. */
    java.util.Optional<String> channelList() {
        return channels == null || channels.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(String.join(",", channels));
    }
}
