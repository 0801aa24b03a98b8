package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.api.ApiClient;
import io.herald.testing.LoopbackReceiver;
import io.herald.testing.LoopbackReceiver.Reply;
import io.herald.testing.TestPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Nothing lost: a real Herald process is killed with SIGKILL while publishers are publishing and
 * deliveries are in flight, at a random moment, then started again on the same database. Every
 * message that was answered 201 must reach every subscribed endpoint at least once.
 */
// A separate process, mostly waited for: runs beside the other test classes (junit-platform.properties).
@Execution(ExecutionMode.CONCURRENT)
class CrashRecoveryTest {
    private static final List<String> PATHS = List.of("/a", "/b", "/c", "/d");

    @TempDir
    Path dir;
    LoopbackReceiver receiver;
    final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void setUp() {
        // Slow receivers, so that many attempts are in flight when the process dies.
        receiver = new LoopbackReceiver().fallback(Reply.delayed(Duration.ofMillis(150), Reply.status(200)));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
        receiver.close();
    }

    @Test
    void sqlite_killedDuringPublishAndDelivery_deliversEveryAcceptedMessageAfterRestart() {
        crashAndRecover(Map.of());
    }

    @Test
    void postgres_killedDuringPublishAndDelivery_deliversEveryAcceptedMessageAfterLeaseExpiry() {
        TestPostgres.Database db = TestPostgres.create();
        toClose.add(db);
        // The shortest lease allowed: a dead node's deliveries are free again after it.
        crashAndRecover(Map.of("HERALD_DATABASE_URL", db.url(), "HERALD_LEASE_SECONDS", "40"));
    }

    private void crashAndRecover(Map<String, String> env) {
        Path data = dir.resolve("data");
        Path log = dir.resolve("herald.log");
        HeraldProcess first = HeraldProcess.start(data, log, env);
        toClose.add(first);
        TestHerald.expect(first.api.post("/api/v1/app", "{\"name\": \"Acme\", \"uid\": \"acme\"}"), 201);
        for (String p : PATHS) {
            TestHerald.expect(first.api.post("/api/v1/app/acme/endpoint", "{\"url\": \"" + receiver.url(p) + "\"}"), 201);
        }

        Set<String> accepted = ConcurrentHashMap.newKeySet();
        AtomicBoolean publishing = new AtomicBoolean(true);
        List<Thread> publishers = new ArrayList<>();
        // Enough publishers that SQLite's writer commits several of them in one transaction.
        for (int t = 0; t < 16; t++) {
            publishers.add(Thread.ofVirtual().start(() -> publish(first.api, accepted, publishing)));
        }
        // Kill mid-stream: once deliveries are arriving and at least 40 accepted ones have not yet,
        // at a random moment shortly after.
        awaitBacklog(accepted, 40, Duration.ofSeconds(30));
        HeraldProcess.sleep(ThreadLocalRandom.current().nextLong(0, 200));
        first.kill9();
        publishing.set(false);
        publishers.forEach(HeraldProcess::joinQuietly);

        int pairsBeforeRestart = pairs(receiver.received());
        assertThat(accepted).as("publishes answered 201 before the kill").hasSizeGreaterThan(10);

        HeraldProcess second = HeraldProcess.start(data, log, env);
        toClose.add(second);
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        Map<String, Set<String>> missing;
        do {
            missing = missing(accepted);
            if (missing.values().stream().allMatch(Set::isEmpty)) {
                break;
            }
            HeraldProcess.sleep(100);
        } while (System.nanoTime() < deadline);
        assertThat(missing).as("accepted messages never delivered, per endpoint (%d accepted, %d deliveries"
                + " made before the kill); log:%n%s", accepted.size(), pairsBeforeRestart, second.log())
                .allSatisfy((path, ids) -> assertThat(ids).isEmpty());
        assertThat(pairsBeforeRestart).as("the kill happened mid-stream, not after everything was delivered")
                .isLessThan(accepted.size() * PATHS.size());
    }

    /** Waits until some deliveries arrived and {@code n} (endpoint, message) pairs accepted have not. */
    private void awaitBacklog(Set<String> accepted, int n, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            int received = pairs(receiver.received());
            if (received > 0 && accepted.size() * PATHS.size() - received >= n) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no backlog of " + n + " within " + timeout + ": " + accepted.size()
                        + " accepted, " + received + " deliveries received");
            }
            HeraldProcess.sleep(5);
        }
    }

    private static void publish(ApiClient api, Set<String> accepted, AtomicBoolean publishing) {
        while (publishing.get()) {
            try {
                ApiClient.Answer a = api.post("/api/v1/app/acme/msg", "{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 1}}");
                if (a.status() == 201) {
                    accepted.add(a.body().get("id").asString());
                }
            } catch (RuntimeException e) {
                // The server died under us: this publish was not accepted, and that is allowed.
                return;
            }
        }
    }

    private Map<String, Set<String>> missing(Set<String> accepted) {
        Map<String, Set<String>> out = new HashMap<>();
        for (String p : PATHS) {
            Set<String> got = ids(receiver.received(p));
            out.put(p, accepted.stream().filter(id -> !got.contains(id)).collect(Collectors.toSet()));
        }
        return out;
    }

    /** Distinct (endpoint, message) pairs among {@code received}. */
    private static int pairs(List<LoopbackReceiver.Received> received) {
        return (int) received.stream().map(r -> r.path() + " " + r.header("webhook-id")).distinct().count();
    }

    private static Set<String> ids(List<LoopbackReceiver.Received> received) {
        return received.stream().map(r -> r.header("webhook-id")).collect(Collectors.toSet());
    }
}
