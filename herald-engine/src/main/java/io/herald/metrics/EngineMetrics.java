package io.herald.metrics;

import io.herald.retention.Retention;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * The engine's meters, in the registry the embedder gives {@link io.herald.Herald#start}. Names
 * are Micrometer's dotted ones; a Prometheus registry writes them as {@code herald_…_total} and
 * {@code …_seconds}. No meter has a per-application or per-endpoint label: their number would grow
 * with the data.
 */
public final class EngineMetrics {
    private final MeterRegistry registry;
    private final Counter published;
    private final Map<String, Counter> attempts = new ConcurrentHashMap<>();
    private final Map<String, Counter> plans = new ConcurrentHashMap<>();
    private final Timer attemptDuration;

    public EngineMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.published = Counter.builder("herald.messages.published")
                .description("Messages accepted by a publish (each one once, however many endpoints it goes to)")
                .register(registry);
        this.attemptDuration = Timer.builder("herald.attempt.duration")
                .description("Time from sending an attempt to having its response (or failure)")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(5))
                .maximumExpectedValue(Duration.ofMinutes(3))
                .register(registry);
    }

    /** Meters that go nowhere (a registry of their own): for embedders and tests that read none. */
    public static EngineMetrics none() {
        return new EngineMetrics(new SimpleMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** {@code n} messages were published (committed). */
    public void published(int n) {
        published.increment(n);
    }

    /**
     * A publish planned its writes: from this node's {@code snapshot} of the application, or from a
     * {@code read} of the database; {@code stale} when its insert found a snapshot or read out of
     * date (it then reads again). {@code herald_publish_plans_total{source}}.
     */
    public void planned(String source) {
        plans.computeIfAbsent(source, s -> Counter.builder("herald.publish.plans")
                .description("Publishes' plans by where they came from: snapshot (nothing read), read, or stale (read again)")
                .tag("source", s).register(registry)).increment();
    }

    /**
     * An attempt's record was committed: {@code outcome} is {@code succeeded}, {@code failed}
     * (retried later), {@code exhausted}, {@code gone} or {@code held} (a failed probe).
     */
    public void attempted(String outcome, long durationMs) {
        attempts.computeIfAbsent(outcome, o -> Counter.builder("herald.attempts")
                .description("Delivery attempts by outcome").tag("outcome", o).register(registry)).increment();
        attemptDuration.record(Math.max(0, durationMs), TimeUnit.MILLISECONDS);
    }

    /**
     * Rows the retention purge deleted or cleared on this node, by kind: {@code herald_retention_purged_total}
     * with {@code kind} = payloads, attempt_contents, messages, deliveries, attempts.
     */
    public void retention(Retention.Purged purged) {
        purgedKind("payloads", purged, Retention.Purged::payloads);
        purgedKind("attempt_contents", purged, Retention.Purged::attemptContents);
        purgedKind("messages", purged, Retention.Purged::messages);
        purgedKind("deliveries", purged, Retention.Purged::deliveries);
        purgedKind("attempts", purged, Retention.Purged::attempts);
    }

    private void purgedKind(String kind, Retention.Purged purged, ToLongFunction<Retention.Purged> count) {
        FunctionCounter.builder("herald.retention.purged", purged, p -> count.applyAsLong(p))
                .description("Rows the retention purge deleted (or, for attempt_contents, cleared) on this node")
                .tag("kind", kind).register(registry);
    }

    /** The label of an outcome kind's name. */
    public static String outcome(String kind) {
        return switch (kind) {
            case "RETRY" -> "failed";
            default -> kind.toLowerCase(Locale.ROOT);
        };
    }
}
