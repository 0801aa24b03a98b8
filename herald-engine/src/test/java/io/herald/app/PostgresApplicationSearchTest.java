package io.herald.app;

import io.herald.testing.TestPostgres;

class PostgresApplicationSearchTest extends ApplicationSearchTest {
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
