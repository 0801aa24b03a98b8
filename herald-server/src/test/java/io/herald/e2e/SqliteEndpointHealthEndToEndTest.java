package io.herald.e2e;

import java.nio.file.Path;
import java.util.Map;

class SqliteEndpointHealthEndToEndTest extends EndpointHealthEndToEndTest {
    @Override
    TestHerald start(Path dir, Map<String, String> env) {
        return TestHerald.sqlite(dir, env);
    }
}
