package io.herald.endpoint;

import java.time.Instant;

/**
 * How an endpoint's receiver has been answering, as recorded with its attempts.
 *
 * @param failures      consecutive failed attempts (0 after a success)
 * @param failingSince  when the first of them happened; null while healthy
 * @param lastSuccessAt the latest success known (kept to the second: a success within a second of
 *                      the one recorded may not be written)
 * @param lastFailureAt the latest failure
 * @param lastError     what the latest failure was: "HTTP 503", or the connection error
 * @param nextProbeAt   null while the circuit is closed; when open, when the next probe may go out
 * @param probes        failed probes since the circuit opened
 * @param holding       some deliveries are held, or still being released after the circuit closed
 * @param disabledReason why Herald disabled the endpoint; null if it is enabled or an operator disabled it
 */
public record Health(int failures, Instant failingSince, Instant lastSuccessAt, Instant lastFailureAt, String lastError,
                     Instant nextProbeAt, int probes, boolean holding, String disabledReason) {
    public static final Health NEW = new Health(0, null, null, null, null, null, 0, false, null);

    /** The circuit is open: deliveries wait, and only a probe goes out. */
    public boolean open() {
        return nextProbeAt != null;
    }

    /** The state as the API names it, for an endpoint {@code disabled} or not. */
    public String state(boolean disabled) {
        if (disabled) {
            return "disabled";
        }
        if (open()) {
            return "open";
        }
        return failures > 0 ? "failing" : "healthy";
    }
}
