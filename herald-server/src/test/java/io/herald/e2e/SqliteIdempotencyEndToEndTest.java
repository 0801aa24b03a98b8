package io.herald.e2e;

import java.util.Map;

/** Idempotency keys on an SQLite file; a restart opens the same file again. */
class SqliteIdempotencyEndToEndTest extends IdempotencyEndToEndTest {
    @Override
    TestHerald startNode() {
        return TestHerald.sqlite(dir, Map.of());
    }
}
