package io.herald.retention;

import io.herald.store.Store;
import java.nio.file.Path;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.io.TempDir;

class SqliteRetentionTest extends RetentionTest {
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
    List<String> plan(Handle h, String sql) {
        return bound(h.createQuery("EXPLAIN QUERY PLAN " + sql)).map((rs, ctx) -> rs.getString("detail")).list();
    }

    /** SQLite says SCAN for a table read whole; SEARCH … USING … INDEX for an index. */
    @Override
    boolean scans(List<String> plan) {
        return plan.stream().anyMatch(step -> step.startsWith("SCAN") && !step.contains("INDEX"));
    }
}
