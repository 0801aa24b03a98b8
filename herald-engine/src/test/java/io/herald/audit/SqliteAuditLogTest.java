package io.herald.audit;

import io.herald.store.Store;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteAuditLogTest extends AuditLogTest {
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
