package io.herald.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.herald.HeraldException;
import java.nio.file.Path;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToCreateStatementException;
import org.jdbi.v3.core.ConnectionException;

/**
 * The database: a pool, the schema, and transactions through callbacks so that no connection
 * escapes. Works on SQLite (embedded, one process) and PostgreSQL (shared by many nodes).
 */
public final class Store implements AutoCloseable {
    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    private final Dialect dialect;
    /**
     * Every write transaction goes through these threads, which commit the transactions waiting
     * at that moment together. SQLite allows one writer at a time (a second one gets SQLITE_BUSY
     * and sleeps) and each commit costs an fsync: one thread. PostgreSQL takes concurrent writers,
     * but each commit costs a WAL flush and the backend's commit work: a few threads (see
     * {@link StoreSettings#writers}), each committing a batch.
     */
    private final GroupCommit writer;

    private Store(HikariDataSource dataSource, Dialect dialect, StoreSettings settings) {
        this.dataSource = dataSource;
        this.jdbi = Jdbi.create(dataSource);
        this.dialect = dialect;
        this.writer = dialect.singleWriter()
                ? new GroupCommit(jdbi, "herald-sqlite-writer", 1, GroupCommit.MAX_BATCH)
                : new GroupCommit(jdbi, "herald-writer", settings.writers(), GroupCommit.MAX_BATCH_POSTGRESQL);
    }

    /** The SQLite file Herald uses by default in {@code dataDir}. */
    public static String sqliteUrl(Path dataDir) {
        return "jdbc:sqlite:" + dataDir.resolve("herald.db").toAbsolutePath();
    }

    /** Opens a pool on {@code jdbcUrl} and brings the schema up to date. */
    public static Store open(String jdbcUrl, StoreSettings settings) {
        Dialect dialect = Dialect.forUrl(jdbcUrl);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setPoolName("herald");
        config.setMaximumPoolSize(settings.poolSize());
        config.setConnectionTimeout(10_000);
        dialect.configure(config);
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new HeraldException.StoreUnavailable("cannot open database " + redact(jdbcUrl) + ": " + e.getMessage(), e);
        }
        try {
            Flyway.configure()
                    .dataSource(ds)
                    .locations(dialect.migrations())
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
        return new Store(ds, dialect, settings);
    }

    static String redact(String url) {
        return url.replaceAll("password=[^&]*", "password=***");
    }

    public Dialect dialect() {
        return dialect;
    }

    /**
     * Runs {@code callback} in one transaction: all of its writes commit, or none do; it returns
     * after the commit. The transaction may be shared with other callers' (see {@link GroupCommit}),
     * so {@code callback} must not start another transaction, and what it does outside the database
     * must be undone by its caller when it throws. When the database aborts it for a deadlock or a
     * serialization failure, {@code callback} runs a second time, alone: what it does outside the
     * database must bear that too.
     */
    public <T> T inTransaction(HandleCallback<T, RuntimeException> callback) {
        return translate(() -> writer.run(callback));
    }

    /** Runs {@code callback} on a connection in auto-commit mode, for reads. */
    public <T> T read(HandleCallback<T, RuntimeException> callback) {
        return translate(() -> jdbi.withHandle(callback));
    }

    private static <T> T translate(java.util.function.Supplier<T> work) {
        try {
            return work.get();
        } catch (ConnectionException | UnableToCreateStatementException e) {
            throw new HeraldException.StoreUnavailable("database unavailable: " + e.getMessage(), e);
        }
    }

    /** For tests and tools: a handle outside of any transaction discipline. */
    public Jdbi jdbi() {
        return jdbi;
    }

    @Override
    public void close() {
        writer.close();
        dataSource.close();
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
