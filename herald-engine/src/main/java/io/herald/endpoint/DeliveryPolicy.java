package io.herald.endpoint;

import io.herald.HeraldException;
import io.herald.delivery.RetrySchedule;
import io.herald.delivery.SignatureProfile;
import io.herald.filter.PayloadFilter;
import io.herald.format.Format;
import java.time.Duration;
import tools.jackson.databind.JsonNode;

/**
 * How one endpoint is delivered to, beyond where: body format, payload filter (a CEL expression),
 * signature profile, retry schedule and timeout.
 * Null members mean the server's defaults. Retry schedule and timeout are copied onto each delivery
 * when it is queued, so a change applies to deliveries queued after it.
 */
public record DeliveryPolicy(Format format, String filter, SignatureProfile signature, RetrySchedule retry, Integer timeoutMs) {
    public static final DeliveryPolicy DEFAULT = new DeliveryPolicy(Format.JSON, null, SignatureProfile.DEFAULT, null, null);
    public static final int MIN_TIMEOUT_MS = 1_000;

    /** The policy as a caller gives it, unchecked; null members take the defaults. */
    public record In(JsonNode format, String filter, JsonNode signature, JsonNode retry, Integer timeoutMs) {
        public static final In DEFAULTS = new In(null, null, null, null, null);
    }

    /** Checks {@code in}; {@code maxTimeout} is the longest timeout this server's lease can cover. */
    static DeliveryPolicy parse(In in, Duration maxTimeout) {
        if (in == null) {
            return DEFAULT;
        }
        if (in.timeoutMs() != null && (in.timeoutMs() < MIN_TIMEOUT_MS || in.timeoutMs() > maxTimeout.toMillis())) {
            throw new HeraldException.InvalidInput("timeoutMs", "must be between " + MIN_TIMEOUT_MS + " and "
                    + maxTimeout.toMillis() + (maxTimeout.toMillis() < 30_000
                    ? " (30000 needs HERALD_LEASE_SECONDS of at least 70)" : ""));
        }
        if (in.filter() != null) {
            PayloadFilter.compile("filter", in.filter());
        }
        return new DeliveryPolicy(Format.parse("format", in.format()), in.filter(), SignatureProfile.parse("signature", in.signature()),
                RetrySchedule.parse("retry", in.retry()), in.timeoutMs());
    }
}
