package io.herald.store;

/**
 * How many connections the store opens and how many of them write.
 *
 * @param poolSize database connections, shared by reads and the writers
 * @param writers  threads that commit write transactions on PostgreSQL (see {@link GroupCommit});
 *                 SQLite always has exactly one, whatever this says, since it takes one writer at a
 *                 time
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
        // Each writer holds a connection for as long as its batch runs; a work may read on another
        // connection meanwhile, and reads must not queue behind a pool that writers fill.
        if (writers > poolSize / 2) {
            throw new IllegalArgumentException("writers (" + writers + ") may hold at most half of poolSize ("
                    + poolSize + "): reads need connections too");
        }
    }
}
