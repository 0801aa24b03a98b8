package io.herald.metrics;

import io.herald.e2e.TestHerald;
import java.nio.file.Path;
import java.util.Map;

class PostgresMetricsEndToEndTest extends MetricsEndToEndTest {
    @Override
    TestHerald start(Path dir, Map<String, String> env) {
        return TestHerald.postgres(dir, env);
    }
}
