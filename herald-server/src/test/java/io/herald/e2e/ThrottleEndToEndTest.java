package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.testing.LoopbackReceiver;
import java.nio.file.Path;
import java.time.Duration;
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

/**
 * Rate limits ({@code rateLimit}, Svix 2.x {@code throttleRate}) through the HTTP API, timed by a
 * real receiver: a burst published at once reaches it spread out, the first at once, and nothing
 * is lost. These tests wait real seconds (pacing is real time, not the test clock). Run against
 * each database by a subclass.
 */
abstract class ThrottleEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long MS = 1_000_000L;

    @TempDir
    Path dir;
    TestHerald herald;
    LoopbackReceiver receiver;

    abstract TestHerald start(Path dir, Map<String, String> env);

    @BeforeEach
    void setUp() {
        herald = start(dir, Map.of());
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

    /** A published message, and when its publish call returned (System.nanoTime). */
    private record Published(String id, long returnedAt) {}

    /** Publishes {@code n} messages from {@code n} threads at once. */
    private List<Published> publishAtOnce(String app, int n) throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Callable<Published>> calls = IntStream.range(0, n).<Callable<Published>>mapToObj(i -> () -> {
                String id = herald.post("/api/v1/app/" + app + "/msg",
                        "{\"eventType\": \"finding.created\", \"payload\": {\"n\": " + i + "}}", 201).get("id").asString();
                return new Published(id, System.nanoTime());
            }).toList();
            return pool.invokeAll(calls).stream().map(ThrottleEndToEndTest::get).toList();
        }
    }

    private static List<String> ids(List<Published> published) {
        return published.stream().map(Published::id).toList();
    }

    /** When the first publish call returned: its delivery started just before (publish hands it over at once). */
    private static long firstReturn(List<Published> published) {
        return published.stream().mapToLong(Published::returnedAt).min().orElseThrow();
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
    void endpointRate5_tenMessagesAtOnce_arriveSpreadOverAboutTwoSeconds_firstAtOnce_noneLost() throws Exception {
        herald.post("/api/v1/app", "{\"name\": \"Acme\", \"uid\": \"acme\"}", 201);
        endpoint("acme", "/paced", "\"rateLimit\": 5");

        List<Published> published = publishAtOnce("acme", 10);
        List<String> ids = ids(published);

        List<LoopbackReceiver.Received> got = receiver.await("/paced", 10, WAIT);
        List<Long> at = arrivalsNanos(got);
        assertThat(got).extracting(r -> r.header("webhook-id")).containsExactlyInAnyOrderElementsOf(ids);
        // Ten starts at 5/s span 9 intervals of 200 ms: 1.8 s, less what HTTP jitter may shave off.
        assertThat(at.getLast() - at.getFirst()).as("the 10th after the 1st").isGreaterThanOrEqualTo(1_600 * MS);
        assertThat(at.get(5) - at.getFirst()).as("the 6th after the 1st").isGreaterThanOrEqualTo(800 * MS);
        assertThat(at.getFirst() - firstReturn(published)).as("the first is not held").isLessThan(500 * MS);
        for (String id : ids) {
            assertThat(herald.awaitAttempts("acme", id, 1)).hasSize(1)
                    .allSatisfy(a -> assertThat(a.get("status").asInt()).isZero());
        }
        assertThat(herald.runDue()).as("nothing was handed back or left over").isZero();
    }

    @Test
    void applicationRate5_acrossTwoEndpoints_tenDeliveriesArriveSpread_eachEndpointGetsAll() throws Exception {
        herald.post("/api/v1/app", "{\"name\": \"Acme\", \"uid\": \"acme\", \"rateLimit\": 5}", 201);
        endpoint("acme", "/a", "");
        endpoint("acme", "/b", "");
        herald.post("/api/v1/app", "{\"name\": \"Other\", \"uid\": \"other\"}", 201);
        endpoint("other", "/unlimited", "");

        List<Published> published = publishAtOnce("acme", 5);
        List<String> ids = ids(published);
        List<String> others = ids(publishAtOnce("other", 5));

        List<LoopbackReceiver.Received> unlimited = receiver.await("/unlimited", 5, WAIT);
        List<LoopbackReceiver.Received> got = receiver.await(r -> r.path().equals("/a") || r.path().equals("/b"), 10, WAIT);
        List<Long> at = arrivalsNanos(got);
        assertThat(receiver.received("/a")).extracting(r -> r.header("webhook-id")).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(receiver.received("/b")).extracting(r -> r.header("webhook-id")).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(unlimited).extracting(r -> r.header("webhook-id")).containsExactlyInAnyOrderElementsOf(others);
        assertThat(at.getLast() - at.getFirst()).as("the 10th after the 1st, across both endpoints")
                .isGreaterThanOrEqualTo(1_600 * MS);
        assertThat(at.getFirst() - firstReturn(published)).as("the first is not held").isLessThan(500 * MS);
        assertThat(arrivalsNanos(unlimited).getLast()).as("another application is not held by this one's rate")
                .isLessThan(at.getLast());
        assertThat(herald.runDue()).as("nothing was handed back or left over").isZero();
    }
}
