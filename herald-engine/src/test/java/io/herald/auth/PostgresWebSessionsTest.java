package io.herald.auth;

import io.herald.testing.TestPostgres;

class PostgresWebSessionsTest extends WebSessionsTest {
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
