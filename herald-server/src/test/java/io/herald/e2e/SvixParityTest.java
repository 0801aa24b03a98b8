package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.api.ApiClient;
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
 * What the Svix SDKs of both generations send and expect, over plain HTTP: renamed fields, PUT as
 * upsert, rotation grace, attempt filters, scheduled messages, applications made alongside a
 * message, and deleting content. Run against each database by a subclass.
 */
abstract class SvixParityTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    TestHerald herald;
    LoopbackReceiver receiver;

    abstract TestHerald start(Path dir, Map<String, String> env);

    @BeforeEach
    void setUp() {
        herald = start(dir, Map.of("HERALD_RETRY_DELAYS", "none"));
        herald.api.checkedAgainstOpenApi(); // every answer must be as the OpenAPI document describes it
        receiver = new LoopbackReceiver();
        herald.post("/api/v1/app", "{\"name\": \"Acme\", \"uid\": \"acme\"}", 201);
    }

    @AfterEach
    void tearDown() {
        receiver.close();
        herald.close();
    }

    private String endpointJson(String path, String extra) {
        return "{\"url\": \"" + receiver.url(path) + "\"" + (extra.isEmpty() ? "" : ", " + extra) + "}";
    }

    private JsonNode endpoint(String path, String extra) {
        return herald.post("/api/v1/app/acme/endpoint", endpointJson(path, extra), 201);
    }

    private String publish(String type, String extra) {
        return herald.post("/api/v1/app/acme/msg", "{\"eventType\": \"" + type + "\", \"payload\": {\"n\": 1}"
                + (extra.isEmpty() ? "" : ", " + extra) + "}", 201).get("id").asString();
    }

    private static void assertProblem(ApiClient.Answer a, int status, String field) {
        assertThat(a.status()).as(a.raw()).isEqualTo(status);
        assertThat(a.body().get("errors").get(0).get("field").asString()).as(a.raw()).isEqualTo(field);
    }

    private static List<String> strings(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asString).toList();
    }

    @Test
    void endpoint_eventTypesOf2x_areHonouredAndReturnedUnderBothNames() {
        JsonNode ep = endpoint("/hook", "\"eventTypes\": [\"finding.created\"], \"throttleRate\": 7");
        assertThat(strings(ep.get("eventTypes"))).containsExactly("finding.created");
        assertThat(strings(ep.get("filterTypes"))).containsExactly("finding.created");
        assertThat(ep.get("throttleRate").asInt()).isEqualTo(7);
        assertThat(ep.get("rateLimit").asInt()).isEqualTo(7);

        String other = publish("scan.finished", "");
        String wanted = publish("finding.created", "");

        assertThat(receiver.await("/hook", 1, WAIT)).extracting(r -> r.header("webhook-id")).containsExactly(wanted);
        herald.awaitAttempts("acme", wanted, 1);
        assertThat(herald.get("/api/v1/app/acme/attempt/msg/" + other).get("data").size()).isZero();
        JsonNode listed = herald.get("/api/v1/app/acme/endpoint").get("data").get(0);
        assertThat(strings(listed.get("eventTypes"))).containsExactly("finding.created");
    }

    @Test
    void endpoint_filterTypesAndRateLimitOf1x_areReadAndReturnedUnderBothNames() {
        JsonNode ep = endpoint("/hook", "\"filterTypes\": [\"scan.*\"], \"rateLimit\": 3");
        assertThat(strings(ep.get("eventTypes"))).containsExactly("scan.*");
        assertThat(ep.get("throttleRate").asInt()).isEqualTo(3);

        JsonNode app = herald.post("/api/v1/app", "{\"name\": \"Old\", \"rateLimit\": 9}", 201);
        assertThat(app.get("throttleRate").asInt()).isEqualTo(9);
        assertThat(app.get("rateLimit").asInt()).isEqualTo(9);
        JsonNode app2 = herald.post("/api/v1/app", "{\"name\": \"New\", \"throttleRate\": 4}", 201);
        assertThat(app2.get("rateLimit").asInt()).isEqualTo(4);
    }

    @Test
    void endpoint_bothNamesWithDifferentValues_is422_andTheSameValueIsAccepted() {
        assertProblem(herald.api.post("/api/v1/app/acme/endpoint",
                endpointJson("/hook", "\"eventTypes\": [\"a\"], \"filterTypes\": [\"b\"]")), 422, "eventTypes");
        assertProblem(herald.api.post("/api/v1/app/acme/endpoint",
                endpointJson("/hook", "\"throttleRate\": 1, \"rateLimit\": 2")), 422, "throttleRate");
        assertProblem(herald.api.post("/api/v1/app", "{\"name\": \"x\", \"throttleRate\": 1, \"rateLimit\": 2}"), 422, "throttleRate");
        assertThat(herald.get("/api/v1/app/acme/endpoint").get("data").size()).as("nothing written").isZero();

        JsonNode ep = endpoint("/hook", "\"eventTypes\": [\"b\", \"a\"], \"filterTypes\": [\"a\", \"b\"], \"throttleRate\": null, \"rateLimit\": 5");
        assertThat(strings(ep.get("eventTypes"))).containsExactly("a", "b");
        assertThat(ep.get("throttleRate").asInt()).isEqualTo(5);
    }

    @Test
    void endpoint_patchUnderOneName_replacesTheValueKnownUnderTheOther() {
        String id = endpoint("/hook", "\"filterTypes\": [\"scan.*\"], \"rateLimit\": 3").get("id").asString();

        JsonNode patched = TestHerald.expect(herald.api.patch("/api/v1/app/acme/endpoint/" + id,
                "{\"eventTypes\": [\"finding.created\"], \"throttleRate\": 8}"), 200);
        assertThat(strings(patched.get("filterTypes"))).containsExactly("finding.created");
        assertThat(patched.get("rateLimit").asInt()).isEqualTo(8);

        JsonNode cleared = TestHerald.expect(herald.api.patch("/api/v1/app/acme/endpoint/" + id, "{\"filterTypes\": null}"), 200);
        assertThat(cleared.get("eventTypes").isNull()).isTrue();
        assertThat(cleared.get("throttleRate").asInt()).as("untouched").isEqualTo(8);

        JsonNode appPatched = TestHerald.expect(herald.api.patch("/api/v1/app/acme", "{\"throttleRate\": 2}"), 200);
        assertThat(appPatched.get("rateLimit").asInt()).isEqualTo(2);
    }

    @Test
    void applicationPut_onAMissingUid_createsIt201_thenReplaces200() {
        JsonNode made = TestHerald.expect(herald.api.put("/api/v1/app/tenant-9", "{\"name\": \"Tenant 9\"}"), 201);
        assertThat(made.get("uid").asString()).isEqualTo("tenant-9");
        JsonNode again = TestHerald.expect(herald.api.put("/api/v1/app/tenant-9", "{\"name\": \"Renamed\"}"), 200);
        assertThat(again.get("id").asString()).isEqualTo(made.get("id").asString());
        assertThat(again.get("name").asString()).isEqualTo("Renamed");
        assertThat(again.get("uid").asString()).as("kept: the path named it").isEqualTo("tenant-9");
        JsonNode byId = TestHerald.expect(herald.api.put("/api/v1/app/" + made.get("id").asString(), "{\"name\": \"No uid\"}"), 200);
        assertThat(byId.get("uid").isNull()).as("addressed by id, a PUT without uid clears it").isTrue();

        assertProblem(herald.api.put("/api/v1/app/tenant-10", "{\"name\": \"x\", \"uid\": \"other\"}"), 422, "uid");
        assertThat(herald.api.get("/api/v1/app/tenant-10").status()).isEqualTo(404);
        assertThat(herald.api.get("/api/v1/app/other").status()).isEqualTo(404);
    }

    @Test
    void endpointPut_onAMissingUid_createsIt201_thenReplaces200() {
        JsonNode made = TestHerald.expect(herald.api.put("/api/v1/app/acme/endpoint/siem",
                endpointJson("/hook", "\"eventTypes\": [\"scan.finished\"]")), 201);
        assertThat(made.get("uid").asString()).isEqualTo("siem");
        assertThat(made.get("id").asString()).startsWith("ep_");
        JsonNode again = TestHerald.expect(herald.api.put("/api/v1/app/acme/endpoint/siem", endpointJson("/other", "")), 200);
        assertThat(again.get("uid").asString()).as("kept: the path named it").isEqualTo("siem");
        assertThat(again.get("id").asString()).isEqualTo(made.get("id").asString());
        assertThat(again.get("url").asString()).isEqualTo(receiver.url("/other"));

        assertProblem(herald.api.put("/api/v1/app/acme/endpoint/x", endpointJson("/hook", "\"uid\": \"y\"")), 422, "uid");
        assertThat(herald.api.put("/api/v1/app/nobody/endpoint/x", endpointJson("/hook", "")).status()).isEqualTo(404);
    }

    @Test
    void endpointList_isNewestFirst_unlessOrderAscending() {
        String first = endpoint("/a", "").get("id").asString();
        herald.advance(Duration.ofMillis(1)); // ids order by their millisecond, and this clock stands still
        String second = endpoint("/b", "").get("id").asString();
        assertThat(herald.get("/api/v1/app/acme/endpoint").get("data")).extracting(e -> e.get("id").asString())
                .containsExactly(second, first);
        assertThat(herald.get("/api/v1/app/acme/endpoint?order=ascending").get("data")).extracting(e -> e.get("id").asString())
                .containsExactly(first, second);
    }

    @Test
    void rotate_withGracePeriodSeconds_setsHowLongTheOldSecretSigns() {
        JsonNode ep = endpoint("/hook", "");
        String path = "/api/v1/app/acme/endpoint/" + ep.get("id").asString() + "/secret/rotate";
        assertProblem(herald.api.post(path, "{\"gracePeriodSeconds\": 604801}"), 422, "gracePeriodSeconds");
        assertProblem(herald.api.post(path, "{\"gracePeriodSeconds\": -1}"), 422, "gracePeriodSeconds");

        assertThat(herald.api.post(path, "{\"gracePeriodSeconds\": 0}").status()).isEqualTo(204);
        publish("scan.finished", "");
        assertThat(receiver.await("/hook", 1, WAIT).get(0).header("webhook-signature").split(" ")).as("old key at once gone").hasSize(1);

        assertThat(herald.api.post(path, "{\"gracePeriodSeconds\": 60}").status()).isEqualTo(204);
        publish("scan.finished", "");
        assertThat(receiver.await("/hook", 2, WAIT).get(1).header("webhook-signature").split(" ")).hasSize(2);
        herald.advance(Duration.ofSeconds(61));
        publish("scan.finished", "");
        assertThat(receiver.await("/hook", 3, WAIT).get(2).header("webhook-signature").split(" ")).as("after the grace").hasSize(1);
    }

    @Test
    void attemptLists_filterByStatusCodeClassChannelAndEventType_andOmitContentOnRequest() {
        receiver.script("/hook", Reply.status(503, Map.of(), "busy"), Reply.status(200, Map.of(), "fine"), Reply.reset());
        String ep = endpoint("/hook", "").get("id").asString();
        String busy = publish("scan.finished", "\"channels\": [\"c-1\"], \"tags\": [\"t_1\"]");
        herald.awaitAttempts("acme", busy, 1);
        String fine = publish("finding.created", "\"tags\": [\"tx1\"]");
        herald.awaitAttempts("acme", fine, 1);
        String reset = publish("finding.created", "\"channels\": [\"c-2\"]");
        herald.awaitAttempts("acme", reset, 1);

        String base = "/api/v1/app/acme/attempt/endpoint/" + ep;
        assertThat(msgIds(base + "?status_code_class=500")).containsExactly(busy);
        assertThat(msgIds(base + "?status_code_class=200")).containsExactly(fine);
        assertThat(msgIds(base + "?status_code_class=0")).containsExactly(reset);
        assertThat(msgIds(base + "?channel=c-2")).containsExactly(reset);
        assertThat(msgIds(base + "?tag=t_1")).as("_ is no wildcard").containsExactly(busy);
        assertThat(msgIds(base + "?tag=tx1")).containsExactly(fine);
        assertThat(msgIds(base + "?channel=C-2")).as("case counts").isEmpty();
        assertThat(herald.get("/api/v1/app/acme/msg?tag=t_1").get("data")).extracting(m -> m.get("id").asString()).containsExactly(busy);
        assertThat(msgIds(base + "?event_types=finding.created")).containsExactlyInAnyOrder(fine, reset);
        assertThat(msgIds(base + "?event_types=scan.finished&event_types=nothing")).containsExactly(busy);
        assertThat(msgIds("/api/v1/app/acme/attempt/msg/" + busy + "?status_code_class=200")).isEmpty();
        assertThat(herald.get(base + "?status_code_class=200").get("data").get(0).get("response").asString()).isEqualTo("fine");
        assertThat(herald.get(base + "?status_code_class=200&with_content=false").get("data").get(0).get("response").asString()).isEmpty();

        assertProblem(herald.api.get(base + "?status_code_class=250"), 422, "status_code_class");
        assertProblem(herald.api.get(base + "?channel=a%20b"), 422, "channel");
        assertProblem(herald.api.get(base + "?tag=a%3Ab"), 422, "tag");
        assertProblem(herald.api.get(base + "?with_msg=true"), 422, "with_msg");
        assertProblem(herald.api.get("/api/v1/app/acme/msg?channel=%25"), 422, "channel");
    }

    private List<String> msgIds(String path) {
        return StreamSupport.stream(herald.get(path).get("data").spliterator(), false).map(a -> a.get("msgId").asString()).toList();
    }

    @Test
    void publish_withABadQueryParameter_is422_andWritesNothing() {
        endpoint("/hook", "");
        assertProblem(herald.api.post("/api/v1/app/acme/msg?with_content=yes", "{\"eventType\": \"a\", \"payload\": {}}"),
                422, "with_content");
        assertThat(herald.get("/api/v1/app/acme/msg").get("data").size()).isZero();
        assertThat(receiver.received()).isEmpty();
    }

    @Test
    void message_withApplication_createsTheMissingApplicationWithThePathAsUid() {
        JsonNode msg = herald.post("/api/v1/app/tenant-5/msg",
                "{\"eventType\": \"scan.finished\", \"payload\": {}, \"application\": {\"name\": \"Tenant 5\"}}", 201);
        JsonNode app = herald.get("/api/v1/app/tenant-5");
        assertThat(app.get("name").asString()).isEqualTo("Tenant 5");
        assertThat(herald.get("/api/v1/app/tenant-5/msg/" + msg.get("id").asString()).get("eventType").asString()).isEqualTo("scan.finished");

        // An existing application is left as it is.
        herald.post("/api/v1/app/acme/msg", "{\"eventType\": \"scan.finished\", \"payload\": {}, \"application\": {\"name\": \"Other\"}}", 201);
        assertThat(herald.get("/api/v1/app/acme").get("name").asString()).isEqualTo("Acme");
    }

    @Test
    void message_withBadApplicationOrRetention_is422_andWritesNothing() {
        assertProblem(herald.api.post("/api/v1/app/tenant-6/msg",
                "{\"eventType\": \"scan.finished\", \"payload\": {}, \"application\": {\"name\": \"\"}}"), 422, "application.name");
        assertProblem(herald.api.post("/api/v1/app/tenant-6/msg",
                "{\"eventType\": \"scan.finished\", \"payload\": {}, \"application\": {\"name\": \"x\", \"uid\": \"other\"}}"), 422, "application.uid");
        assertProblem(herald.api.post("/api/v1/app/tenant-6/msg",
                "{\"eventType\": \"scan.finished\", \"payload\": [], \"application\": {\"name\": \"x\"}}"), 422, "payload");
        assertThat(herald.api.get("/api/v1/app/tenant-6").status()).isEqualTo(404);

        assertProblem(herald.api.post("/api/v1/app/acme/msg",
                "{\"eventType\": \"scan.finished\", \"payload\": {}, \"payloadRetentionPeriod\": 0}"), 422, "payloadRetentionPeriod");
        assertProblem(herald.api.post("/api/v1/app/acme/msg",
                "{\"eventType\": \"scan.finished\", \"payload\": {}, \"payloadRetentionPeriod\": 1, \"payloadRetentionHours\": 3}"),
                422, "payloadRetentionHours");
        assertProblem(herald.api.post("/api/v1/app/acme/msg",
                "{\"eventType\": \"a\", \"payload\": {}, \"transformationsParams\": {\"headers\": {}}}"), 422, "transformationsParams.headers");
        assertThat(herald.get("/api/v1/app/acme/msg").get("data").size()).isZero();
    }

    @Test
    void message_withDeliverAt_isDeliveredWhenDue_notAtPublish() {
        endpoint("/hook", "");
        Instant at = herald.clock.instant().plus(Duration.ofMinutes(10));
        JsonNode msg = herald.post("/api/v1/app/acme/msg",
                "{\"eventType\": \"scan.finished\", \"payload\": {}, \"deliverAt\": \"" + at + "\"}", 201);
        assertThat(msg.get("deliverAt").asString()).isEqualTo(at.toString());

        assertThat(herald.runDue()).isZero();
        herald.advance(Duration.ofMinutes(9));
        assertThat(herald.runDue()).isZero();
        assertThat(receiver.received()).isEmpty();
        herald.advance(Duration.ofMinutes(1));
        assertThat(herald.runDue()).isEqualTo(1);
        assertThat(receiver.received("/hook")).extracting(r -> r.header("webhook-id")).containsExactly(msg.get("id").asString());

        assertProblem(herald.api.post("/api/v1/app/acme/msg", "{\"eventType\": \"a\", \"payload\": {}, \"deliverAt\": \""
                + herald.clock.instant().plus(Duration.ofHours(25)) + "\"}"), 422, "deliverAt");
        assertProblem(herald.api.post("/api/v1/app/acme/msg", "{\"eventType\": \"a\", \"payload\": {}, \"deliverAt\": \"tomorrow\"}"),
                422, "deliverAt");
    }

    @Test
    void deleteMessageContent_blanksThePayload_givesUpWaitingDeliveries_andRefusesResend() {
        receiver.fallback(Reply.status(500));
        String ep = endpoint("/hook", "").get("id").asString();
        Instant later = herald.clock.instant().plus(Duration.ofMinutes(5));
        String scheduled = herald.post("/api/v1/app/acme/msg",
                "{\"eventType\": \"scan.finished\", \"payload\": {\"secret\": 1}, \"deliverAt\": \"" + later + "\"}", 201).get("id").asString();

        assertThat(herald.api.delete("/api/v1/app/acme/msg/" + scheduled + "/content").status()).isEqualTo(204);

        assertThat(herald.get("/api/v1/app/acme/msg/" + scheduled).get("payload").size()).isZero();
        herald.advance(Duration.ofMinutes(6));
        assertThat(herald.runDue()).as("the waiting delivery was given up").isZero();
        assertThat(receiver.received()).isEmpty();
        assertProblem(herald.api.post("/api/v1/app/acme/msg/" + scheduled + "/endpoint/" + ep + "/resend", null), 422, "msgId");
        assertThat(herald.api.delete("/api/v1/app/acme/msg/msg_nothing/content").status()).isEqualTo(404);
    }

    @Test
    void deleteMessageContent_alsoReachesThePublishsResponseKeptUnderAnIdempotencyKey() {
        String body = "{\"eventType\": \"scan.finished\", \"payload\": {\"password\": \"hunter2\"}}";
        ApiClient.Answer first = herald.api.send("POST", "/api/v1/app/acme/msg", body, Map.of("idempotency-key", "k-1"));
        assertThat(first.status()).isEqualTo(201);
        assertThat(first.raw()).contains("hunter2");

        herald.api.delete("/api/v1/app/acme/msg/" + first.body().get("id").asString() + "/content");

        ApiClient.Answer replay = herald.api.send("POST", "/api/v1/app/acme/msg", body, Map.of("idempotency-key", "k-1"));
        assertThat(replay.status()).isEqualTo(201);
        assertThat(replay.body().get("id").asString()).isEqualTo(first.body().get("id").asString());
        assertThat(replay.raw()).doesNotContain("hunter2");
        assertThat(replay.body().get("payload").size()).isZero();
        assertThat(herald.get("/api/v1/app/acme/msg").get("data").size()).as("not published again").isEqualTo(1);
    }

    @Test
    void deleteAttemptContent_blanksTheResponseBody_andKeepsTheAttempt() {
        receiver.fallback(Reply.status(500, Map.of(), "stack trace with a password"));
        endpoint("/hook", "");
        String msg = publish("scan.finished", "");
        JsonNode attempt = herald.awaitAttempts("acme", msg, 1).get(0);
        String path = "/api/v1/app/acme/msg/" + msg + "/attempt/" + attempt.get("id").asString();
        assertThat(herald.get(path).get("response").asString()).contains("password");

        assertThat(herald.api.delete(path + "/content").status()).isEqualTo(204);

        JsonNode after = herald.get(path);
        assertThat(after.get("response").asString()).isEmpty();
        assertThat(after.get("responseStatusCode").asInt()).isEqualTo(500);
        assertThat(herald.api.delete("/api/v1/app/acme/msg/" + msg + "/attempt/atmpt_nothing/content").status()).isEqualTo(404);
    }

    @Test
    void eventType_catalogFieldsOfBothGenerations_areStoredAndReturned() {
        JsonNode t = herald.post("/api/v1/event-type", """
                {"name": "scan.finished", "description": "d", "deprecated": true, "groupName": "scans",
                 "featureFlags": ["beta", "alpha"]}""", 201);
        assertThat(t.get("deprecated").asBoolean()).isTrue();
        assertThat(t.get("groupName").asString()).isEqualTo("scans");
        assertThat(strings(t.get("featureFlags"))).containsExactly("alpha", "beta");
        assertThat(t.get("featureFlag").isNull()).as("1.x knew one flag").isTrue();

        JsonNode old = herald.post("/api/v1/event-type", "{\"name\": \"finding.created\", \"description\": \"d\", \"featureFlag\": \"beta\"}", 201);
        assertThat(strings(old.get("featureFlags"))).containsExactly("beta");
        assertThat(old.get("featureFlag").asString()).isEqualTo("beta");
        assertThat(old.get("deprecated").asBoolean()).isFalse();

        JsonNode patched = TestHerald.expect(herald.api.patch("/api/v1/event-type/finding.created", "{\"featureFlags\": [\"ga\"]}"), 200);
        assertThat(patched.get("featureFlag").asString()).isEqualTo("ga");

        assertProblem(herald.api.post("/api/v1/event-type",
                "{\"name\": \"a.b\", \"description\": \"d\", \"featureFlag\": \"x\", \"featureFlags\": [\"y\"]}"), 422, "featureFlags");
        assertProblem(herald.api.post("/api/v1/event-type",
                "{\"name\": \"a.b\", \"description\": \"d\", \"featureFlags\": [\"no spaces\"]}"), 422, "featureFlags[0]");
        assertThat(herald.api.get("/api/v1/event-type/a.b").status()).isEqualTo(404);
    }

    /** Sends {@code n} requests at once (released together) and returns their statuses. */
    private List<Integer> atOnce(int n, java.util.function.Supplier<ApiClient.Answer> request) throws Exception {
        var start = new java.util.concurrent.CountDownLatch(1);
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(n)) {
            List<java.util.concurrent.Future<ApiClient.Answer>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                answers.add(pool.submit(() -> {
                    start.await();
                    return request.get();
                }));
            }
            start.countDown();
            List<Integer> statuses = new java.util.ArrayList<>();
            for (var a : answers) {
                ApiClient.Answer answer = a.get(30, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(answer.status()).as(answer.raw()).isLessThan(300);
                statuses.add(answer.status());
            }
            return statuses;
        }
    }

    private long count(String sql) {
        return herald.server.herald().store().read(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    @Test
    void concurrentCreatesOfOneMissingResource_makeItOnce_andNoneFails() throws Exception {
        List<Integer> puts = atOnce(8, () -> herald.api.put("/api/v1/app/raced", "{\"name\": \"Raced\"}"));
        assertThat(puts).containsOnlyOnce(201);
        assertThat(count("SELECT COUNT(*) FROM application WHERE uid = 'raced'")).isEqualTo(1);

        atOnce(8, () -> herald.api.post("/api/v1/app/alongside/msg",
                "{\"eventType\": \"a\", \"payload\": {}, \"application\": {\"name\": \"Alongside\"}}"));
        assertThat(count("SELECT COUNT(*) FROM application WHERE uid = 'alongside'")).isEqualTo(1);
        assertThat(herald.get("/api/v1/app/alongside/msg").get("data").size()).isEqualTo(8);

        atOnce(8, () -> herald.api.post("/api/v1/app", "{\"name\": \"x\", \"uid\": \"got\"}").status() == 409
                ? herald.api.post("/api/v1/app?get_if_exists=true", "{\"name\": \"x\", \"uid\": \"got\"}")
                : herald.api.get("/api/v1/app/got"));
        assertThat(count("SELECT COUNT(*) FROM application WHERE uid = 'got'")).isEqualTo(1);

        List<Integer> endpointPuts = atOnce(8, () -> herald.api.put("/api/v1/app/acme/endpoint/raced", endpointJson("/hook", "")));
        assertThat(endpointPuts).containsOnlyOnce(201);
        assertThat(count("SELECT COUNT(*) FROM endpoint WHERE uid = 'raced'")).isEqualTo(1);
    }
}
