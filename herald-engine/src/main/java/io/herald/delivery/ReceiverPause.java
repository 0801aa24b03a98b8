package io.herald.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * How long a receiver's {@code Retry-After} on a 429 or a 503 pauses its whole endpoint (see
 * {@link Pacer#pause}), not only the delivery it answered. A pure function.
 *
 * <p>The pause is what the receiver asked, clamped from above as a delivery's retry is
 * ({@link RetryPolicy#next}): at most twice the step the told delivery is on (its schedule's last
 * step when it has none left; the server's first default step when its schedule is empty). It is
 * not clamped from below: a receiver that asks for less than the step gets its other deliveries
 * after what it asked, while the told delivery itself waits for its step.
 */
final class ReceiverPause {
    private ReceiverPause() {}

    /** The end of the endpoint's pause after attempt {@code attemptNumber} (1-based), or empty for none. */
    static Optional<Instant> until(int status, Optional<Duration> retryAfter, int attemptNumber, Instant finishedAt,
                                   RetryPolicy policy) {
        if ((status != 429 && status != 503) || retryAfter.isEmpty() || !retryAfter.get().isPositive()) {
            return Optional.empty();
        }
        List<Duration> delays = policy.delays();
        Duration step = attemptNumber >= 1 && attemptNumber <= delays.size() ? delays.get(attemptNumber - 1)
                : delays.isEmpty() ? RetryPolicy.DEFAULT_DELAYS.getFirst() : delays.getLast();
        Duration max = step.multipliedBy(2);
        Duration asked = retryAfter.get();
        return Optional.of(finishedAt.plus(asked.compareTo(max) > 0 ? max : asked));
    }
}
