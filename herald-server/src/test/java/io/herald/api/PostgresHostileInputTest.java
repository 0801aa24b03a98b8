package io.herald.api;

import io.herald.e2e.TestHerald;
import java.nio.file.Path;
import java.util.Map;

class PostgresHostileInputTest extends HostileInputTest {
    @Override
    TestHerald start(Path dir) {
        return TestHerald.postgres(dir, Map.of());
    }
}
