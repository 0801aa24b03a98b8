package io.herald.app;

import io.herald.store.Store;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteApplicationSearchTest extends ApplicationSearchTest {
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
