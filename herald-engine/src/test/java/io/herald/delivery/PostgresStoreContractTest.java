package io.herald.delivery;

import static org.awaitility.Awaitility.await;

import io.herald.testing.TestPostgres;
import java.time.Duration;

/** The store contract on a fresh PostgreSQL database per test, dropped after it. */
class PostgresStoreContractTest extends StoreContractTest {
    private TestPostgres.Database database;

    @Override
    String createDatabase() {
        database = TestPostgres.create();
        return database.url();
    }

    @Override
    void dropDatabase() {
        if (database != null) {
            database.close();
        }
    }

    @Override
    boolean singleProcess() {
        return false;
    }

    @Override
    void awaitWriterBlocked() {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> db.withHandle(h -> h
                .createQuery("""
                        SELECT COUNT(*) FROM pg_stat_activity
                        WHERE datname = current_database() AND wait_event_type = 'Lock'""")
                .mapTo(Long.class).one()) > 0);
    }
}
