package io.herald.e2e;

import io.herald.api.ApiClient;
import io.herald.testing.TestKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Herald as a separate operating-system process, started the way {@code herald serve} starts it
 * (the same main class and flags, on this test's class path), so a test can kill it with SIGKILL.
 */
final class HeraldProcess implements AutoCloseable {
    private final Process process;
    private final Path log;
    final int port;
    final ApiClient api;

    private HeraldProcess(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.api = new ApiClient("http://127.0.0.1:" + port, TestHerald.TOKEN);
    }

    /** Starts Herald with {@code env} added to the usual test settings; returns once it answers. */
    static HeraldProcess start(Path dataDir, Path log, Map<String, String> env) {
        int port = freePort();
        ProcessBuilder pb = serve().redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(Map.of("HERALD_PORT", Integer.toString(port), "HERALD_DATA_DIR", dataDir.toString(),
                "HERALD_ADMIN_TOKEN", TestHerald.TOKEN, "HERALD_HTTPS_ONLY", "false",
                "HERALD_ALLOWED_TARGETS", "127.0.0.1/32"));
        if (env.containsKey("HERALD_DATABASE_URL")) {
            // PostgreSQL needs a key set; on SQLite the key file in the data directory is made on first start.
            pb.environment().put("HERALD_SECRET_KEY", TestKeys.TEXT);
        }
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        HeraldProcess hp = new HeraldProcess(p, log, port);
        hp.awaitHealthy(Duration.ofSeconds(60));
        return hp;
    }

    /**
     * {@code herald serve} as the launcher runs it, on this JVM and this test's class path, with the
     * test's environment still to be set.
     */
    static ProcessBuilder serve() {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                // The jar's logging set-up, not the tests' logback-test.xml that the class path also holds.
                "-Dlogback.configurationFile=" + serverLogback(),
                "-cp", System.getProperty("java.class.path"), "io.herald.server.Main", "serve"));
    }

    private static String serverLogback() {
        java.net.URL url = HeraldProcess.class.getClassLoader().getResource("logback.xml");
        if (url == null) {
            throw new IllegalStateException("herald-server's logback.xml is not on the class path");
        }
        try {
            return Path.of(url.toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private void awaitHealthy(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("Herald exited with " + process.exitValue() + ":\n" + log());
            }
            try {
                if (api.get("/api/v1/health").status() == 204) {
                    return;
                }
            } catch (UncheckedIOException e) {
                // not listening yet
            }
            sleep(50);
        }
        throw new AssertionError("Herald did not become healthy within " + timeout + ":\n" + log());
    }

    /** SIGKILL: no shutdown hook, no lease released, nothing flushed that was not committed. */
    void kill9() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError("Herald survived SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static void joinQuietly(Thread t) {
        try {
            t.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A graceful stop (SIGTERM), as an operator would do it. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
