package io.herald.store;

import java.time.Duration;

/**
 * How many connections the store opens, how many of them write, and how long a writer waits for
 * more works to share its commit.
 *
 * @param poolSize    database connections of a node: one for each writer, the rest for reads
 * @param writers     threads that commit write transactions on PostgreSQL, each on a connection of
 *                    its own (see {@link GroupCommit}); SQLite always has exactly one, whatever this
 *                    says, since it takes one writer at a time
 * @param commitDelay how long a writer waits for more works while they keep coming (see
 *                    {@link GroupCommit}); null: the database's default, {@link #commitDelay(Dialect)}
 */
public record StoreSettings(int poolSize, int writers, Duration commitDelay) {
    public static final int DEFAULT_POOL_SIZE = 16;
    /**
     * Four batches in flight at once: one slow or lock-waiting batch does not stop the node's
     * writes, and under load waiting works still pile up into shared commits; a quarter of the
     * default pool, so reads keep twelve connections.
     */
    public static final int DEFAULT_WRITERS = 4;

    /**
     * SQLite: 3 ms. At 500 publishes a second it cut Herald's CPU per message by about a quarter
     * (fewer commits, so fewer fsyncs, WAL frames and wake-ups) and kept up at 1,000 a second where
     * committing at once fell behind (docs/benchmarks.md); an idle write is not delayed.
     */
    public static final Duration SQLITE_COMMIT_DELAY = Duration.ofMillis(3);
    /**
     * PostgreSQL: none. Its several writers take works as they come, so one that waits collects
     * little; measured, the delay saved under a tenth of the CPU (docs/benchmarks.md).
     */
    public static final Duration POSTGRESQL_COMMIT_DELAY = Duration.ZERO;
    public static final Duration MAX_COMMIT_DELAY = Duration.ofMillis(100);

    public static final StoreSettings DEFAULTS = new StoreSettings(DEFAULT_POOL_SIZE, DEFAULT_WRITERS);

    /** With the database's default commit delay. */
    public StoreSettings(int poolSize, int writers) {
        this(poolSize, writers, null);
    }

    /** The commit delay on {@code dialect}: the one set, or the database's default. */
    public Duration commitDelay(Dialect dialect) {
        return commitDelay != null ? commitDelay : dialect.singleWriter() ? SQLITE_COMMIT_DELAY : POSTGRESQL_COMMIT_DELAY;
    }

    public StoreSettings {
        if (poolSize < 2) {
            throw new IllegalArgumentException("poolSize must be at least 2 (a writer and a reader), got " + poolSize);
        }
        if (writers < 1) {
            throw new IllegalArgumentException("writers must be at least 1, got " + writers);
        }
        // Each writer has a connection of its own; reads (publish reads before it writes) need the rest.
        if (writers > poolSize / 2) {
            throw new IllegalArgumentException("writers (" + writers + ") may hold at most half of poolSize ("
                    + poolSize + "): reads need connections too");
        }
        if (commitDelay != null && (commitDelay.isNegative() || commitDelay.compareTo(MAX_COMMIT_DELAY) > 0)) {
            throw new IllegalArgumentException("commitDelay must be between 0 and " + MAX_COMMIT_DELAY.toMillis()
                    + " ms, got " + commitDelay);
        }
    }
}
