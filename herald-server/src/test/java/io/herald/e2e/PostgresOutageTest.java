package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.api.ApiClient;
import io.herald.testing.LoopbackReceiver;
import io.herald.testing.LoopbackReceiver.Reply;
import io.herald.testing.TestPostgres;
import io.herald.testing.ThrowawayPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * PostgreSQL goes away under load, on a server of the test's own: stopped (as by a crash) for 30 s
 * and started again, or its connections cut. Publishers see 201 or a prompt 503, never a 500 or a
 * hang; readiness turns 503 and back to 200 by itself; every 201 is delivered once the database is
 * back, without anyone's help.
 */
// Mostly waiting for the outage to pass: runs beside the other test classes (junit-platform.properties).
@Execution(ExecutionMode.CONCURRENT)
class PostgresOutageTest {
    private static final Duration OUTAGE = Duration.ofSeconds(30);
    /** No request may take longer: Store.CONNECTION_WAIT (3 s), with room for a slow machine. */
    private static final Duration BOUND = Duration.ofSeconds(6);

    @TempDir
    Path dir;
    ThrowawayPostgres pg;
    LoopbackReceiver receiver;
    TestHerald herald;

    record Outcome(int status, long millis, String id, String code, String reason, String retryAfter) {}

    private final List<Outcome> outcomes = new CopyOnWriteArrayList<>();
    private final AtomicBoolean publishing = new AtomicBoolean();
    private final List<Thread> publishers = new ArrayList<>();

    @BeforeEach
    void start() {
        pg = new ThrowawayPostgres(dir).start();
        receiver = new LoopbackReceiver().fallback(Reply.status(200));
        // A short lease: a delivery whose lease an outage left in place (its hand-back failed too) waits
        // for it to end; the test waits for every delivery.
        herald = TestHerald.postgresNode(dir.resolve("node"), new TestPostgres.Database("postgres", pg.url()), Map.of(),
                TestHerald.Time.SYSTEM_CLOCK, Duration.ofSeconds(15));
        herald.post("/api/v1/app", "{\"name\": \"A\", \"uid\": \"a\"}", 201);
        herald.post("/api/v1/app/a/endpoint", "{\"url\": \"" + receiver.url("/hook") + "\"}", 201);
    }

    @AfterEach
    void stop() throws InterruptedException {
        stopPublishing();
        if (herald != null) {
            herald.close();
        }
        receiver.close();
        pg.close();
    }

    @Test
    void databaseStoppedFor30s_thenBack_publishesGet201OrAPrompt503_andEvery201IsDelivered() throws Exception {
        startPublishing(4);
        awaitAccepted(20);
        assertThat(readiness()).isEqualTo(200);
        pg.crash();
        long down = System.nanoTime();
        ApiClient.Answer notReady = awaitReadiness(503);
        assertThat(notReady.text("reason")).isEqualTo("store_unavailable");
        assertThat(notReady.header("Retry-After")).isNotNull();
        sleep(OUTAGE.minusNanos(System.nanoTime() - down));
        pg.start();
        int before = accepted().size();
        awaitAccepted(before + 20);
        awaitReadiness(200);
        stopPublishing();

        List<Outcome> during = outcomes.stream().filter(o -> o.status() == 503).toList();
        assertThat(during).as("the outage was seen").isNotEmpty();
        assertHonest();
        assertEveryAcceptedDelivered();
        // Publishes kept being answered throughout: at least one per bound per publisher while down.
        assertThat(during.size()).isGreaterThanOrEqualTo((int) (OUTAGE.toMillis() / BOUND.toMillis()));
        assertThat((System.nanoTime() - down) / 1_000_000).isGreaterThanOrEqualTo(OUTAGE.toMillis());
    }

