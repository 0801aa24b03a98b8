package io.herald.delivery;

import io.herald.store.Store;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on a fresh SQLite file per test. */
class SqliteStoreContractTest extends StoreContractTest {
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

    @Override
    boolean singleProcess() {
        return true;
    }

    @Override
    void refuse(String name, String event, String table, String when) {
        db.useHandle(h -> h.execute("CREATE TRIGGER " + name + " BEFORE " + event + " ON " + table + " FOR EACH ROW WHEN "
                + when + " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"));
    }

    @Override
    void allow(String name) {
        db.useHandle(h -> h.execute("DROP TRIGGER " + name));
    }

    @Override
    void awaitWriterBlocked() {
        // SQLite takes the write lock at BEGIN IMMEDIATE, before the publish reads anything, so a
        // racing publish waits in the busy handler and then sees the committed row in its own check.
        // Nothing to observe from outside; the test goes on either way.
    }
}
