package io.herald.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Herald as a real process: {@code java -XX:+UseZGC -Xmx1g -jar herald.jar serve} on a free port,
 * with a fresh data directory, its output appended to a log file. Every process started is also
 * killed when the harness exits, however it exits.
 */
final class HeraldProcess implements AutoCloseable {
    static final String TOKEN = "herald-bench-admin-token";
    /** The secret key of benchmark nodes on PostgreSQL: fixed, as their data is thrown away. */
    static final String BENCH_KEY = "bench-1:YmVuY2htYXJrIGtleSwgMzIgYnl0ZXMgbG9uZyEhISE=";
    /** The JVM flags every Herald of the harness runs with (recorded in each run's facts). */
    static final List<String> JVM_FLAGS = List.of("--enable-native-access=ALL-UNNAMED", "-XX:+UseZGC", "-Xmx1g");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly), "kill-herald"));
    }

    /** What to start: the JDK, the jar, its database (null: SQLite in the data directory), more environment. */
    record Launch(Path javaHome, Path jar, String databaseUrl, Map<String, String> env, Path log, Path jfr) {}

    /** Heap after a full GC, as {@code jcmd GC.heap_info} tells it. */
    record Heap(double usedMiB, double committedMiB, String text) {}

    private final Process process;
    private final Path dataDir;
    private final Path javaHome;
    private final int port;
    private final Path log;

    private HeraldProcess(Process process, Path dataDir, Path javaHome, int port, Path log) {
        this.process = process;
        this.dataDir = dataDir;
        this.javaHome = javaHome;
        this.port = port;
        this.log = log;
    }

    static HeraldProcess start(Launch l) {
        Path dataDir;
        int port;
        try {
            dataDir = Files.createTempDirectory("herald-bench-");
            port = freePort();
            Files.createDirectories(l.log().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(l.javaHome().resolve("bin/java").toString());
        cmd.addAll(JVM_FLAGS);
        if (l.jfr() != null) {
            cmd.add("-XX:StartFlightRecording=filename=" + l.jfr() + ",settings=profile,method-profiling=max,dumponexit=true");
        }
        cmd.addAll(List.of("-jar", l.jar().toString(), "serve"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(l.log().toFile()));
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("HERALD_"));
        env.put("HERALD_PORT", Integer.toString(port));
        env.put("HERALD_DATA_DIR", dataDir.toString());
        env.put("HERALD_ADMIN_TOKEN", TOKEN);
        env.put("HERALD_HTTPS_ONLY", "false");
        env.put("HERALD_ALLOWED_TARGETS", "127.0.0.1/32");
        // Attempts still in flight at the end of a scenario are of no interest: stop at once.
        env.put("HERALD_SHUTDOWN_GRACE_SECONDS", "0");
        if (l.databaseUrl() != null) {
            env.put("HERALD_DATABASE_URL", l.databaseUrl());
            // PostgreSQL needs a key set (every node the same); on SQLite a key file is made in the data dir.
            env.put("HERALD_SECRET_KEY", BENCH_KEY);
        }
        env.putAll(l.env());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", cmd), e);
        }
        LIVE.add(p);
        HeraldProcess h = new HeraldProcess(p, dataDir, l.javaHome(), port, l.log());
        try {
            h.awaitHealthy();
        } catch (RuntimeException e) {
            h.close();
            throw e;
        }
        return h;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void awaitHealthy() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest health = HttpRequest.newBuilder(base().resolve("/api/v1/health")).timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Herald exited with " + process.exitValue() + " before it was healthy; "
                        + "last lines of " + log + ":\n" + tail(log, 20));
            }
            try {
                if (http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() / 100 == 2) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Herald", e);
            }
            Pause.millis(100);
        }
        throw new IllegalStateException("Herald was not healthy within " + START_TIMEOUT.toSeconds() + " s; see " + log);
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + port);
    }

    long pid() {
        return process.pid();
    }

    /** CPU time Herald has used since it started, in seconds. */
    double cpuSeconds() {
        return process.toHandle().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
    }

    /** Resident set size from /proc, in MiB. */
    double rssMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or gone
        }
        return Double.NaN;
    }

    /** Forces a full GC in Herald, then reads its heap: {@code jcmd GC.run}, {@code jcmd GC.heap_info}. */
    Heap heapAfterGc() {
        jcmd("GC.run");
        return parseHeapInfo(jcmd("GC.heap_info"));
    }

    /** Runs {@code jcmd <pid> command} and returns its output; throws when it fails. */
    String jcmd(String command) {
        Path jcmd = javaHome.resolve("bin/jcmd");
        try {
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid()), command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(jcmd + " " + pid() + " " + command + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + jcmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static final Pattern USED = Pattern.compile("used (\\d+)([KMG])");
    private static final Pattern COMMITTED = Pattern.compile("(?:capacity|total) (\\d+)([KMG])");

    /** Reads "used" and the committed size from ZGC's ("ZHeap used 52M, capacity 378M") or G1's output. */
    static Heap parseHeapInfo(String text) {
        return new Heap(mib(USED.matcher(text)), mib(COMMITTED.matcher(text)), text.strip());
    }

    private static double mib(Matcher m) {
        if (!m.find()) {
            return Double.NaN;
        }
        double n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "K" -> n / 1024;
            case "G" -> n * 1024;
            default -> n;
        };
    }

    /** Stops Herald (SIGTERM, then SIGKILL after 20 s) and deletes its data directory. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            LIVE.remove(process);
        }
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            System.err.println("bench: could not delete " + dataDir + ": " + e.getMessage());
        }
    }
}
