package io.herald.attempt;

import java.time.Instant;

/** Filters of the attempt lists; null means no filter. {@code endpointId} applies to a message's list. */
public record AttemptQuery(Integer status, String endpointId, Instant before, Instant after) {
    public static final AttemptQuery ALL = new AttemptQuery(null, null, null, null);
}
