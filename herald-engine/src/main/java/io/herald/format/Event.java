package io.herald.format;

import java.time.Instant;
import java.util.Collections;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The event being delivered, as a {@link Format} sees it. {@code id} is Herald's message id,
 * {@code payload} the publisher's exact JSON object text, {@code app} the application (tenant) it
 * was published to. {@code eventId} and {@code channels} may be null. Channels are kept sorted so
 * that every rendering of the same event is the same.
 */
public record Event(String id, String type, Instant timestamp, String eventId, Set<String> channels, String payload,
                    App app) {
    public Event {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(app, "app");
        channels = channels == null ? null : Collections.unmodifiableSortedSet(new TreeSet<>(channels));
    }

    /** The application a message was published to; {@code uid} may be null. */
    public record App(String id, String uid, String name) {
        public App {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(name, "name");
        }

        /** How receivers tell tenants apart: the uid the publisher chose, else Herald's id. */
        public String tenant() {
            return uid != null ? uid : id;
        }
    }

    /** The channels joined with commas, as CEF and syslog carry them; empty when there are none. */
    Optional<String> channelList() {
        return channels == null || channels.isEmpty() ? Optional.empty() : Optional.of(String.join(",", channels));
    }
}
