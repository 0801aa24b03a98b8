package io.herald.endpoint;

import io.herald.BoundedCache;
import io.herald.HeraldException;
import io.herald.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * An endpoint's own retry schedule: either {@code retryCount} retries, the first that many delays
 * of the server's schedule, or an explicit {@code schedule} of delays in seconds. Absent, the
 * server's schedule applies. A delivery takes the schedule in force when it is queued and keeps it.
 */
public record RetrySchedule(Integer retryCount, List<Long> scheduleSeconds) {
    public static final int MAX_RETRY_COUNT = 10;
    public static final int MAX_SCHEDULE_LENGTH = 20;
    public static final long MAX_DELAY_SECONDS = 7 * 24 * 3600;
    private static final BoundedCache<RetrySchedule> STORED = new BoundedCache<>(256);

    /** Reads {@code {"retryCount": n}} or {@code {"schedule": [s, …]}}; null means the server's schedule. */
    public static RetrySchedule parse(String field, JsonNode spec) {
        if (spec == null || spec.isNull()) {
            return null;
        }
        if (!spec.isObject()) {
            throw new HeraldException.InvalidInput(field, "must be an object with retryCount or schedule");
        }
        for (String member : spec.propertyNames()) {
            if (!member.equals("retryCount") && !member.equals("schedule")) {
                throw new HeraldException.InvalidInput(field + "." + member, "is not a retry setting (retryCount or schedule)");
            }
        }
        JsonNode count = spec.get("retryCount");
        JsonNode schedule = spec.get("schedule");
        boolean hasCount = count != null && !count.isNull();
        boolean hasSchedule = schedule != null && !schedule.isNull();
        if (hasCount == hasSchedule) {
            throw new HeraldException.InvalidInput(field, "must set exactly one of retryCount and schedule");
        }
        if (hasCount) {
            if (!count.isIntegralNumber() || !count.canConvertToInt() || count.asInt() < 0 || count.asInt() > MAX_RETRY_COUNT) {
                throw new HeraldException.InvalidInput(field + ".retryCount", "must be an integer from 0 to " + MAX_RETRY_COUNT);
            }
            return new RetrySchedule(count.asInt(), null);
        }
        if (!schedule.isArray() || schedule.size() > MAX_SCHEDULE_LENGTH) {
            throw new HeraldException.InvalidInput(field + ".schedule",
                    "must be an array of at most " + MAX_SCHEDULE_LENGTH + " delays in seconds");
        }
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < schedule.size(); i++) {
            JsonNode d = schedule.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 1 || d.asLong() > MAX_DELAY_SECONDS) {
                throw new HeraldException.InvalidInput(field + ".schedule[" + i + "]",
                        "must be a whole number of seconds from 1 to " + MAX_DELAY_SECONDS);
            }
            delays.add(d.asLong());
        }
        return new RetrySchedule(null, List.copyOf(delays));
    }

    /** The stored form, read back without checks; read on every row, so cached. */
    public static RetrySchedule stored(String json) {
        return json == null ? null : STORED.get(json, text -> Json.read(text, RetrySchedule.class));
    }

    public Map<String, Object> spec() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (retryCount != null) {
            m.put("retryCount", retryCount);
        } else {
            m.put("schedule", scheduleSeconds);
        }
        return m;
    }

    /** The delays after the first attempt, given the server's schedule. */
    public List<Duration> delays(List<Duration> serverSchedule) {
        if (retryCount != null) {
            return serverSchedule.subList(0, Math.min(retryCount, serverSchedule.size()));
        }
        return scheduleSeconds.stream().map(Duration::ofSeconds).toList();
    }
}
