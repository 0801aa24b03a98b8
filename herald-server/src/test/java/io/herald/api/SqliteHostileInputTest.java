package io.herald.api;

import io.herald.e2e.TestHerald;
import java.nio.file.Path;
import java.util.Map;

class SqliteHostileInputTest extends HostileInputTest {
    @Override
    TestHerald start(Path dir) {
        return TestHerald.sqlite(dir, Map.of());
    }
}
