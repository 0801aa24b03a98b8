package io.herald.e2e;

import java.nio.file.Path;
import java.util.Map;

class SqliteThrottleEndToEndTest extends ThrottleEndToEndTest {
    @Override
    TestHerald start(Path dir, Map<String, String> env, TestHerald.Time time) {
        return TestHerald.sqlite(dir, env, time);
    }
}
