package io.herald.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./herald} launcher's JVM flags: the repository's script, copied beside a stand-in jar
 * and run with a stand-in JDK whose {@code java} prints the arguments it was given.
 */
class LauncherTest {
    @TempDir
    Path dir;
    Path launcher;
    Path jdk;

    @BeforeEach
    void setUp() throws IOException {
        launcher = dir.resolve("herald");
        Files.copy(Path.of("..", "herald"), launcher);
        Files.createDirectories(dir.resolve("herald-server/target"));
        Files.writeString(dir.resolve("herald-server/target/herald.jar"), "");
        jdk = dir.resolve("jdk");
        Files.createDirectories(jdk.resolve("bin"));
        // Answers the launcher's version probe as a JDK 21, and otherwise prints its arguments one per line.
        executable(jdk.resolve("bin/java"), """
                #!/bin/sh
                if [ "$1" = "-XshowSettings:properties" ]; then echo "    java.specification.version = 21" >&2; exit 0; fi
                for a in "$@"; do echo "$a"; done
                """);
        executable(jdk.resolve("bin/javac"), "#!/bin/sh\nexit 0\n");
    }

    private static void executable(Path p, String text) throws IOException {
        Files.writeString(p, text);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    record Run(int status, List<String> lines) {}

    private Run run(Map<String, String> env, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder();
        pb.command().add("bash");
        pb.command().add(launcher.toString());
        pb.command().addAll(List.of(args));
        pb.environment().keySet().removeIf(k -> k.startsWith("HERALD_") || k.equals("JAVA_OPTS"));
        pb.environment().put("JAVA_HOME", jdk.toString());
        pb.environment().putAll(env);
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out.lines().toList());
    }

    @Test
    void serve_boundsTheHeapByDefault() throws Exception {
        Run r = run(Map.of(), "serve", "--port", "9090");
        assertThat(r.status()).isZero();
        assertThat(r.lines()).containsSubsequence("-XX:+UseZGC", "-Xmx1g", "-jar",
                dir.resolve("herald-server/target/herald.jar").toString(), "serve", "--port", "9090");
    }

    @Test
    void heraldHeap_setsTheLimit_andJavaOptsComeLastSoTheyWin() throws Exception {
        Run r = run(Map.of("HERALD_HEAP", "384m", "JAVA_OPTS", "-Xmx2g -Dherald.test=yes"), "serve");
        assertThat(r.lines()).containsSubsequence("-Xmx384m", "-Xmx2g", "-Dherald.test=yes", "-jar");
    }

    @Test
    void javaOpts_choosingACollector_replacesZgc() throws Exception {
        Run r = run(Map.of("JAVA_OPTS", "-XX:+UseG1GC"), "serve");
        assertThat(r.lines()).contains("-XX:+UseG1GC").doesNotContain("-XX:+UseZGC");
    }

    @Test
    void otherCommands_getTheSameFlags() throws Exception {
        Run r = run(Map.of("HERALD_HEAP", "2g"), "backup", "/tmp/x.db");
        assertThat(r.lines()).containsSubsequence("-Xmx2g", "-jar", dir.resolve("herald-server/target/herald.jar").toString(),
                "backup", "/tmp/x.db");
    }

    @Test
    void aBadHeraldHeap_stopsNamingIt() throws Exception {
        Run r = run(Map.of("HERALD_HEAP", "lots"), "serve");
        assertThat(r.status()).isEqualTo(2);
        assertThat(String.join("\n", r.lines())).contains("HERALD_HEAP must be a size such as 512m or 2g, got 'lots'");
    }
}
