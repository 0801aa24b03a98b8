package io.herald.delivery;

import io.herald.store.Store;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;

/**
 * The rate-limit slots every node shares, in table {@code pace}: per limited key (an endpoint's or
 * an application's id) the instant of its next free slot, and the end of the latest pause a
 * receiver asked for. Times are epoch milliseconds of the nodes' clocks, compared across nodes as
 * leases are (keep them in NTP sync).
 *
 * <p>Each call is one statement (two when a reservation is refused) that commits on its own. On
 * PostgreSQL it runs in auto-commit on a pooled connection, not through the group-committing
 * writers: a batch holds its row locks until it commits, and two batches moving two keys in
 * opposite orders would deadlock; one statement on one row holds its lock only while it runs. On
 * SQLite it goes through the one writer, as every write does.
 */
final class PaceSlots implements Pacer.Shared {
    private final Store store;

    PaceSlots(Store store) {
        this.store = store;
    }

    private <T> T write(HandleCallback<T, RuntimeException> statement) {
        return store.dialect().singleWriter() ? store.inTransaction(statement) : store.read(statement);
    }

    @Override
    public Pacer.Reserved reserve(String key, long fromMs, long latestMs, long spanMs) {
        Optional<Long> end = write(h -> h.createQuery("""
                INSERT INTO pace (pace_key, next_at, paused_until) VALUES (:key, :from + :span, 0)
                ON CONFLICT (pace_key) DO UPDATE
                SET next_at = (CASE WHEN pace.next_at > :from THEN pace.next_at ELSE :from END) + :span
                WHERE pace.next_at <= :latest
                RETURNING next_at""")
                .bind("key", key).bind("from", fromMs).bind("span", spanMs).bind("latest", latestMs)
                .mapTo(Long.class).findOne());
        if (end.isPresent()) {
            return new Pacer.Reserved(true, end.get() - spanMs, end.get());
        }
        // Its next slot lies beyond latestMs: nothing was reserved. Another node may have moved it
        // meanwhile, never back: what this reads is still a lower bound.
        long next = store.read(h -> nextAt(h, key)).orElse(fromMs);
        return new Pacer.Reserved(false, next, next);
    }

    private static Optional<Long> nextAt(Handle h, String key) {
        return h.createQuery("SELECT next_at FROM pace WHERE pace_key = :key").bind("key", key)
                .mapTo(Long.class).findOne();
    }

    @Override
    public void pause(String key, long untilMs) {
        write(h -> h.createUpdate("""
                INSERT INTO pace (pace_key, next_at, paused_until) VALUES (:key, :until, :until)
                ON CONFLICT (pace_key) DO UPDATE
                SET next_at = CASE WHEN pace.next_at > :until THEN pace.next_at ELSE :until END,
                    paused_until = CASE WHEN pace.paused_until > :until THEN pace.paused_until ELSE :until END""")
                .bind("key", key).bind("until", untilMs).execute());
    }

    @Override
    public Map<String, Long> pauses(long nowMs) {
        Map<String, Long> pauses = new HashMap<>();
        store.read(h -> h.createQuery("SELECT pace_key, paused_until FROM pace WHERE paused_until > :now")
                .bind("now", nowMs)
                .map((rs, ctx) -> Map.entry(rs.getString("pace_key"), rs.getLong("paused_until")))
                .list()).forEach(e -> pauses.put(e.getKey(), e.getValue()));
        return pauses;
    }

    @Override
    public int purge(long beforeMs) {
        return write(h -> h.createUpdate("DELETE FROM pace WHERE next_at < :before AND paused_until < :before")
                .bind("before", beforeMs).execute());
    }
}
