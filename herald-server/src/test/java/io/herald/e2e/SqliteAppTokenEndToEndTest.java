package io.herald.e2e;

import java.nio.file.Path;
import java.util.Map;

class SqliteAppTokenEndToEndTest extends AppTokenEndToEndTest {
    @Override
    TestHerald start(Path dir, Map<String, String> env) {
        return TestHerald.sqlite(dir, env);
    }
}
