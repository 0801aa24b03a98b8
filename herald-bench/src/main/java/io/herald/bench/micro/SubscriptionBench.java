package io.herald.bench.micro;

import io.herald.endpoint.DeliveryPolicy;
import io.herald.endpoint.Endpoint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Publish asks every enabled endpoint of the application whether it subscribes to the message;
 * here an application with ten endpoints of mixed type and channel subscriptions, six of which take
 * a {@code scan.finding} on {@code security} and {@code alerts}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
@State(Scope.Benchmark)
public class SubscriptionBench {
    /** Event types (null: all) and channels (null: all) of each endpoint, and whether it takes the message. */
    record Subscription(Set<String> types, Set<String> channels, boolean expected) {}

    static final List<Subscription> SUBSCRIPTIONS = List.of(
            new Subscription(null, null, true),
            new Subscription(Set.of("scan.*"), null, true),
            new Subscription(Set.of("finding.created", "finding.resolved"), null, false),
            new Subscription(Set.of("scan.finding"), Set.of("alerts"), true),
            new Subscription(null, Set.of("billing"), false),
            new Subscription(Set.of("campaign.*", "scan.*"), Set.of("security", "soc"), true),
            new Subscription(Set.of("user.*"), null, false),
            new Subscription(Set.of("*"), Set.of("alerts"), true),
            new Subscription(Set.of("scan.started", "scan.finished"), null, false),
            new Subscription(null, Set.of("alerts", "pagerduty"), true));

    List<Endpoint> endpoints;
    String eventType;
    Set<String> channels;

    @Setup
    public void setUp() {
        Instant created = Instant.parse("2026-01-05T10:00:00Z");
        endpoints = new ArrayList<>();
        int i = 0;
        for (Subscription s : SUBSCRIPTIONS) {
            String id = "ep_2mR7xQ0bZk4LcT9vWn3a" + (char) ('A' + i++) + "0";
            endpoints.add(new Endpoint(id, "app_2mR7wz8Pq1NcX5dLu7tYfH", null, "https://hooks.example.com/herald/" + id,
                    "", 1, null, s.types(), s.channels(), false, Map.of(), Map.of(), created, created,
                    DeliveryPolicy.DEFAULT));
        }
        eventType = SecurityEvents.TYPE;
        channels = SecurityEvents.CRITICAL_CHANNELS;
    }

    @Benchmark
    public int tenEndpoints() {
        int subscribed = 0;
        for (Endpoint ep : endpoints) {
            if (ep.subscribesTo(eventType, channels)) {
                subscribed++;
            }
        }
        return subscribed;
    }
}
