package io.herald.bench.micro;

import io.herald.Json;
import io.herald.filter.PayloadFilter;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import tools.jackson.databind.JsonNode;

/**
 * Payload filters at publish: building the subject once per message from the parsed payload, and
 * evaluating one endpoint's compiled filter against it. {@code critical} passes every filter here,
 * {@code low} none: for {@code low} the channel filter evaluates both operands and the
 * {@code exists} filter walks the whole list.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
public class FilterBench {
    static final Map<String, String> FILTERS = Map.of(
            "severity", "data.severity >= 7",
            "typeAndChannel", "type.startsWith(\"scan.\") && \"alerts\" in channels",
            "packageExists", "data.packages.exists(p, p.name.startsWith(\"libwebp\"))");

    /** A published message: its type, its channels and its parsed payload, and the subject made of them. */
    @State(Scope.Benchmark)
    public static class Published {
        @Param({"critical", "low"})
        public String event;

        String type;
        Set<String> channels;
        JsonNode payload;
        PayloadFilter.Subject subject;

        @Setup
        public void setUp() {
            type = SecurityEvents.TYPE;
            boolean critical = switch (event) {
                case "critical" -> true;
                case "low" -> false;
                default -> throw new IllegalArgumentException("event " + event);
            };
            channels = critical ? SecurityEvents.CRITICAL_CHANNELS : SecurityEvents.LOW_CHANNELS;
            payload = Json.read(critical ? SecurityEvents.CRITICAL : SecurityEvents.LOW);
            subject = PayloadFilter.subject(type, channels, payload);
        }
    }

    @State(Scope.Benchmark)
    public static class Compiled {
        @Param({"severity", "typeAndChannel", "packageExists"})
        public String filter;

        PayloadFilter compiled;

        @Setup
        public void setUp() {
            compiled = PayloadFilter.compile("filter", FILTERS.get(filter));
        }
    }

    @Benchmark
    public PayloadFilter.Subject subject(Published p) {
        return PayloadFilter.subject(p.type, p.channels, p.payload);
    }

    @Benchmark
    public boolean matches(Compiled c, Published p) {
        return c.compiled.matches(p.subject);
    }
}
