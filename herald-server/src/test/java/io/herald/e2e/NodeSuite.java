package io.herald.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The node:test suite in {@code src/test/js}, made runnable in {@code target/svix-js}: its
 * package.json and lock file copied there and installed with {@code npm ci} (once per build: a
 * stamp in node_modules names the lock it was installed from), its test files copied fresh on
 * every run. Node cannot find packages from the source directory, hence the copy.
 *
 * <p>A missing node or npm is a failure, never a skip: the suite is part of {@code ./herald test}.
 */
final class NodeSuite {
    static final Path SOURCE = Path.of("src", "test", "js");
    static final Path WORK = Path.of("target", "svix-js");
    private static final int MIN_NODE_MAJOR = 20;
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(5);
    private static final String STAMP = ".herald-lock-sha256";

    private NodeSuite() {
    }

    /** What a finished process printed (stdout and stderr interleaved) and its exit code. */
    record Run(int exitCode, String output) {
    }

    /** Installs the suite's packages unless already installed from the same lock; returns the test files. */
    static synchronized List<Path> prepare() {
        try {
            Files.createDirectories(WORK);
            requireNode();
            String lock = sha256(SOURCE.resolve("package.json"), SOURCE.resolve("package-lock.json"));
            Path stamp = WORK.resolve("node_modules").resolve(STAMP);
            if (!Files.isRegularFile(stamp) || !Files.readString(stamp).equals(lock)) {
                for (String f : List.of("package.json", "package-lock.json")) {
                    Files.copy(SOURCE.resolve(f), WORK.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
                Run npm;
                try {
                    npm = run(List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of(), INSTALL_TIMEOUT, "npm");
                } catch (UncheckedIOException e) {
                    throw new AssertionError("npm is not on the PATH (" + e.getCause().getMessage() + "): the Svix JS SDK"
                            + " compatibility suite installs the SDK with npm ci", e);
                }
                if (npm.exitCode() != 0) {
                    throw new AssertionError("npm ci in " + WORK.toAbsolutePath() + " exited with " + npm.exitCode()
                            + ":\n" + npm.output());
                }
                Files.writeString(stamp, lock);
            }
            return copyTestFiles();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies every .js file of the suite, after removing those of an earlier run (a test file may have gone). */
    private static List<Path> copyTestFiles() throws IOException {
        try (Stream<Path> old = Files.list(WORK)) {
            for (Path p : old.filter(NodeSuite::isJs).toList()) {
                Files.delete(p);
            }
        }
        List<Path> tests = new ArrayList<>();
        try (Stream<Path> files = Files.list(SOURCE)) {
            for (Path p : files.filter(NodeSuite::isJs).sorted().toList()) {
                Path copy = WORK.resolve(p.getFileName());
                Files.copy(p, copy);
                if (p.getFileName().toString().endsWith(".test.js")) {
                    tests.add(copy.getFileName());
                }
            }
        }
        if (tests.isEmpty()) {
            throw new AssertionError("no *.test.js files in " + SOURCE.toAbsolutePath());
        }
        return tests;
    }

    private static boolean isJs(Path p) {
        return Files.isRegularFile(p) && p.getFileName().toString().endsWith(".js");
    }

    private static void requireNode() {
        Run v;
        try {
            v = run(List.of("node", "--version"), Map.of(), Duration.ofSeconds(30), "node");
        } catch (UncheckedIOException e) {
            throw new AssertionError("node is not on the PATH (" + e.getCause().getMessage() + "): the Svix JS SDK"
                    + " compatibility suite needs Node.js " + MIN_NODE_MAJOR + " or newer with npm", e);
        }
        String version = v.output().strip();
        int major = version.matches("v\\d+\\..*") ? Integer.parseInt(version.substring(1, version.indexOf('.'))) : 0;
        if (v.exitCode() != 0 || major < MIN_NODE_MAJOR) {
            throw new AssertionError("the Svix JS SDK compatibility suite needs Node.js " + MIN_NODE_MAJOR
                    + " or newer; 'node --version' said: " + version);
        }
    }

    /**
     * Runs {@code command} in {@link #WORK}, printing each line it writes to the test log as it
     * comes (prefixed with {@code tag}); kills it and its children after {@code timeout}.
     */
    static Run run(List<String> command, Map<String, String> env, Duration timeout, String tag) {
        ProcessBuilder pb = new ProcessBuilder(command).directory(WORK.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StringBuffer output = new StringBuffer();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    System.out.println("[" + tag + "] " + line);
                    output.append(line).append('\n');
                }
            } catch (IOException e) {
                // Only when the process is killed: its pipe closes under us. What was read is kept.
            }
        });
        try {
            boolean finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor();
            }
            reader.join(Duration.ofSeconds(5));
            if (!finished) {
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout.toSeconds()
                        + " s and was killed:\n" + output);
            }
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command, e);
        }
        return new Run(p.exitValue(), output.toString());
    }

    private static String sha256(Path... files) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Path f : files) {
                md.update(Files.readAllBytes(f));
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
