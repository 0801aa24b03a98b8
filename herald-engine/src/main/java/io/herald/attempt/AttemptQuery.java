package io.herald.attempt;

import io.herald.HeraldException;
import java.time.Instant;
import java.util.Set;

/**
 * Filters of the attempt lists; null means no filter. {@code endpointId} applies to a message's list;
 * {@code statusCodeClass} is Svix's: 0 for attempts without a response, else 100, 200, … 500 for
 * that hundred; {@code channel}, {@code tag} and {@code eventTypes} filter by the attempt's message.
 */
public record AttemptQuery(Integer status, String endpointId, Instant before, Instant after, Integer statusCodeClass,
                           String channel, String tag, Set<String> eventTypes) {
    public static final AttemptQuery ALL = new AttemptQuery(null, null, null, null, null, null, null, null);

    public AttemptQuery {
        if (status != null && (status < Attempt.SUCCESS || status > Attempt.SENDING)) {
            throw new HeraldException.InvalidInput("status", "must be 0 (success), 1 (pending), 2 (fail) or 3 (sending)");
        }
        if (statusCodeClass != null && (statusCodeClass < 0 || statusCodeClass > 500 || statusCodeClass % 100 != 0)) {
            throw new HeraldException.InvalidInput("status_code_class", "must be 0 (no response), 100, 200, 300, 400 or 500");
        }
        eventTypes = eventTypes == null || eventTypes.isEmpty() ? null : Set.copyOf(eventTypes);
    }

    public AttemptQuery(Integer status, String endpointId, Instant before, Instant after) {
        this(status, endpointId, before, after, null, null, null, null);
    }
}
