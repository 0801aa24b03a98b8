package io.herald.retention;

import io.herald.testing.TestPostgres;
import java.util.List;
import org.jdbi.v3.core.Handle;

/** The retention purge on a fresh PostgreSQL database per test, dropped after it. */
class PostgresRetentionTest extends RetentionTest {
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

    /**
     * The tables of a test are tiny, where a sequential scan is cheapest whatever the indexes; with
     * sequential scans priced out of the way the planner shows whether an index serves the statement.
     */
    @Override
    List<String> plan(Handle h, String sql) {
        h.execute("SET enable_seqscan = off");
        return bound(h.createQuery("EXPLAIN " + sql)).mapTo(String.class).list();
    }

    @Override
    boolean scans(List<String> plan) {
        return plan.stream().anyMatch(step -> step.contains("Seq Scan"));
    }
}
