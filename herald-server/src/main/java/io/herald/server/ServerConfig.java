package io.herald.server;

import io.herald.EngineConfig;
import io.herald.audit.AuditLog;
import io.herald.delivery.Cidr;
import io.herald.delivery.DispatcherSettings;
import io.herald.delivery.EgressProxy;
import io.herald.delivery.RetryPolicy;
import io.herald.endpoint.CircuitBreaker;
import io.herald.endpoint.DeliveryPolicy;
import io.herald.endpoint.RetrySchedule;
import io.herald.retention.Retention;
import io.herald.secret.KeyFile;
import io.herald.secret.Keyring;
import io.herald.store.Store;
import io.herald.store.StoreSettings;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The server's settings, read from the environment (flags may override) and validated at once: a
 * bad value stops start-up with a message that names the setting.
 */
public record ServerConfig(int port, Path dataDir, String databaseUrl, String adminToken, boolean httpsOnly,
                           List<Cidr> allowedTargets, Duration lease, Duration shutdownGrace,
                           List<Duration> retryDelays, Duration attemptTimeout, StoreSettings store,
                           CircuitBreaker circuitBreaker, int maxInFlightPerEndpoint,
                           Duration auditRetention, List<Cidr> trustedProxies, Keyring secretKey,
                           Path secretKeyFile, EgressProxy proxy, Duration retention) {
    public static final int DEFAULT_PORT = 8080;
    public static final Path DEFAULT_DATA_DIR = Path.of("data");
    /** The key file used when neither HERALD_SECRET_KEY nor HERALD_SECRET_KEY_FILE is set (SQLite only). */
    public static final String DEFAULT_KEY_FILE = "herald.key";

    /** A setting that cannot be used; the message names it. */
    public static final class Invalid extends RuntimeException {
        public Invalid(String message) {
            super(message);
        }
    }

    public static ServerConfig fromEnv(Map<String, String> env) {
        int port = intSetting(env, "HERALD_PORT", DEFAULT_PORT, 0, 65_535);
        Path dataDir = Path.of(env.getOrDefault("HERALD_DATA_DIR", DEFAULT_DATA_DIR.toString()));
        String db = blankToNull(env.get("HERALD_DATABASE_URL"));
        if (db != null && !db.startsWith("jdbc:postgresql:") && !db.startsWith("jdbc:sqlite:")) {
            throw new Invalid("HERALD_DATABASE_URL must start with jdbc:postgresql: (or jdbc:sqlite:), or be unset for the embedded SQLite file");
        }
        String token = blankToNull(env.get("HERALD_ADMIN_TOKEN"));
        if (token != null && token.length() < 16) {
            throw new Invalid("HERALD_ADMIN_TOKEN must be at least 16 characters long");
        }
        boolean httpsOnly = boolSetting(env, "HERALD_HTTPS_ONLY", true);
        List<Cidr> allowed = cidrsSetting(env, "HERALD_ALLOWED_TARGETS");
        Duration lease = Duration.ofSeconds(intSetting(env, "HERALD_LEASE_SECONDS",
                (int) DispatcherSettings.DEFAULT_LEASE.toSeconds(), 40, 3_600));
        Duration grace = Duration.ofSeconds(intSetting(env, "HERALD_SHUTDOWN_GRACE_SECONDS",
                (int) DispatcherSettings.DEFAULT_SHUTDOWN_GRACE.toSeconds(), 0, 600));
        List<Duration> delays = delaysSetting(env, "HERALD_RETRY_DELAYS", RetryPolicy.DEFAULT_DELAYS);
        Duration timeout = Duration.ofSeconds(intSetting(env, "HERALD_ATTEMPT_TIMEOUT_SECONDS",
                (int) DispatcherSettings.DEFAULT_TIMEOUT.toSeconds(), (int) DispatcherSettings.MIN_TIMEOUT.toSeconds(),
                (int) DispatcherSettings.MAX_ENDPOINT_TIMEOUT.toSeconds()));
        if (lease.compareTo(DispatcherSettings.leaseCovering(timeout)) < 0) {
            throw new Invalid("HERALD_LEASE_SECONDS must be at least " + DispatcherSettings.leaseCovering(timeout).toSeconds()
                    + " with HERALD_ATTEMPT_TIMEOUT_SECONDS " + timeout.toSeconds() + " (twice the timeout plus "
                    + DispatcherSettings.LEASE_MARGIN.toSeconds() + " s)");
        }
        int poolSize = intSetting(env, "HERALD_DATABASE_POOL_SIZE", StoreSettings.DEFAULT_POOL_SIZE, 2, 1_000);
        int writers = intSetting(env, "HERALD_DATABASE_WRITERS", StoreSettings.DEFAULT_WRITERS, 1, 500);
        if (writers > poolSize / 2) {
            throw new Invalid("HERALD_DATABASE_WRITERS (" + writers + ") may be at most half of HERALD_DATABASE_POOL_SIZE ("
                    + poolSize + "): reads need connections too");
        }
        // Unset: the database's own default (StoreSettings.commitDelay), which differs by database.
        Duration commitDelay = blankToNull(env.get("HERALD_DATABASE_COMMIT_DELAY_MS")) == null ? null
                : Duration.ofMillis(intSetting(env, "HERALD_DATABASE_COMMIT_DELAY_MS", 0, 0,
                        (int) StoreSettings.MAX_COMMIT_DELAY.toMillis()));
        int failures = intSetting(env, "HERALD_CIRCUIT_FAILURES", CircuitBreaker.DEFAULT.failures(),
                CircuitBreaker.MIN_FAILURES, CircuitBreaker.MAX_FAILURES);
        Duration disableAfter = Duration.ofSeconds(intSetting(env, "HERALD_CIRCUIT_DISABLE_AFTER_SECONDS",
                (int) CircuitBreaker.DEFAULT.disableAfter().toSeconds(), (int) CircuitBreaker.MIN_DISABLE_AFTER.toSeconds(),
                (int) CircuitBreaker.MAX_DISABLE_AFTER.toSeconds()));
        int maxInFlight = intSetting(env, "HERALD_MAX_IN_FLIGHT_PER_ENDPOINT", DispatcherSettings.DEFAULT_PER_ENDPOINT,
                DeliveryPolicy.MIN_IN_FLIGHT, DeliveryPolicy.MAX_IN_FLIGHT);
        Duration auditRetention = Duration.ofDays(intSetting(env, "HERALD_AUDIT_RETENTION_DAYS",
                (int) AuditLog.DEFAULT_RETENTION.toDays(), (int) AuditLog.MIN_RETENTION.toDays(), (int) AuditLog.MAX_RETENTION.toDays()));
        Duration retention = Duration.ofDays(intSetting(env, "HERALD_RETENTION_DAYS",
                (int) Retention.DEFAULT.toDays(), (int) Retention.MIN.toDays(), (int) Retention.MAX.toDays()));
        List<Cidr> trustedProxies = cidrsSetting(env, "HERALD_TRUSTED_PROXIES");
        EgressProxy proxy = null;
        String proxyUrl = blankToNull(env.get("HERALD_PROXY_URL"));
        if (proxyUrl != null) {
            try {
                proxy = EgressProxy.parse(proxyUrl);
            } catch (IllegalArgumentException e) {
                throw new Invalid("HERALD_PROXY_URL " + e.getMessage());
            }
        }
        // Read by logback.xml, which has chosen its appender by now; checked here so a typo stops start-up.
        String logFormat = blankToNull(env.get("HERALD_LOG_FORMAT"));
        if (logFormat != null && !logFormat.equals("text") && !logFormat.equals("json")) {
            throw new Invalid("HERALD_LOG_FORMAT must be text or json, got '" + logFormat + "'");
        }
        String keyText = blankToNull(env.get("HERALD_SECRET_KEY"));
        String keyFile = blankToNull(env.get("HERALD_SECRET_KEY_FILE"));
        if (keyText != null && keyFile != null) {
            throw new Invalid("set HERALD_SECRET_KEY or HERALD_SECRET_KEY_FILE, not both");
        }
        Keyring keyring = null;
        if (keyText != null) {
            try {
                keyring = Keyring.parse("HERALD_SECRET_KEY", keyText);
            } catch (IllegalArgumentException e) {
                throw new Invalid(e.getMessage());
            }
        }
        if (db != null && db.startsWith("jdbc:postgresql:") && keyText == null && keyFile == null) {
            // Nodes on PostgreSQL are stateless: a key made on one node's disk would differ from the
            // next node's, and be lost with the node.
            throw new Invalid("HERALD_SECRET_KEY (or HERALD_SECRET_KEY_FILE) is required with PostgreSQL: every node needs "
                    + "the same key, kept apart from the nodes. Make one with 'herald secrets new-key' (see docs/security.md)");
        }
        return new ServerConfig(port, dataDir, db, token, httpsOnly, allowed, lease, grace, delays, timeout,
                new StoreSettings(poolSize, writers, commitDelay), new CircuitBreaker(failures, disableAfter),
                maxInFlight, auditRetention, List.copyOf(trustedProxies), keyring, keyFile == null ? null : Path.of(keyFile), proxy,
                retention);
    }

    /** Comma-separated CIDR ranges (a bare address is one host); none when unset. */
    private static List<Cidr> cidrsSetting(Map<String, String> env, String name) {
        List<Cidr> out = new ArrayList<>();
        String v = blankToNull(env.get(name));
        if (v != null) {
            for (String part : v.split(",")) {
                if (part.isBlank()) {
                    continue;
                }
                try {
                    out.add(Cidr.parse(part));
                } catch (IllegalArgumentException e) {
                    throw new Invalid(name + ": " + e.getMessage() + " (expected e.g. 127.0.0.1/32,10.0.0.0/8)");
                }
            }
        }
        return out;
    }

    /** Where the keys are read from when HERALD_SECRET_KEY is not set. */
    public Path keyFile() {
        return secretKeyFile != null ? secretKeyFile : dataDir.resolve(DEFAULT_KEY_FILE);
    }

    /**
     * The keys: HERALD_SECRET_KEY's, else the key file's ({@link #keyFile()}), which is created
     * with a new key on first start when missing.
     */
    public Keyring keyring(Clock clock) {
        if (secretKey != null) {
            return secretKey;
        }
        try {
            return KeyFile.loadOrCreate(keyFile(), clock);
        } catch (UncheckedIOException | IllegalArgumentException e) {
            throw new Invalid(keySetting() + ": " + e.getMessage());
        }
    }

    /** As {@link #keyring(Clock)}, but a missing key file is an error rather than created (for commands on an existing database). */
    public Keyring existingKeyring() {
        if (secretKey != null) {
            return secretKey;
        }
        if (!Files.exists(keyFile())) {
            throw new Invalid(keySetting() + ": " + keyFile().toAbsolutePath() + " does not exist");
        }
        try {
            return KeyFile.load(keyFile());
        } catch (UncheckedIOException | IllegalArgumentException e) {
            throw new Invalid(keySetting() + ": " + e.getMessage());
        }
    }

    private String keySetting() {
        return secretKeyFile != null ? "HERALD_SECRET_KEY_FILE" : "the key file (HERALD_SECRET_KEY and HERALD_SECRET_KEY_FILE unset)";
    }

    /** Comma-separated whole seconds, each allowed in an endpoint's own schedule; "none" for no retries. */
    private static List<Duration> delaysSetting(Map<String, String> env, String name, List<Duration> dflt) {
        String v = blankToNull(env.get(name));
        if (v == null) {
            return dflt;
        }
        if (v.equalsIgnoreCase("none")) {
            return List.of();
        }
        String[] parts = v.split(",", -1);
        if (parts.length > RetrySchedule.MAX_SCHEDULE_LENGTH) {
            throw new Invalid(name + " may hold at most " + RetrySchedule.MAX_SCHEDULE_LENGTH + " delays, got " + parts.length);
        }
        List<Duration> delays = new ArrayList<>();
        for (String part : parts) {
            long seconds;
            try {
                seconds = Long.parseLong(part.strip());
            } catch (NumberFormatException e) {
                throw new Invalid(name + " must be comma-separated whole seconds (e.g. 5,300,1800) or none, got '" + v + "'");
            }
            if (seconds < 1 || seconds > RetrySchedule.MAX_DELAY_SECONDS) {
                throw new Invalid(name + ": each delay must be from 1 to " + RetrySchedule.MAX_DELAY_SECONDS + " seconds, got " + seconds);
            }
            delays.add(Duration.ofSeconds(seconds));
        }
        return List.copyOf(delays);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static int intSetting(Map<String, String> env, String name, int dflt, int min, int max) {
        String v = blankToNull(env.get(name));
        if (v == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new Invalid(name + " must be between " + min + " and " + max + ", got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new Invalid(name + " must be a whole number, got '" + v + "'");
        }
    }

    private static boolean boolSetting(Map<String, String> env, String name, boolean dflt) {
        String v = blankToNull(env.get(name));
        if (v == null) {
            return dflt;
        }
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new Invalid(name + " must be true or false, got '" + v + "'");
        };
    }

    /** The JDBC URL to open: the configured one, or the SQLite file in the data directory. */
    public String jdbcUrl() {
        return databaseUrl != null ? databaseUrl : Store.sqliteUrl(dataDir);
    }

    public EngineConfig engineConfig() {
        DispatcherSettings d = new DispatcherSettings(lease, DispatcherSettings.DEFAULT_POLL_INTERVAL,
                DispatcherSettings.DEFAULT_MAX_IN_MEMORY, maxInFlightPerEndpoint,
                attemptTimeout, shutdownGrace, circuitBreaker);
        // The key file, when the keys come from one, is read (or made) when the server starts.
        return new EngineConfig(jdbcUrl(), httpsOnly, allowedTargets, d, retryDelays, store, auditRetention, secretKey, proxy,
                retention);
    }
}
