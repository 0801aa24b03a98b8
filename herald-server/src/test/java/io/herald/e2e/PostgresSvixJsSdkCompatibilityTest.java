package io.herald.e2e;

import io.herald.e2e.TestHerald.Time;
import java.nio.file.Path;
import java.util.Map;

class PostgresSvixJsSdkCompatibilityTest extends SvixJsSdkCompatibilityTest {
    @Override
    TestHerald start(Path dir, Map<String, String> env, Time time) {
        return TestHerald.postgres(dir, env, time);
    }
}
