package io.herald.auth;

import io.herald.store.Store;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteWebSessionsTest extends WebSessionsTest {
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
