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
import io.herald.metrics.TopEndpoints;
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
                           Path secretKeyFile, EgressProxy proxy, Duration retention, Integer metricsPort,
                           int metricsTopEndpoints, List<String> portalFrameAncestors) {
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

    static final Setting.Whole PORT = new Setting.Whole("HERALD_PORT", "", "HTTP port of the API (0: any free port)",
            DEFAULT_PORT, 0, 65_535);
    static final Setting.Text<String> DATA_DIR = Setting.Text.plain("HERALD_DATA_DIR",
            "where the SQLite file (and, on SQLite, the key file) lives", "./data", DEFAULT_DATA_DIR.toString());
    static final Setting.Text<String> DATABASE_URL = new Setting.Text<>("HERALD_DATABASE_URL",
            "jdbc:postgresql://host/db?user=… for PostgreSQL, which any number of nodes may share", false,
            "SQLite in the data dir", "jdbc:postgresql:… or jdbc:sqlite:…", null, v -> {
                if (!v.startsWith("jdbc:postgresql:") && !v.startsWith("jdbc:sqlite:")) {
                    throw new IllegalArgumentException("must start with jdbc:postgresql: (or jdbc:sqlite:), or be unset for the "
                            + "embedded SQLite file");
                }
                String refused = io.herald.store.UnixSocketFactory.refusal(v);
                if (refused != null) {
                    throw new IllegalArgumentException(refused);
                }
                return v;
            });
    static final Setting.Text<String> ADMIN_TOKEN = new Setting.Text<>("HERALD_ADMIN_TOKEN",
            "the bootstrap admin bearer token; changing it revokes the previous value", true, "generated on first start",
            "16 characters or more", null, v -> {
                if (v.length() < 16) {
                    throw new IllegalArgumentException("must be at least 16 characters long");
                }
                return v;
            });
    static final Setting.Flag HTTPS_ONLY = new Setting.Flag("HERALD_HTTPS_ONLY", "endpoint URLs must be https", true);
    static final Setting.Text<List<Cidr>> ALLOWED_TARGETS = Setting.cidrs("HERALD_ALLOWED_TARGETS",
            "non-public ranges the SSRF guard lets deliveries reach");
    static final Setting.Text<EgressProxy> PROXY_URL = new Setting.Text<>("HERALD_PROXY_URL",
            "an HTTP proxy every delivery leaves through (CONNECT); the SSRF guard still vets each target", true, "none",
            "http://[user:password@]host:port", null, EgressProxy::parse);
    static final Setting.Time LEASE = Setting.Time.seconds("HERALD_LEASE_SECONDS",
            "how long a node holds a claimed delivery before another may take it", DispatcherSettings.DEFAULT_LEASE,
            Duration.ofSeconds(40), Duration.ofHours(1));
    static final Setting.Time SHUTDOWN_GRACE = Setting.Time.seconds("HERALD_SHUTDOWN_GRACE_SECONDS",
            "how long shutdown waits for attempts in flight", DispatcherSettings.DEFAULT_SHUTDOWN_GRACE, Duration.ZERO,
            Duration.ofMinutes(10));
    static final Setting.Text<List<Duration>> RETRY_DELAYS = new Setting.Text<>("HERALD_RETRY_DELAYS",
            "the server's retry schedule: seconds between attempts, jittered ±20 %", false,
            RetryPolicy.DEFAULT_DELAYS.stream().map(d -> Long.toString(d.toSeconds())).collect(java.util.stream.Collectors.joining(",")),
            "comma-separated seconds, each 1–" + RetrySchedule.MAX_DELAY_SECONDS + ", at most " + RetrySchedule.MAX_SCHEDULE_LENGTH
                    + "; none for a single attempt", RetryPolicy.DEFAULT_DELAYS, ServerConfig::delays);
    static final Setting.Time ATTEMPT_TIMEOUT = Setting.Time.seconds("HERALD_ATTEMPT_TIMEOUT_SECONDS",
            "how long an attempt may take unless the endpoint sets timeoutMs", DispatcherSettings.DEFAULT_TIMEOUT,
            DispatcherSettings.MIN_TIMEOUT, DispatcherSettings.MAX_ENDPOINT_TIMEOUT);
    static final Setting.Whole POOL_SIZE = new Setting.Whole("HERALD_DATABASE_POOL_SIZE", "",
            "database connections of a node, reads and writes together", StoreSettings.DEFAULT_POOL_SIZE, 2, 1_000);
    static final Setting.Whole WRITERS = new Setting.Whole("HERALD_DATABASE_WRITERS", "",
            "on PostgreSQL, the threads that commit write transactions, each on a connection of its own (at most half the pool)",
            StoreSettings.DEFAULT_WRITERS, 1, 500);
    static final Setting.OptionalMillis COMMIT_DELAY = new Setting.OptionalMillis("HERALD_DATABASE_COMMIT_DELAY_MS",
            "while writes keep coming, how long a writer waits for more to share its commit",
            "3 on SQLite, 0 on PostgreSQL", StoreSettings.MAX_COMMIT_DELAY);
    static final Setting.Whole CIRCUIT_FAILURES = new Setting.Whole("HERALD_CIRCUIT_FAILURES", "",
            "failed attempts in a row after which an endpoint's circuit opens", CircuitBreaker.DEFAULT.failures(),
            CircuitBreaker.MIN_FAILURES, CircuitBreaker.MAX_FAILURES);
    static final Setting.Time CIRCUIT_DISABLE_AFTER = Setting.Time.seconds("HERALD_CIRCUIT_DISABLE_AFTER_SECONDS",
            "how long an endpoint may fail without a success before Herald disables it", CircuitBreaker.DEFAULT.disableAfter(),
            CircuitBreaker.MIN_DISABLE_AFTER, CircuitBreaker.MAX_DISABLE_AFTER);
    static final Setting.Whole MAX_IN_FLIGHT = new Setting.Whole("HERALD_MAX_IN_FLIGHT_PER_ENDPOINT", "",
            "attempts in flight at once to one endpoint on each node, unless the endpoint sets maxInFlight",
            DispatcherSettings.DEFAULT_PER_ENDPOINT, DeliveryPolicy.MIN_IN_FLIGHT, DeliveryPolicy.MAX_IN_FLIGHT);
    static final Setting.Time AUDIT_RETENTION = Setting.Time.days("HERALD_AUDIT_RETENTION_DAYS",
            "how long the audit log keeps its rows", AuditLog.DEFAULT_RETENTION, AuditLog.MIN_RETENTION, AuditLog.MAX_RETENTION);
    static final Setting.Time RETENTION = Setting.Time.days("HERALD_RETENTION_DAYS",
            "how long messages, their attempts and what was sent are kept (none still waiting to be delivered is purged)",
            Retention.DEFAULT, Retention.MIN, Retention.MAX);
    static final Setting.Text<List<Cidr>> TRUSTED_PROXIES = Setting.cidrs("HERALD_TRUSTED_PROXIES",
            "reverse proxies whose X-Forwarded-For the audit log believes, and whose X-Forwarded-Proto: https makes the "
                    + "console's and portal's cookies Secure");
    static final Setting.Text<List<String>> PORTAL_FRAME_ANCESTORS = Setting.frameSources("HERALD_PORTAL_FRAME_ANCESTORS",
            "the pages that may show the application portal in a frame (its CSP frame-ancestors); none when unset");
    static final Setting.Text<Keyring> SECRET_KEY = new Setting.Text<>("HERALD_SECRET_KEY",
            "the keys that encrypt endpoint secrets at rest, newest first; required with PostgreSQL (or HERALD_SECRET_KEY_FILE)",
            true, "the key file", "<id>:<base64 of 32 bytes>, comma-separated", null, v -> Keyring.parse("HERALD_SECRET_KEY", v));
    static final Setting.Text<String> SECRET_KEY_FILE = Setting.Text.plain("HERALD_SECRET_KEY_FILE",
            "a file holding the keys, one per line, newest first (made on first start on SQLite when neither is set)",
            "<data dir>/" + DEFAULT_KEY_FILE, null);
    static final Setting.Text<String> LOG_FORMAT = Setting.choice("HERALD_LOG_FORMAT",
            "text, or one JSON object per log line (read by logback.xml; checked here)", "text", List.of("text", "json"));

    static final Setting.Whole METRICS_TOP_ENDPOINTS = new Setting.Whole("HERALD_METRICS_TOP_ENDPOINTS", "",
            "per-endpoint pending deliveries in the metrics, for this many endpoints with the most (0: none, no "
                    + "per-endpoint series at all)", 0, 0, TopEndpoints.MAX);
    static final Setting.Text<Integer> METRICS_PORT = new Setting.Text<>("HERALD_METRICS_PORT",
            "a port on 127.0.0.1 that serves GET /metrics without a token (0: any free port); /metrics on the API port "
                    + "takes an admin or viewer token either way", false, "none", "0–65535", null, v -> {
                int n;
                try {
                    n = Integer.parseInt(v);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("must be a whole number, got '" + v + "'");
                }
                if (n < 0 || n > 65_535) {
                    throw new IllegalArgumentException("must be between 0 and 65535, got " + n);
                }
                return n;
            });

    /** Every setting of the server, in the order --help and the README list them. */
    public static final List<Setting<?>> SETTINGS = List.of(PORT, DATA_DIR, DATABASE_URL, SECRET_KEY, SECRET_KEY_FILE,
            ADMIN_TOKEN, HTTPS_ONLY, ALLOWED_TARGETS, PROXY_URL, LEASE, SHUTDOWN_GRACE, MAX_IN_FLIGHT, RETRY_DELAYS,
            ATTEMPT_TIMEOUT, CIRCUIT_FAILURES, CIRCUIT_DISABLE_AFTER, POOL_SIZE, AUDIT_RETENTION, RETENTION, TRUSTED_PROXIES,
            PORTAL_FRAME_ANCESTORS, WRITERS, COMMIT_DELAY, LOG_FORMAT, METRICS_PORT, METRICS_TOP_ENDPOINTS);

    public static ServerConfig fromEnv(Map<String, String> env) {
        int port = PORT.read(env);
        Path dataDir = Path.of(DATA_DIR.read(env));
        String db = DATABASE_URL.read(env);
        String token = ADMIN_TOKEN.read(env);
        boolean httpsOnly = HTTPS_ONLY.read(env);
        List<Cidr> allowed = ALLOWED_TARGETS.read(env);
        Duration lease = LEASE.read(env);
        Duration grace = SHUTDOWN_GRACE.read(env);
        List<Duration> delays = RETRY_DELAYS.read(env);
        Duration timeout = ATTEMPT_TIMEOUT.read(env);
        if (lease.compareTo(DispatcherSettings.leaseCovering(timeout)) < 0) {
            throw new Invalid("HERALD_LEASE_SECONDS must be at least " + DispatcherSettings.leaseCovering(timeout).toSeconds()
                    + " with HERALD_ATTEMPT_TIMEOUT_SECONDS " + timeout.toSeconds() + " (twice the timeout plus "
                    + DispatcherSettings.LEASE_MARGIN.toSeconds() + " s)");
        }
        int poolSize = POOL_SIZE.read(env);
        int writers = WRITERS.read(env);
        if (writers > poolSize / 2) {
            throw new Invalid("HERALD_DATABASE_WRITERS (" + writers + ") may be at most half of HERALD_DATABASE_POOL_SIZE ("
                    + poolSize + "): reads need connections too");
        }
        // Unset: the database's own default (StoreSettings.commitDelay), which differs by database.
        Duration commitDelay = COMMIT_DELAY.read(env);
        int failures = CIRCUIT_FAILURES.read(env);
        Duration disableAfter = CIRCUIT_DISABLE_AFTER.read(env);
        int maxInFlight = MAX_IN_FLIGHT.read(env);
        Duration auditRetention = AUDIT_RETENTION.read(env);
        Duration retention = RETENTION.read(env);
        List<Cidr> trustedProxies = TRUSTED_PROXIES.read(env);
        List<String> frameAncestors = PORTAL_FRAME_ANCESTORS.read(env);
        EgressProxy proxy = PROXY_URL.read(env);
        Integer metricsPort = METRICS_PORT.read(env);
        if (metricsPort != null && metricsPort != 0 && metricsPort == port) {
            throw new Invalid("HERALD_METRICS_PORT must differ from HERALD_PORT (" + port + ")");
        }
        // Read by logback.xml, which has chosen its appender by now; checked here so a typo stops start-up.
        LOG_FORMAT.read(env);
        Keyring keyring = SECRET_KEY.read(env);
        String keyFile = SECRET_KEY_FILE.read(env);
        if (keyring != null && keyFile != null) {
            throw new Invalid("set HERALD_SECRET_KEY or HERALD_SECRET_KEY_FILE, not both");
        }
        if (db != null && db.startsWith("jdbc:postgresql:") && keyring == null && keyFile == null) {
            // Nodes on PostgreSQL are stateless: a key made on one node's disk would differ from the
            // next node's, and be lost with the node.
            throw new Invalid("HERALD_SECRET_KEY (or HERALD_SECRET_KEY_FILE) is required with PostgreSQL: every node needs "
                    + "the same key, kept apart from the nodes. Make one with 'herald secrets new-key' (see docs/security.md)");
        }
        return new ServerConfig(port, dataDir, db, token, httpsOnly, allowed, lease, grace, delays, timeout,
                new StoreSettings(poolSize, writers, commitDelay), new CircuitBreaker(failures, disableAfter),
                maxInFlight, auditRetention, trustedProxies, keyring, keyFile == null ? null : Path.of(keyFile), proxy,
                retention, metricsPort, METRICS_TOP_ENDPOINTS.read(env), frameAncestors);
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
    private static List<Duration> delays(String v) {
        if (v.equalsIgnoreCase("none")) {
            return List.of();
        }
        String[] parts = v.split(",", -1);
        if (parts.length > RetrySchedule.MAX_SCHEDULE_LENGTH) {
            throw new IllegalArgumentException("may hold at most " + RetrySchedule.MAX_SCHEDULE_LENGTH + " delays, got " + parts.length);
        }
        List<Duration> delays = new ArrayList<>();
        for (String part : parts) {
            long seconds;
            try {
                seconds = Long.parseLong(part.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("must be comma-separated whole seconds (e.g. 5,300,1800) or none, got '" + v + "'");
            }
            if (seconds < 1 || seconds > RetrySchedule.MAX_DELAY_SECONDS) {
                throw new IllegalArgumentException(": each delay must be from 1 to " + RetrySchedule.MAX_DELAY_SECONDS
                        + " seconds, got " + seconds);
            }
            delays.add(Duration.ofSeconds(seconds));
        }
        return List.copyOf(delays);
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
