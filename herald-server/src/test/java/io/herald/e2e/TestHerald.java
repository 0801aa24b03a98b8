package io.herald.e2e;

import io.herald.EngineConfig;
import io.herald.api.ApiClient;
import io.herald.delivery.DispatcherSettings;
import io.herald.server.HeraldServer;
import io.herald.server.ServerConfig;
import io.herald.testing.SettableClock;
import io.herald.testing.TestKeys;
import io.herald.testing.TestPostgres;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Herald's server in-process, on a real SQLite file or a real PostgreSQL database, with its clock
 * in the test's hand: the poller is off, so retries happen when the test advances the clock and
 * calls {@link #runDue()}. First attempts still start at publish, as in production.
 * {@link Time#SYSTEM_CLOCK} runs it on real time instead, for clients that cannot move a test clock.
 */
public final class TestHerald implements AutoCloseable {
    public static final String TOKEN = "test-admin-token-0123456789";
    /** Short, so that a hanging receiver costs a test one real second. */
    public static final Duration TIMEOUT = Duration.ofSeconds(1);
    /** How often the poller claims due work on {@link Time#SYSTEM_CLOCK}: short, so waits stay short. */
    public static final Duration SYSTEM_CLOCK_POLL = Duration.ofMillis(100);

    /** Whose time Herald runs on. */
    public enum Time {
        /** {@link #clock}, moved by the test; the poller is off. */
        TEST_CLOCK,
        /**
         * The system clock, with the poller claiming due work every {@link #SYSTEM_CLOCK_POLL}; a
         * retry then waits as long as its delay really is (e.g. {@code HERALD_RETRY_DELAYS=none}).
         */
        SYSTEM_CLOCK,
        /**
         * {@link #clock}, moved by the test, with the poller claiming due work every
         * {@link #SYSTEM_CLOCK_POLL} (of real time) at the clock's time: for what watches the poller.
         */
        TEST_CLOCK_POLLING
    }

    /** The test's clock; null on {@link Time#SYSTEM_CLOCK}, where there is nothing to move. */
    public final SettableClock clock;
    public final HeraldServer server;
    public final ApiClient api;
    /** The database this node drops at {@link #close()}; null on SQLite or when it shares one. */
    private final TestPostgres.Database database;
    /** The PostgreSQL database this node runs on; null on SQLite. */
    private final TestPostgres.Database on;
    private final Time time;

    /**
     * A 70 s lease lets endpoints ask for the full 30 s timeout, as in production (twice timeout +
     * margin must fit). Tests do not wait for it to expire.
     */
    static final Duration LEASE = Duration.ofSeconds(70);

    private TestHerald(Path dataDir, TestPostgres.Database database, boolean dropsDatabase, Map<String, String> env,
                       Time time) {
        this(dataDir, database, dropsDatabase, env, time, LEASE);
    }

    private TestHerald(Path dataDir, TestPostgres.Database database, boolean dropsDatabase, Map<String, String> env,
                       Time time, Duration lease) {
        this.database = dropsDatabase ? database : null;
        this.on = database;
        this.time = time;
        this.clock = time != Time.SYSTEM_CLOCK ? SettableClock.atNow() : null;
        Map<String, String> all = new HashMap<>(Map.of("HERALD_PORT", "0", "HERALD_DATA_DIR", dataDir.toString(),
                "HERALD_ADMIN_TOKEN", TOKEN, "HERALD_HTTPS_ONLY", "false", "HERALD_ALLOWED_TARGETS", "127.0.0.1/32"));
        if (database != null) {
            all.put("HERALD_DATABASE_URL", database.url());
            // PostgreSQL needs a key set; on SQLite the key file in the data directory is made on first start.
            all.put("HERALD_SECRET_KEY", TestKeys.TEXT);
        }
        all.putAll(env);
        ServerConfig config = ServerConfig.fromEnv(all);
        DispatcherSettings d = new DispatcherSettings(lease,
                time == Time.TEST_CLOCK ? Duration.ZERO : SYSTEM_CLOCK_POLL,
                DispatcherSettings.DEFAULT_MAX_IN_MEMORY, config.maxInFlightPerEndpoint(), TIMEOUT,
                Duration.ofSeconds(2), config.circuitBreaker());
        EngineConfig engine = config.engineConfig().withDispatcher(d);
        this.server = HeraldServer.start(config, engine, time != Time.SYSTEM_CLOCK ? clock : Clock.systemUTC());
        this.api = new ApiClient("http://127.0.0.1:" + server.port(), TOKEN);
    }

    /** On an SQLite file in {@code dataDir}. */
    public static TestHerald sqlite(Path dataDir, Map<String, String> env) {
        return sqlite(dataDir, env, Time.TEST_CLOCK);
    }

    public static TestHerald sqlite(Path dataDir, Map<String, String> env, Time time) {
        return new TestHerald(dataDir, null, false, env, time);
    }

    /** On a fresh PostgreSQL database, dropped at {@link #close()}. */
    public static TestHerald postgres(Path dataDir, Map<String, String> env) {
        return postgres(dataDir, env, Time.TEST_CLOCK);
    }

    public static TestHerald postgres(Path dataDir, Map<String, String> env, Time time) {
        TestPostgres.Database db = TestPostgres.create();
        try {
            return new TestHerald(dataDir, db, true, env, time);
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /**
     * A node on a PostgreSQL database that the test owns and drops itself: several nodes at once
     * (as behind a load balancer), or one after another (a restart).
     */
    public static TestHerald postgresNode(Path dataDir, TestPostgres.Database shared, Map<String, String> env) {
        return postgresNode(dataDir, shared, env, Time.TEST_CLOCK);
    }

    public static TestHerald postgresNode(Path dataDir, TestPostgres.Database shared, Map<String, String> env, Time time) {
        return new TestHerald(dataDir, shared, false, env, time, LEASE);
    }

    /**
     * As above with a lease of {@code lease} (DispatcherSettings says how short it may be), for
     * tests that wait for leases to end and have no endpoint that asks for a long timeout.
     */
    public static TestHerald postgresNode(Path dataDir, TestPostgres.Database shared, Map<String, String> env, Time time,
                                          Duration lease) {
        return new TestHerald(dataDir, shared, false, env, time, lease);
    }

    /**
     * Another node on this node's PostgreSQL database, on the same kind of time (its own test clock,
     * or the system clock); close it before this one. Null on SQLite, where one process owns the file.
     */
    public TestHerald secondNode(Path dataDir, Map<String, String> env) {
        return on == null ? null : new TestHerald(dataDir, on, false, env, time);
    }

    /** Claims and runs every delivery due at the clock's time; returns how many ran. */
    public int runDue() {
        return server.herald().dispatcher().runDueOnce();
    }

    /** Runs every due background task (recover, replay-missing) to its end; returns how many batches ran. */
    public int runTasks() {
        return server.herald().tasks().runDueOnce();
    }

    /** Moves the clock; attempts waiting for a rate-limit slot see it at once. */
    public void advance(Duration d) {
        clock.advance(d);
        server.herald().dispatcher().clockMoved();
    }

    /** POSTs and expects {@code status}; returns the body. */
    public JsonNode post(String path, String json, int status) {
        return expect(api.post(path, json), status);
    }

    /** Expects 200; returns the body. */
    public JsonNode expectOk(ApiClient.Answer a) {
        return expect(a, 200);
    }

    public JsonNode get(String path) {
        return expect(api.get(path), 200);
    }

    public static JsonNode expect(ApiClient.Answer a, int status) {
        if (a.status() != status) {
            throw new AssertionError("expected HTTP " + status + ", got " + a.status() + ": " + a.raw());
        }
        return a.body();
    }

    /** The attempts of a message, newest first, once there are {@code n} of them (waits up to 10 s). */
    public JsonNode awaitAttempts(String app, String msgId, int n) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            JsonNode data = get("/api/v1/app/" + app + "/attempt/msg/" + msgId).get("data");
            if (data.size() >= n) {
                return data;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + n + " attempts for " + msgId + ", have " + data);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } finally {
            if (database != null) {
                database.close();
            }
        }
    }
}
