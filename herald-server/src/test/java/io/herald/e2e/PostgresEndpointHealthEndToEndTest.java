package io.herald.e2e;

import java.nio.file.Path;
import java.util.Map;

class PostgresEndpointHealthEndToEndTest extends EndpointHealthEndToEndTest {
    @Override
    TestHerald start(Path dir, Map<String, String> env) {
        return TestHerald.postgres(dir, env);
    }
}
