package io.herald.e2e;

import io.herald.e2e.TestHerald.Time;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The current official Svix JS SDK ({@code svix} on npm, pinned by src/test/js/package-lock.json)
 * as a client of a real Herald: the node:test suite in src/test/js runs against Herald on the
 * system clock, its poller on, and no retries (a failed attempt is final at once), since the JS
 * side cannot move a test clock. Node's output goes to the test log; a failing node test fails
 * this test with that output. Run against each database by a subclass.
 */
abstract class SvixJsSdkCompatibilityTest {
    /** Per node test; the whole run gets a little more than all files need together. */
    private static final Duration NODE_TEST_TIMEOUT = Duration.ofSeconds(40);
    private static final Duration SUITE_TIMEOUT = Duration.ofSeconds(150);

    @TempDir
    Path dir;

    abstract TestHerald start(Path dir, Map<String, String> env, Time time);

    @Test
    void officialJsSdkSuite_againstHerald_passes() {
        List<Path> files = NodeSuite.prepare();
        try (TestHerald herald = start(dir, Map.of("HERALD_RETRY_DELAYS", "none"), Time.SYSTEM_CLOCK)) {
            List<String> command = new ArrayList<>(List.of("node", "--test", "--test-reporter=spec",
                    "--test-timeout=" + NODE_TEST_TIMEOUT.toMillis()));
            files.forEach(f -> command.add(f.toString()));
            NodeSuite.Run run = NodeSuite.run(command,
                    Map.of("HERALD_URL", "http://127.0.0.1:" + herald.server.port(), "HERALD_TOKEN", TestHerald.TOKEN),
                    SUITE_TIMEOUT, "svix-js");
            if (run.exitCode() != 0) {
                throw new AssertionError("the Svix JS SDK suite failed (node exited with " + run.exitCode() + "):\n"
                        + run.output());
            }
        }
    }
}
