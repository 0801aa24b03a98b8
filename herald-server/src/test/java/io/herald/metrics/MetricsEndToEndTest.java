package io.herald.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.e2e.TestHerald;
import io.herald.testing.LoopbackReceiver;
import io.herald.testing.LoopbackReceiver.Reply;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics} through the real API with a loopback receiver: counters move by exactly what a
 * load did, the exposition parses strictly, the gauges read the database, and who may scrape. Run
 * against each database by a subclass.
 */
abstract class MetricsEndToEndTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;
    TestHerald herald;
    final LoopbackReceiver receiver = new LoopbackReceiver();

    abstract TestHerald start(Path dir, Map<String, String> env);

    @AfterEach
    void tearDown() {
        receiver.close();
        if (herald != null) {
            herald.close();
        }
    }

    static HttpResponse<String> get(int port, String path, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    PrometheusText scrape() {
        HttpResponse<String> r = get(herald.server.port(), "/metrics", TestHerald.TOKEN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain; version=0.0.4");
        return PrometheusText.parse(r.body());
    }

    private String app(String uid) {
        return herald.post("/api/v1/app", "{\"name\": \"" + uid + "\", \"uid\": \"" + uid + "\"}", 201).get("id").asString();
    }

    private String endpoint(String app, String path, String extra) {
        return herald.post("/api/v1/app/" + app + "/endpoint", "{\"url\": \"" + receiver.url(path) + "\"" + extra + "}", 201)
                .get("id").asString();
    }

    private String publish(String app, int n) {
        return herald.post("/api/v1/app/" + app + "/msg", "{\"eventType\": \"thing.happened\", \"payload\": {\"n\": " + n + "}}", 201)
                .get("id").asString();
    }

    @Test
    void aLoadMovesTheCountersByExactlyWhatItDid_andTheExpositionParses() {
        herald = start(dir, Map.of());
        receiver.fallback(Reply.status(200));
        receiver.script("/fails", Reply.status(500), Reply.status(500), Reply.status(500), Reply.status(500), Reply.status(500));
        String app = app("acme");
        endpoint(app, "/ok", "");
        endpoint(app, "/fails", "");
        PrometheusText before = scrape();

        int n = 5;
        List<String> messages = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            messages.add(publish(app, i));
        }
        for (String m : messages) {
            herald.awaitAttempts(app, m, 2);
        }
        PrometheusText after = scrape();

        assertThat(after.get("herald_messages_published_total") - before.getOrZero("herald_messages_published_total"))
                .isEqualTo(n);
        assertThat(after.get("herald_attempts_total{outcome=\"succeeded\"}")
                - before.getOrZero("herald_attempts_total{outcome=\"succeeded\"}")).isEqualTo(n);
        assertThat(after.get("herald_attempts_total{outcome=\"failed\"}")
                - before.getOrZero("herald_attempts_total{outcome=\"failed\"}")).isEqualTo(n);
        assertThat(after.get("herald_attempt_duration_seconds_count") - before.get("herald_attempt_duration_seconds_count"))
                .isEqualTo(2 * n);
        assertThat(after.types).containsEntry("herald_attempt_duration_seconds", "histogram")
                .containsEntry("herald_messages_published_total", "counter")
                .containsEntry("herald_deliveries_pending", "gauge");
        // Every publish is a write through the group commit (attempt records too, several to a write).
        assertThat(after.get("herald_store_commit_batch_size_sum") - before.get("herald_store_commit_batch_size_sum"))
                .isGreaterThanOrEqualTo(n);
        assertThat(after.get("herald_store_commit_seconds_count")).isGreaterThan(before.get("herald_store_commit_seconds_count"));
        assertThat(after.samples.keySet()).anyMatch(k -> k.startsWith("hikaricp_connections{"))
                .anyMatch(k -> k.startsWith("jvm_memory_used_bytes{"))
                .anyMatch(k -> k.startsWith("process_uptime_seconds"))
                // No label names an application or an endpoint.
                .noneMatch(k -> k.contains(app) || k.contains("app_id") || k.contains("endpoint_id"));
        // The failed deliveries wait for their retry: pending.
        herald.advance(Duration.ofSeconds(3));
        assertThat(scrape().get("herald_deliveries_pending")).isEqualTo(n);
    }

    @Test
    void gauges_readPendingHeldTheOldestDueAndEndpointsByState() {
        herald = start(dir, Map.of());
        receiver.fallback(Reply.status(500));
        String app = app("acme");
        String fifo = endpoint(app, "/fifo", ", \"ordering\": \"fifo\"");
        endpoint(app, "/quiet", "");
        String off = endpoint(app, "/off", ", \"disabled\": true");
        for (int i = 0; i < 3; i++) {
            publish(app, i);
        }
        herald.runDue();
        herald.advance(Duration.ofSeconds(3));
        PrometheusText m = scrape();
        // The FIFO endpoint's deliveries wait their turn (held) behind the first; the others retry (pending).
        assertThat(count("held")).isPositive();
        assertThat(count("pending")).isPositive();
        assertThat(m.get("herald_deliveries_held")).isEqualTo(count("held"));
        assertThat(m.get("herald_deliveries_pending")).isEqualTo(count("pending"));
        assertThat(m.get("herald_endpoints{state=\"disabled\"}")).isEqualTo(1);
        assertThat(m.get("herald_endpoints{state=\"failing\"}")).isEqualTo(2);
        assertThat(m.get("herald_endpoints{state=\"active\"}")).isEqualTo(0);
        assertThat(m.get("herald_deliveries_oldest_due_age_seconds")).isEqualTo(0);

        // A minute past the first retry's due time (5 s ±20 %), nothing attempted it: it is overdue.
        herald.advance(Duration.ofSeconds(60));
        long firstDue = herald.server.herald().store().read(h -> h.createQuery(
                "SELECT MIN(next_attempt_at) FROM delivery WHERE status = 'pending'").mapTo(Long.class).one());
        assertThat(scrape().get("herald_deliveries_oldest_due_age_seconds"))
                .isEqualTo((herald.clock.millis() - firstDue) / 1000.0).isGreaterThan(50);
        // Cached: another scrape at the same instant reads the same snapshot, not the database.
        herald.server.herald().store().inTransaction(h -> h.execute("UPDATE endpoint SET disabled = TRUE WHERE id = ?", fifo));
        assertThat(scrape().get("herald_endpoints{state=\"disabled\"}")).isEqualTo(1);
        herald.advance(Duration.ofSeconds(3));
        assertThat(scrape().get("herald_endpoints{state=\"disabled\"}")).isEqualTo(2);
        assertThat(off).isNotNull();
    }

    @Test
    void topEndpoints_optIn_showsPendingDeliveriesOfTheNWithTheMost_andNoOthers() {
        herald = start(dir, Map.of("HERALD_METRICS_TOP_ENDPOINTS", "2"));
        receiver.fallback(Reply.status(500));
        String a = endpoint(app("a"), "/a", "");
        String b = endpoint(app("b"), "/b", "");
        String c = endpoint(app("c"), "/c", "");
        for (int i = 0; i < 3; i++) {
            publish("a", i);
        }
        publish("b", 0);
        publish("b", 1);
        publish("c", 0);
        herald.runDue();
        // Every attempt failed: each delivery waits for its retry.
        assertThat(count("pending")).isEqualTo(6);

        Map<String, Double> top = scrape().series("herald_endpoint_deliveries_pending");
        assertThat(top).hasSize(2);
        assertThat(top.entrySet()).anySatisfy(e -> assertThat(e.getKey()).contains("endpoint_id=\"" + a + "\""))
                .anySatisfy(e -> assertThat(e.getKey()).contains("endpoint_id=\"" + b + "\""))
                .noneSatisfy(e -> assertThat(e.getKey()).contains(c));
        assertThat(top.values()).containsExactlyInAnyOrder(3.0, 2.0);
    }

    @Test
    void withoutTheOptIn_noSeriesCarriesAnEndpoint() {
        herald = start(dir, Map.of());
        receiver.fallback(Reply.status(500));
        endpoint(app("a"), "/a", "");
        publish("a", 0);
        herald.runDue();
        assertThat(scrape().series("herald_endpoint_deliveries_pending")).isEmpty();
    }

    private double count(String status) {
        return herald.server.herald().store().read(h -> h.createQuery("SELECT COUNT(*) FROM delivery WHERE status = :s")
                .bind("s", status).mapTo(Long.class).one());
    }

    @Test
    void metricsAnswerAdminAndViewer_notAnApplicationToken_notWithoutOne() {
        herald = start(dir, Map.of());
        app("acme");
        String viewer = herald.post("/api/v1/token", "{\"role\": \"viewer\", \"description\": \"scraper\"}", 201).get("token").asString();
        String ofApp = herald.post("/api/v1/auth/app-portal-access/acme", "{}", 200).get("token").asString();
        int port = herald.server.port();
        assertThat(get(port, "/metrics", TestHerald.TOKEN).statusCode()).isEqualTo(200);
        HttpResponse<String> asViewer = get(port, "/metrics", viewer);
        assertThat(asViewer.statusCode()).isEqualTo(200);
        PrometheusText.parse(asViewer.body());
        HttpResponse<String> asApp = get(port, "/metrics", ofApp);
        assertThat(asApp.statusCode()).isEqualTo(404);
        assertThat(asApp.body()).isEqualTo(get(port, "/no-such-path", ofApp).body().replace("/no-such-path", "/metrics"));
        assertThat(get(port, "/metrics", null).statusCode()).isEqualTo(401);
        assertThat(herald.server.metricsPort()).isEqualTo(-1);
    }

    @Test
    void theMetricsPortServesMetricsOnLoopbackWithoutAToken_andNothingElse() {
        herald = start(dir, Map.of("HERALD_METRICS_PORT", "0"));
        int port = herald.server.metricsPort();
        assertThat(port).isPositive().isNotEqualTo(herald.server.port());
        HttpResponse<String> r = get(port, "/metrics", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(PrometheusText.parse(r.body()).types).containsKey("herald_messages_published_total");
        assertThat(get(port, "/api/v1/app", TestHerald.TOKEN).statusCode()).isEqualTo(404);
        assertThat(get(port, "/api/v1/health", null).statusCode()).isEqualTo(404);
        // The API port still asks for a token.
        assertThat(get(herald.server.port(), "/metrics", null).statusCode()).isEqualTo(401);
    }
}
