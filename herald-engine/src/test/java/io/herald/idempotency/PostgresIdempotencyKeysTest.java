package io.herald.idempotency;

import io.herald.testing.TestPostgres;

/** The idempotency keys on a fresh PostgreSQL database per test, dropped after it. */
class PostgresIdempotencyKeysTest extends IdempotencyKeysTest {
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
