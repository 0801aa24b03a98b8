package io.herald.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.herald.HeraldException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.config.JdbiConfig;

/**
 * The database: two pools (one for reads, one for the writers), the schema, and transactions
 * through callbacks so that no connection escapes. Works on SQLite (embedded, one process) and
 * PostgreSQL (shared by many nodes).
 */
public final class Store implements AutoCloseable {
    private final HikariDataSource reads;
    private final HikariDataSource writes;
    private final Jdbi jdbi;
    private final Jdbi writing;
    private final Dialect dialect;
    /**
     * Every write transaction goes through these threads, which commit the transactions waiting
     * at that moment together. SQLite allows one writer at a time (a second one gets SQLITE_BUSY
     * and sleeps) and each commit costs an fsync: one thread. PostgreSQL takes concurrent writers,
     * but each commit costs a WAL flush and the backend's commit work: a few threads (see
     * {@link StoreSettings#writers}), each committing a batch.
     */
    private final GroupCommit writer;
    private final int writers;
    private final StoreHealth health = new StoreHealth();

    private Store(HikariDataSource reads, HikariDataSource writes, Dialect dialect, int writers, Duration commitDelay,
                  MeterRegistry registry) {
        this.reads = reads;
        this.writes = writes;
        this.jdbi = Jdbi.create(reads);
        this.dialect = dialect;
        this.writers = writers;
        this.writing = Jdbi.create(writes);
        this.writer = dialect.singleWriter()
                ? new GroupCommit(writing, "herald-sqlite-writer", 1, GroupCommit.MAX_BATCH, commitDelay, registry)
                : new GroupCommit(writing, "herald-writer", writers, GroupCommit.MAX_BATCH_POSTGRESQL, commitDelay, registry);
    }

    /**
     * How long a caller waits for a pooled connection before it is told the database is unavailable
     * (a 503 at the API): long enough for a busy pool to free one, short enough that a stopped
     * database is reported within seconds.
     */
    public static final Duration CONNECTION_WAIT = Duration.ofSeconds(3);

    /** The SQLite file Herald uses by default in {@code dataDir}. */
    public static String sqliteUrl(Path dataDir) {
        return "jdbc:sqlite:" + dataDir.resolve("herald.db").toAbsolutePath();
    }

    /**
     * Opens the pools on {@code jdbcUrl} and brings the schema up to date. The writers get a
     * connection each, in a pool of their own, and reads the rest of {@code settings.poolSize()}:
     * sharing one pool, a writer waited for a connection behind reads whenever publishes filled the
     * pool with them (measured: up to 100 ms per batch under load, docs/benchmarks.md), and every
     * write waited behind that writer.
     */
    public static Store open(String jdbcUrl, StoreSettings settings) {
        return open(jdbcUrl, settings, new SimpleMeterRegistry());
    }

    /** As {@link #open(String, StoreSettings)}, with the pools' and the group commit's meters in {@code registry}. */
    public static Store open(String jdbcUrl, StoreSettings settings, MeterRegistry registry) {
        Dialect dialect = Dialect.forUrl(jdbcUrl);
        int writers = dialect.singleWriter() ? 1 : settings.writers();
        HikariDataSource reads = pool(jdbcUrl, dialect, "herald", settings.poolSize() - writers, registry);
        HikariDataSource writes;
        try {
            writes = pool(jdbcUrl, dialect, "herald-writers", writers, registry);
        } catch (RuntimeException e) {
            reads.close();
            throw e;
        }
        try {
            Flyway.configure()
                    .dataSource(reads)
                    .locations(dialect.migrations())
                    // A node of the previous version starts beside newer ones during a rolling upgrade.
                    .ignoreMigrationPatterns("*:future")
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            writes.close();
            reads.close();
            throw e;
        }
        return new Store(reads, writes, dialect, writers, settings.commitDelay(dialect), registry);
    }

