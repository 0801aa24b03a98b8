package io.herald.metrics;

import io.herald.attempt.Attempt;
import io.herald.store.Ids;
import io.herald.store.Store;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * The server's state at a glance, read from the database in one transaction: deliveries pending
 * and held, how long the pending delivery due first has been due, endpoints by state, and the
 * attempts of the last {@link #WINDOW_MILLIS} by outcome. The metrics' gauges ({@link StoreGauges})
 * and the console's home page read it. Every query is bounded: the counts of deliveries and of
 * attempts stop at {@link #COUNT_CAP} (partial indexes {@code delivery_due} and {@code
 * delivery_held}; the attempt's primary key, whose ids sort by creation time, see {@link
 * Ids#lastAt}); the endpoint table holds one row per endpoint.
 *
 * <p>{@code failing} endpoints are enabled ones whose last attempt failed; {@code circuitOpen} of
 * them have their circuit open; {@code oldestDueMillis} is 0 when nothing pending is due.
 */
public record ServerOverview(long at, long pending, long held, long oldestDueMillis, long endpoints, long failing,
                             long circuitOpen, long disabled, long succeededLastMinute, long failedLastMinute) {
    /** Counts above this read as this: enough to alert on, bounded to scan. */
    public static final long COUNT_CAP = 1_000_000;
    /** The window of the attempt counts. */
    public static final long WINDOW_MILLIS = 60_000;

    /** Reads the overview as of {@code now} (the engine's clock, epoch millis). */
    public static ServerOverview read(Store store, long now) {
        return store.read(h -> read(h, now));
    }

    static ServerOverview read(Handle h, long now) {
        long pending = h.createQuery("SELECT COUNT(*) FROM (SELECT 1 FROM delivery WHERE status = 'pending' LIMIT "
                + COUNT_CAP + ") p").mapTo(Long.class).one();
        long held = h.createQuery("SELECT COUNT(*) FROM (SELECT 1 FROM delivery WHERE status = 'held' LIMIT "
                + COUNT_CAP + ") p").mapTo(Long.class).one();
        // ORDER BY … LIMIT 1 rather than MIN(): one step down delivery_due on both databases.
        Long firstDue = h.createQuery("SELECT next_attempt_at FROM delivery WHERE status = 'pending' "
                        + "AND next_attempt_at IS NOT NULL ORDER BY next_attempt_at LIMIT 1")
                .mapTo(Long.class).findOne().orElse(null);
        Map<String, Object> eps = h.createQuery("SELECT "
                        + "COALESCE(SUM(CASE WHEN disabled THEN 1 ELSE 0 END), 0) AS disabled, "
                        + "COALESCE(SUM(CASE WHEN NOT disabled AND failures > 0 THEN 1 ELSE 0 END), 0) AS failing, "
                        + "COALESCE(SUM(CASE WHEN NOT disabled AND circuit_until IS NOT NULL THEN 1 ELSE 0 END), 0) AS circuit, "
                        + "COUNT(*) AS total FROM endpoint")
                .mapToMap().one();
        // Attempts made after now - WINDOW: a range of the primary key, never more than COUNT_CAP rows.
        Map<String, Object> atts = h.createQuery("SELECT "
                        + "COALESCE(SUM(CASE WHEN status = " + Attempt.SUCCESS + " THEN 1 ELSE 0 END), 0) AS ok, "
                        + "COALESCE(SUM(CASE WHEN status = " + Attempt.FAIL + " THEN 1 ELSE 0 END), 0) AS failed "
                        + "FROM (SELECT status FROM attempt WHERE id > :after LIMIT " + COUNT_CAP + ") a")
                .bind("after", Ids.lastAt("atmpt", now - WINDOW_MILLIS))
                .mapToMap().one();
        long age = firstDue == null || firstDue > now ? 0 : now - firstDue;
        return new ServerOverview(now, pending, held, age, number(eps, "total"), number(eps, "failing"),
                number(eps, "circuit"), number(eps, "disabled"), number(atts, "ok"), number(atts, "failed"));
    }

    private static long number(Map<String, Object> row, String column) {
        return ((Number) row.get(column)).longValue();
    }

    /** Enabled endpoints whose last attempt did not fail. */
    public long active() {
        return endpoints - failing - disabled;
    }

    /** Whether {@code count}, one of this overview's, stopped at {@link #COUNT_CAP}. */
    public static boolean capped(long count) {
        return count >= COUNT_CAP;
    }
}
