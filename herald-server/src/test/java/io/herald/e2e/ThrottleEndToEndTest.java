package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.testing.LoopbackReceiver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Rate limits ({@code rateLimit}, Svix 2.x {@code throttleRate}) through the HTTP API, timed by a
 * real receiver: a burst published at once reaches it spread out, and nothing is lost or handed
 * back. Herald runs on the system clock here (pacing follows Herald's clock), so these tests wait
 * real seconds; the bounds only ever assume that things happen later than planned, never sooner,
 * so a slow machine cannot fail them. Exact slots and hand-backs are tested with a test clock in
 * the engine's {@code StoreContractTest}. Run against each database by a subclass.
 */
// Mostly waited for (a hundred messages at five a second): runs beside the other test classes,
// which the bounds above allow (junit-platform.properties).
@Execution(ExecutionMode.CONCURRENT)
abstract class ThrottleEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long MS = 1_000_000L;

    @TempDir
    Path dir;
    TestHerald herald;
    LoopbackReceiver receiver;

    abstract TestHerald start(Path dir, Map<String, String> env, TestHerald.Time time);

    @BeforeEach
    void setUp() {
        herald = start(dir, Map.of(), TestHerald.Time.SYSTEM_CLOCK);
        receiver = new LoopbackReceiver();
    }

    @AfterEach
    void tearDown() {
        receiver.close();
        herald.close();
    }

    private void endpoint(String app, String path, String extraFields) {
        herald.post("/api/v1/app/" + app + "/endpoint",
                "{\"url\": \"" + receiver.url(path) + "\"" + (extraFields.isEmpty() ? "" : ", " + extraFields) + "}", 201);
    }

    /** Publishes {@code n} messages from {@code n} threads at once; returns their ids. */
    private List<String> publishAtOnce(String app, int n) throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Callable<String>> calls = IntStream.range(0, n).<Callable<String>>mapToObj(i -> () ->
                    herald.post("/api/v1/app/" + app + "/msg",
                            "{\"eventType\": \"finding.created\", \"payload\": {\"n\": " + i + "}}", 201)
                            .get("id").asString()).toList();
            return pool.invokeAll(calls).stream().map(ThrottleEndToEndTest::get).toList();
        }
    }

    /**
     * The deliveries handed back to the table instead of being sent from the lane publish put them
     * in: a row born leased and finished has version 1; a hand-back and a new claim add two.
     */
    private List<Map<String, Object>> handedBackOrUnfinished() {
        return herald.server.herald().store().read(h -> h.createQuery(
                "SELECT id, endpoint_id, status, version FROM delivery WHERE status <> 'succeeded' OR version <> 1")
                .mapToMap().list());
    }

    private static <T> T get(Future<T> f) {
        try {
            return f.get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static List<Long> arrivalsNanos(List<LoopbackReceiver.Received> received) {
        return received.stream().map(LoopbackReceiver.Received::atNanos).sorted(Comparator.naturalOrder()).toList();
    }

    @Test
    void endpointRate5_tenMessagesAtOnce_arriveSpreadOverAboutTwoSeconds_noneLostOrHandedBack() throws Exception {
        herald.post("/api/v1/app", "{\"name\": \"Acme\", \"uid\": \"acme\"}", 201);
        endpoint("acme", "/paced", "\"rateLimit\": 5");
        long startedAt = System.nanoTime();

        List<String> ids = publishAtOnce("acme", 10);

        List<LoopbackReceiver.Received> got = receiver.await("/paced", 10, WAIT);
        List<Long> at = arrivalsNanos(got);
        assertThat(got).extracting(r -> r.header("webhook-id")).containsExactlyInAnyOrderElementsOf(ids);
        // The first slot is taken after publishing began, the next ones 200 ms apart: the 6th
        // starts 1 s and the 10th 1.8 s after it. One interval of slack for clock reading.
        assertThat(at.get(5) - startedAt).as("the 6th after publishing began").isGreaterThanOrEqualTo(800 * MS);
        assertThat(at.getLast() - startedAt).as("the 10th after publishing began").isGreaterThanOrEqualTo(1_600 * MS);
        for (String id : ids) {
            assertThat(herald.awaitAttempts("acme", id, 1)).hasSize(1)
                    .allSatisfy(a -> assertThat(a.get("status").asInt()).isZero());
        }
        assertThat(handedBackOrUnfinished()).as("each sent once from its lane, none handed back").isEmpty();
    }

    @Test
    void endpointRate5_hundredMessagesThroughEveryNode_arriveAtFivePerSecondAcrossNodes_oneAtATime() throws Exception {
        herald.post("/api/v1/app", "{\"name\": \"Acme\", \"uid\": \"acme\"}", 201);
        // A generous timeout: on a loaded machine a request that times out is sent again, which is
        // not what this test is about.
        endpoint("acme", "/paced", "\"throttleRate\": 5, \"timeoutMs\": 20000");
        // On PostgreSQL a second node on the same database; on SQLite one process owns the file.
        TestHerald second = herald.secondNode(Files.createDirectories(dir.resolve("second")), Map.of());
        try {
            List<TestHerald> nodes = second == null ? List.of(herald) : List.of(herald, second);
            long startedAt = System.nanoTime();
            List<String> ids;
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Callable<String>> calls = IntStream.range(0, 100).<Callable<String>>mapToObj(i -> () ->
                        nodes.get(i % nodes.size()).post("/api/v1/app/acme/msg",
                                "{\"eventType\": \"finding.created\", \"payload\": {\"n\": " + i + "}}", 201)
                                .get("id").asString()).toList();
                ids = pool.invokeAll(calls).stream().map(ThrottleEndToEndTest::get).toList();
            }

            List<LoopbackReceiver.Received> got = receiver.await("/paced", 100, Duration.ofSeconds(120));
            List<Long> at = arrivalsNanos(got);
            assertThat(got).extracting(r -> r.header("webhook-id")).containsExactlyInAnyOrderElementsOf(ids);
            // 100 slots 200 ms apart, whichever node takes them, the first after publishing began: the
            // k-th request to arrive comes k intervals after that at the earliest (each arrives after
            // its slot, so the k-th arrival after the k-th slot). One interval of slack for clock
            // reading; a loaded machine only makes requests later, and may bunch them, which this
            // allows. Five together at each second's start, or two nodes at 5/s each, would fail it.
            for (int k = 0; k < at.size(); k++) {
                assertThat(at.get(k) - startedAt).as("arrival %d after publishing began", k)
                        .isGreaterThanOrEqualTo((k - 1) * 200 * MS);
            }
        } finally {
            if (second != null) {
                second.close();
            }
        }
    }

    @Test
    void maxInFlight2_twentyMessagesThroughEveryNode_atMostTwoAtOnceAcrossNodes() throws Exception {
        herald.post("/api/v1/app", "{\"name\": \"Acme\", \"uid\": \"acme\"}", 201);
        receiver.fallback(LoopbackReceiver.Reply.delayed(Duration.ofMillis(300), LoopbackReceiver.Reply.status(200)));
        String ep = herald.post("/api/v1/app/acme/endpoint", "{\"url\": \"" + receiver.url("/capped")
                + "\", \"maxInFlight\": 2, \"timeoutMs\": 20000}", 201).get("id").asString();
        assertThat(herald.get("/api/v1/app/acme/endpoint/" + ep).get("maxInFlight").asInt()).isEqualTo(2);
        TestHerald second = herald.secondNode(Files.createDirectories(dir.resolve("second")), Map.of());
        try {
            List<TestHerald> nodes = second == null ? List.of(herald) : List.of(herald, second);
            List<String> ids;
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Callable<String>> calls = IntStream.range(0, 20).<Callable<String>>mapToObj(i -> () ->
                        nodes.get(i % nodes.size()).post("/api/v1/app/acme/msg",
                                "{\"eventType\": \"finding.created\", \"payload\": {\"n\": " + i + "}}", 201)
                                .get("id").asString()).toList();
                ids = pool.invokeAll(calls).stream().map(ThrottleEndToEndTest::get).toList();
            }

            List<LoopbackReceiver.Received> got = receiver.await("/capped", 20, Duration.ofSeconds(60));
            assertThat(got).extracting(r -> r.header("webhook-id")).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(receiver.mostAtOnce("/capped")).as("requests the receiver was answering at once, %d node(s)",
                    nodes.size()).isEqualTo(2);
        } finally {
            if (second != null) {
                second.close();
            }
        }
    }

    @Test
    void retryAfter2_onA429_holdsTheEndpointsOtherDeliveriesOnEveryNode_forTwoSeconds() throws Exception {
        herald.post("/api/v1/app", "{\"name\": \"Acme\", \"uid\": \"acme\"}", 201);
        receiver.script("/busy", LoopbackReceiver.Reply.status(429, Map.of("Retry-After", "2"), ""));
        endpoint("acme", "/busy", "\"timeoutMs\": 20000");
        TestHerald second = herald.secondNode(Files.createDirectories(dir.resolve("second")), Map.of());
        try {
            List<TestHerald> nodes = second == null ? List.of(herald) : List.of(herald, second);
            String told = herald.post("/api/v1/app/acme/msg", "{\"eventType\": \"finding.created\", \"payload\": {}}", 201)
                    .get("id").asString();
            long answered = receiver.await("/busy", 1, WAIT).getFirst().atNanos();
            herald.awaitAttempts("acme", told, 1); // recorded: the pause was shared before

            List<String> others = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                others.add(nodes.get(i % nodes.size()).post("/api/v1/app/acme/msg",
                        "{\"eventType\": \"finding.created\", \"payload\": {\"n\": " + i + "}}", 201).get("id").asString());
            }

            List<LoopbackReceiver.Received> got = receiver.await("/busy", 5, Duration.ofSeconds(20));
            assertThat(got.subList(1, 5)).extracting(r -> r.header("webhook-id")).containsExactlyInAnyOrderElementsOf(others);
            // The pause runs from when the node had the answer, after the receiver sent it; 100 ms of
            // slack for reading two clocks.
            assertThat(got.subList(1, 5)).allSatisfy(r -> assertThat(r.atNanos() - answered)
                    .as("after the 429 was answered").isGreaterThanOrEqualTo(1_900 * MS));
            // The told delivery keeps its own schedule: Retry-After clamped to its 5 s step.
            List<LoopbackReceiver.Received> all = receiver.await("/busy", 6, Duration.ofSeconds(20));
            assertThat(all.getLast().header("webhook-id")).isEqualTo(told);
            assertThat(all.getLast().atNanos() - answered).isGreaterThanOrEqualTo(4_900 * MS);
        } finally {
            if (second != null) {
                second.close();
            }
        }
    }

    @Test
    void applicationRate5_acrossTwoEndpoints_tenDeliveriesArriveSpread_eachEndpointGetsAll() throws Exception {
        herald.post("/api/v1/app", "{\"name\": \"Acme\", \"uid\": \"acme\", \"rateLimit\": 5}", 201);
        endpoint("acme", "/a", "");
        endpoint("acme", "/b", "");
        herald.post("/api/v1/app", "{\"name\": \"Other\", \"uid\": \"other\"}", 201);
        endpoint("other", "/unlimited", "");
        long startedAt = System.nanoTime();

        List<String> ids = publishAtOnce("acme", 5);
        List<String> others = publishAtOnce("other", 5);

        List<LoopbackReceiver.Received> unlimited = receiver.await("/unlimited", 5, WAIT);
        List<LoopbackReceiver.Received> got = receiver.await(r -> r.path().equals("/a") || r.path().equals("/b"), 10, WAIT);
        List<Long> at = arrivalsNanos(got);
        assertThat(receiver.received("/a")).extracting(r -> r.header("webhook-id")).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(receiver.received("/b")).extracting(r -> r.header("webhook-id")).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(unlimited).extracting(r -> r.header("webhook-id")).containsExactlyInAnyOrderElementsOf(others);
        assertThat(at.getLast() - startedAt).as("the 10th after publishing began, across both endpoints")
                .isGreaterThanOrEqualTo(1_600 * MS);
        assertThat(arrivalsNanos(unlimited).getLast()).as("another application is not held by this one's rate")
                .isLessThan(at.getLast());
        for (String id : ids) {
            herald.awaitAttempts("acme", id, 2);
        }
        assertThat(handedBackOrUnfinished()).as("each sent once from its lane, none handed back").isEmpty();
    }
}