    @Test
    void connectionsCut_underLoad_noneIsA500_andEvery201IsDelivered() throws Exception {
        startPublishing(4);
        awaitAccepted(20);
        for (int i = 0; i < 3; i++) {
            try (Connection c = DriverManager.getConnection(pg.url())) {
                c.createStatement().execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        + "WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'");
            }
            int before = accepted().size();
            awaitAccepted(before + 10);
        }
        stopPublishing();
        assertHonest();
        assertEveryAcceptedDelivered();
    }

    /** Every answer is a 201, or a 503 that says why and when to come back; none took past the bound. */
    private void assertHonest() {
        Map<Integer, Long> byStatus = outcomes.stream().collect(Collectors.groupingBy(Outcome::status, Collectors.counting()));
        assertThat(byStatus.keySet()).as("statuses seen: %s", byStatus).isSubsetOf(Set.of(201, 503));
        for (Outcome o : outcomes) {
            assertThat(o.millis()).as("%s took past the bound", o).isLessThanOrEqualTo(BOUND.toMillis());
            if (o.status() == 503) {
                assertThat(o.code()).as(o.toString()).isIn("store_unavailable", "commit_unknown");
                assertThat(o.retryAfter()).isEqualTo("2");
                if (o.code().equals("store_unavailable")) {
                    assertThat(o.reason()).isEqualTo("unreachable");
                }
            }
        }
    }

    private void assertEveryAcceptedDelivered() throws InterruptedException {
        Set<String> accepted = accepted();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        Set<String> delivered = Set.of();
        while (System.nanoTime() < deadline) {
            delivered = receiver.received("/hook").stream().map(r -> r.header("webhook-id")).collect(Collectors.toSet());
            if (delivered.containsAll(accepted)) {
                return;
            }
            Thread.sleep(200);
        }
        Set<String> missing = new java.util.TreeSet<>(accepted);
        missing.removeAll(delivered);
        throw new AssertionError(missing.size() + " of " + accepted.size() + " accepted messages were not delivered: "
                + missing + "\nPostgreSQL's log:\n" + pg.log());
    }

    private int readiness() {
        return herald.api.get("/api/v1/health/ready").status();
    }

    /** Readiness answering {@code status} by itself, within 20 s (it is kept a second, its probe takes up to one). */
    private ApiClient.Answer awaitReadiness(int status) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        ApiClient.Answer a = herald.api.get("/api/v1/health/ready");
        while (a.status() != status) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("readiness did not turn " + status + " within 20 s: " + a.status() + " " + a.raw());
            }
            Thread.sleep(100);
            a = herald.api.get("/api/v1/health/ready");
        }
        return a;
    }

    private Set<String> accepted() {
        return outcomes.stream().filter(o -> o.status() == 201).map(Outcome::id).collect(Collectors.toSet());
    }

    private void startPublishing(int threads) {
        publishing.set(true);
        ApiClient api = herald.api;
        for (int t = 0; t < threads; t++) {
            int n = t;
            publishers.add(Thread.ofVirtual().start(() -> {
                int i = 0;
                while (publishing.get()) {
                    long start = System.nanoTime();
                    ApiClient.Answer a;
                    try {
                        a = api.post("/api/v1/app/a/msg", "{\"eventType\": \"outage.test\", \"payload\": {\"publisher\": "
                                + n + ", \"n\": " + i++ + "}}");
                    } catch (RuntimeException e) {
                        outcomes.add(new Outcome(-1, (System.nanoTime() - start) / 1_000_000, null, e.toString(), null, null));
                        continue;
                    }
                    long ms = (System.nanoTime() - start) / 1_000_000;
                    outcomes.add(new Outcome(a.status(), ms, a.status() == 201 ? a.text("id") : null,
                            a.status() == 201 ? null : a.text("code"), a.status() == 201 ? null : a.text("reason"),
                            a.header("Retry-After")));
                    if (a.status() == 503) {
                        sleepQuietly(200); // a client honouring Retry-After, sooner: the test wants many samples
                    }
                }
            }));
        }
    }

    private void stopPublishing() throws InterruptedException {
        publishing.set(false);
        for (Thread t : publishers) {
            t.join(Duration.ofSeconds(30));
        }
        publishers.clear();
    }

    private void awaitAccepted(int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (accepted().size() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("publishes were not accepted again within 60 s: " + outcomes.subList(
                        Math.max(0, outcomes.size() - 5), outcomes.size()) + "\nPostgreSQL's log:\n" + pg.log());
            }
            Thread.sleep(50);
        }
    }

    private static void sleep(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis());
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
