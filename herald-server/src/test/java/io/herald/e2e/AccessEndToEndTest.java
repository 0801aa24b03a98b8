package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.api.ApiClient;
import io.herald.testing.LoopbackReceiver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The token API (/api/v1/token) and the audit log (/api/v1/audit) through HTTP: tokens shown once
 * and never again, revocation, last use, and the audit rows of a sequence of changes, with no
 * secret in any of them. Run against each database by a subclass.
 */
abstract class AccessEndToEndTest {
    /** Secrets this test hands Herald; none may appear in an audit row. */
    private static final String SECRET = "whsec_" + "c2VjcmV0LWtleS1vZi10aGUtZmlyc3QtZW5kcG9pbnQ=";
    private static final String ROTATED = "whsec_" + "cm90YXRlZC1rZXktb2YtdGhlLWZpcnN0LWVuZHBvaW50";
    private static final String HEADER_VALUE = "Bearer header-credential-4711";
    private static final String PATCHED_HEADER_VALUE = "Bearer header-credential-0815";

    @TempDir
    Path dir;
    TestHerald herald;
    ApiClient admin;
    LoopbackReceiver receiver;
    String appId;

    abstract TestHerald start(Path dir, Map<String, String> env);

    @BeforeEach
    void setUp() {
        herald = start(dir, Map.of("HERALD_TRUSTED_PROXIES", "127.0.0.0/8"));
        herald.api.checkedAgainstOpenApi(); // every answer must be as the OpenAPI document describes it
        admin = herald.api;
        receiver = new LoopbackReceiver();
        appId = herald.post("/api/v1/app", "{\"name\": \"Acme\", \"uid\": \"acme\"}", 201).get("id").asString();
        step();
    }

    /** Moves the clock on a millisecond: ids made within one millisecond sort at random. */
    private void step() {
        herald.advance(Duration.ofMillis(1));
    }

    @AfterEach
    void tearDown() {
        receiver.close();
        herald.close();
    }

    private ApiClient client(String token) {
        return new ApiClient("http://127.0.0.1:" + herald.server.port(), token).checkedAgainstOpenApi();
    }

    private int tokenRows() {
        return herald.server.herald().store().read(h -> h.createQuery("SELECT COUNT(*) FROM api_token").mapTo(Integer.class).one());
    }

    private int auditRows() {
        return herald.server.herald().store().read(h -> h.createQuery("SELECT COUNT(*) FROM audit_log").mapTo(Integer.class).one());
    }

    private static List<String> ids(JsonNode page) {
        List<String> out = new ArrayList<>();
        page.get("data").forEach(n -> out.add(n.get("id").asString()));
        return out;
    }

    private static void assertProblem(ApiClient.Answer a, int status, String field) {
        assertThat(a.status()).as(a.raw()).isEqualTo(status);
        if (field != null) {
            assertThat(a.body().get("errors").get(0).get("field").asString()).as(a.raw()).isEqualTo(field);
        }
    }

    @Test
    void createdToken_isShownOnce_listedWithoutIt_andRevokedAtOnce() {
        JsonNode made = herald.post("/api/v1/token",
                "{\"role\": \"app\", \"appId\": \"acme\", \"expiry\": 3600, \"description\": \"ticketing\"}", 201);
        String token = made.get("token").asString();
        String id = made.get("id").asString();
        assertThat(token).startsWith("hrld_");
        assertThat(id).startsWith("tok_");
        assertThat(made.get("prefix").asString()).isEqualTo(token.substring(0, 12));
        assertThat(made.get("role").asString()).isEqualTo("app");
        assertThat(made.get("appId").asString()).isEqualTo(appId);
        assertThat(made.get("origin").asString()).isEqualTo("api");
        assertThat(made.get("expiresAt").asString()).isNotNull();
        ApiClient scoped = client(token);
        assertThat(scoped.get("/api/v1/app/acme/endpoint").status()).isEqualTo(200);

        ApiClient.Answer list = admin.get("/api/v1/token");
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.raw()).doesNotContain(token).doesNotContain("\"token\"");
        assertThat(ids(list.body())).contains(id).hasSize(2);
        JsonNode env = list.body().get("data").get(1);
        assertThat(env.get("origin").asString()).isEqualTo("env");
        assertThat(env.get("role").asString()).isEqualTo("admin");
        assertThat(env.get("prefix").isNull()).as("a token a person chose keeps no prefix").isTrue();
        ApiClient.Answer one = admin.get("/api/v1/token/" + id);
        assertThat(one.body().get("description").asString()).isEqualTo("ticketing");
        assertThat(one.raw()).doesNotContain(token);
        assertThat(ids(herald.get("/api/v1/token?app_id=acme"))).containsExactly(id);
        JsonNode first = herald.get("/api/v1/token?limit=1");
        assertThat(ids(first)).containsExactly(id);
        assertThat(ids(herald.get("/api/v1/token?limit=1&iterator=" + first.get("iterator").asString())))
                .containsExactly(env.get("id").asString());

