package io.herald.metrics;

import io.herald.store.Store;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The opt-in per-endpoint gauge ({@code HERALD_METRICS_TOP_ENDPOINTS}): {@code
 * herald_endpoint_deliveries_pending{app_id, endpoint_id}} for the {@code n} endpoints with the most
 * deliveries pending, and no others, so the number of series stays at most {@code n} however many
 * endpoints there are. Read before a scrape, at most every {@link #FRESH_MILLIS} (by the engine's
 * clock): one grouped count over the pending deliveries (the partial index {@code delivery_due}),
 * stopped at {@link StoreGauges#COUNT_CAP} rows, so its cost grows with the backlog up to that
 * bound. Endpoints that leave the top go away from the next scrape.
 */
public final class TopEndpoints {
    /** Endpoints the setting may ask for at most. */
    public static final int MAX = 100;
    static final long FRESH_MILLIS = 15_000;
    private static final Logger log = LoggerFactory.getLogger(TopEndpoints.class);

    private final Store store;
    private final Clock clock;
    private final int n;
    private final MultiGauge gauge;
    private long readAt = Long.MIN_VALUE;

    public TopEndpoints(Store store, Clock clock, int n, MeterRegistry registry) {
        if (n < 1 || n > MAX) {
            throw new IllegalArgumentException("the top may hold 1 to " + MAX + " endpoints, not " + n);
        }
        this.store = store;
        this.clock = clock;
        this.n = n;
        this.gauge = MultiGauge.builder("herald.endpoint.deliveries.pending")
                .description("Deliveries pending for each of the endpoints with the most (HERALD_METRICS_TOP_ENDPOINTS)")
                .register(registry);
    }

    private record Count(String appId, String endpointId, long pending) {}

    /** Reads the top again when the last reading is older than {@link #FRESH_MILLIS}. */
    public synchronized void refresh() {
        long now = clock.millis();
        if (readAt != Long.MIN_VALUE && now >= readAt && now - readAt < FRESH_MILLIS) {
            return;
        }
        readAt = now;
        List<Count> top;
        try {
            top = store.read(h -> h.createQuery("SELECT app_id, endpoint_id, COUNT(*) AS pending FROM (SELECT app_id, "
                            + "endpoint_id FROM delivery WHERE status = 'pending' LIMIT " + StoreGauges.COUNT_CAP + ") d "
                            + "GROUP BY app_id, endpoint_id ORDER BY pending DESC, endpoint_id LIMIT " + n)
                    .map((rs, ctx) -> new Count(rs.getString("app_id"), rs.getString("endpoint_id"), rs.getLong("pending")))
                    .list());
        } catch (RuntimeException e) {
            log.debug("reading the endpoints with the most pending deliveries failed", e);
            return; // the last reading stays
        }
        gauge.register(top.stream().map(c -> MultiGauge.Row.of(Tags.of("app_id", c.appId(), "endpoint_id", c.endpointId()),
                c.pending())).toList(), true);
    }
}
