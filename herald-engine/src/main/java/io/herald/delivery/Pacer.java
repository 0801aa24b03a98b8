package io.herald.delivery;

import io.herald.store.StoreFaults;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Holds attempts to the rate limits ({@code throttleRate}, 1.x {@code rateLimit}) of their
 * endpoint and application, across every node on the database: at most {@code rate} attempts start
 * per second to one endpoint, and at most the application's rate across all of its endpoints; and
 * to the pauses receivers ask for (a 429 or 503 with Retry-After, see {@link ReceiverPause}).
 *
 * <p><b>Slots.</b> A limited key (an endpoint, an application) has one slot every
 * {@code 1 s / rate}. The key's next free slot is kept in the database ({@link Shared}, table
 * {@code pace}); a node takes a <em>block</em> of consecutive slots in one statement (as many as it
 * has deliveries waiting for the key, at most one second's worth) and spaces its attempts within
 * the block, one interval apart, a burst of one. An attempt takes the earliest instant that a slot
 * of its endpoint's block and of its application's block both allow, moves both on one interval
 * past it, and waits until then. An attempt may start at {@code t} only if {@code t + interval}
 * still lies in its block, so attempts of all nodes to one key start at least one interval apart.
 * A key without a limit costs nothing: no block, no statement.
 *
 * <p><b>Pauses.</b> A receiver's pause moves its endpoint's next slot in the database past it and
 * is kept in memory here; every node reads the pauses not yet over at most every
 * {@link #PAUSE_REFRESH} of its clock, before an attempt, so an attempt to a paused endpoint,
 * limited or not, waits for the pause's end.
 *
 * <p>A delivery that cannot start soon enough goes back to the database, due when it could start:
 * {@link #project} hands out those instants one interval apart after every slot reserved or
 * projected before, so a backlog comes back at the rate it can be sent, not all at once.
 *
 * <p>Not guaranteed: that every slot is used. Slots of a block whose deliveries went away (handed
 * back, their endpoint disabled) are lost, and so are the slots a block skips when the other key
 * of its attempt is later; the rate is then lower, never higher. A node holding a block when a
 * pause begins elsewhere sends within that block's slots until it learns of the pause (within
 * {@link #PAUSE_REFRESH}). Nor does a reservation come back when its attempt does not happen: the
 * slot is simply not used. A projection is not a reservation: the delivery takes a slot when it
 * comes back, and may then have to wait behind deliveries that arrived meanwhile. Slots are instants
 * of the nodes' clocks: a node whose clock runs behind waits longer, one ahead sends sooner.
 */
final class Pacer {
    private static final Logger log = LoggerFactory.getLogger(Pacer.class);

    /**
     * Waits until the pacer's time reaches {@code until}, {@code nanos} after the wait was decided,
     * or less when the dispatcher is closing.
     */
    @FunctionalInterface
    interface Waiting {
        void waitUntil(long until, long nanos) throws InterruptedException;
    }

    /** The slots and pauses all nodes share: the database ({@link PaceSlots}). Times in epoch ms. */
    interface Shared {
        /**
         * Reserves {@code spanMs} of {@code key}'s slots from the later of its next free slot and
         * {@code fromMs}, when that lies no later than {@code latestMs}; else reserves nothing and
         * answers the next free slot.
         */
        Reserved reserve(String key, long fromMs, long latestMs, long spanMs);

        /** No slot of {@code key} before {@code untilMs}, and a pause until then for every node to read. */
        void pause(String key, long untilMs);

        /** The pauses that end after {@code nowMs}, by key. */
        Map<String, Long> pauses(long nowMs);

        /** Forgets keys whose slots and pauses are all before {@code beforeMs}: they are as free as new ones. */
        int purge(long beforeMs);
    }

    /** A block {@code [startMs, endMs)} of a key's slots; or, not granted, the key's next free slot in {@code startMs}. */
    record Reserved(boolean granted, long startMs, long endMs) {}

    /**
     * The limits one attempt keeps to: its endpoint's and its application's rates (null is no
     * limit), and its endpoint's own cap on attempts in flight on a node (null: the server's; kept by
     * {@link Lanes}, not here).
     */
    record Limits(Integer endpointRate, String appId, Integer appRate, Integer maxInFlight) {
        static final Limits NONE = new Limits(null, null, null, null);

        Limits(Integer endpointRate, String appId, Integer appRate) {
            this(endpointRate, appId, appRate, null);
        }

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

    /** At most this much of a key's slots are taken in one block. */
    static final Duration BLOCK_WINDOW = Duration.ofSeconds(1);
    /** How stale this node's view of other nodes' pauses may be, by its clock. */
    static final Duration PAUSE_REFRESH = Duration.ofMillis(500);
    /** How often keys unused for {@link #PURGE_AFTER} are deleted from the database. */
    static final Duration PURGE_EVERY = Duration.ofMinutes(10);
    static final Duration PURGE_AFTER = Duration.ofHours(1);
    /** Below this many keys, stale entries are not worth sweeping. */
    private static final int SWEEP_FLOOR = 1_024;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long NANOS_PER_MS = 1_000_000L;
    /** Rounds of take-a-slot-or-fetch-a-block before an attempt gives up for now (others took each block first). */
    private static final int MAX_ROUNDS = 8;
    private static final long NEVER = Long.MIN_VALUE;

    /** This node's view of one limited key. Guarded by the pacer's lock, except {@code fetching}. */
    private static final class Key {
        /** The earliest instant this node's next attempt may start within its block. */
        long next;
        /** The end of this node's block: an attempt at {@code t} needs {@code t + interval <= end}. */
        long end;
        /** No slot of this key is free anywhere before it, as last seen (the database's next free slot). */
        long floor;
        /** The instant after this node's last projection. */
        long projected;
        /** Attempts asking for this key's slots right now. */
        int asking;
        /** Held while a block is fetched, so that an attempt waiting for one does not fetch another. */
        final ReentrantLock fetching = new ReentrantLock();
    }

    private final LongSupplier nanoTime;
    private final Waiting waiting;
    private final Shared shared;
    private final ToIntFunction<String> waitingFor;
    private final Map<String, Key> keys = new HashMap<>();
    /** Pauses by endpoint id, in epoch nanoseconds: this node's and those read from the database. */
    private final ConcurrentHashMap<String, Long> pauses = new ConcurrentHashMap<>();
    private final AtomicLong pausesReadAt = new AtomicLong(NEVER);
    private final AtomicLong purgedAt = new AtomicLong(NEVER);
    private int sweepAt = SWEEP_FLOOR;

    /**
     * {@code nanoTime}: the time source, in epoch nanoseconds (the injected clock's, so that slots
     * compare across nodes). {@code waitingFor}: how many deliveries this node holds for an endpoint,
     * running or waiting (the size of the block worth taking).
     */
    Pacer(LongSupplier nanoTime, Waiting waiting, Shared shared, ToIntFunction<String> waitingFor) {
        this.nanoTime = nanoTime;
        this.waiting = waiting;
        this.shared = shared;
        this.waitingFor = waitingFor;
    }

    /**
     * Takes the next slot of endpoint {@code endpointId} under {@code limits} (and after its pause)
     * and waits for it.
     *
     * @return the slot taken, once it is reached; or, when it is further away than {@code maxWait},
     *         the slot refused, and this attempt takes no slot (its endpoint's block may have been
     *         reserved for the ones after it)
     */
    Slot await(String endpointId, Limits limits, Duration maxWait) throws InterruptedException {
        long now = nanoTime.getAsLong();
        long paused = pausedUntil(endpointId, now);
        Round r;
        if (!limits.limited()) {
            long wait = Math.max(now, paused) - now;
            r = Round.decided(now, wait > maxWait.toNanos() ? -wait : wait);
        } else {
            r = reserve(endpointId, limits, maxWait.toNanos());
        }
        if (r.nanos() < 0) {
            return new Slot(false, Duration.ofNanos(-r.nanos()));
        }
        if (r.nanos() > 0) {
            waiting.waitUntil(r.now() + r.nanos(), r.nanos());
        }
        return r.nanos() == 0 ? Slot.AT_ONCE : new Slot(true, Duration.ofNanos(r.nanos()));
    }

    /**
     * The decision of one round at {@code now}: a wait (refused when negative), or a block to fetch
     * first.
     */
    private record Round(long now, long nanos, Key fetch, String key, int rate, long from, long latest) {
        static Round decided(long now, long nanos) {
            return new Round(now, nanos, null, null, 0, 0, 0);
        }
    }

    /** The round that decided: the nanoseconds to wait for the slot taken; negative (minus the wait) when refused. */
    private Round reserve(String endpointId, Limits limits, long maxWaitNanos) {
        Key ep;
        Key app;
        synchronized (this) {
            long now = nanoTime.getAsLong();
            ep = limits.endpointRate() == null ? null : key(endpointId);
            app = limits.appRate() == null ? null : key(limits.appId());
            if (ep != null) {
                ep.asking++;
            }
            if (app != null) {
                app.asking++;
            }
            sweep(now);
        }
        try {
            Round r = null;
            for (int round = 0; round < MAX_ROUNDS; round++) {
                synchronized (this) {
                    r = decide(endpointId, ep, app, limits, maxWaitNanos);
                }
                if (r.fetch() == null) {
                    return r;
                }
                fetch(r, endpointId);
            }
            // Other attempts on this node took each new block first: come back when the last one would have.
            long now = nanoTime.getAsLong();
            return Round.decided(now, -Math.max(1, r.from() - now));
        } finally {
            synchronized (this) {
                if (ep != null) {
                    ep.asking--;
                }
                if (app != null) {
                    app.asking--;
                }
            }
        }
    }

    /** One round under the lock: the slot both keys' blocks allow, taken; or refused; or the block to fetch. */
    private Round decide(String endpointId, Key ep, Key app, Limits limits, long maxWaitNanos) {
        long now = nanoTime.getAsLong();
        long latest = now + maxWaitNanos;
        long t = Math.max(now, pauses.getOrDefault(endpointId, NEVER));
        boolean moved = true;
        while (moved) {
            moved = false;
            for (int i = 0; i < 2; i++) {
                Key k = i == 0 ? ep : app;
                if (k == null) {
                    continue;
                }
                long interval = interval(i == 0 ? limits.endpointRate() : limits.appRate());
                long s = Math.max(t, k.next);
                if (s + interval > k.end) {
                    // This node's block cannot take it: a new block, from the key's next free slot at the earliest.
                    long from = Math.max(s, k.floor);
                    if (from > latest) {
                        return Round.decided(now, -(from - now));
                    }
                    return new Round(now, 0, k, i == 0 ? endpointId : limits.appId(),
                            i == 0 ? limits.endpointRate() : limits.appRate(), from, latest);
                }
                if (s > t) {
                    t = s;
                    moved = true;
                }
            }
        }
        if (t > latest) {
            return Round.decided(now, -(t - now));
        }
        if (ep != null) {
            ep.next = t + interval(limits.endpointRate());
        }
        if (app != null) {
            app.next = t + interval(limits.appRate());
        }
        return Round.decided(now, t - now);
    }

    /** Reserves a block of {@code r}'s key in the database, unless another attempt fetched one meanwhile. */
    private void fetch(Round r, String endpointId) {
        Key k = r.fetch();
        long interval = interval(r.rate());
        k.fetching.lock();
        try {
            int slots;
            synchronized (this) {
                if (Math.max(r.from(), k.next) + interval <= k.end) {
                    return; // fetched while this attempt waited for the lock
                }
                long cap = Math.max(1, r.rate() * BLOCK_WINDOW.toNanos() / NANOS_PER_SECOND);
                slots = (int) Math.min(cap, Math.max(1, Math.max(k.asking, waitingFor.applyAsInt(endpointId))));
            }
            long spanMs = ceilDiv(slots * interval, NANOS_PER_MS);
            long fromMs = ceilDiv(r.from(), NANOS_PER_MS);
            long latestMs = Math.max(fromMs, Math.floorDiv(r.latest(), NANOS_PER_MS));
            Reserved got = shared.reserve(r.key(), fromMs, latestMs, spanMs);
            synchronized (this) {
                if (got.granted()) {
                    k.next = got.startMs() * NANOS_PER_MS;
                    k.end = got.endMs() * NANOS_PER_MS;
                }
                k.floor = Math.max(k.floor, got.granted() ? got.endMs() * NANOS_PER_MS : got.startMs() * NANOS_PER_MS);
            }
        } finally {
            k.fetching.unlock();
        }
    }

    /**
     * When a delivery to {@code endpointId} that cannot start now should come back: no earlier than
     * {@code ahead} intervals from now (deliveries already waiting for a slot on this node), after
     * its endpoint's pause, and after every slot reserved or projected so far; the next projection
     * comes one interval later. Reserves nothing and reads nothing from the database. Returns the
     * time from now.
     */
    synchronized Duration project(String endpointId, Limits limits, int ahead) {
        long now = nanoTime.getAsLong();
        long at = Math.max(now, pauses.getOrDefault(endpointId, NEVER));
        if (!limits.limited()) {
            return Duration.ofNanos(at - now);
        }
        at = Math.max(at, now + ahead * limits.intervalNanos());
        for (int i = 0; i < 2; i++) {
            Integer rate = i == 0 ? limits.endpointRate() : limits.appRate();
            if (rate == null) {
                continue;
            }
            Key k = key(i == 0 ? endpointId : limits.appId());
            long interval = interval(rate);
            at = Math.max(at, Math.max(k.next, k.projected));
            if (at + interval > k.end) {
                at = Math.max(at, k.floor);
            }
            k.projected = at + interval;
        }
        sweep(now);
        return Duration.ofNanos(at - now);
    }

    /** Waits {@code d} of the pacer's time, or less when the dispatcher is closing. */
    void sleep(Duration d) throws InterruptedException {
        waiting.waitUntil(nanoTime.getAsLong() + d.toNanos(), d.toNanos());
    }

    /**
     * The receiver of {@code endpointId} asked for a pause until {@code until}: no attempt to it
     * starts before, on this node at once, on the others once they read it. Never throws: when the
     * database cannot take it, the pause holds on this node only.
     */
    void pause(String endpointId, Instant until) {
        long u = nanos(until);
        pauses.merge(endpointId, u, Math::max);
        synchronized (this) {
            Key k = keys.get(endpointId);
            if (k != null) {
                k.floor = Math.max(k.floor, u);
                k.next = Math.max(k.next, u);
            }
        }
        try {
            shared.pause(endpointId, until.toEpochMilli());
        } catch (RuntimeException e) {
            StoreFaults.logAt(log, Level.WARN, e).log("endpoint {}: could not share its receiver's pause until {}; it holds on this node only",
                    endpointId, until);
        }
    }

    /** The end of {@code endpointId}'s pause, or {@link #NEVER}; reads the others' pauses first when they are stale. */
    private long pausedUntil(String endpointId, long now) {
        long readAt = pausesReadAt.get();
        if ((readAt == NEVER || now - readAt >= PAUSE_REFRESH.toNanos()) && pausesReadAt.compareAndSet(readAt, now)) {
            refreshPauses(now);
        }
        Long until = pauses.get(endpointId);
        return until == null ? NEVER : until;
    }

    private void refreshPauses(long now) {
        long nowMs = Math.floorDiv(now, NANOS_PER_MS);
        try {
            shared.pauses(nowMs).forEach((key, untilMs) -> pauses.merge(key, untilMs * NANOS_PER_MS, Math::max));
            pauses.values().removeIf(until -> until <= now);
            long purged = purgedAt.get();
            if ((purged == NEVER || now - purged >= PURGE_EVERY.toNanos()) && purgedAt.compareAndSet(purged, now)) {
                shared.purge(nowMs - PURGE_AFTER.toMillis());
            }
        } catch (RuntimeException e) {
            // Pauses are advice: an attempt goes on with what this node knew.
            StoreFaults.logAt(log, Level.WARN, e).log("could not read the pauses receivers asked for; going on with those known");
        }
    }

    private Key key(String id) {
        return keys.computeIfAbsent(id, k -> new Key());
    }

    /** Rounded up, so that {@code rate} slots never fit in less than a second. */
    private static long interval(int perSecond) {
        return (NANOS_PER_SECOND + perSecond - 1) / perSecond;
    }

    private static long ceilDiv(long a, long b) {
        return Math.ceilDiv(a, b);
    }

    private static long nanos(Instant t) {
        return t.getEpochSecond() * NANOS_PER_SECOND + t.getNano();
    }

    /** Drops keys whose block, floor and last projection have passed and that nobody asks for: as free as keys never seen. */
    private void sweep(long now) {
        if (keys.size() < sweepAt) {
            return;
        }
        keys.values().removeIf(k -> k.asking == 0 && !k.fetching.isLocked() && k.end <= now && k.next <= now
                && k.floor <= now && k.projected <= now);
        sweepAt = Math.max(SWEEP_FLOOR, 2 * keys.size());
    }

    /** Keys tracked now, for tests. */
    synchronized int tracked() {
        return keys.size();
    }
}
