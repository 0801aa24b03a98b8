package io.herald.audit;

import io.herald.testing.TestPostgres;

/** The audit log on a fresh PostgreSQL database per test, dropped after it. */
class PostgresAuditLogTest extends AuditLogTest {
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