    private static HikariDataSource pool(String jdbcUrl, Dialect dialect, String name, int size, MeterRegistry registry) {
        HikariConfig config = new HikariConfig();
        config.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry));
        config.setJdbcUrl(jdbcUrl);
        config.setPoolName(name);
        config.setMaximumPoolSize(size);
        config.setConnectionTimeout(CONNECTION_WAIT.toMillis());
        dialect.configure(config);
        try {
            return new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new HeraldException.StoreUnavailable("cannot open database " + redact(jdbcUrl) + ": " + e.getMessage(), e);
        }
    }

    static String redact(String url) {
        return url.replaceAll("password=[^&]*", "password=***");
    }

    public Dialect dialect() {
        return dialect;
    }

    /** How many write transactions may run at once: SQLite 1, PostgreSQL the writers set. */
    public int writers() {
        return writers;
    }

    /**
     * Runs {@code callback} in one transaction: all of its writes commit, or none do; it returns
     * after the commit. The transaction may be shared with other callers' (see {@link GroupCommit}),
     * so {@code callback} must not start another transaction, and what it does outside the database
     * must be undone by its caller when it throws. When the database aborts it for a deadlock or a
     * serialization failure, {@code callback} runs again, up to {@link GroupCommit#MAX_RUNS} times
     * in all: what it does outside the database must bear that too.
     */
    public <T> T inTransaction(HandleCallback<T, RuntimeException> callback) {
        return translate(() -> writer.run(callback));
    }

    /** Runs {@code callback} on a connection in auto-commit mode, for reads. */
    public <T> T read(HandleCallback<T, RuntimeException> callback) {
        return translate(() -> jdbi.withHandle(callback));
    }

    /**
     * Runs {@code work}, turning a failure of the database itself into {@link
     * HeraldException.StoreUnavailable} with its reason (see {@link StoreFaults}); a statement's own
     * failure and Herald's exceptions pass unchanged.
     */
    private <T> T translate(java.util.function.Supplier<T> work) {
        try {
            T result = work.get();
            health.succeeded();
            return result;
        } catch (HeraldException e) {
            if (e instanceof HeraldException.StoreUnavailable || e instanceof HeraldException.CommitUnknown) {
                health.failed(e);
            }
            throw e;
        } catch (RuntimeException e) {
            java.util.Optional<HeraldException.StoreUnavailable.Reason> reason = StoreFaults.of(e);
            if (reason.isEmpty()) {
                health.succeeded(); // the database answered: this statement failed, not the store
                throw e;
            }
            HeraldException.StoreUnavailable.Reason r = reason.get();
            HeraldException.StoreUnavailable unavailable = new HeraldException.StoreUnavailable(r, r.description + ": "
                    + rootMessage(e), e);
            health.failed(unavailable);
            throw unavailable;
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    /**
     * Asks the database for {@code SELECT 1} on the reads' pool, waiting at most {@code timeout} for a
     * connection and for the answer; throws {@link HeraldException.StoreUnavailable} when it does not
     * come. Readiness asks it (see {@link io.herald.Readiness}).
     */
    public void ping(Duration timeout) {
        try (java.sql.Connection c = reads.getConnection();
             java.sql.Statement s = c.createStatement()) {
            s.setQueryTimeout((int) Math.max(1, timeout.toSeconds()));
            s.execute("SELECT 1");
        } catch (java.sql.SQLException | RuntimeException e) {
            throw new HeraldException.StoreUnavailable("the database does not answer: " + rootMessage(e), e);
        }
    }

    /** Whether the database answers, as the last operations found; one log line per episode. */
    public StoreHealth health() {
        return health;
    }

    /**
     * Sets a jdbi configuration on every handle of both pools (e.g. the keyring that opens sealed
     * columns); call it before the store is used: a handle open already keeps what it had.
     */
    public <C extends JdbiConfig<C>> void configure(Class<C> type, Consumer<C> configurer) {
        jdbi.configure(type, configurer);
        writing.configure(type, configurer);
    }

    /** For tests and tools: handles on the reads' pool, outside of any transaction discipline. */
    public Jdbi jdbi() {
        return jdbi;
    }

    @Override
    public void close() {
        writer.close();
        writes.close();
        reads.close();
    }

    /** Convenience for code that already holds a handle. */
    public interface TxWork extends HandleCallback<Void, RuntimeException> {
        void run(Handle handle);

        @Override
        default Void withHandle(Handle handle) {
            run(handle);
            return null;
        }
    }
}
