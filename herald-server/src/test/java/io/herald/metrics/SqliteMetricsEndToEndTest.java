package io.herald.metrics;

import io.herald.e2e.TestHerald;
import java.nio.file.Path;
import java.util.Map;

class SqliteMetricsEndToEndTest extends MetricsEndToEndTest {
    @Override
    TestHerald start(Path dir, Map<String, String> env) {
        return TestHerald.sqlite(dir, env);
    }
}
