package io.herald.message;

import java.time.Instant;
import java.util.Set;

/** Filters of the message list; null means no filter. */
public record MessageQuery(Set<String> eventTypes, String channel, String tag, Instant before, Instant after) {
    public static final MessageQuery ALL = new MessageQuery(null, null, null, null, null);
}
