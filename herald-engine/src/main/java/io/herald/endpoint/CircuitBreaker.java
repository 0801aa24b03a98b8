package io.herald.endpoint;

import io.herald.BoundedCache;
import io.herald.HeraldException;
import io.herald.Json;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * When an endpoint's circuit opens and when Herald gives up on it: after {@code failures}
 * consecutive failed attempts its circuit opens (its deliveries are held and one probe at a time
 * goes out), and once it has failed without a success for {@code disableAfter} it is disabled.
 * Either member null means the server's setting; an endpoint stores only what it sets itself.
 */
public record CircuitBreaker(Integer failures, Duration disableAfter) {
    public static final int MIN_FAILURES = 1;
    public static final int MAX_FAILURES = 10_000;
    public static final Duration MIN_DISABLE_AFTER = Duration.ofMinutes(1);
    public static final Duration MAX_DISABLE_AFTER = Duration.ofDays(90);
    /** The server's defaults unless configured: 10 failures in a row, and 5 days failing (as Svix). */
    public static final CircuitBreaker DEFAULT = new CircuitBreaker(10, Duration.ofDays(5));
    private static final BoundedCache<CircuitBreaker> STORED = new BoundedCache<>(256);

    public CircuitBreaker {
        if (failures != null && (failures < MIN_FAILURES || failures > MAX_FAILURES)) {
            throw new IllegalArgumentException("failures must be from " + MIN_FAILURES + " to " + MAX_FAILURES);
        }
        if (disableAfter != null && (disableAfter.compareTo(MIN_DISABLE_AFTER) < 0 || disableAfter.compareTo(MAX_DISABLE_AFTER) > 0)) {
            throw new IllegalArgumentException("disableAfter must be from " + MIN_DISABLE_AFTER + " to " + MAX_DISABLE_AFTER);
        }
    }

    /** This endpoint's settings, with the server's where it sets none. */
    public CircuitBreaker over(CircuitBreaker server) {
        return new CircuitBreaker(failures != null ? failures : server.failures(),
                disableAfter != null ? disableAfter : server.disableAfter());
    }

    /** Reads {@code {"failures": n, "disableAfterSeconds": s}}, either member optional; null means the server's. */
    static CircuitBreaker parse(String field, JsonNode spec) {
        if (spec == null || spec.isNull()) {
            return null;
        }
        if (!spec.isObject()) {
            throw new HeraldException.InvalidInput(field, "must be an object with failures and/or disableAfterSeconds");
        }
        for (String member : spec.propertyNames()) {
            if (!member.equals("failures") && !member.equals("disableAfterSeconds")) {
                throw new HeraldException.InvalidInput(field + "." + member,
                        "is not a circuit breaker setting (failures or disableAfterSeconds)");
            }
        }
        Integer failures = null;
        JsonNode f = spec.get("failures");
        if (f != null && !f.isNull()) {
            if (!f.isIntegralNumber() || !f.canConvertToInt() || f.asInt() < MIN_FAILURES || f.asInt() > MAX_FAILURES) {
                throw new HeraldException.InvalidInput(field + ".failures",
                        "must be an integer from " + MIN_FAILURES + " to " + MAX_FAILURES);
            }
            failures = f.asInt();
        }
        Duration disableAfter = null;
        JsonNode d = spec.get("disableAfterSeconds");
        if (d != null && !d.isNull()) {
            long min = MIN_DISABLE_AFTER.toSeconds();
            long max = MAX_DISABLE_AFTER.toSeconds();
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < min || d.asLong() > max) {
                throw new HeraldException.InvalidInput(field + ".disableAfterSeconds",
                        "must be a whole number of seconds from " + min + " to " + max);
            }
            disableAfter = Duration.ofSeconds(d.asLong());
        }
        if (failures == null && disableAfter == null) {
            return null;
        }
        return new CircuitBreaker(failures, disableAfter);
    }

    /** The stored form, read back without checks; read on every row, so cached. */
    public static CircuitBreaker stored(String json) {
        return json == null ? null : STORED.get(json, text -> {
            JsonNode n = Json.read(text);
            JsonNode f = n.get("failures");
            JsonNode d = n.get("disableAfterSeconds");
            return new CircuitBreaker(f == null || f.isNull() ? null : f.asInt(),
                    d == null || d.isNull() ? null : Duration.ofSeconds(d.asLong()));
        });
    }

    /** As the API shows it and the store keeps it: only the members set. */
    public Map<String, Object> spec() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (failures != null) {
            m.put("failures", failures);
        }
        if (disableAfter != null) {
            m.put("disableAfterSeconds", disableAfter.toSeconds());
        }
        return m;
    }
}
