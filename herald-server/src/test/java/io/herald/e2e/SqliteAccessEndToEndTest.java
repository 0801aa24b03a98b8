package io.herald.e2e;

import java.nio.file.Path;
import java.util.Map;

class SqliteAccessEndToEndTest extends AccessEndToEndTest {
    @Override
    TestHerald start(Path dir, Map<String, String> env) {
        return TestHerald.sqlite(dir, env);
    }
}
