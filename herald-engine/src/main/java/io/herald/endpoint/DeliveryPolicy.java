package io.herald.endpoint;

import io.herald.HeraldException;
import io.herald.delivery.DispatcherSettings;
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

    /** The policy as a caller gives it, unchecked; null members take the defaults. */
    public record In(JsonNode format, String filter, JsonNode signature, JsonNode retry, Integer timeoutMs) {}

    /**
     * Checks {@code in}. {@code maxTimeout} is the longest timeout this server's lease can cover; it
     * bounds a timeout being set, not {@code keptTimeoutMs}, the one the endpoint already has (saved
     * under a longer lease, it is clamped when sent, and must not block unrelated changes).
     */
    static DeliveryPolicy parse(In in, Duration maxTimeout, Integer keptTimeoutMs) {
        if (in == null) {
            return DEFAULT;
        }
        Integer t = in.timeoutMs();
        if (t != null) {
            long max = t.equals(keptTimeoutMs) ? DispatcherSettings.MAX_ENDPOINT_TIMEOUT.toMillis() : maxTimeout.toMillis();
            if (t < DispatcherSettings.MIN_TIMEOUT.toMillis() || t > max) {
                throw new HeraldException.InvalidInput("timeoutMs", "must be between " + DispatcherSettings.MIN_TIMEOUT.toMillis()
                        + " and " + max + (max < DispatcherSettings.MAX_ENDPOINT_TIMEOUT.toMillis()
                        ? " (" + DispatcherSettings.MAX_ENDPOINT_TIMEOUT.toMillis() + " needs HERALD_LEASE_SECONDS of at least "
                        + DispatcherSettings.leaseCovering(DispatcherSettings.MAX_ENDPOINT_TIMEOUT).toSeconds() + ")" : ""));
            }
        }
        if (in.filter() != null) {
            PayloadFilter.compile("filter", in.filter());
        }
        return new DeliveryPolicy(Format.parse("format", in.format()), in.filter(), SignatureProfile.parse("signature", in.signature()),
                RetrySchedule.parse("retry", in.retry()), in.timeoutMs());
    }
}
