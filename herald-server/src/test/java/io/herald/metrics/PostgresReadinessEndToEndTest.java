package io.herald.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.e2e.TestHerald;
import io.herald.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PostgresReadinessEndToEndTest extends ReadinessEndToEndTest {
    /** This test's own database: it refuses connections and has its sessions cut, never the shared server. */
    TestPostgres.Database db;

    @Override
    TestHerald start(Path dir) {
        db = TestPostgres.create();
        return TestHerald.postgresNode(dir, db, Map.of(), TestHerald.Time.TEST_CLOCK_POLLING);
    }

    @AfterEach
    void dropDatabase() throws SQLException {
        if (db != null) {
            admin("ALTER DATABASE " + db.name() + " ALLOW_CONNECTIONS true");
            herald.close();
            herald = null;
            db.close();
        }
    }

    private static void admin(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(TestPostgres.adminUrl()); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** A lock on the delivery table, which every claim writes: the claim waits; SELECT 1 does not. */
    @Override
    AutoCloseable blockWrites(TestHerald herald) throws Exception {
        Connection c = DriverManager.getConnection(db.url());
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("LOCK TABLE delivery IN ACCESS EXCLUSIVE MODE");
        }
        return () -> {
            try (c) {
                c.rollback();
            }
        };
    }

    @Test
    void aDatabaseThatCannotBeReachedIsNotReady_andReadyAgainWhenItCanBe() throws Exception {
        herald = start(dir);
        awaitReady();
        admin("ALTER DATABASE " + db.name() + " ALLOW_CONNECTIONS false");
        admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db.name() + "'");
        long started = System.nanoTime();
        assertNotReady(readyAfterASecond(), "store_unavailable");
        assertThat((System.nanoTime() - started) / 1_000_000).as("bounded by the 1 s ping timeout").isLessThan(2_500);
        // Kept for a second: asking again does not ask the database.
        assertNotReady(ready(), "store_unavailable");
        assertThat(MetricsEndToEndTest.get(herald.server.port(), "/api/v1/health", null).statusCode()).isEqualTo(204);
        admin("ALTER DATABASE " + db.name() + " ALLOW_CONNECTIONS true");
        awaitReady();
    }
}
