package io.herald.bench.micro;

import io.herald.Json;
import io.herald.message.Messages;
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

/** What publish does to a payload before it opens a transaction: the size check, then parsing it to a tree. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
@State(Scope.Benchmark)
public class PublishParseBench {
    @Param({"1KiB", "64KiB"})
    public String size;

    String payload;

    @Setup
    public void setUp() {
        payload = switch (size) {
            case "1KiB" -> SecurityEvents.CRITICAL;
            case "64KiB" -> SecurityEvents.scanReport(64 * 1024);
            default -> throw new IllegalArgumentException("size " + size);
        };
    }

    @Benchmark
    public JsonNode parse() {
        Messages.checkSize("payload", payload);
        JsonNode tree = Json.read(payload);
        if (!tree.isObject()) {
            throw new IllegalStateException("payload is not an object");
        }
        return tree;
    }
}
