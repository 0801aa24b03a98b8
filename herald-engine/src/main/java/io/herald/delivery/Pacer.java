package io.herald.delivery;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Holds attempts to the rate limits ({@code throttleRate}, 1.x {@code rateLimit}) of their
 * endpoint and application: at most {@code rate} attempts start per second to one endpoint, and at
 * most the application's rate across all of its endpoints.
 *
 * <p>Reservation style, with a burst of one: each limited key (an endpoint, an application) has
 * the instant its next attempt may start. An attempt takes the later of its endpoint's and its
 * application's next free instant (or now, if both have passed), moves both one interval
 * ({@code 1 s / rate}) past it, and waits until then. An attempt that would wait longer than it
 * may is refused and reserves nothing.
 *
 * <p>Not guaranteed: a limit across nodes. Each dispatcher paces what it sends itself, so N nodes
 * on one PostgreSQL database may together send up to N times the rate. Nor does a reservation come
 * back when its attempt does not happen (it was interrupted, or found its delivery gone): the slot
 * is simply not used.
 */
final class Pacer {
    /** Waits for a number of nanoseconds, or less when the dispatcher is closing. */
    @FunctionalInterface
    interface Waiting {
        void waitNanos(long nanos) throws InterruptedException;
    }

    /** The outcome of {@link #await}: the slot was taken after waiting {@code delay}, or refused as {@code delay} away. */
    record Slot(boolean taken, Duration delay) {
        static final Slot AT_ONCE = new Slot(true, Duration.ZERO);
    }

    /** Below this many keys, stale entries are not worth sweeping. */
    private static final int SWEEP_FLOOR = 1_024;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final LongSupplier nanoTime;
    private final Waiting waiting;
    private final Map<String, Long> nextEndpoint = new HashMap<>();
    private final Map<String, Long> nextApp = new HashMap<>();
    private int sweepAt = SWEEP_FLOOR;

    /** {@code nanoTime}: a monotonic time source such as {@code System::nanoTime}. */
    Pacer(LongSupplier nanoTime, Waiting waiting) {
        this.nanoTime = nanoTime;
        this.waiting = waiting;
    }

    /**
     * Reserves the next slot of endpoint {@code endpointId} and application {@code appId} and
     * waits for it. A null rate means no limit (the key is then not tracked at all).
     *
     * @return the slot taken, once it is reached; or, when it is further away than {@code maxWait},
     *         the slot refused, and nothing is reserved
     */
    Slot await(String endpointId, Integer endpointRate, String appId, Integer appRate, Duration maxWait)
            throws InterruptedException {
        if (endpointRate == null && appRate == null) {
            return Slot.AT_ONCE;
        }
        long wait = reserve(endpointId, endpointRate, appId, appRate, maxWait.toNanos());
        if (wait < 0) {
            return new Slot(false, Duration.ofNanos(-wait));
        }
        if (wait > 0) {
            waiting.waitNanos(wait);
        }
        return new Slot(true, Duration.ofNanos(wait));
    }

    /** The nanoseconds to wait for the reserved slot; negative (minus the wait) when refused. */
    private synchronized long reserve(String endpointId, Integer endpointRate, String appId, Integer appRate,
                                      long maxWaitNanos) {
        long now = nanoTime.getAsLong();
        long start = now;
        // nanoTime may be negative or wrap: instants are only ever compared by their difference.
        if (endpointRate != null) {
            start = later(start, nextEndpoint.get(endpointId));
        }
        if (appRate != null) {
            start = later(start, nextApp.get(appId));
        }
        long wait = start - now;
        if (wait > maxWaitNanos) {
            return -wait;
        }
        if (endpointRate != null) {
            nextEndpoint.put(endpointId, start + interval(endpointRate));
        }
        if (appRate != null) {
            nextApp.put(appId, start + interval(appRate));
        }
        sweep(now);
        return wait;
    }

    private static long later(long a, Long b) {
        return b != null && b - a > 0 ? b : a;
    }

    /** Rounded up, so that {@code rate} slots never fit in less than a second. */
    private static long interval(int perSecond) {
        return (NANOS_PER_SECOND + perSecond - 1) / perSecond;
    }

    /** Drops keys whose next slot has passed: they are as free as keys never seen. */
    private void sweep(long now) {
        if (nextEndpoint.size() + nextApp.size() < sweepAt) {
            return;
        }
        nextEndpoint.values().removeIf(next -> next - now <= 0);
        nextApp.values().removeIf(next -> next - now <= 0);
        sweepAt = Math.max(SWEEP_FLOOR, 2 * (nextEndpoint.size() + nextApp.size()));
    }

    /** Keys tracked now, for tests. */
    synchronized int tracked() {
        return nextEndpoint.size() + nextApp.size();
    }
}
