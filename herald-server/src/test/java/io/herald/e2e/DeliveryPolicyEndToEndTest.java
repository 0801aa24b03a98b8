package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.endpoint.CustomHeaders;
import io.herald.testing.LoopbackReceiver;
import io.herald.testing.LoopbackReceiver.Reply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Per-endpoint delivery policy through the HTTP API: signature profiles checked by independent
 * implementations, retry schedules and timeouts, send-example. One server per class, one
 * application per test. Run against each database by a subclass.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class DeliveryPolicyEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final AtomicInteger APPS = new AtomicInteger();

    TestHerald herald;
    LoopbackReceiver receiver;
    String app;

    abstract TestHerald start(Path dir, Map<String, String> env);

    @BeforeAll
    void startServer(@TempDir Path dir) {
        herald = start(dir, Map.of());
        herald.api.checkedAgainstOpenApi(); // every answer must be as the OpenAPI document describes it
        receiver = new LoopbackReceiver();
    }

    @AfterAll
    void stopServer() {
        receiver.close();
        herald.close();
    }

    @BeforeEach
    void newApp() {
        // Tests share the server: each starts at wall-clock time (signature checkers compare with
        // it) and counts only its own messages' attempts, as earlier tests' retries may fall due.
        herald.clock.set(Instant.now());
        app = "app-" + APPS.incrementAndGet();
        herald.post("/api/v1/app", "{\"name\": \"Tenant\", \"uid\": \"" + app + "\"}", 201);
    }

    private String path(String name) {
        return "/" + app + "/" + name;
    }

    private JsonNode endpoint(String name, String extraFields) {
        return herald.post("/api/v1/app/" + app + "/endpoint",
                "{\"url\": \"" + receiver.url(path(name)) + "\"" + (extraFields.isEmpty() ? "" : ", " + extraFields) + "}", 201);
    }

    private String publish(String json) {
        return herald.post("/api/v1/app/" + app + "/msg", json, 201).get("id").asString();
    }

    /** Runs what is due, then returns how many attempts message {@code id} has. */
    private int runDueThenCountAttempts(String id) {
        herald.runDue();
        return herald.get("/api/v1/app/" + app + "/attempt/msg/" + id).get("data").size();
    }

    private String secret(JsonNode endpoint) {
        return herald.get("/api/v1/app/" + app + "/endpoint/" + endpoint.get("id").asString() + "/secret").get("key").asString();
    }

    private record ApiAnswer(int status, JsonNode body) {}

    private ApiAnswer call(String method, String path, String json) {
        var a = switch (method) {
            case "POST" -> herald.api.post(path, json);
            case "PUT" -> herald.api.put(path, json);
            case "PATCH" -> herald.api.patch(path, json);
            default -> throw new IllegalArgumentException(method);
        };
        return new ApiAnswer(a.status(), a.body());
    }

    private static String hmacHex(String key, String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void svixProfile_sendsSvixHeaders_verifiedBySvixLibrary() throws Exception {
        JsonNode ep = endpoint("svix", "\"signature\": \"svix\"");
        assertThat(ep.get("signature").get("type").asString()).isEqualTo("svix");
        String id = publish("{\"eventType\": \"scan.finished\", \"payload\": {\"alerts\": 2}}");

        LoopbackReceiver.Received r = receiver.await(path("svix"), 1, WAIT).getFirst();
        assertThat(r.header("svix-id")).isEqualTo(id);
        assertThat(r.header("webhook-signature")).isNull();
        new com.svix.Webhook(secret(ep)).verify(r.bodyText(), r.headerLists());
    }

    @Test
    void hexProfile_signsBodyWithSecretText_andNamesIdAndTimestampHeaders() throws Exception {
        JsonNode ep = endpoint("hex", """
                "signature": {"type": "hmac-sha256-hex", "header": "Event-Signature", "idHeader": "Event-UUID",
                              "timestampHeader": "Event-Timestamp", "timestampFormat": "iso8601"}""");
        String id = publish("{\"eventType\": \"scan.finished\", \"payload\": {\"alerts\": 2, \"note\": \"caf\\u00e9\"}}");

        LoopbackReceiver.Received r = receiver.await(path("hex"), 1, WAIT).getFirst();
        // What the seeds' receivers run: hmac(secret.encode(), body, sha256).hexdigest(), "sha256=" in front.
        assertThat(r.header("Event-Signature")).isEqualTo("sha256=" + hmacHex(secret(ep), r.bodyText()));
        assertThat(r.header("Event-UUID")).isEqualTo(id);
        assertThat(Instant.parse(r.header("Event-Timestamp")).getEpochSecond()).isEqualTo(herald.clock.instant().getEpochSecond());
        assertThat(r.header("webhook-signature")).isNull();
        assertThat(r.header("webhook-id")).isNull();
    }

    @Test
    void hexProfile_defaults_xWebhookSignatureWithSha256Prefix_noIdHeaders() throws Exception {
        JsonNode ep = endpoint("hexdefault", "\"signature\": {\"type\": \"hmac-sha256-hex\"}");
        assertThat(ep.get("signature").toString())
                .isEqualTo("{\"type\":\"hmac-sha256-hex\",\"header\":\"X-Webhook-Signature\",\"prefix\":\"sha256=\"}");
        publish("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 1}}");

        LoopbackReceiver.Received r = receiver.await(path("hexdefault"), 1, WAIT).getFirst();
        assertThat(r.header("X-Webhook-Signature")).isEqualTo("sha256=" + hmacHex(secret(ep), r.bodyText()));
        assertThat(r.headers().keySet()).noneMatch(h -> h.toLowerCase().contains("uuid") || h.toLowerCase().contains("timestamp"));
    }

    @Test
    void hexProfile_takesTheReceiversSecretAsGiven_onCreateRotatePutAndPatch() throws Exception {
        JsonNode ep = endpoint("byo", "\"signature\": \"hmac-sha256-hex\", \"secret\": \"optional-hmac-secret\"");
        String url = "/api/v1/app/" + app + "/endpoint/" + ep.get("id").asString();
        assertThat(secret(ep)).isEqualTo("optional-hmac-secret");
        publish("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 1}}");
        LoopbackReceiver.Received first = receiver.await(path("byo"), 1, WAIT).getFirst();
        assertThat(first.header("X-Webhook-Signature")).isEqualTo("sha256=" + hmacHex("optional-hmac-secret", first.bodyText()));

        TestHerald.expect(herald.api.post(url + "/secret/rotate", "{\"key\": \"the-receivers-2nd-secret\"}"), 204);
        assertThat(secret(ep)).isEqualTo("the-receivers-2nd-secret");
        assertThat(call("PATCH", url, "{\"secret\": \"patched~secret!\"}").status).isEqualTo(200);
        assertThat(secret(ep)).isEqualTo("patched~secret!");
        assertThat(call("PUT", url, "{\"url\": \"" + receiver.url(path("byo")) + "\", \"secret\": \"put-secret-0123\"}").status)
                .isEqualTo(200);
        assertThat(secret(ep)).isEqualTo("put-secret-0123");
        publish("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 2}}");
        LoopbackReceiver.Received second = receiver.await(path("byo"), 2, WAIT).get(1);
        assertThat(second.header("X-Webhook-Signature")).isEqualTo("sha256=" + hmacHex("put-secret-0123", second.bodyText()));

        // Bounds: 8 to 256 printable ASCII characters, no spaces; named in the refusal.
        String hex = "{\"url\": \"" + receiver.url(path("x")) + "\", \"signature\": \"hmac-sha256-hex\", \"secret\": ";
        String endpoints = "/api/v1/app/" + app + "/endpoint";
        for (String bad : new String[] {"\"short7!\"", "\"with space\"", "\"" + "x".repeat(257) + "\"", "\"caf\u00e9-secret\"",
                "\"tab\\tinside\""}) {
            ApiAnswer refused = call("POST", endpoints, hex + bad + "}");
            assertThat(refused.status).as(bad).isEqualTo(422);
            assertThat(refused.body.get("errors").get(0).get("field").asString()).isEqualTo("secret");
        }
        assertThat(call("POST", endpoints, hex + "\"" + "x".repeat(256) + "\"}").status).isEqualTo(201);
        assertThat(call("POST", endpoints, hex + "\"8chars!!\"}").status).isEqualTo(201);
        // The standard and svix profiles keep whsec_ keys, on every route that takes one.
        ApiAnswer standard = call("POST", endpoints, "{\"url\": \"" + receiver.url(path("x")) + "\", \"secret\": \"optional-hmac-secret\"}");
        assertThat(standard.status).isEqualTo(422);
        assertThat(standard.body.get("errors").get(0).get("field").asString()).isEqualTo("secret");
        JsonNode svix = endpoint("svixbyo", "\"signature\": \"svix\"");
        String svixUrl = "/api/v1/app/" + app + "/endpoint/" + svix.get("id").asString();
        ApiAnswer rotate = call("POST", svixUrl + "/secret/rotate", "{\"key\": \"optional-hmac-secret\"}");
        assertThat(rotate.status).isEqualTo(422);
        assertThat(rotate.body.get("errors").get(0).get("field").asString()).isEqualTo("key");
        ApiAnswer patchSecret = call("PATCH", svixUrl, "{\"secret\": \"optional-hmac-secret\"}");
        assertThat(patchSecret.status).isEqualTo(422);
        assertThat(patchSecret.body.get("errors").get(0).get("field").asString()).isEqualTo("secret");

        // Switching the hex endpoint to standard needs a whsec_ key: in the same request, or first.
        ApiAnswer toStandard = call("PATCH", url, "{\"signature\": \"standard\"}");
        assertThat(toStandard.status).isEqualTo(422);
        assertThat(toStandard.body.get("errors").get(0).get("field").asString()).isEqualTo("signature");
        assertThat(secret(ep)).as("nothing was written").isEqualTo("put-secret-0123");
        String whsec = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        assertThat(call("PATCH", url, "{\"signature\": \"standard\", \"secret\": \"" + whsec + "\"}").status).isEqualTo(200);
        publish("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 3}}");
        LoopbackReceiver.Received third = receiver.await(path("byo"), 3, WAIT).get(2);
        new com.standardwebhooks.Webhook(whsec).verify(third.bodyText(), third.headerLists());
        assertThat(third.header("webhook-signature").split(" ")).as("the hex secret rotated out does not sign").hasSize(1);
    }

    @Test
    void signature_badProfiles_refusedNamingTheField() {
        String base = "{\"url\": \"" + receiver.url(path("x")) + "\", ";
        String url = "/api/v1/app/" + app + "/endpoint";
        assertThat(call("POST", url, base + "\"signature\": \"md5\"}").body.get("errors").get(0).get("field").asString())
                .isEqualTo("signature");
        assertThat(call("POST", url, base + "\"signature\": {\"type\": \"hmac-sha256-hex\", \"header\": \"Content-Type\"}}")
                .body.get("errors").get(0).get("field").asString()).isEqualTo("signature.header");
        assertThat(call("POST", url, base + "\"signature\": {\"type\": \"svix\", \"header\": \"X-Sig\"}}")
                .body.get("errors").get(0).get("field").asString()).isEqualTo("signature.header");
        assertThat(call("POST", url, base + "\"signature\": {\"type\": \"hmac-sha256-hex\", \"header\": \"bad header\"}}")
                .body.get("errors").get(0).get("field").asString()).isEqualTo("signature.header");
        ApiAnswer clash = call("POST", url, base
                + "\"signature\": {\"type\": \"hmac-sha256-hex\", \"header\": \"X-Sig\"}, \"headers\": {\"x-sig\": \"mine\"}}");
        assertThat(clash.status).isEqualTo(422);
        assertThat(clash.body.get("errors").get(0).get("field").asString()).isEqualTo("headers.x-sig");
        assertThat(herald.get(url).get("data").size()).as("nothing was written").isZero();
    }

    @Test
    void customHeaders_cannotTakeTheProfilesHeaderNames() {
        JsonNode ep = endpoint("h", "\"signature\": {\"type\": \"hmac-sha256-hex\", \"idHeader\": \"Event-UUID\"}");
        String headers = "/api/v1/app/" + app + "/endpoint/" + ep.get("id").asString() + "/headers";

        ApiAnswer put = call("PUT", headers, "{\"headers\": {\"event-uuid\": \"x\"}}");
        ApiAnswer patch = call("PATCH", headers, "{\"headers\": {\"Content-Type\": \"text/plain\"}}");
        ApiAnswer ok = call("PATCH", headers, "{\"headers\": {\"Authorization\": \"Token abc\"}}");

        assertThat(put.status).isEqualTo(422);
        assertThat(put.body.get("errors").get(0).get("field").asString()).isEqualTo("headers.event-uuid");
        assertThat(patch.status).isEqualTo(422);
        assertThat(ok.status).isEqualTo(204);
        assertThat(herald.get(headers).get("headers").toString()).isEqualTo("{\"Authorization\":\"" + CustomHeaders.MASK + "\"}");
    }

    @Test
    void retryCountZero_oneAttemptThenFailedForGood() {
        receiver.script(path("r0"), Reply.status(500));
        JsonNode ep = endpoint("r0", "\"retry\": {\"retryCount\": 0}");
        assertThat(ep.get("retry").toString()).isEqualTo("{\"retryCount\":0}");
        String id = publish("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 1}}");

        JsonNode attempt = herald.awaitAttempts(app, id, 1).get(0);
        assertThat(attempt.get("status").asInt()).isEqualTo(2);
        assertThat(attempt.get("nextAttempt").isNull()).as("no retry left").isTrue();
        herald.advance(Duration.ofDays(4));
        assertThat(runDueThenCountAttempts(id)).isEqualTo(1);
    }

    @Test
    void retryCountTwo_followsTheFirstTwoStepsOfTheDefaultSchedule() {
        receiver.script(path("r2"), Reply.status(500), Reply.status(500), Reply.status(500));
        endpoint("r2", "\"retry\": {\"retryCount\": 2}");
        String id = publish("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 1}}");
        herald.awaitAttempts(app, id, 1);

        herald.advance(Duration.ofSeconds(7));
        assertThat(runDueThenCountAttempts(id)).isEqualTo(2);
        JsonNode second = herald.awaitAttempts(app, id, 2).get(0);
        Duration gap = Duration.between(Instant.parse(second.get("timestamp").asString()),
                Instant.parse(second.get("nextAttempt").asString()));
        assertThat(gap).as("5 min ± 20 %").isBetween(Duration.ofMinutes(4), Duration.ofMinutes(6));
        herald.advance(Duration.ofMinutes(7));
        assertThat(runDueThenCountAttempts(id)).isEqualTo(3);
        JsonNode third = herald.awaitAttempts(app, id, 3).get(0);
        assertThat(third.get("nextAttempt").isNull()).as("two retries, then done").isTrue();
    }

    @Test
    void explicitSchedule_retriesAfterItsOwnDelays() {
        receiver.script(path("sched"), Reply.status(503), Reply.status(200));
        endpoint("sched", "\"retry\": {\"schedule\": [60, 3600]}");
        String id = publish("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 1}}");

        JsonNode first = herald.awaitAttempts(app, id, 1).get(0);
        Duration gap = Duration.between(Instant.parse(first.get("timestamp").asString()),
                Instant.parse(first.get("nextAttempt").asString()));
        assertThat(gap).as("60 s ± 20 %").isBetween(Duration.ofSeconds(48), Duration.ofSeconds(72));
        herald.advance(Duration.ofSeconds(30));
        assertThat(runDueThenCountAttempts(id)).as("not due yet").isEqualTo(1);
        herald.advance(Duration.ofSeconds(45));
        assertThat(runDueThenCountAttempts(id)).isEqualTo(2);
        assertThat(herald.awaitAttempts(app, id, 2).get(0).get("status").asInt()).isZero();
    }

    @Test
    void retryChange_appliesToDeliveriesQueuedAfterIt_notToThoseAlreadyQueued() {
        receiver.script(path("change"), Reply.status(500), Reply.status(500), Reply.status(500));
        JsonNode ep = endpoint("change", "\"retry\": {\"schedule\": [60]}");
        String before = publish("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 1}}");
        herald.awaitAttempts(app, before, 1);

        call("PATCH", "/api/v1/app/" + app + "/endpoint/" + ep.get("id").asString(), "{\"retry\": {\"retryCount\": 0}}");
        String after = publish("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 2}}");

        assertThat(herald.awaitAttempts(app, after, 1).get(0).get("nextAttempt").isNull()).as("new rule: no retry").isTrue();
        assertThat(herald.awaitAttempts(app, before, 1).get(0).get("nextAttempt").isNull()).as("old rule: one retry").isFalse();
        herald.advance(Duration.ofSeconds(75));
        assertThat(runDueThenCountAttempts(before)).as("the earlier delivery keeps its schedule").isEqualTo(2);
        assertThat(runDueThenCountAttempts(after)).isEqualTo(1);
    }

    @Test
    void timeoutMs_longerThanTheServerDefault_letsASlowReceiverSucceed() {
        receiver.script(path("slow"), Reply.delayed(Duration.ofMillis(1_600), Reply.status(200)));
        receiver.script(path("default"), Reply.delayed(Duration.ofMillis(1_600), Reply.status(200)));
        endpoint("slow", "\"timeoutMs\": 4000");
        endpoint("default", "");
        String id = publish("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": 1}}");

        JsonNode attempts = herald.awaitAttempts(app, id, 2);
        Map<String, Integer> byUrl = new java.util.HashMap<>();
        attempts.forEach(a -> byUrl.put(a.get("url").asString(), a.get("responseStatusCode").asInt()));
        assertThat(byUrl).containsEntry(receiver.url(path("slow")), 200).containsEntry(receiver.url(path("default")), 0);
    }

    @Test
    void timeoutMs_outsideRange_refusedNamingTheField() {
        String url = "/api/v1/app/" + app + "/endpoint";
        String base = "{\"url\": \"" + receiver.url(path("t")) + "\", ";
        ApiAnswer low = call("POST", url, base + "\"timeoutMs\": 999}");
        ApiAnswer high = call("POST", url, base + "\"timeoutMs\": 30001}");
        ApiAnswer type = call("POST", url, base + "\"timeoutMs\": \"5s\"}");
        assertThat(low.status).isEqualTo(422);
        assertThat(high.status).isEqualTo(422);
        assertThat(type.status).isEqualTo(422);
        assertThat(low.body.get("errors").get(0).get("field").asString()).isEqualTo("timeoutMs");
        assertThat(high.body.get("errors").get(0).get("field").asString()).isEqualTo("timeoutMs");
        assertThat(type.body.get("errors").get(0).get("field").asString()).isEqualTo("timeoutMs");
    }

    @Test
    void retry_badSettings_refusedNamingTheField() {
        String url = "/api/v1/app/" + app + "/endpoint";
        String base = "{\"url\": \"" + receiver.url(path("t")) + "\", ";
        assertThat(call("POST", url, base + "\"retry\": {\"retryCount\": 11}}").body.get("errors").get(0).get("field").asString())
                .isEqualTo("retry.retryCount");
        assertThat(call("POST", url, base + "\"retry\": {\"schedule\": [5, 0]}}").body.get("errors").get(0).get("field").asString())
                .isEqualTo("retry.schedule[1]");
        assertThat(call("POST", url, base + "\"retry\": {\"retryCount\": 1, \"schedule\": [5]}}").body.get("errors").get(0)
                .get("field").asString()).isEqualTo("retry");
        assertThat(call("POST", url, base + "\"retry\": {\"count\": 1}}").body.get("errors").get(0).get("field").asString())
                .isEqualTo("retry.count");
    }

    @Test
    void svixStylePut_keepsHeraldsAdditions_unlessTheBodyNamesThem() {
        JsonNode ep = endpoint("put", """
                "signature": "svix", "retry": {"retryCount": 3}, "timeoutMs": 5000, "headers": {"Authorization": "x"},
                "format": "slack", "filter": "data.n > 0"
                """.strip());
        String url = "/api/v1/app/" + app + "/endpoint/" + ep.get("id").asString();

        ApiAnswer svixPut = call("PUT", url, "{\"url\": \"" + receiver.url(path("put2")) + "\", \"description\": \"moved\"}");
        assertThat(svixPut.status).isEqualTo(200);
        assertThat(svixPut.body.get("signature").get("type").asString()).isEqualTo("svix");
        assertThat(svixPut.body.get("retry").get("retryCount").asInt()).isEqualTo(3);
        assertThat(svixPut.body.get("timeoutMs").asInt()).isEqualTo(5000);
        assertThat(svixPut.body.get("format").get("type").asString()).isEqualTo("slack");
        assertThat(svixPut.body.get("filter").asString()).isEqualTo("data.n > 0");
        JsonNode kept = herald.get(url + "/headers");
        assertThat(kept.get("headers").get("Authorization").asString()).as("kept, and masked").isEqualTo(CustomHeaders.MASK);
        assertThat(kept.get("sensitive").toString()).isEqualTo("[\"Authorization\"]");

        ApiAnswer reset = call("PUT", url, "{\"url\": \"" + receiver.url(path("put2")) + "\", \"signature\": null, \"retry\": null}");
        assertThat(reset.body.get("signature").get("type").asString()).isEqualTo("standard");
        assertThat(reset.body.get("retry").isNull()).isTrue();
        assertThat(reset.body.get("timeoutMs").asInt()).as("not named: kept").isEqualTo(5000);

        ApiAnswer patch = call("PATCH", url, "{\"timeoutMs\": null}");
        assertThat(patch.body.get("timeoutMs").isNull()).isTrue();
        assertThat(patch.body.get("url").asString()).isEqualTo(receiver.url(path("put2")));
    }

    @Test
    void sendExample_deliversTheEventTypesExample_signedAndLoggedAsTest() throws Exception {
        herald.post("/api/v1/event-type", """
                {"name": "finding.created.%s", "description": "A finding", "example": {"title": "SQL injection", "severity": 8}}"""
                .formatted(app), 201);
        JsonNode ep = endpoint("example", "\"filterTypes\": [\"scan.*\"]");
        JsonNode other = endpoint("other", "");

        JsonNode msg = herald.post("/api/v1/app/" + app + "/endpoint/" + ep.get("id").asString() + "/send-example",
                "{\"eventType\": \"finding.created." + app + "\"}", 202);

        LoopbackReceiver.Received r = receiver.await(path("example"), 1, WAIT).getFirst();
        assertThat(tools.jackson.databind.json.JsonMapper.shared().readTree(r.bodyText()).toString())
                .isEqualTo("{\"title\":\"SQL injection\",\"severity\":8}");
        assertThat(r.header("webhook-id")).isEqualTo(msg.get("id").asString());
        new com.standardwebhooks.Webhook(secret(ep)).verify(r.bodyText(), r.headerLists());
        assertThat(msg.get("test").asBoolean()).isTrue();
        JsonNode attempt = herald.awaitAttempts(app, msg.get("id").asString(), 1).get(0);
        assertThat(attempt.get("test").asBoolean()).isTrue();
        assertThat(attempt.get("triggerType").asInt()).as("manual, in Svix's terms").isEqualTo(1);
        assertThat(attempt.get("responseStatusCode").asInt()).isEqualTo(200);
        assertThat(deliveryRows(msg.get("id").asString(), other.get("id").asString())).as("only the chosen endpoint").isZero();
        assertThat(deliveryRows(msg.get("id").asString(), ep.get("id").asString())).isEqualTo(1);
    }

    @Test
    void sendExample_withoutExample_orUnknownType_isA422NamingTheField() {
        herald.post("/api/v1/event-type", "{\"name\": \"bare." + app + "\", \"description\": \"No example\"}", 201);
        JsonNode ep = endpoint("nothing", "");
        String url = "/api/v1/app/" + app + "/endpoint/" + ep.get("id").asString() + "/send-example";

        ApiAnswer noExample = call("POST", url, "{\"eventType\": \"bare." + app + "\"}");
        ApiAnswer unknown = call("POST", url, "{\"eventType\": \"nope." + app + "\"}");
        ApiAnswer missing = call("POST", url, "{}");

        assertThat(noExample.status).isEqualTo(422);
        assertThat(noExample.body.get("errors").get(0).get("field").asString()).isEqualTo("eventType");
        assertThat(unknown.status).isEqualTo(422);
        assertThat(missing.status).isEqualTo(422);
        assertThat(missing.body.get("errors").get(0).get("field").asString()).isEqualTo("eventType");
        assertThat(herald.get("/api/v1/app/" + app + "/msg").get("data").size()).as("nothing was written").isZero();
    }

    @Test
    void sendExample_indexPicksSchemaExamples() {
        herald.post("/api/v1/event-type", """
                {"name": "scan.done.%s", "description": "d", "example": {"n": 0},
                 "schemas": {"1": {"type": "object", "examples": [{"n": 1}, {"n": 2}]}}}""".formatted(app), 201);
        JsonNode ep = endpoint("idx", "");
        String url = "/api/v1/app/" + app + "/endpoint/" + ep.get("id").asString() + "/send-example";

        herald.post(url, "{\"eventType\": \"scan.done." + app + "\", \"exampleIndex\": 2}", 202);
        ApiAnswer outOfRange = call("POST", url, "{\"eventType\": \"scan.done." + app + "\", \"exampleIndex\": 3}");

        assertThat(receiver.await(path("idx"), 1, WAIT).getFirst().bodyText()).isEqualTo("{\"n\":2}");
        assertThat(outOfRange.status).isEqualTo(422);
        assertThat(outOfRange.body.get("errors").get(0).get("field").asString()).isEqualTo("exampleIndex");
    }

    private static JsonNode json(String text) {
        return tools.jackson.databind.json.JsonMapper.shared().readTree(text);
    }

    @Test
    void cefFormat_sendsOneCefLine_asText_andTheSignatureCoversTheSentBytes() throws Exception {
        JsonNode ep = endpoint("cef", "\"format\": {\"type\": \"cef\", \"vendor\": \"Acme\", \"product\": \"Scanner\", \"version\": \"2.4\"}");
        assertThat(ep.get("format").get("severityField").asString()).as("defaults are shown").isEqualTo("severity");
        String id = publish("{\"eventType\": \"finding.created\", \"payload\": {\"title\": \"SQLi | login\", \"severity\": \"critical\"}}");

        LoopbackReceiver.Received r = receiver.await(path("cef"), 1, WAIT).getFirst();
        assertThat(r.bodyText()).startsWith("CEF:0|Acme|Scanner|2.4|finding.created|SQLi \\| login|10|");
        assertThat(r.bodyText()).contains("externalId=" + id);
        assertThat(r.header("content-type")).startsWith("text/plain");
        new com.standardwebhooks.Webhook(secret(ep)).verify(r.bodyText(), r.headerLists());
    }

    @Test
    void syslogFormat_sendsAnRfc5424Line_withTheEventInStructuredData() {
        endpoint("syslog", "\"format\": {\"type\": \"syslog\", \"hostname\": \"scanner-1\", \"facility\": 13}");
        String id = publish("{\"eventType\": \"scan.finished\", \"payload\": {\"alerts\": 3, \"severity\": 9.5}}");

        String line = receiver.await(path("syslog"), 1, WAIT).getFirst().bodyText();
        // PRI = facility 13 * 8 + severity 2 (critical, from 9.5).
        assertThat(line).startsWith("<106>1 ").contains(" scanner-1 herald - scan.finished [").contains("\"" + id + "\"");
        assertThat(line).endsWith("{\"alerts\":3,\"severity\":9.5}");
    }

    @Test
    void templateFormat_hostileValuesStayValidJson_withItsContentType() throws Exception {
        JsonNode ep = endpoint("tpl", """
                "format": {"type": "template", "contentType": "application/vnd.acme+json",
                           "template": "{\\"text\\": \\"{{type}}: {{data.title}}\\", \\"raw\\": {{{data}}}}"}""");
        String hostile = "quote \\\" brace }} {{x}} newline \\n backslash \\\\ end";
        publish("{\"eventType\": \"finding.created\", \"payload\": {\"title\": \"" + hostile + "\"}}");

        LoopbackReceiver.Received r = receiver.await(path("tpl"), 1, WAIT).getFirst();
        JsonNode body = json(r.bodyText());
        assertThat(body.get("text").asString()).isEqualTo("finding.created: quote \" brace }} {{x}} newline \n backslash \\ end");
        assertThat(body.get("raw").get("title").asString()).isEqualTo("quote \" brace }} {{x}} newline \n backslash \\ end");
        assertThat(r.header("content-type")).startsWith("application/vnd.acme+json");
        new com.standardwebhooks.Webhook(secret(ep)).verify(r.bodyText(), r.headerLists());
    }

    @Test
    void slackTeamsAndEnvelope_sendJsonShapedForTheirReceivers() {
        endpoint("slack", "\"format\": \"slack\"");
        endpoint("teams", "\"format\": \"teams\"");
        endpoint("envelope", "\"format\": \"envelope\"");
        String payload = "{ \"title\": \"Scan finished\", \"alerts\": 2, \"url\": \"https://scanner.example.com/s/1\" }";
        String id = publish("{\"eventType\": \"scan.finished\", \"payload\": " + payload + "}");

        JsonNode slack = json(receiver.await(path("slack"), 1, WAIT).getFirst().bodyText());
        JsonNode teams = json(receiver.await(path("teams"), 1, WAIT).getFirst().bodyText());
        String envelope = receiver.await(path("envelope"), 1, WAIT).getFirst().bodyText();

        assertThat(slack.get("blocks").get(0).get("type").asString()).isEqualTo("header");
        assertThat(slack.toString()).contains("https://scanner.example.com/s/1");
        assertThat(teams.get("type").asString()).isEqualTo("message");
        assertThat(teams.get("attachments").get(0).get("contentType").asString()).isEqualTo("application/vnd.microsoft.card.adaptive");
        assertThat(envelope).startsWith("{\"id\":\"" + id + "\",\"type\":\"scan.finished\",").endsWith("\"data\":" + payload + "}");
    }

    @Test
    void envelopeTenantMember_receiverGetsTheAppUidAsWorkspaceId_orTheIdOfAnAppWithoutUid() {
        endpoint("seeds", "\"format\": {\"type\": \"envelope\", \"tenantMember\": \"workspace_id\"}");
        endpoint("tpl", """
                "format": {"type": "template",
                           "template": "{\\"workspace\\": \\"{{app.uid}}\\", \\"app\\": \\"{{app.name}}\\", \\"tenant\\": \\"{{tenant}}\\"}"}""");
        String id = publish("{\"eventType\": \"recommendation.created\", \"payload\": {\"id\": \"rec_def456\"}}");
        JsonNode noUid = herald.post("/api/v1/app", "{\"name\": \"No uid \\\"quoted\\\"\"}", 201);
        String noUidId = noUid.get("id").asString();
        herald.post("/api/v1/app/" + noUidId + "/endpoint",
                "{\"url\": \"" + receiver.url(path("plain")) + "\", \"format\": \"envelope\"}", 201);
        herald.post("/api/v1/app/" + noUidId + "/msg", "{\"eventType\": \"recommendation.created\", \"payload\": {}}", 201);

        JsonNode seeds = json(receiver.await(path("seeds"), 1, WAIT).getFirst().bodyText());
        JsonNode tpl = json(receiver.await(path("tpl"), 1, WAIT).getFirst().bodyText());
        JsonNode plain = json(receiver.await(path("plain"), 1, WAIT).getFirst().bodyText());

        assertThat(seeds.propertyNames()).containsExactly("id", "type", "timestamp", "workspace_id", "data");
        assertThat(seeds.get("id").asString()).isEqualTo(id);
        assertThat(seeds.get("workspace_id").asString()).isEqualTo(app);
        assertThat(tpl.get("workspace").asString()).isEqualTo(app);
        assertThat(tpl.get("app").asString()).isEqualTo("Tenant");
        assertThat(tpl.get("tenant").asString()).isEqualTo(app);
        assertThat(plain.get("tenant").asString()).isEqualTo(noUidId);
        assertThat(herald.get("/api/v1/app/" + app + "/endpoint").get("data").findValues("format"))
                .anySatisfy(f -> assertThat(f.toString()).isEqualTo("{\"type\":\"envelope\",\"tenantMember\":\"workspace_id\"}"));
    }

    @Test
    void format_badSpecs_refusedNamingTheMember_andNothingWritten() {
        String url = "/api/v1/app/" + app + "/endpoint";
        String base = "{\"url\": \"" + receiver.url(path("f")) + "\", ";
        ApiAnswer unknown = call("POST", url, base + "\"format\": \"xml\"}");
        ApiAnswer template = call("POST", url, base + "\"format\": {\"type\": \"template\", \"template\": \"{\\\"a\\\": {{data.x}\"}}");
        ApiAnswer facility = call("POST", url, base + "\"format\": {\"type\": \"syslog\", \"facility\": 24}}");
        ApiAnswer shadowing = call("POST", url, base + "\"format\": {\"type\": \"envelope\", \"tenantMember\": \"data\"}}");
        ApiAnswer spaced = call("POST", url, base + "\"format\": {\"type\": \"envelope\", \"tenantMember\": \"work space\"}}");

        assertThat(unknown.body.get("errors").get(0).get("field").asString()).isEqualTo("format");
        assertThat(template.status).isEqualTo(422);
        assertThat(template.body.get("errors").get(0).get("field").asString()).isEqualTo("format.template");
        assertThat(template.body.get("detail").asString()).contains("line 1");
        assertThat(facility.body.get("errors").get(0).get("field").asString()).isEqualTo("format.facility");
        assertThat(shadowing.status).isEqualTo(422);
        assertThat(shadowing.body.get("errors").get(0).get("field").asString()).isEqualTo("format.tenantMember");
        assertThat(shadowing.body.get("detail").asString()).contains("own members");
        assertThat(spaced.status).isEqualTo(422);
        assertThat(spaced.body.get("errors").get(0).get("field").asString()).isEqualTo("format.tenantMember");
        assertThat(herald.get(url).get("data").size()).isZero();
    }

    @Test
    void enforcedSchema_badPayloadIs422ListingEveryFailingPath_andNothingIsWritten() {
        String type = "finding.created." + app;
        herald.post("/api/v1/event-type", """
                {"name": "%s", "description": "A finding", "enforceSchema": true,
                 "schemas": {"1": {"type": "object", "required": ["title", "severity"],
                                   "properties": {"title": {"type": "string"},
                                                  "severity": {"type": "integer", "maximum": 10},
                                                  "hosts": {"type": "array", "items": {"type": "string", "format": "hostname"}}}}}}"""
                .formatted(type), 201);
        endpoint("schema", "");

        ApiAnswer bad = call("POST", "/api/v1/app/" + app + "/msg",
                "{\"eventType\": \"" + type + "\", \"payload\": {\"title\": 7, \"severity\": 12, \"hosts\": [\"ok.example\", \"bad host!\"]}}");
        String good = publish("{\"eventType\": \"" + type + "\", \"payload\": {\"title\": \"XSS\", \"severity\": 6}}");

        assertThat(bad.status).isEqualTo(422);
        assertThat(bad.body.get("errors").findValuesAsString("field"))
                .containsExactlyInAnyOrder("payload.title", "payload.severity", "payload.hosts[1]");
        assertThat(herald.get("/api/v1/app/" + app + "/msg").get("data")).hasSize(1);
        assertThat(herald.awaitAttempts(app, good, 1)).hasSize(1);
    }

    @Test
    void eventType_invalidSchema_orExampleNotMatchingIt_refusedNamingThePlace() {
        ApiAnswer badSchema = call("POST", "/api/v1/event-type",
                "{\"name\": \"a." + app + "\", \"description\": \"d\", \"schemas\": {\"1\": {\"type\": \"objekt\"}}}");
        ApiAnswer remote = call("POST", "/api/v1/event-type",
                "{\"name\": \"b." + app + "\", \"description\": \"d\", \"schemas\": {\"1\": {\"$ref\": \"https://example.com/s.json\"}}}");
        ApiAnswer badExample = call("POST", "/api/v1/event-type", "{\"name\": \"c." + app + "\", \"description\": \"d\", "
                + "\"schemas\": {\"1\": {\"required\": [\"title\"]}}, \"example\": {\"severity\": 1}}");
        ApiAnswer enforceNothing = call("POST", "/api/v1/event-type",
                "{\"name\": \"d." + app + "\", \"description\": \"d\", \"enforceSchema\": true}");

        assertThat(badSchema.status).isEqualTo(422);
        assertThat(badSchema.body.get("errors").get(0).get("field").asString()).startsWith("schemas.1");
        assertThat(remote.body.get("errors").get(0).get("field").asString()).isEqualTo("schemas.1.$ref");
        assertThat(badExample.body.get("errors").get(0).get("field").asString()).isEqualTo("example");
        assertThat(enforceNothing.body.get("errors").get(0).get("field").asString()).isEqualTo("enforceSchema");
        JsonNode catalog = herald.get("/api/v1/event-type?include_archived=true&limit=250").get("data");
        assertThat(catalog.findValuesAsString("name")).noneMatch(n -> n.endsWith("." + app));
    }

    @Test
    void eventTypeCatalog_listsDescriptions_andWithContentSchemasAndExamples() {
        herald.post("/api/v1/event-type", """
                {"name": "scan.catalog.%s", "description": "A scan finished", "example": {"alerts": 1},
                 "schemas": {"1": {"type": "object"}}}""".formatted(app), 201);

        JsonNode plain = find(herald.get("/api/v1/event-type?limit=250").get("data"), "scan.catalog." + app);
        JsonNode full = find(herald.get("/api/v1/event-type?limit=250&with_content=true").get("data"), "scan.catalog." + app);

        assertThat(plain.get("description").asString()).isEqualTo("A scan finished");
        assertThat(plain.get("schemas").isNull()).isTrue();
        assertThat(full.get("schemas").get("1").get("type").asString()).isEqualTo("object");
        assertThat(full.get("example").get("alerts").asInt()).isEqualTo(1);
    }

    private static JsonNode find(JsonNode list, String name) {
        for (JsonNode n : list) {
            if (n.get("name").asString().equals(name)) {
                return n;
            }
        }
        throw new AssertionError(name + " not in " + list);
    }

    private int deliveryRows(String msgId, String endpointId) {
        return herald.server.herald().store().read(h -> h.createQuery(
                        "SELECT count(*) FROM delivery WHERE message_id = :m AND endpoint_id = :e")
                .bind("m", msgId).bind("e", endpointId).mapTo(Integer.class).one());
    }

    @Test
    void filter_severityThreshold_andAlertsOrWarnings_onlyPassingMessagesAreQueued() {
        JsonNode severe = endpoint("severe", "\"filter\": \"data.severity >= 3\"");
        JsonNode noisy = endpoint("noisy", "\"filter\": \"data.alerts > 0 || data.warnings > 0\"");
        JsonNode all = endpoint("all", "");

        String low = publish("{\"eventType\": \"scan.finished\", \"payload\": {\"severity\": 2, \"alerts\": 0, \"warnings\": 0}}");
        String high = publish("{\"eventType\": \"scan.finished\", \"payload\": {\"severity\": 3.5, \"warnings\": 1}}");
        String bare = publish("{\"eventType\": \"scan.finished\", \"payload\": {\"note\": \"no severity, no counts\"}}");

        receiver.await(path("all"), 3, WAIT);
        receiver.await(path("severe"), 1, WAIT);
        receiver.await(path("noisy"), 1, WAIT);
        assertThat(receiver.received(path("severe"))).extracting(r -> r.header("webhook-id")).containsExactly(high);
        assertThat(receiver.received(path("noisy"))).extracting(r -> r.header("webhook-id")).containsExactly(high);
        for (String msg : java.util.List.of(low, bare)) {
            assertThat(deliveryRows(msg, severe.get("id").asString())).as("filtered out: no delivery row").isZero();
            assertThat(deliveryRows(msg, noisy.get("id").asString())).isZero();
            assertThat(deliveryRows(msg, all.get("id").asString())).isEqualTo(1);
        }
        assertThat(severe.get("filter").asString()).isEqualTo("data.severity >= 3");
    }

    @Test
    void filter_badExpression_refusedOnSaveWithItsPosition() {
        String url = "/api/v1/app/" + app + "/endpoint";
        String base = "{\"url\": \"" + receiver.url(path("f")) + "\", ";
        ApiAnswer syntax = call("POST", url, base + "\"filter\": \"data.severity >= \"}");
        ApiAnswer unknown = call("POST", url, base + "\"filter\": \"payload.severity > 1\"}");
        ApiAnswer notBool = call("POST", url, base + "\"filter\": \"type + 'x'\"}");
        JsonNode ok = endpoint("f", "\"filter\": \"has(data.alerts) && data.alerts > 0\"");
        ApiAnswer patch = call("PATCH", url + "/" + ok.get("id").asString(), "{\"filter\": \"data.alerts >\"}");

        for (ApiAnswer a : java.util.List.of(syntax, unknown, notBool, patch)) {
            assertThat(a.status).isEqualTo(422);
            assertThat(a.body.get("errors").get(0).get("field").asString()).isEqualTo("filter");
        }
        assertThat(syntax.body.get("detail").asString()).contains("line 1, column");
        assertThat(herald.get(url + "/" + ok.get("id").asString()).get("filter").asString())
                .as("the refused PATCH changed nothing").isEqualTo("has(data.alerts) && data.alerts > 0");
    }

    @Test
    void fifoOrdering_deliversInPublishOrder_retriesFirst_isShownKeptByAPut_andRefusedOtherwise() {
        receiver.script(path("fifo"), Reply.status(500));
        JsonNode ep = endpoint("fifo", "\"ordering\": \"fifo\"");
        assertThat(ep.get("ordering").asString()).isEqualTo("fifo");
        java.util.List<String> sent = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            sent.add(publish("{\"eventType\": \"scan.finished\", \"payload\": {\"n\": " + i + "}}"));
        }
        herald.runDue();
        receiver.await(path("fifo"), 1, WAIT);
        // The first failed: nothing else goes out before its retry (5 s + 20 %).
        herald.runDue();
        assertThat(receiver.received(path("fifo"))).hasSize(1);
        herald.advance(Duration.ofSeconds(7));
        herald.runDue();
        receiver.await(path("fifo"), 9, WAIT);
        assertThat(receiver.received(path("fifo")).stream().map(r -> r.header("webhook-id")).toList())
                .containsExactly(java.util.stream.Stream.concat(java.util.stream.Stream.of(sent.getFirst()), sent.stream())
                        .toArray(String[]::new));

        String url = "/api/v1/app/" + app + "/endpoint/" + ep.get("id").asString();
        JsonNode put = TestHerald.expect(herald.api.put(url, "{\"url\": \"" + receiver.url(path("fifo")) + "\"}"), 200);
        assertThat(put.get("ordering").asString()).as("a Svix client's PUT keeps it").isEqualTo("fifo");
        ApiAnswer refused = call("PATCH", url, "{\"ordering\": \"lifo\"}");
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.body().toString()).contains("ordering");
    }
}
