package io.herald.endpoint;

import io.herald.HeraldException;
import io.herald.filter.PayloadFilter;
import io.herald.format.Format;
import java.time.Duration;
import tools.jackson.databind.JsonNode;

/**
 * How one endpoint is delivered to, beyond where: body format, payload filter (a CEL expression),
 * signature profile, retry schedule, timeout, circuit breaker, whether deliveries keep their order
 * ({@code fifo}: one at a time, in the order written), and the cap on attempts in flight at once.
 * Null members mean the server's defaults. Retry schedule and timeout are copied onto each delivery
 * when it is queued, so a change applies to deliveries queued after it; the cap applies to attempts
 * that start after it, across all nodes (see {@code Flight} in the delivery package).
 */
public record DeliveryPolicy(Format format, String filter, SignatureProfile signature, RetrySchedule retry, Integer timeoutMs,
                             CircuitBreaker circuitBreaker, boolean fifo, Integer maxInFlight) {
    public static final DeliveryPolicy DEFAULT = new DeliveryPolicy(Format.JSON, null, SignatureProfile.DEFAULT, null, null, null,
            false, null);
    /** The one ordering an endpoint may ask for besides the default (best effort, in parallel). */
    public static final String FIFO = "fifo";
    /** Bounds of {@code maxInFlight}, an endpoint's and the server's. */
    public static final int MIN_IN_FLIGHT = 1;
    public static final int MAX_IN_FLIGHT = 64;
    /** The shortest timeout an endpoint (or the server) may set. */
    public static final Duration MIN_TIMEOUT = Duration.ofSeconds(1);
    /** The longest timeout an endpoint may set, when the server's lease covers it. */
    public static final Duration MAX_TIMEOUT = Duration.ofSeconds(30);

    /**
     * The timeouts this server allows: {@code max}, the longest its lease covers (at most
     * {@link #MAX_TIMEOUT}), and {@code leaseForLongest}, the lease that would cover {@link #MAX_TIMEOUT}.
     */
    public record Timeouts(Duration max, Duration leaseForLongest) {}

    public DeliveryPolicy(Format format, String filter, SignatureProfile signature, RetrySchedule retry, Integer timeoutMs) {
        this(format, filter, signature, retry, timeoutMs, null, false, null);
    }

    /** The policy as a caller gives it, unchecked; null members take the defaults. */
    public record In(JsonNode format, String filter, JsonNode signature, JsonNode retry, Integer timeoutMs,
                     JsonNode circuitBreaker, String ordering, Integer maxInFlight) {
        /** Without circuit breaker settings of its own, in the default order, under the server's cap. */
        public In(JsonNode format, String filter, JsonNode signature, JsonNode retry, Integer timeoutMs) {
            this(format, filter, signature, retry, timeoutMs, null, null, null);
        }

        /** In the default order, under the server's cap. */
        public In(JsonNode format, String filter, JsonNode signature, JsonNode retry, Integer timeoutMs,
                  JsonNode circuitBreaker) {
            this(format, filter, signature, retry, timeoutMs, circuitBreaker, null, null);
        }

        /** Under the server's cap. */
        public In(JsonNode format, String filter, JsonNode signature, JsonNode retry, Integer timeoutMs,
                  JsonNode circuitBreaker, String ordering) {
            this(format, filter, signature, retry, timeoutMs, circuitBreaker, ordering, null);
        }
    }

    /**
     * Checks {@code in}. {@code timeouts.max()} bounds a timeout being set, not {@code keptTimeoutMs},
     * the one the endpoint already has (saved under a longer lease, it is clamped when sent, and must
     * not block unrelated changes).
     */
    static DeliveryPolicy parse(In in, Timeouts timeouts, Integer keptTimeoutMs) {
        if (in == null) {
            return DEFAULT;
        }
        Integer t = in.timeoutMs();
        if (t != null) {
            long max = t.equals(keptTimeoutMs) ? MAX_TIMEOUT.toMillis() : timeouts.max().toMillis();
            if (t < MIN_TIMEOUT.toMillis() || t > max) {
                throw new HeraldException.InvalidInput("timeoutMs", "must be between " + MIN_TIMEOUT.toMillis()
                        + " and " + max + (max < MAX_TIMEOUT.toMillis()
                        ? " (" + MAX_TIMEOUT.toMillis() + " needs HERALD_LEASE_SECONDS of at least "
                        + timeouts.leaseForLongest().toSeconds() + ")" : ""));
            }
        }
        Integer cap = in.maxInFlight();
        if (cap != null && (cap < MIN_IN_FLIGHT || cap > MAX_IN_FLIGHT)) {
            throw new HeraldException.InvalidInput("maxInFlight", "must be between " + MIN_IN_FLIGHT + " and " + MAX_IN_FLIGHT);
        }
        if (in.filter() != null) {
            PayloadFilter.compile("filter", in.filter());
        }
        if (in.ordering() != null && !in.ordering().equals(FIFO)) {
            throw new HeraldException.InvalidInput("ordering", "must be \"fifo\", or null for the default (no order kept)");
        }
        return new DeliveryPolicy(Format.parse("format", in.format()), in.filter(), SignatureProfile.parse("signature", in.signature()),
                RetrySchedule.parse("retry", in.retry()), in.timeoutMs(), CircuitBreaker.parse("circuitBreaker", in.circuitBreaker()),
                FIFO.equals(in.ordering()), cap);
    }
}