        assertThat(admin.delete("/api/v1/token/" + id).status()).isEqualTo(204);

        assertThat(scoped.get("/api/v1/app/acme/endpoint").status()).isEqualTo(401);
        assertProblem(admin.get("/api/v1/token/" + id), 404, null);
        assertProblem(admin.delete("/api/v1/token/" + id), 404, null);
        assertProblem(admin.delete("/api/v1/token/" + env.get("id").asString()), 409, "id");
        assertThat(admin.get("/api/v1/app").status()).isEqualTo(200);
    }

    @Test
    void createdAdminAndViewerTokens_workAsTheirRoles_andExpire() {
        ApiClient viewer = client(herald.post("/api/v1/token", "{\"role\": \"viewer\"}", 201).get("token").asString());
        ApiClient second = client(herald.post("/api/v1/token", "{\"role\": \"admin\", \"expiry\": 120}", 201).get("token").asString());

        assertThat(viewer.get("/api/v1/app").status()).isEqualTo(200);
        assertProblem(viewer.post("/api/v1/app", "{\"name\": \"x\"}"), 403, null);
        assertProblem(viewer.get("/api/v1/token"), 403, null);
        assertProblem(viewer.post("/api/v1/auth/logout", null), 403, null);
        assertThat(second.post("/api/v1/app", "{\"name\": \"Made by the second admin\"}").status()).isEqualTo(201);

        herald.advance(Duration.ofSeconds(120));

        assertProblem(second.get("/api/v1/app"), 401, null);
        assertThat(viewer.get("/api/v1/app").status()).isEqualTo(200);
    }

    @Test
    void lastUsedAt_isWrittenInBatches_notOnTheCallsPath() {
        JsonNode made = herald.post("/api/v1/token", "{\"role\": \"viewer\"}", 201);
        ApiClient viewer = client(made.get("token").asString());
        String id = made.get("id").asString();
        assertThat(viewer.get("/api/v1/app").status()).isEqualTo(200);
        assertThat(herald.get("/api/v1/token/" + id).get("lastUsedAt").isNull()).isTrue();

        herald.server.herald().tokens().writeLastUsed();

        assertThat(herald.get("/api/v1/token/" + id).get("lastUsedAt").asString()).isEqualTo(herald.clock.instant().toString());
    }

    @Test
    void badTokenBodies_are422NamingTheField_andWriteNothing() {
        String[][] cases = {
                {"{}", "role"},
                {"{\"role\": \"root\"}", "role"},
                {"{\"role\": 1}", "role"},
                {"{\"role\": \"app\"}", "appId"},
                {"{\"role\": \"app\", \"appId\": \"nobody\"}", "appId"},
                {"{\"role\": \"admin\", \"appId\": \"acme\"}", "appId"},
                {"{\"role\": \"viewer\", \"readOnly\": true}", "readOnly"},
                {"{\"role\": \"app\", \"appId\": \"acme\", \"readOnly\": \"yes\"}", "readOnly"},
                {"{\"role\": \"admin\", \"expiry\": 59}", "expiry"},
                {"{\"role\": \"admin\", \"expiry\": 31536001}", "expiry"},
                {"{\"role\": \"admin\", \"expiry\": \"1h\"}", "expiry"},
                {"{\"role\": \"admin\", \"expiry\": 1e400}", "expiry"},
                {"{\"role\": \"admin\", \"description\": \"\"}", "description"},
                {"{\"role\": \"admin\", \"description\": \"" + "d".repeat(257) + "\"}", "description"},
                {"{\"role\": \"admin\", \"scopes\": [\"all\"]}", "scopes"},
        };
        int before = tokenRows();
        for (String[] c : cases) {
            assertProblem(admin.post("/api/v1/token", c[0]), 422, c[1]);
        }
        assertThat(tokenRows()).isEqualTo(before);
    }

    /**
     * The proof of the audit log: a create, patch, rotate and delete sequence (and the headers and
     * token routes, which carry credentials) leaves one row per change, in order, naming who, what
     * and the fields, and no secret anywhere in the table or the API's answer.
     */
    @Test
    void auditLog_ofACreatePatchRotateDeleteSequence_namesEveryChange_andHoldsNoSecret() {
        String adminId = herald.get("/api/v1/token").get("data").get(0).get("id").asString();
        JsonNode madeToken = herald.post("/api/v1/token", "{\"role\": \"app\", \"appId\": \"acme\"}", 201);
        ApiClient scoped = client(madeToken.get("token").asString());
        int before = auditRows();

        step();
        String ep = herald.post("/api/v1/app/acme/endpoint", "{\"url\": \"" + receiver.url("/hook") + "\", \"secret\": \"" + SECRET
                + "\", \"headers\": {\"Authorization\": \"" + HEADER_VALUE + "\"}, \"description\": \"siem\"}", 201).get("id").asString();
        step();
        TestHerald.expect(admin.patch("/api/v1/app/acme/endpoint/" + ep, "{\"description\": \"siem 2\", \"disabled\": true}"), 200);
        step();
        TestHerald.expect(admin.patch("/api/v1/app/acme/endpoint/" + ep + "/headers",
                "{\"headers\": {\"Authorization\": \"" + PATCHED_HEADER_VALUE + "\"}}"), 204);
        step();
        TestHerald.expect(scoped.post("/api/v1/app/" + appId + "/endpoint/" + ep + "/secret/rotate",
                "{\"key\": \"" + ROTATED + "\", \"gracePeriodSeconds\": 0}"), 204);
        step();
        TestHerald.expect(admin.post("/api/v1/app/acme/endpoint/" + ep + "/secret/rotate", null), 204);
        String generated = herald.get("/api/v1/app/acme/endpoint/" + ep + "/secret").get("key").asString();
        step();
        TestHerald.expect(admin.delete("/api/v1/app/acme/endpoint/" + ep), 204);
        step();
        JsonNode another = herald.post("/api/v1/token", "{\"role\": \"viewer\", \"description\": \"auditors\"}", 201);

        JsonNode page = herald.get("/api/v1/audit?order=ascending&after=" + herald.clock.instant().minusSeconds(1));
        List<JsonNode> rows = new ArrayList<>();
        page.get("data").forEach(rows::add);
        rows = rows.subList(rows.size() - 7, rows.size());
        assertThat(auditRows() - before).isEqualTo(7);
        assertThat(rows).extracting(r -> r.get("method").asString() + " " + r.get("route").asString() + " " + r.get("status").asInt())
                .containsExactly(
                        "POST /api/v1/app/{app_id}/endpoint 201",
                        "PATCH /api/v1/app/{app_id}/endpoint/{endpoint_id} 200",
                        "PATCH /api/v1/app/{app_id}/endpoint/{endpoint_id}/headers 204",
                        "POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/secret/rotate 204",
                        "POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/secret/rotate 204",
                        "DELETE /api/v1/app/{app_id}/endpoint/{endpoint_id} 204",
                        "POST /api/v1/token 201");
        JsonNode create = rows.get(0);
        assertThat(create.get("tokenId").asString()).isEqualTo(adminId);
        assertThat(create.get("tokenRole").asString()).isEqualTo("admin");
        assertThat(create.get("tokenAppId").isNull()).isTrue();
        assertThat(create.get("appId").asString()).as("the uid in the path, as the application's id").isEqualTo(appId);
        assertThat(create.get("resourceIds").get("app_id").asString()).isEqualTo("acme");
        assertThat(create.get("resourceId").asString()).isEqualTo(ep);
        assertThat(create.get("fields")).extracting(JsonNode::asString).containsExactly("description", "headers", "secret", "url");
        assertThat(create.get("remoteAddr").asString()).isEqualTo("127.0.0.1");
        assertThat(rows.get(1).get("fields")).extracting(JsonNode::asString).containsExactly("description", "disabled");
        assertThat(rows.get(1).get("resourceIds").get("endpoint_id").asString()).isEqualTo(ep);
        JsonNode rotatedByA = rows.get(3);
        assertThat(rotatedByA.get("tokenId").asString()).isEqualTo(madeToken.get("id").asString());
        assertThat(rotatedByA.get("tokenRole").asString()).isEqualTo("app");
        assertThat(rotatedByA.get("tokenAppId").asString()).isEqualTo(appId);
        assertThat(rotatedByA.get("fields")).extracting(JsonNode::asString).containsExactly("gracePeriodSeconds", "key");
        assertThat(rows.get(4).get("fields")).isEmpty();
        assertThat(rows.get(6).get("resourceId").asString()).isEqualTo(another.get("id").asString());

        // No secret in any column of any row, nor in what the API shows of them.
        String table = herald.server.herald().store().read(h -> h.createQuery("SELECT * FROM audit_log")
                .mapToMap().list()).toString();
        String answer = herald.get("/api/v1/audit").toString();
        List<String> secrets = List.of(SECRET, SECRET.substring(6), ROTATED, ROTATED.substring(6), generated, generated.substring(6),
                HEADER_VALUE, PATCHED_HEADER_VALUE, "header-credential", madeToken.get("token").asString(),
                another.get("token").asString(), TestHerald.TOKEN);
        for (String secret : secrets) {
            assertThat(table).as("the audit table").doesNotContain(secret);
            assertThat(answer).as("GET /api/v1/audit").doesNotContain(secret);
        }
    }

    @Test
    void auditLog_leavesOutReadsRefusalsReplaysAndPublishes() {
        ApiClient viewer = client(herald.post("/api/v1/token", "{\"role\": \"viewer\"}", 201).get("token").asString());
        herald.post("/api/v1/event-type", "{\"name\": \"scan.finished\", \"description\": \"d\"}", 201);
        int before = auditRows();

        herald.get("/api/v1/app");
        assertProblem(viewer.post("/api/v1/app", "{\"name\": \"nope\"}"), 403, null);
        assertProblem(client(null).post("/api/v1/app", "{\"name\": \"nope\"}"), 401, null);
        assertProblem(admin.post("/api/v1/app", "{\"name\": 7}"), 422, "name");
        herald.post("/api/v1/app/acme/msg", "{\"eventType\": \"scan.finished\", \"payload\": {}}", 201);
        assertThat(auditRows()).isEqualTo(before);

        assertThat(admin.postIdempotent("/api/v1/app", "{\"name\": \"Once\"}", "key-1").status()).isEqualTo(201);
        assertThat(admin.postIdempotent("/api/v1/app", "{\"name\": \"Once\"}", "key-1").header("idempotent-replayed")).isEqualTo("true");
        assertThat(auditRows()).as("the replay changed nothing").isEqualTo(before + 1);
    }

    @Test
    void auditLog_filtersByTokenApplicationRouteMethodAndTime_forAdminsOnly() {
        JsonNode other = herald.post("/api/v1/token", "{\"role\": \"admin\"}", 201);
        ApiClient second = client(other.get("token").asString());
        String otherApp = herald.post("/api/v1/app", "{\"name\": \"Other\", \"uid\": \"other\"}", 201).get("id").asString();
        herald.advance(Duration.ofMinutes(1));
        TestHerald.expect(second.patch("/api/v1/app/acme", "{\"name\": \"Acme 2\"}"), 200);
        TestHerald.expect(admin.delete("/api/v1/app/" + otherApp), 204);

        assertThat(herald.get("/api/v1/audit?token_id=" + other.get("id").asString()).get("data")).singleElement()
                .satisfies(r -> assertThat(r.get("method").asString()).isEqualTo("PATCH"));
        assertThat(herald.get("/api/v1/audit?app_id=acme").get("data")).singleElement()
                .satisfies(r -> assertThat(r.get("route").asString()).isEqualTo("/api/v1/app/{app_id}"));
        assertThat(herald.get("/api/v1/audit?app_id=" + otherApp).get("data")).as("its create named no application").hasSize(1);
        assertThat(herald.get("/api/v1/audit?method=delete").get("data")).singleElement()
                .satisfies(r -> assertThat(r.get("appId").asString()).isEqualTo(otherApp));
        assertThat(herald.get("/api/v1/audit?route=/api/v1/app").get("data")).hasSize(2);
        assertThat(herald.get("/api/v1/audit?after=" + herald.clock.instant().minusSeconds(30)).get("data")).hasSize(2);
        assertThat(herald.get("/api/v1/audit?before=" + herald.clock.instant().minusSeconds(30)).get("data")).hasSize(3);
        assertProblem(admin.get("/api/v1/audit?method=GET"), 422, "method");
        assertProblem(admin.get("/api/v1/audit?before=yesterday"), 422, "before");
        ApiClient viewer = client(herald.post("/api/v1/token", "{\"role\": \"viewer\"}", 201).get("token").asString());
        assertProblem(viewer.get("/api/v1/audit"), 403, null);
        ApiClient scoped = client(herald.post("/api/v1/token", "{\"role\": \"app\", \"appId\": \"acme\"}", 201).get("token").asString());
        assertProblem(scoped.get("/api/v1/audit"), 404, null);
    }

    @Test
    void auditLog_remoteAddress_believesXForwardedForOnlyFromTrustedProxies() throws Exception {
        // This node trusts 127.0.0.0/8: the test client is such a proxy.
        TestHerald.expect(admin.send("POST", "/api/v1/app", "{\"name\": \"Via proxy\"}",
                Map.of("X-Forwarded-For", "192.0.2.66, 198.51.100.7, 127.0.0.9")), 201);
        assertThat(herald.get("/api/v1/audit").get("data").get(0).get("remoteAddr").asString())
                .as("the first hop from the right that no trusted proxy stands for").isEqualTo("198.51.100.7");

        Path otherDir = Files.createDirectories(dir.resolve("untrusting"));
        try (TestHerald untrusting = start(otherDir, Map.of())) {
            TestHerald.expect(untrusting.api.send("POST", "/api/v1/app", "{\"name\": \"Spoofed\"}",
                    Map.of("X-Forwarded-For", "198.51.100.7")), 201);
            assertThat(untrusting.get("/api/v1/audit").get("data").get(0).get("remoteAddr").asString()).isEqualTo("127.0.0.1");
        }
    }
}
