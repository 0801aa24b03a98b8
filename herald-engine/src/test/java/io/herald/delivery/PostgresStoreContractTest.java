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
    void refuse(String name, String event, String table, String when) {
        db.useHandle(h -> {
            h.execute("CREATE FUNCTION " + name + "() RETURNS trigger LANGUAGE plpgsql AS $$"
                    + " BEGIN RAISE EXCEPTION 'refused by the test'; END $$");
            h.execute("CREATE TRIGGER " + name + " BEFORE " + event + " ON " + table + " FOR EACH ROW WHEN (" + when
                    + ") EXECUTE FUNCTION " + name + "()");
        });
    }

    @Override
    void allow(String name) {
        db.useHandle(h -> h.execute("DROP FUNCTION " + name + "() CASCADE"));
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
