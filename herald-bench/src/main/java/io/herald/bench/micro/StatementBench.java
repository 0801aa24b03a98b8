package io.herald.bench.micro;

import io.herald.app.Application;
import io.herald.app.ApplicationIn;
import io.herald.app.Applications;
import io.herald.store.Ids;
import io.herald.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One read of the hot path on a real SQLite file: the application lookup that every publish and
 * every API call with an application token makes, on a connection from the pool, as jdbi builds
 * the statement ({@code jdbi}: its configuration copied, the named parameter parsed and bound
 * through an argument factory, the mapper looked up, SQLite compiling the SQL) and as a kept
 * statement ({@code kept}, {@code store/Prepared}). Both open a jdbi handle on a pooled connection
 * per read, as {@code Store.read} does; {@code handleAlone} is that part alone (the same for both).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
@State(Scope.Benchmark)
public class StatementBench {
    /** The lookup as it was written with jdbi before issue 11. */
    private static final String JDBI_FIND =
            "SELECT * FROM application WHERE id = :k OR uid = :k ORDER BY CASE WHEN id = :k THEN 0 ELSE 1 END LIMIT 1";

    @Param({"jdbi", "kept"})
    public String way;

    Path dir;
    Store store;
    String appId;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        // Herald logs at INFO; the bench jar has no configuration and would log jdbi and Hikari at DEBUG.
        if (LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME) instanceof ch.qos.logback.classic.Logger root) {
            root.setLevel(ch.qos.logback.classic.Level.INFO);
        }
        dir = Files.createTempDirectory("herald-statement-bench-");
        store = Store.open(Store.sqliteUrl(dir), new io.herald.store.StoreSettings(4, 1));
        Applications apps = new Applications(store, new Ids(Clock.systemUTC(), new SecureRandom()), Clock.systemUTC());
        for (int i = 0; i < 100; i++) {
            apps.create(new ApplicationIn("app " + i, "app-" + i, null, null), false);
        }
        appId = apps.get("app-42").id();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        store.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Benchmark
    public Optional<Application> findApplication() {
        return switch (way) {
            case "jdbi" -> store.read(h -> h.createQuery(JDBI_FIND).bind("k", appId).map(Applications.rows()).findOne());
            case "kept" -> store.read(h -> Applications.find(h, appId));
            default -> throw new IllegalArgumentException(way);
        };
    }

    /** What {@code Store.read} costs around the statement: a pooled connection and a jdbi handle on it. */
    @Benchmark
    public Object handleAlone() {
        return store.read(h -> h);
    }
}
