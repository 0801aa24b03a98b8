package io.herald.store;

/**
 * How many connections the store opens and how many of them write.
 *
 * @param poolSize database connections of a node: one for each writer, the rest for reads
 * @param writers  threads that commit write transactions on PostgreSQL, each on a connection of its
 *                 own (see {@link GroupCommit}); SQLite always has exactly one, whatever this says,
 *                 since it takes one writer at a time
 */
public record StoreSettings(int poolSize, int writers) {
    public static final int DEFAULT_POOL_SIZE = 16;
    /**
     * Four batches in flight at once: one slow or lock-waiting batch does not stop the node's
     * writes, and under load waiting works still pile up into shared commits; a quarter of the
     * default pool, so reads keep twelve connections.
     */
    public static final int DEFAULT_WRITERS = 4;

    public static final StoreSettings DEFAULTS = new StoreSettings(DEFAULT_POOL_SIZE, DEFAULT_WRITERS);

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
    }
}
