package io.herald.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * When to try again after a failed attempt. A pure function of its inputs and the injected random
 * source: {@code delays.get(n - 1)} after the n-th attempt, jittered by ±{@code jitter}, until the
 * list runs out.
 */
public record RetryPolicy(List<Duration> delays, double jitter, RandomGenerator random) {
    /** The default schedule: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h (~75 h). */
    public static final List<Duration> DEFAULT_DELAYS = List.of(
            Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(30), Duration.ofHours(2),
            Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(14), Duration.ofHours(20), Duration.ofHours(24));
    public static final double DEFAULT_JITTER = 0.2;

    public RetryPolicy {
        delays = List.copyOf(delays);
        if (jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("jitter must be in [0, 1)");
        }
    }

    public static RetryPolicy standard(RandomGenerator random) {
        return new RetryPolicy(DEFAULT_DELAYS, DEFAULT_JITTER, random);
    }

    /** The same jitter and random source with other delays, e.g. an endpoint's own schedule. */
    public RetryPolicy withDelays(List<Duration> d) {
        return d.equals(delays) ? this : new RetryPolicy(d, jitter, random);
    }

    /** Attempts in all, the first one included. */
    public int maxAttempts() {
        return delays.size() + 1;
    }

    /**
     * The time of the next attempt after attempt number {@code attemptsMade} (1-based) failed at
     * {@code failedAt}, or empty when the schedule is exhausted. A receiver's Retry-After is honoured
     * but clamped to [scheduled step, 2 × scheduled step], so it can neither hammer nor stall us.
     */
    public Optional<Instant> next(int attemptsMade, Instant failedAt, Optional<Duration> retryAfter) {
        if (attemptsMade < 1 || attemptsMade > delays.size()) {
            return Optional.empty();
        }
        Duration step = delays.get(attemptsMade - 1);
        Duration delay;
        if (retryAfter.isPresent()) {
            Duration asked = retryAfter.get();
            Duration max = step.multipliedBy(2);
            delay = asked.compareTo(step) < 0 ? step : (asked.compareTo(max) > 0 ? max : asked);
        } else {
            double factor = 1 + jitter * (2 * random.nextDouble() - 1);
            delay = Duration.ofMillis(Math.round(step.toMillis() * factor));
        }
        return Optional.of(failedAt.plus(delay));
    }
}
