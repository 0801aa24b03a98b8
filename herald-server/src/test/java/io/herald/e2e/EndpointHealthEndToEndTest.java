package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.testing.LoopbackReceiver;
import io.herald.testing.LoopbackReceiver.Reply;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * An endpoint's health and circuit breaker through the API, with a real receiver and the test's
 * clock: the receiver goes down and comes back, an endpoint failing too long is disabled, and
 * enabling it starts afresh. Run against each database by a subclass.
 */
abstract class EndpointHealthEndToEndTest {
    TestHerald herald;
    LoopbackReceiver receiver;
    String ep;

    abstract TestHerald start(Path dir, Map<String, String> env);

    @BeforeEach
    void startServer(@TempDir Path dir) {
        herald = start(dir, Map.of("HERALD_CIRCUIT_FAILURES", "2", "HERALD_CIRCUIT_DISABLE_AFTER_SECONDS", "3600"));
        herald.api.checkedAgainstOpenApi(); // every answer must be as the OpenAPI document describes it
        receiver = new LoopbackReceiver();
        herald.post("/api/v1/app", "{\"name\": \"Tenant\", \"uid\": \"acme\"}", 201);
        ep = herald.post("/api/v1/app/acme/endpoint", "{\"url\": \"" + receiver.url("/hook") + "\"}", 201).get("id").asString();
    }

    @AfterEach
    void stopServer() {
        receiver.close();
        herald.close();
    }

    private String publish() {
        String id = herald.post("/api/v1/app/acme/msg", "{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 1}}", 201)
                .get("id").asString();
        return id;
    }

    private JsonNode endpoint() {
        return herald.get("/api/v1/app/acme/endpoint/" + ep);
    }

    private void awaitRequests(int n) {
        receiver.await("/hook", n, Duration.ofSeconds(10));
    }

    @Test
    void receiverDownThenUp_opensTheCircuit_probes_closes_andTheBacklogArrivesComplete() {
        receiver.fallback(Reply.status(503));
        List<String> sent = new ArrayList<>();
        sent.add(publish());
        sent.add(publish());
        herald.awaitAttempts("acme", sent.get(0), 1);
        herald.awaitAttempts("acme", sent.get(1), 1);

        JsonNode health = endpoint().get("health");
        assertThat(health.get("state").asString()).isEqualTo("open");
        assertThat(health.get("consecutiveFailures").asInt()).isEqualTo(2);
        assertThat(health.get("lastError").asString()).isEqualTo("HTTP 503");
        assertThat(health.get("failingSince").asString()).isNotNull();
        Instant probeAt = Instant.parse(health.get("nextProbeAt").asString());

        for (int i = 0; i < 20; i++) {
            sent.add(publish());
        }
        herald.runDue();
        assertThat(receiver.received("/hook")).hasSize(2);
        JsonNode stats = herald.get("/api/v1/app/acme/endpoint/" + ep + "/stats");
        assertThat(stats.get("pending").asInt()).isEqualTo(22);
        assertThat(stats.get("health").get("state").asString()).isEqualTo("open");

        receiver.fallback(Reply.status(200));
        herald.clock.set(probeAt);
        herald.runDue();
        // The probe, then the whole backlog, each message once with success.
        awaitRequests(24);
        Set<String> delivered = new HashSet<>();
        receiver.received("/hook").subList(2, 24).forEach(r -> delivered.add(r.header("webhook-id")));
        assertThat(delivered).containsExactlyInAnyOrderElementsOf(sent);
        assertThat(endpoint().get("health").get("state").asString()).isEqualTo("healthy");
        assertThat(endpoint().get("health").get("nextProbeAt").isNull()).isTrue();
        JsonNode after = herald.get("/api/v1/app/acme/endpoint/" + ep + "/stats");
        assertThat(after.get("success").asInt()).isEqualTo(22);
        assertThat(after.get("pending").asInt()).isZero();
    }

    @Test
    void failingLongerThanConfigured_isDisabledWithItsReason_andEnablingResetsTheCounters() {
        receiver.fallback(Reply.status(500));
        String first = publish();
        String second = publish();
        herald.awaitAttempts("acme", first, 1);
        herald.awaitAttempts("acme", second, 1);
        publish();

        JsonNode now = endpoint();
        for (int probes = 0; !now.get("disabled").asBoolean(); probes++) {
            assertThat(probes).as("probes before the endpoint is disabled").isLessThan(30);
            herald.clock.set(Instant.parse(now.get("health").get("nextProbeAt").asString()));
            herald.runDue();
            now = endpoint();
        }
        assertThat(now.get("disabledReason").asString()).startsWith("failing since ").endsWith("HTTP 500)");
        assertThat(now.get("health").get("state").asString()).isEqualTo("disabled");

        JsonNode enabled = herald.expectOk(herald.api.patch("/api/v1/app/acme/endpoint/" + ep, "{\"disabled\": false}"));
        assertThat(enabled.get("disabled").asBoolean()).isFalse();
        assertThat(enabled.get("disabledReason").isNull()).isTrue();
        assertThat(enabled.get("health").get("consecutiveFailures").asInt()).isZero();
        assertThat(enabled.get("health").get("state").asString()).isEqualTo("healthy");
    }

    @Test
    void circuitBreakerSettings_areShownKeptByAPutThatLeavesThemOut_andRefusedOutOfBoundsNamingTheField() {
        JsonNode set = herald.expectOk(herald.api.patch("/api/v1/app/acme/endpoint/" + ep,
                "{\"circuitBreaker\": {\"failures\": 5, \"disableAfterSeconds\": 86400}}"));
        assertThat(set.get("circuitBreaker").toString()).isEqualTo("{\"failures\":5,\"disableAfterSeconds\":86400}");
        JsonNode put = herald.expectOk(herald.api.put("/api/v1/app/acme/endpoint/" + ep,
                "{\"url\": \"" + receiver.url("/hook") + "\", \"description\": \"svix client\"}"));
        assertThat(put.get("circuitBreaker").get("failures").asInt()).isEqualTo(5);

        var refused = herald.api.patch("/api/v1/app/acme/endpoint/" + ep, "{\"circuitBreaker\": {\"failures\": 0}}");
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.raw()).contains("circuitBreaker.failures");
        var unknown = herald.api.patch("/api/v1/app/acme/endpoint/" + ep, "{\"circuitBreaker\": {\"afterFailures\": 3}}");
        assertThat(unknown.status()).isEqualTo(422);
        assertThat(unknown.raw()).contains("circuitBreaker.afterFailures");
        assertThat(endpoint().get("circuitBreaker").get("failures").asInt()).isEqualTo(5);
    }
}
