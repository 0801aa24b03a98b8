package io.herald.task;

import io.herald.testing.TestPostgres;

/** Background tasks on a fresh PostgreSQL database per test, dropped after it. */
class PostgresBackgroundTaskContractTest extends BackgroundTaskContractTest {
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
}
