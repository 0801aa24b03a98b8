package io.herald.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What one attempt's result means for its delivery: the pure decision, with no database and no
 * clock of its own. {@code next} is set only for {@link Kind#RETRY} and {@link Kind#HELD}.
 */
record Outcome(Kind kind, Instant next) {
    enum Kind {
        /** A 2xx: the delivery is done. */
        SUCCEEDED,
        /** A 410: the delivery fails for good and the endpoint is disabled. */
        GONE,
        /** Any other failure with attempts left: due again at {@code next}. */
        RETRY,
        /** Any other failure on the schedule's last attempt. */
        EXHAUSTED,
        /**
         * A probe of an open circuit failed: the delivery goes back to the held ones, uncounted,
         * due at {@code next} (the failure), behind those held before it.
         */
        HELD
    }

    /**
     * Decides after attempt {@code attemptNumber} (1-based) that ended at {@code finishedAt} with
     * {@code status} (0: no response) and the receiver's {@code retryAfter}, which only a 429 or a
     * 503 may ask for.
     */
    static Outcome decide(int status, Optional<Duration> retryAfter, int attemptNumber, Instant finishedAt, RetryPolicy policy) {
        if (status >= 200 && status < 300) {
            return new Outcome(Kind.SUCCEEDED, null);
        }
        if (status == 410) {
            return new Outcome(Kind.GONE, null);
        }
        Optional<Duration> asked = status == 429 || status == 503 ? retryAfter : Optional.empty();
        return policy.next(attemptNumber, finishedAt, asked)
                .map(at -> new Outcome(Kind.RETRY, at))
                .orElseGet(() -> new Outcome(Kind.EXHAUSTED, null));
    }

    /**
     * The outcome of a probe (see {@link Breaker}): as decided, unless it failed and had attempts
     * left or none, which only means the circuit stays open.
     */
    Outcome ofProbe(Instant finishedAt) {
        return kind == Kind.RETRY || kind == Kind.EXHAUSTED ? new Outcome(Kind.HELD, finishedAt) : this;
    }

    /** The delivery row's status after this outcome. */
    String deliveryStatus() {
        return switch (kind) {
            case SUCCEEDED -> Deliveries.SUCCEEDED;
            case RETRY -> Deliveries.PENDING;
            case GONE, EXHAUSTED -> Deliveries.FAILED;
            case HELD -> Deliveries.HELD;
        };
    }

    Long nextMillis() {
        return next == null ? null : next.toEpochMilli();
    }
}
