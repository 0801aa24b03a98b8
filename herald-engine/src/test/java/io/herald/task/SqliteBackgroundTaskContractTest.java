package io.herald.task;

import io.herald.store.Store;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** Background tasks on a fresh SQLite file per test. */
class SqliteBackgroundTaskContractTest extends BackgroundTaskContractTest {
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
