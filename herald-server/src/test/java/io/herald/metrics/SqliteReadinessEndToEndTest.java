package io.herald.metrics;

import io.herald.e2e.TestHerald;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;

class SqliteReadinessEndToEndTest extends ReadinessEndToEndTest {
    @Override
    TestHerald start(Path dir) {
        return TestHerald.sqlite(dir, Map.of(), TestHerald.Time.TEST_CLOCK_POLLING);
    }

    /** SQLite's write lock, taken by another connection: Herald's writers wait (busy_timeout); reads go on. */
    @Override
    AutoCloseable blockWrites(TestHerald herald) throws Exception {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("herald.db"));
        try (Statement s = c.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
        }
        return () -> {
            try (c; Statement s = c.createStatement()) {
                s.execute("ROLLBACK");
            }
        };
    }
}
