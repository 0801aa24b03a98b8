package io.herald.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** Group commit on a real SQLite file, with its one writer. */
class SqliteGroupCommitTest extends GroupCommitTest {
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
    int writers() {
        return 1;
    }

    @Override
    int maxBatch() {
        return GroupCommit.MAX_BATCH;
    }
}
