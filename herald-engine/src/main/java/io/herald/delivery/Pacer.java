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
 * <p>A delivery that cannot start soon enough goes back to the database, due when it could start:
 * {@link #project} hands out those instants one interval apart after every slot reserved or
 * projected before, so a backlog comes back at the rate it can be sent, not all at once.
 *
 * <p>Not guaranteed: a limit across nodes. Each dispatcher paces what it sends itself, so N nodes
 * on one PostgreSQL database may together send up to N times the rate. Nor does a reservation come
 * back when its attempt does not happen (it was interrupted, or found its delivery gone): the slot
 * is simply not used. A projection is not a reservation: the delivery takes a slot when it comes
 * back, and may then have to wait behind deliveries that arrived meanwhile.
 */
final class Pacer {
    /** Waits for a number of nanoseconds of the pacer's time, or less when the dispatcher is closing. */
    @FunctionalInterface
    interface Waiting {
        void waitNanos(long nanos) throws InterruptedException;
    }

    /** The rate limits one attempt keeps to: its endpoint's and its application's; null is no limit. */
    record Limits(Integer endpointRate, String appId, Integer appRate) {
        static final Limits NONE = new Limits(null, null, null);

        boolean limited() {
            return endpointRate != null || appRate != null;
        }

        /** The longer of the limited keys' intervals: how far apart this endpoint's attempts start at most. */
        long intervalNanos() {
            long endpoint = endpointRate == null ? 0 : interval(endpointRate);
            long app = appRate == null ? 0 : interval(appRate);
            return Math.max(endpoint, app);
        }

        /**
         * How many attempts to one endpoint can start within {@code window} from now at these
         * limits, counting one now; at least one. {@link Integer#MAX_VALUE} when not limited.
         */
        int slotsWithin(Duration window) {
            if (!limited()) {
                return Integer.MAX_VALUE;
            }
            if (window.isNegative()) {
                return 1;
            }
            return (int) Math.min(Integer.MAX_VALUE, window.toNanos() / intervalNanos() + 1);
        }
    }

    /** The outcome of {@link #await}: the slot was taken after waiting {@code delay}, or refused as {@code delay} away. */
    record Slot(boolean taken, Duration delay) {
        static final Slot AT_ONCE = new Slot(true, Duration.ZERO);
    }

    /** One limited key: the instant its next attempt may start, and the instant after its last projection. */
    private static final class Schedule {
        long next;
        long projected;

        Schedule(long now) {
            next = now;
            projected = now;
        }
    }

    /** Below this many keys, stale entries are not worth sweeping. */
    private static final int SWEEP_FLOOR = 1_024;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final LongSupplier nanoTime;
    private final Waiting waiting;
    private final Duration longestWait;
    private final Map<String, Schedule> endpoints = new HashMap<>();
    private final Map<String, Schedule> apps = new HashMap<>();
    private int sweepAt = SWEEP_FLOOR;

    /**
     * {@code nanoTime}: the time source, in nanoseconds (only differences count). {@code longestWait}:
     * no attempt is ever granted a longer wait; a key whose next slot lies further ahead than that
     * (the time source went back) starts afresh.
     */
    Pacer(LongSupplier nanoTime, Waiting waiting, Duration longestWait) {
        this.nanoTime = nanoTime;
        this.waiting = waiting;
        this.longestWait = longestWait;
    }

    /**
     * Reserves the next slot of endpoint {@code endpointId} under {@code limits} and waits for it.
     *
     * @return the slot taken, once it is reached; or, when it is further away than {@code maxWait},
     *         the slot refused, and nothing is reserved
     */
    Slot await(String endpointId, Limits limits, Duration maxWait) throws InterruptedException {
        if (!limits.limited()) {
            return Slot.AT_ONCE;
        }
        long wait = reserve(endpointId, limits, maxWait.toNanos());
        if (wait < 0) {
            return new Slot(false, Duration.ofNanos(-wait));
        }
        if (wait > 0) {
            waiting.waitNanos(wait);
        }
        return new Slot(true, Duration.ofNanos(wait));
    }

    /** The nanoseconds to wait for the reserved slot; negative (minus the wait) when refused. */
    private synchronized long reserve(String endpointId, Limits limits, long maxWaitNanos) {
        long now = nanoTime.getAsLong();
        Schedule endpoint = limits.endpointRate() == null ? null : schedule(endpoints, endpointId, now);
        Schedule app = limits.appRate() == null ? null : schedule(apps, limits.appId(), now);
        // The time source may be negative or wrap: instants are only ever compared by their difference.
        long start = now;
        if (endpoint != null) {
            start = later(start, endpoint.next);
        }
        if (app != null) {
            start = later(start, app.next);
        }
        long wait = start - now;
        if (wait > maxWaitNanos) {
            return -wait;
        }
        if (endpoint != null) {
            endpoint.next = start + interval(limits.endpointRate());
        }
        if (app != null) {
            app.next = start + interval(limits.appRate());
        }
        sweep(now);
        return wait;
    }

    /**
     * When a delivery to {@code endpointId} that cannot start now should come back: no earlier than
     * {@code ahead} intervals from now (deliveries already waiting for a slot on this node), and
     * after every slot reserved or projected so far; the next projection comes one interval later.
     * Reserves nothing. Returns the time from now.
     */
    synchronized Duration project(String endpointId, Limits limits, int ahead) {
        long now = nanoTime.getAsLong();
        if (!limits.limited()) {
            return Duration.ZERO;
        }
        Schedule endpoint = limits.endpointRate() == null ? null : schedule(endpoints, endpointId, now);
        Schedule app = limits.appRate() == null ? null : schedule(apps, limits.appId(), now);
        long at = now + ahead * limits.intervalNanos();
        if (endpoint != null) {
            at = later(later(at, endpoint.next), endpoint.projected);
            endpoint.projected = at + interval(limits.endpointRate());
        }
        if (app != null) {
            at = later(later(at, app.next), app.projected);
            app.projected = at + interval(limits.appRate());
        }
        sweep(now);
        return Duration.ofNanos(at - now);
    }

    private Schedule schedule(Map<String, Schedule> keys, String key, long now) {
        Schedule s = keys.computeIfAbsent(key, k -> new Schedule(now));
        // A slot never lies further ahead than the longest wait granted, unless the time source
        // went back (a wall clock set back): then the key starts afresh rather than stall that long.
        if (s.next - now > longestWait.toNanos() + NANOS_PER_SECOND) {
            s.next = now;
        }
        return s;
    }

    private static long later(long a, long b) {
        return b - a > 0 ? b : a;
    }

    /** Rounded up, so that {@code rate} slots never fit in less than a second. */
    private static long interval(int perSecond) {
        return (NANOS_PER_SECOND + perSecond - 1) / perSecond;
    }

    /** Drops keys whose next slot and last projection have passed: they are as free as keys never seen. */
    private void sweep(long now) {
        if (endpoints.size() + apps.size() < sweepAt) {
            return;
        }
        endpoints.values().removeIf(s -> s.next - now <= 0 && s.projected - now <= 0);
        apps.values().removeIf(s -> s.next - now <= 0 && s.projected - now <= 0);
        sweepAt = Math.max(SWEEP_FLOOR, 2 * (endpoints.size() + apps.size()));
    }

    /** Keys tracked now, for tests. */
    synchronized int tracked() {
        return endpoints.size() + apps.size();
    }
}
