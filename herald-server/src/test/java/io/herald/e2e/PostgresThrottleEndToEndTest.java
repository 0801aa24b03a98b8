package io.herald.e2e;

import java.nio.file.Path;
import java.util.Map;

class PostgresThrottleEndToEndTest extends ThrottleEndToEndTest {
    @Override
    TestHerald start(Path dir, Map<String, String> env, TestHerald.Time time) {
        return TestHerald.postgres(dir, env, time);
    }
}
