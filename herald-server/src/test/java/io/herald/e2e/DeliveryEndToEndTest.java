package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.Herald;
import io.herald.testing.LoopbackReceiver;
import io.herald.testing.LoopbackReceiver.Reply;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Publish through the HTTP API, delivery to real HTTP receivers on loopback, the attempt log read
 * back through the API. Retries are driven by advancing Herald's clock, not by sleeping. Run
 * against each database by a subclass.
 */
abstract class DeliveryEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    TestHerald herald;
    LoopbackReceiver receiver;

    abstract TestHerald start(Path dir, Map<String, String> env);

    @BeforeEach
    void setUp() {
        herald = start(dir, Map.of());
        herald.api.checkedAgainstOpenApi(); // every answer must be as the OpenAPI document describes it
        receiver = new LoopbackReceiver();
        herald.post("/api/v1/app", "{\"name\": \"Acme\", \"uid\": \"acme\"}", 201);
    }

    @AfterEach
    void tearDown() {
        receiver.close();
        herald.close();
    }

    private JsonNode endpoint(String path, String extraFields) {
        return herald.post("/api/v1/app/acme/endpoint",
                "{\"url\": \"" + receiver.url(path) + "\"" + (extraFields.isEmpty() ? "" : ", " + extraFields) + "}", 201);
    }

    private JsonNode publish(String json) {
        return herald.post("/api/v1/app/acme/msg", json, 201);
    }

    private String secret(JsonNode endpoint) {
        return herald.get("/api/v1/app/acme/endpoint/" + endpoint.get("id").asString() + "/secret").get("key").asString();
    }

    private static void assertVerifies(String secret, LoopbackReceiver.Received r) throws Exception {
        new com.standardwebhooks.Webhook(secret).verify(r.bodyText(), r.headerLists());
    }

    @Test
    void publish_globalAndChannelScopedEndpoints_fanOutByChannelAndType() {
        endpoint("/global", "");
        endpoint("/scans", "\"filterTypes\": [\"scan.*\"]");
        endpoint("/campaign-42", "\"channels\": [\"campaign-42\"]");
        endpoint("/campaign-7", "\"channels\": [\"campaign-7\"]");
        endpoint("/disabled", "\"disabled\": true");

        String onChannel = publish("{\"eventType\": \"campaign.expired\", \"payload\": {\"id\": 1}, \"channels\": [\"campaign-42\"]}")
                .get("id").asString();
        String scan = publish("{\"eventType\": \"scan.finished\", \"payload\": {\"id\": 2}}").get("id").asString();

        receiver.await(r -> true, 4, WAIT);
        herald.awaitAttempts("acme", onChannel, 2);
        herald.awaitAttempts("acme", scan, 2);
        assertThat(receiver.received("/global")).extracting(r -> r.header("webhook-id")).containsExactlyInAnyOrder(onChannel, scan);
        assertThat(receiver.received("/campaign-42")).extracting(r -> r.header("webhook-id")).containsExactly(onChannel);
        assertThat(receiver.received("/scans")).extracting(r -> r.header("webhook-id")).containsExactly(scan);
        assertThat(receiver.received("/campaign-7")).isEmpty();
        assertThat(receiver.received("/disabled")).isEmpty();
        assertThat(herald.runDue()).as("nothing else was queued").isZero();
    }

    @Test
    void delivery_requestCarriesPayloadExactlyAsPublished_signedAndWithCustomHeaders() throws Exception {
        JsonNode ep = endpoint("/hook", "\"headers\": {\"Authorization\": \"Bearer jira-token\"}");
        // Odd spacing, key order and number spellings must survive byte for byte.
        String payload = "{ \"z\":1e3,  \"a\" : [1.50, -0.0], \"text\": \"caf\\u00e9 \\\"q\\\"\", \"big\": 123456789012345678901234567890 }";
        String id = publish("{\"eventType\": \"scan.finished\", \"payload\": " + payload + ", \"eventId\": \"evt-1\"}").get("id").asString();

        LoopbackReceiver.Received r = receiver.await("/hook", 1, WAIT).getFirst();
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.bodyText()).isEqualTo(payload);
        assertThat(r.header("content-type")).startsWith("application/json");
        assertThat(r.header("user-agent")).isEqualTo("Herald/" + Herald.VERSION);
        assertThat(r.header("authorization")).isEqualTo("Bearer jira-token");
        assertThat(r.header("webhook-id")).isEqualTo(id);
        assertThat(Long.parseLong(r.header("webhook-timestamp"))).isEqualTo(herald.clock.instant().getEpochSecond());
        assertThat(r.header("webhook-signature")).startsWith("v1,");
        assertVerifies(secret(ep), r);
        new com.svix.Webhook(secret(ep)).verify(r.bodyText(), r.headerLists());

        JsonNode attempt = herald.awaitAttempts("acme", id, 1).get(0);
        assertThat(attempt.get("status").asInt()).isZero();
        assertThat(attempt.get("responseStatusCode").asInt()).isEqualTo(200);
        assertThat(attempt.get("url").asString()).isEqualTo(receiver.url("/hook"));
        assertThat(attempt.get("triggerType").asInt()).isZero();
        assertThat(attempt.get("attemptNumber").asInt()).isEqualTo(1);
        assertThat(attempt.get("requestBody").asString()).as("the body as sent").isEqualTo(payload);
        assertThat(attempt.get("requestBodyTruncated").asBoolean()).isFalse();
        assertThat(attempt.get("requestHeaders").get("Authorization").asString()).as("custom values masked").isEqualTo("********");
        assertThat(attempt.get("requestHeaders").get("webhook-signature").asString()).isEqualTo(r.header("webhook-signature"));
        assertThat(attempt.get("responseHeaders").isObject()).isTrue();
        JsonNode lean = herald.get("/api/v1/app/acme/attempt/msg/" + id + "?with_content=false").get("data").get(0);
        assertThat(lean.get("requestBody").isNull()).as("with_content=false leaves the copies out").isTrue();
        assertThat(herald.get("/api/v1/app/acme/msg/evt-1").get("id").asString()).as("eventId works as an id").isEqualTo(id);
        assertThat(herald.api.get("/api/v1/app/acme/msg/" + id).raw()).as("replies show the payload as published")
                .contains("\"payload\":" + payload + ",");
    }

    @Test
    void failure500_retriedWhenClockReachesNextAttempt_sameWebhookId() throws Exception {
        receiver.script("/hook", Reply.status(500, Map.of(), "boom"), Reply.status(204));
        JsonNode ep = endpoint("/hook", "");
        String id = publish("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 1}}").get("id").asString();

        JsonNode first = herald.awaitAttempts("acme", id, 1).get(0);
        assertThat(first.get("status").asInt()).isEqualTo(2);
        assertThat(first.get("responseStatusCode").asInt()).isEqualTo(500);
        assertThat(first.get("response").asString()).isEqualTo("boom");
        Instant sent = Instant.parse(first.get("timestamp").asString());
        Instant next = Instant.parse(first.get("nextAttempt").asString());
        assertThat(Duration.between(sent, next)).as("5 s ± 20 %").isBetween(Duration.ofSeconds(4), Duration.ofSeconds(6));

        herald.advance(Duration.ofSeconds(3));
        assertThat(herald.runDue()).as("not due before nextAttempt").isZero();
        herald.advance(Duration.ofSeconds(4));
        assertThat(herald.runDue()).isEqualTo(1);

        JsonNode attempts = herald.awaitAttempts("acme", id, 2);
        assertThat(attempts.get(0).get("status").asInt()).isZero();
        assertThat(attempts.get(0).get("responseStatusCode").asInt()).isEqualTo(204);
        assertThat(attempts.get(0).get("attemptNumber").asInt()).isEqualTo(2);
        assertThat(attempts.get(0).get("nextAttempt").isNull()).isTrue();
        List<LoopbackReceiver.Received> got = receiver.received("/hook");
        assertThat(got).hasSize(2).extracting(r -> r.header("webhook-id")).containsOnly(id);
        for (LoopbackReceiver.Received r : got) {
            assertVerifies(secret(ep), r);
        }
        herald.advance(Duration.ofDays(4));
        assertThat(herald.runDue()).as("a delivered message is not sent again").isZero();
    }

    @Test
    void timeout_isFailureWithError_andRetried() {
        receiver.script("/hook", Reply.hang(Duration.ofSeconds(30)), Reply.status(200));
        endpoint("/hook", "");
        String id = publish("{\"eventType\": \"scan.finished\", \"payload\": {}}").get("id").asString();

        JsonNode first = herald.awaitAttempts("acme", id, 1).get(0);
        assertThat(first.get("status").asInt()).isEqualTo(2);
        assertThat(first.get("responseStatusCode").asInt()).isZero();
        assertThat(first.get("error").asString()).contains("timed out");
        assertThat(first.get("responseDurationMs").asLong()).isBetween(900L, 5_000L);

        herald.advance(Duration.ofSeconds(7));
        assertThat(herald.runDue()).isEqualTo(1);
        assertThat(herald.awaitAttempts("acme", id, 2).get(0).get("status").asInt()).isZero();
    }

    @Test
    void connectionReset_isFailureWithError_andRetried() {
        receiver.script("/hook", Reply.reset(), Reply.status(200));
        endpoint("/hook", "");
        String id = publish("{\"eventType\": \"scan.finished\", \"payload\": {}}").get("id").asString();

        JsonNode first = herald.awaitAttempts("acme", id, 1).get(0);
        assertThat(first.get("status").asInt()).isEqualTo(2);
        assertThat(first.get("responseStatusCode").asInt()).isZero();
        assertThat(first.get("error").asString()).isNotBlank();

        herald.advance(Duration.ofSeconds(7));
        assertThat(herald.runDue()).isEqualTo(1);
        assertThat(herald.awaitAttempts("acme", id, 2).get(0).get("status").asInt()).isZero();
    }

    @Test
    void redirect_isFailure_andNotFollowed() {
        receiver.script("/hook", Reply.status(302, Map.of("Location", receiver.url("/elsewhere")), ""));
        endpoint("/hook", "");
        String id = publish("{\"eventType\": \"scan.finished\", \"payload\": {}}").get("id").asString();

        JsonNode first = herald.awaitAttempts("acme", id, 1).get(0);
        assertThat(first.get("status").asInt()).isEqualTo(2);
        assertThat(first.get("responseStatusCode").asInt()).isEqualTo(302);
        assertThat(receiver.received("/elsewhere")).isEmpty();
    }

    @Test
    void tooManyRequests_retryAfterHonoured_withinClamp() {
        receiver.script("/hook", Reply.status(429, Map.of("Retry-After", "8"), ""), Reply.status(200));
        endpoint("/hook", "");
        String id = publish("{\"eventType\": \"scan.finished\", \"payload\": {}}").get("id").asString();

        JsonNode first = herald.awaitAttempts("acme", id, 1).get(0);
        Instant sent = Instant.parse(first.get("timestamp").asString());
        assertThat(Instant.parse(first.get("nextAttempt").asString())).isEqualTo(sent.plusSeconds(8));

        herald.advance(Duration.ofSeconds(7));
        assertThat(herald.runDue()).as("Retry-After 8 s is longer than the 5 s step").isZero();
        herald.advance(Duration.ofSeconds(1));
        assertThat(herald.runDue()).isEqualTo(1);
        assertThat(herald.awaitAttempts("acme", id, 2).get(0).get("status").asInt()).isZero();
    }

    @Test
    void tooManyRequests_hugeRetryAfter_clampedToTwiceTheStep() {
        receiver.script("/hook", Reply.status(503, Map.of("Retry-After", "86400"), ""));
        endpoint("/hook", "");
        String id = publish("{\"eventType\": \"scan.finished\", \"payload\": {}}").get("id").asString();

        JsonNode first = herald.awaitAttempts("acme", id, 1).get(0);
        Instant sent = Instant.parse(first.get("timestamp").asString());
        assertThat(Instant.parse(first.get("nextAttempt").asString())).isEqualTo(sent.plusSeconds(10));
    }

    @Test
    void gone410_disablesEndpoint_andNothingMoreIsQueued() {
        receiver.script("/hook", Reply.status(410));
        String ep = endpoint("/hook", "").get("id").asString();
        String id = publish("{\"eventType\": \"scan.finished\", \"payload\": {}}").get("id").asString();

        JsonNode first = herald.awaitAttempts("acme", id, 1).get(0);
        assertThat(first.get("responseStatusCode").asInt()).isEqualTo(410);
        assertThat(first.get("nextAttempt").isNull()).as("no retry after 410").isTrue();
        assertThat(herald.get("/api/v1/app/acme/endpoint/" + ep).get("disabled").asBoolean()).isTrue();

        String later = publish("{\"eventType\": \"scan.finished\", \"payload\": {}}").get("id").asString();
        herald.advance(Duration.ofHours(1));
        assertThat(herald.runDue()).isZero();
        assertThat(herald.get("/api/v1/app/acme/attempt/msg/" + later).get("data")).isEmpty();
        assertThat(receiver.received("/hook")).hasSize(1);
    }

    @Test
    void disabledEndpoint_getsNothingWhileDisabled_andOnlyNewMessagesAfterEnabling() {
        String ep = endpoint("/hook", "\"disabled\": true").get("id").asString();
        String during = publish("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 1}}").get("id").asString();
        assertThat(herald.runDue()).isZero();

        TestHerald.expect(herald.api.patch("/api/v1/app/acme/endpoint/" + ep, "{\"disabled\": false}"), 200);
        String after = publish("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 2}}").get("id").asString();
        receiver.await("/hook", 1, WAIT);
        herald.awaitAttempts("acme", after, 1);
        herald.advance(Duration.ofHours(1));
        assertThat(herald.runDue()).isZero();
        assertThat(receiver.received("/hook")).extracting(r -> r.header("webhook-id")).containsExactly(after);
        assertThat(herald.get("/api/v1/app/acme/attempt/msg/" + during).get("data")).isEmpty();
    }

    @Test
    void rotatedSecret_signsWithBothKeysForADay_thenOnlyTheNew() throws Exception {
        JsonNode ep = endpoint("/hook", "");
        String epId = ep.get("id").asString();
        String oldSecret = secret(ep);
        TestHerald.expect(herald.api.post("/api/v1/app/acme/endpoint/" + epId + "/secret/rotate", "{}"), 204);
        String newSecret = secret(ep);
        assertThat(newSecret).isNotEqualTo(oldSecret).startsWith("whsec_");

        publish("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 1}}");
        LoopbackReceiver.Received r = receiver.await("/hook", 1, WAIT).getFirst();
        String[] signatures = r.header("webhook-signature").split(" ");
        assertThat(signatures).hasSize(2);
        // Each secret alone verifies: a receiver that has not switched yet and one that has.
        assertVerifies(oldSecret, r);
        assertVerifies(newSecret, r);
        assertThatThrownBy(() -> assertVerifies(io.herald.endpoint.Secrets.generate(), r)).isInstanceOf(Exception.class);

        herald.advance(Duration.ofHours(24).plusMinutes(1));
        publish("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 2}}");
        LoopbackReceiver.Received later = receiver.await("/hook", 2, WAIT).get(1);
        assertThat(later.header("webhook-signature").split(" ")).hasSize(1);
    }

    @Test
    void resend_deliversAgainAsManualAttempt() {
        endpoint("/hook", "");
        String ep = herald.get("/api/v1/app/acme/endpoint").get("data").get(0).get("id").asString();
        String id = publish("{\"eventType\": \"scan.finished\", \"payload\": {}}").get("id").asString();
        herald.awaitAttempts("acme", id, 1);
        herald.advance(Duration.ofSeconds(1)); // ids order by millisecond: keep "newest first" well defined

        TestHerald.expect(herald.api.post("/api/v1/app/acme/msg/" + id + "/endpoint/" + ep + "/resend", null), 202);
        JsonNode attempts = herald.awaitAttempts("acme", id, 2);
        assertThat(attempts.get(0).get("triggerType").asInt()).isEqualTo(1);
        assertThat(receiver.received("/hook")).hasSize(2).extracting(r -> r.header("webhook-id")).containsOnly(id);
    }

    @Test
    void attemptsByEndpoint_listsNewestFirst_andGetOneById() {
        String ep = endpoint("/hook", "").get("id").asString();
        String m1 = publish("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 1}}").get("id").asString();
        herald.awaitAttempts("acme", m1, 1);
        herald.advance(Duration.ofSeconds(1));
        String m2 = publish("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 2}}").get("id").asString();
        herald.awaitAttempts("acme", m2, 1);

        JsonNode list = herald.get("/api/v1/app/acme/attempt/endpoint/" + ep);
        List<String> msgIds = StreamSupport.stream(list.get("data").spliterator(), false).map(a -> a.get("msgId").asString()).toList();
        assertThat(msgIds).containsExactly(m2, m1);
        String attemptId = list.get("data").get(0).get("id").asString();
        assertThat(herald.get("/api/v1/app/acme/msg/" + m2 + "/attempt/" + attemptId).get("endpointId").asString()).isEqualTo(ep);
    }

    @Test
    void serverRetryDelays_setting_isTheScheduleOfEndpointsWithoutTheirOwn() {
        herald.close();
        herald = start(dir.resolve("delays"), Map.of("HERALD_RETRY_DELAYS", "20"));
        herald.post("/api/v1/app", "{\"name\": \"Acme\", \"uid\": \"acme\"}", 201);
        receiver.script("/hook", Reply.status(500, Map.of(), "boom"));
        endpoint("/hook", "");
        String id = publish("{\"eventType\": \"scan.finished\", \"payload\": {}}").get("id").asString();

        JsonNode first = herald.awaitAttempts("acme", id, 1).get(0);
        Duration wait = Duration.between(Instant.parse(first.get("timestamp").asString()),
                Instant.parse(first.get("nextAttempt").asString()));
        assertThat(wait).as("20 s ± 20 %, not the default 5 s").isBetween(Duration.ofSeconds(16), Duration.ofSeconds(24));
        herald.advance(Duration.ofSeconds(25));
        assertThat(herald.runDue()).isEqualTo(1);
        JsonNode second = herald.awaitAttempts("acme", id, 2).get(0);
        assertThat(second.get("nextAttempt").isNull()).as("one delay: two attempts in all").isTrue();
        herald.advance(Duration.ofDays(4));
        assertThat(herald.runDue()).isZero();
    }

    @Test
    void ssrfGuard_refusesLoopbackWithoutAllowList_andSaysWhy() {
        herald.close();
        herald = start(dir.resolve("strict"), Map.of("HERALD_ALLOWED_TARGETS", ""));
        herald.post("/api/v1/app", "{\"name\": \"Acme\", \"uid\": \"acme\"}", 201);
        // A literal loopback address is refused when saved…
        var literal = herald.api.post("/api/v1/app/acme/endpoint", "{\"url\": \"" + receiver.url("/hook") + "\"}");
        assertThat(literal.status()).as(literal.raw()).isEqualTo(422);
        assertThat(literal.body().get("errors").get(0).get("field").asString()).isEqualTo("url");
        assertThat(literal.raw()).contains("SSRF").contains("127.0.0.0/8");
        // …and a name is checked after resolution, when delivering.
        herald.post("/api/v1/app/acme/endpoint", "{\"url\": \"" + receiver.url("/hook").replace("127.0.0.1", "localhost") + "\"}", 201);
        String id = publish("{\"eventType\": \"scan.finished\", \"payload\": {}}").get("id").asString();

        JsonNode first = herald.awaitAttempts("acme", id, 1).get(0);
        assertThat(first.get("status").asInt()).isEqualTo(2);
        assertThat(first.get("error").asString()).contains("SSRF").containsAnyOf("127.0.0.1", "0:0:0:0:0:0:0:1");
        assertThat(receiver.received()).isEmpty();
    }
}
