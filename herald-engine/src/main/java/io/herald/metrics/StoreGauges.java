package io.herald.metrics;

import io.herald.store.Store;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gauges read from the database when scraped: deliveries pending and held, the age of the oldest
 * due one, endpoints by state. One scrape reads one {@link ServerOverview} (bounded queries, counts
 * stopping at {@link #COUNT_CAP}), kept {@link #FRESH_MILLIS} so that scrapes, however frequent,
 * cost the database at most that often. While the database does not answer, the gauges read NaN.
 */
public final class StoreGauges {
    /** How long a snapshot is served before the next scrape reads another (by the engine's clock). */
    static final long FRESH_MILLIS = 2_000;
    /** Counts above this read as this: enough to alert on, bounded to scan. */
    public static final long COUNT_CAP = ServerOverview.COUNT_CAP;

    private record Snapshot(long at, double pending, double held, double oldestDueAge, double active, double failing,
                            double disabled) {}

    private static final Snapshot UNKNOWN = new Snapshot(Long.MIN_VALUE, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
            Double.NaN, Double.NaN);

    private static final Logger log = LoggerFactory.getLogger(StoreGauges.class);

    private final Store store;
    private final Clock clock;
    private Snapshot snapshot = UNKNOWN;

    private StoreGauges(Store store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    public static void register(MeterRegistry registry, Store store, Clock clock) {
        StoreGauges g = new StoreGauges(store, clock);
        g.gauge(registry, "herald.deliveries.pending", "Deliveries waiting to be attempted (due or scheduled later)",
                null, Snapshot::pending);
        g.gauge(registry, "herald.deliveries.held", "Deliveries held while their endpoint's circuit is open, or waiting "
                + "their turn on a FIFO endpoint", null, Snapshot::held);
        g.gauge(registry, "herald.deliveries.oldest.due.age.seconds", "How long the pending delivery due first has been "
                + "due (0 when none is due)", null, Snapshot::oldestDueAge);
        g.gauge(registry, "herald.endpoints", "Endpoints by state", "active", Snapshot::active);
        g.gauge(registry, "herald.endpoints", "Endpoints by state", "failing", Snapshot::failing);
        g.gauge(registry, "herald.endpoints", "Endpoints by state", "disabled", Snapshot::disabled);
    }

    private void gauge(MeterRegistry registry, String name, String description, String state, ToDoubleFunction<Snapshot> f) {
        Gauge.Builder<StoreGauges> b = Gauge.builder(name, this, g -> f.applyAsDouble(g.current())).description(description)
                .strongReference(true); // nothing else holds this: a weak reference would read NaN after a GC
        if (state != null) {
            b.tag("state", state);
        }
        b.register(registry);
    }

    private synchronized Snapshot current() {
        long now = clock.millis();
        if (snapshot != UNKNOWN && now - snapshot.at() < FRESH_MILLIS && now >= snapshot.at()) {
            return snapshot;
        }
        try {
            ServerOverview o = ServerOverview.read(store, now);
            snapshot = new Snapshot(now, o.pending(), o.held(), o.oldestDueMillis() / 1000.0, o.active(), o.failing(),
                    o.disabled());
        } catch (RuntimeException e) {
            log.debug("reading the delivery and endpoint gauges failed", e);
            snapshot = new Snapshot(now, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        return snapshot;
    }
}
