package io.herald.idempotency;

import io.herald.store.Store;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * The idempotency keys on an SQLite file. "Another node" is a second Store on the same file,
 * which production never does; SQLite's file lock then keeps the two writers apart.
 */
class SqliteIdempotencyKeysTest extends IdempotencyKeysTest {
    @TempDir
    Path dir;

    @Override
    String createDatabase() {
        return Store.sqliteUrl(dir);
    }

    @Override
    void dropDatabase() {
        // @TempDir removes the file.
    }
}
