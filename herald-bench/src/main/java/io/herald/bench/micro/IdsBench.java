package io.herald.bench.micro;

import io.herald.store.Ids;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Id generation, wired as {@code Herald.start} wires it: one {@link Ids} for the whole engine, on the
 * system clock and one shared {@link SecureRandom}. Every message, delivery and attempt takes one.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
@State(Scope.Benchmark)
public class IdsBench {
    Ids ids;

    @Setup
    public void setUp() {
        ids = new Ids(Clock.systemUTC(), new SecureRandom());
    }

    @Benchmark
    public String next() {
        return ids.next("msg");
    }

    /** Two threads on the one shared instance, as publish and the dispatcher's attempts are. Time per op, per thread. */
    @Benchmark
    @Threads(2)
    public String nextTwoThreads() {
        return ids.next("msg");
    }

    /**
     * A floor, not how Herald is wired: the same encoding with a fast, unshared, non-cryptographic
     * generator, to tell the randomness apart from the rest.
     */
    @State(Scope.Thread)
    public static class FastRandom {
        Ids ids;

        @Setup
        public void setUp() {
            ids = new Ids(Clock.systemUTC(), RandomGenerator.of("L64X128MixRandom"));
        }
    }

    @Benchmark
    public String nextFastRandomFloor(FastRandom f) {
        return f.ids.next("msg");
    }
}
