package io.herald.e2e;

import java.nio.file.Path;
import java.util.Map;

class PostgresAccessEndToEndTest extends AccessEndToEndTest {
    @Override
    TestHerald start(Path dir, Map<String, String> env) {
        return TestHerald.postgres(dir, env);
    }
}
