package io.herald.delivery;

import io.herald.store.Dialect;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * Per-endpoint FIFO (an endpoint's {@code "ordering": "fifo"}): message k+1 goes out only after
 * message k has ended (succeeded, failed for good, or been given up: its content deleted, its
 * endpoint disabled). Its deliveries are written held (status {@code held}), in the order they
 * are written ({@link Dialect#writeOrder()}), and let out one at a time: {@link #advance} makes the
 * first held one pending, due now, and remembers it as the endpoint's {@code fifo_active}; the next
 * is let out only once that one is neither pending nor held. Retries keep the order (the active
 * one is retried on its schedule while the rest wait), and so do crashes: a node that dies holding
 * the active one leaves it to its lease, and nothing else is let out meanwhile.
 *
 * <p>Every step locks the endpoint row first ({@link Dialect#rowLockClause()}), so two nodes never
 * let out two deliveries of one endpoint. The price is head-of-line blocking: one message that keeps
 * failing holds up all that follow it for as long as its retry schedule lasts (75 hours by default;
 * the endpoint's {@code retry} shortens it), or until its circuit opens, when the active one is the
 * probe.
 *
 * <p>Not guaranteed: the order of messages written concurrently (neither committed before the
 * other began), which is whichever the database wrote first; nor exactly-once: the active message
 * may be sent again after a crash, before the next.
 */
final class Fifo {
    /** FIFO endpoints advanced per tick at most. */
    static final int ENDPOINTS_PER_TICK = 500;
    /** Held deliveries failed per call for a FIFO endpoint that was disabled. */
    static final int FAIL_CHUNK = 1_000;

    private Fifo() {}

    /**
     * Lets out the next delivery of each FIFO endpoint among {@code endpointIds} (every FIFO endpoint
     * when null, at most {@link #ENDPOINTS_PER_TICK}) whose active delivery has ended; fails the held
     * deliveries of disabled ones. Returns how many it let out.
     */
    static int advance(Handle h, Dialect dialect, Collection<String> endpointIds, long now) {
        // 'fifo' is a literal, not a parameter: the partial index endpoint_fifo serves only that condition.
        List<String> candidates = endpointIds == null
                ? h.createQuery("SELECT id FROM endpoint WHERE ordering = 'fifo' ORDER BY id LIMIT :limit")
                        .bind("limit", ENDPOINTS_PER_TICK).mapTo(String.class).list()
                : endpointIds.stream().sorted().toList();
        int letOut = 0;
        for (String endpointId : candidates) {
            letOut += advanceOne(h, dialect, endpointId, now) ? 1 : 0;
        }
        return letOut;
    }

    private static boolean advanceOne(Handle h, Dialect dialect, String endpointId, long now) {
        record State(boolean disabled, boolean open, String active) {}
        Optional<State> state = h.createQuery("""
                SELECT disabled, circuit_until, fifo_active FROM endpoint WHERE id = :id AND ordering = 'fifo'"""
                        + " " + dialect.rowLockClause())
                .bind("id", endpointId)
                .map((rs, ctx) -> new State(rs.getBoolean("disabled"), rs.getObject("circuit_until") != null,
                        rs.getString("fifo_active")))
                .findOne();
        if (state.isEmpty()) {
            return false;
        }
        if (state.get().disabled()) {
            // Disabled: what waits its turn fails, as a disabled endpoint's deliveries do (recover replays them).
            h.createUpdate("""
                    UPDATE delivery SET status = :failed, next_attempt_at = NULL, version = version + 1, updated_at = :now
                    WHERE id IN (SELECT id FROM delivery WHERE endpoint_id = :ep AND status = 'held' LIMIT :chunk)""")
                    .bind("failed", Deliveries.FAILED).bind("now", now).bind("ep", endpointId).bind("chunk", FAIL_CHUNK)
                    .execute();
            return false;
        }
        String active = state.get().active();
        if (active != null && live(h, active)) {
            return false;
        }
        if (state.get().open()) {
            // The circuit is open: its probe lets the next one out (see Breaker.probes).
            return false;
        }
        Optional<String> next = h.createQuery("SELECT id FROM delivery WHERE endpoint_id = :ep AND status = 'held' ORDER BY "
                        + dialect.writeOrder() + " LIMIT 1")
                .bind("ep", endpointId).mapTo(String.class).findOne();
        h.createUpdate("UPDATE endpoint SET fifo_active = :next WHERE id = :id")
                .bind("next", next.orElse(null)).bind("id", endpointId).execute();
        if (next.isEmpty()) {
            return false;
        }
        h.createUpdate("""
                UPDATE delivery SET status = 'pending', next_attempt_at = :now, version = version + 1, updated_at = :now
                WHERE id = :id""")
                .bind("now", now).bind("id", next.get()).execute();
        return true;
    }

    /** True while {@code deliveryId} is pending or held: it has not ended. */
    private static boolean live(Handle h, String deliveryId) {
        return h.createQuery("SELECT status FROM delivery WHERE id = :id").bind("id", deliveryId).mapTo(String.class)
                .findOne().map(s -> s.equals(Deliveries.PENDING) || s.equals(Deliveries.HELD)).orElse(false);
    }
}
