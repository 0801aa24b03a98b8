package io.herald.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.Json;
import io.herald.e2e.TestHerald;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code /api/v1/health/ready}: 503 with a reason while this node cannot work, 200 again by itself
 * when it can; {@code /api/v1/health} stays a constant 204. Run against each database by a subclass.
 */
abstract class ReadinessEndToEndTest {
    @TempDir
    Path dir;
    TestHerald herald;

    /** A node whose poller runs on the test's clock. */
    abstract TestHerald start(Path dir);

    /** Holds what every write transaction waits for (so the claim loop cannot finish a cycle) until closed. */
    abstract AutoCloseable blockWrites(TestHerald herald) throws Exception;

    @AfterEach
    void tearDown() {
        if (herald != null) {
            herald.close();
        }
    }

    HttpResponse<String> ready() {
        return MetricsEndToEndTest.get(herald.server.port(), "/api/v1/health/ready", null);
    }

    /** Readiness once the answer kept from the last ask is stale (it is kept 1 s of the clock). */
    HttpResponse<String> readyAfterASecond() {
        herald.advance(Duration.ofMillis(1_100));
        return ready();
    }

    static void assertNotReady(HttpResponse<String> r, String reason) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("application/problem+json");
        assertThat(r.headers().firstValue("retry-after")).isPresent();
        JsonNode p = Json.read(r.body());
        assertThat(p.get("code").asString()).isEqualTo("not_ready");
        assertThat(p.get("reason").asString()).isEqualTo(reason);
    }

    /** Waits (real time, up to 10 s) for the node to answer ready, moving the clock on between asks. */
    void awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        HttpResponse<String> r;
        while ((r = readyAfterASecond()).statusCode() != 200 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(Json.read(r.body()).get("status").asString()).isEqualTo("ready");
    }

    @Test
    void aClaimLoopThatCompletesNoCycleFor30sIsNotReady_andReadyAgainWhenItDoes() throws Exception {
        herald = start(dir);
        awaitReady();
        Thread.sleep(300); // a cycle at the clock's time now
        try (AutoCloseable blocked = blockWrites(herald)) {
            Thread.sleep(300); // the poller's next cycle starts, and waits
            herald.advance(Duration.ofSeconds(28)); // 29.1 s with the ask's own 1.1 s
            assertThat(readyAfterASecond().statusCode()).as("30 s is allowed").isEqualTo(200);
            herald.advance(Duration.ofSeconds(1));
            assertNotReady(readyAfterASecond(), "not_claiming");
            assertThat(MetricsEndToEndTest.get(herald.server.port(), "/api/v1/health", null).statusCode()).isEqualTo(204);
        }
        awaitReady();
    }
}
