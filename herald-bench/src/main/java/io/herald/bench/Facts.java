package io.herald.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/** What a reader needs to judge the numbers: the machine, the JDK, and which Herald was measured. */
final class Facts {
    private Facts() {}

    static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hostname", hostname());
        m.put("nproc", Runtime.getRuntime().availableProcessors());
        m.put("memTotalMiB", memTotalMiB());
        m.put("cpuModel", firstValue(Path.of("/proc/cpuinfo"), "model name"));
        m.put("loadAverageAtStart", read(Path.of("/proc/loadavg")).map(s -> String.join(" ", List.of(s.split(" ")).subList(0, 3))).orElse(null));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        return m;
    }

    /** The JDK the harness runs on, which is also the one that runs Herald. */
    static Map<String, Object> jdk() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("javaVersion", System.getProperty("java.version"));
        m.put("vendor", System.getProperty("java.vendor"));
        m.put("vm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
        m.put("home", System.getProperty("java.home"));
        m.put("heraldFlags", String.join(" ", HeraldProcess.JVM_FLAGS));
        return m;
    }

    /**
     * The jar: path, size, SHA-256, the versions it carries, and for the default jar of a work tree
     * the commit and whether the tree had uncommitted changes.
     */
    static Map<String, Object> jar(Path jar, boolean defaultJar) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", jar.toAbsolutePath().normalize().toString());
        try {
            m.put("sizeBytes", Files.size(jar));
            m.put("modified", Files.getLastModifiedTime(jar).toString());
            m.put("sha256", sha256(jar));
            try (JarFile j = new JarFile(jar.toFile())) {
                m.put("version", j.getManifest() == null ? null : j.getManifest().getMainAttributes().getValue("Implementation-Version"));
                m.put("sqliteJdbc", mavenVersion(j, "org.xerial", "sqlite-jdbc"));
                m.put("postgresqlJdbc", mavenVersion(j, "org.postgresql", "postgresql"));
            }
        } catch (IOException e) {
            m.put("error", e.toString());
        }
        if (defaultJar) {
            Path repo = jar.toAbsolutePath().normalize().getParent().getParent().getParent();
            String commit = git(repo, "rev-parse", "--short", "HEAD");
            if (commit != null) {
                m.put("gitCommit", commit);
                String status = git(repo, "status", "--porcelain", "--untracked-files=no");
                m.put("gitDirty", status != null && !status.isBlank());
            }
        }
        return m;
    }

    private static String mavenVersion(JarFile j, String group, String artifact) throws IOException {
        ZipEntry e = j.getEntry("META-INF/maven/" + group + "/" + artifact + "/pom.properties");
        if (e == null) {
            return null;
        }
        Properties p = new Properties();
        try (InputStream in = j.getInputStream(e)) {
            p.load(in);
        }
        return p.getProperty("version");
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String git(Path dir, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static String hostname() {
        return read(Path.of("/etc/hostname")).map(String::strip).filter(s -> !s.isEmpty()).orElseGet(() -> {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                return "unknown";
            }
        });
    }

    private static Long memTotalMiB() {
        String kb = firstValue(Path.of("/proc/meminfo"), "MemTotal");
        return kb == null ? null : Long.parseLong(kb.replaceAll("[^0-9]", "")) / 1024;
    }

    private static String firstValue(Path file, String key) {
        return read(file).flatMap(text -> text.lines().filter(l -> l.startsWith(key)).findFirst())
                .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse(null);
    }

    private static java.util.Optional<String> read(Path file) {
        try {
            return java.util.Optional.of(Files.readString(file));
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }
}
