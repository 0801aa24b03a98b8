package io.herald.delivery;

import io.herald.store.Store;
import io.herald.store.StoreFaults;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.jdbi.v3.core.HandleCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * An endpoint's own cap on attempts in flight ({@code maxInFlight}) across every node on the
 * database: table {@code flight} holds one row per attempt in flight to an endpoint that sets it,
 * taken just before the request and given back once the answer (or the failure) is in. An endpoint
 * without its own cap costs nothing here: it keeps to the server's cap per node, in its lane.
 *
 * <p>Taking a row is one short transaction: it locks the endpoint's row of {@code pace} (made if
 * missing), so that two nodes counting at once count one after the other, drops the endpoint's rows
 * that have expired, and inserts this attempt's only if fewer than the cap are left. Giving it back
 * is one statement. On PostgreSQL both run on a pooled connection of their own, not in a group
 * commit (a batch would hold the endpoint's lock until all its works are done); on SQLite through
 * the writer. So a capped endpoint costs two commits per attempt more.
 *
 * <p>Not guaranteed: that a node that dies mid-attempt gives its row back; it counts until its
 * {@code held_until}, the attempt's timeout plus {@link DispatcherSettings#LEASE_MARGIN} after
 * it was taken. Nor that a slot of its rate limit, taken before, is used when the cap is full: the
 * delivery goes back to the table without its slot.
 */
final class Flight {
    private static final Logger log = LoggerFactory.getLogger(Flight.class);
    /** How often an attempt whose endpoint has its cap in flight asks again, by the injected clock. */
    static final Duration FULL_RETRY = Duration.ofMillis(250);
    /** How long a delivery given back for a full cap waits before it is claimed again. */
    static final Duration FULL_BACKOFF = Duration.ofSeconds(1);

    /** A row of {@code flight} held by one attempt; closing it gives it back and never throws. */
    interface Permit extends AutoCloseable {
        /** True when the attempt waited for its place: what it read before may be stale. */
        boolean waited();

        @Override
        void close();
    }

    /** A place held by {@code holder}, or none ({@code endpointId} null) for an endpoint without its own cap. */
    private record Place(String endpointId, String holder, boolean waited, Flight flight) implements Permit {
        @Override
        public void close() {
            if (endpointId != null) {
                flight.release(endpointId, holder);
            }
        }
    }

    /** For an endpoint without its own cap: nothing held, nothing to give back. */
    static final Permit UNCAPPED = new Place(null, null, false, null);

    private final Store store;
    private final Clock clock;
    private final Pacer pacer;

    Flight(Store store, Clock clock, Pacer pacer) {
        this.store = store;
        this.clock = clock;
        this.pacer = pacer;
    }

    /**
     * A place in flight for {@code c}'s attempt, which may last {@code timeout}, under its endpoint's
     * {@code cap} (null: none of its own, nothing to take). While the cap is full the attempt asks
     * again every {@link #FULL_RETRY} of the clock, keeping its place in its lane (so the deliveries
     * behind it wait there, not in the table), for up to {@code maxWait}; empty when it is still
     * full then, or {@code going} turned false (the dispatcher is closing).
     */
    Optional<Permit> take(Deliveries.Claim c, Integer cap, Duration timeout, Duration maxWait, BooleanSupplier going)
            throws InterruptedException {
        if (cap == null) {
            return Optional.of(UNCAPPED);
        }
        long deadline = clock.millis() + maxWait.toMillis();
        for (boolean waited = false; ; waited = true) {
            Optional<Permit> p = once(c, cap, timeout, waited);
            if (p.isPresent() || !going.getAsBoolean() || clock.millis() + FULL_RETRY.toMillis() > deadline) {
                return p;
            }
            pacer.sleep(FULL_RETRY);
        }
    }

    private Optional<Permit> once(Deliveries.Claim c, Integer cap, Duration timeout, boolean waited) {
        long now = clock.millis();
        // One per claim of the delivery: a later claim (another node's, after a lost lease) holds its own.
        String holder = c.id() + "/" + c.version();
        boolean taken = transaction(h -> {
            h.createUpdate("""
                    INSERT INTO pace (pace_key, next_at, paused_until) VALUES (:ep, 0, 0)
                    ON CONFLICT (pace_key) DO UPDATE SET next_at = pace.next_at""")
                    .bind("ep", c.endpointId()).execute();
            h.createUpdate("DELETE FROM flight WHERE endpoint_id = :ep AND held_until <= :now")
                    .bind("ep", c.endpointId()).bind("now", now).execute();
            return h.createUpdate("""
                    INSERT INTO flight (endpoint_id, holder, held_until)
                    SELECT :ep, :holder, :until
                    WHERE (SELECT COUNT(*) FROM flight WHERE endpoint_id = :ep) < :cap""")
                    .bind("ep", c.endpointId()).bind("holder", holder).bind("cap", cap)
                    .bind("until", now + timeout.plus(DispatcherSettings.LEASE_MARGIN).toMillis())
                    .execute() == 1;
        });
        if (!taken) {
            return Optional.empty();
        }
        return Optional.of(new Place(c.endpointId(), holder, waited, this));
    }

    private void release(String endpointId, String holder) {
        try {
            write(h -> h.createUpdate("DELETE FROM flight WHERE endpoint_id = :ep AND holder = :holder")
                    .bind("ep", endpointId).bind("holder", holder).execute());
        } catch (RuntimeException e) {
            StoreFaults.logAt(log, Level.WARN, e).log("endpoint {}: could not give back a place in flight; it counts until it expires", endpointId);
        }
    }

    private <T> T transaction(HandleCallback<T, RuntimeException> work) {
        return store.dialect().singleWriter() ? store.inTransaction(work) : store.jdbi().inTransaction(work);
    }

    private <T> T write(HandleCallback<T, RuntimeException> work) {
        return store.dialect().singleWriter() ? store.inTransaction(work) : store.read(work);
    }
}
