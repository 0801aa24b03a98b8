package io.herald.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Schema;
import io.herald.Json;
import io.herald.api.Router.Route;
import io.herald.e2e.TestHerald;
import io.herald.testing.LoopbackReceiver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Keeps {@code openapi/herald.json} true: it is OpenAPI 3.1 with every {@code $ref} resolving, it
 * has exactly the router's routes with their access, it is served as documented, and a request to
 * every route answers what the document describes (validated by {@link OpenApiContract}).
 */
class OpenApiDocumentTest {
    private static final Pattern PARAM = Pattern.compile("\\{([^}]+)}");

    @TempDir
    Path dir;
    TestHerald herald;
    LoopbackReceiver receiver;
    final OpenApiContract contract = OpenApiContract.get();

    @BeforeEach
    void setUp() {
        herald = TestHerald.sqlite(dir, Map.of());
        receiver = new LoopbackReceiver();
    }

    @AfterEach
    void tearDown() {
        receiver.close();
        herald.close();
    }

    private static String key(Route r) {
        return r.method() + " " + r.pattern();
    }

    @Test
    void document_isOpenApi31_andEveryRefResolves_andEverySchemaCompiles() {
        JsonNode doc = contract.doc;
        assertThat(doc.get("openapi").asString()).matches("3\\.1\\.\\d+");
        assertThat(doc.get("info").get("title").asString()).isNotBlank();
        assertThat(doc.get("components").get("securitySchemes").get("bearer").get("scheme").asString()).isEqualTo("bearer");

        List<String> unresolved = new ArrayList<>();
        refs(doc, doc, "", unresolved);
        assertThat(unresolved).as("$refs that name nothing in the document").isEmpty();

        for (String name : doc.get("components").get("schemas").propertyNames()) {
            Schema s = contract.schema("/components/schemas/" + OpenApiContract.escape(name));
            assertThat(s).as(name).isNotNull();
        }

        Set<String> operationIds = new HashSet<>();
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, JsonNode> path : doc.get("paths").properties()) {
            for (String m : OpenApiContract.METHODS) {
                JsonNode op = path.getValue().get(m);
                if (op == null) {
                    continue;
                }
                String where = m.toUpperCase(Locale.ROOT) + " " + path.getKey();
                if (!op.hasNonNull("operationId") || !operationIds.add(op.get("operationId").asString())) {
                    wrong.add(where + ": no operationId, or one used twice");
                }
                if (!op.has("tags") || op.get("tags").isEmpty() || !op.has("x-herald-access")) {
                    wrong.add(where + ": tags and x-herald-access are required");
                }
                if (!op.has("responses") || op.get("responses").propertyNames().stream().noneMatch(s -> s.matches("[23]\\d\\d"))) {
                    wrong.add(where + ": no success response");
                }
                Set<String> declared = new TreeSet<>();
                for (JsonNode level : List.of(path.getValue(), op)) {
                    if (level.has("parameters")) {
                        level.get("parameters").forEach(p -> {
                            JsonNode param = contract.resolve(p);
                            if (param.get("in").asString().equals("path")) {
                                declared.add(param.get("name").asString());
                            }
                        });
                    }
                }
                Set<String> inTemplate = new TreeSet<>();
                Matcher matcher = PARAM.matcher(path.getKey());
                while (matcher.find()) {
                    inTemplate.add(matcher.group(1));
                }
                if (!declared.equals(inTemplate)) {
                    wrong.add(where + ": path parameters declared " + declared + ", in the template " + inTemplate);
                }
            }
        }
        assertThat(wrong).isEmpty();
    }

    private static void refs(JsonNode root, JsonNode node, String at, List<String> unresolved) {
        if (node.isObject()) {
            JsonNode ref = node.get("$ref");
            if (ref != null) {
                String r = ref.asString();
                if (!r.startsWith("#/") || root.at(r.substring(1)).isMissingNode()) {
                    unresolved.add(at + ": " + r);
                }
            }
            node.properties().forEach(e -> refs(root, e.getValue(), at + "/" + e.getKey(), unresolved));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                refs(root, node.get(i), at + "/" + i, unresolved);
            }
        }
    }

    @Test
    void membersHeraldRefuses_areNotDocumentedAsAccepted() {
        // Each is a 422 naming it (README, Svix compatibility): documenting it would promise what Herald refuses.
        for (String refused : List.of("capabilities", "sessionId", "sessionIds", "with_msg")) {
            assertThat(contract.text).as(refused).doesNotContain("\"" + refused + "\"");
        }
        JsonNode schemas = contract.doc.get("components").get("schemas");
        assertThat(schemas.get("MessageIn").get("properties").get("transformationsParams").get("properties").propertyNames())
                .containsExactly("rawPayload");
        assertThat(schemas.get("OperationalWebhookEndpointIn").toString() + schemas.get("EndpointCommonIn"))
                .as("an operational endpoint takes no channels").doesNotContain("\"channels\"");
        assertThat(schemas.get("TokenIn").get("additionalProperties").asBoolean(true)).as("unknown token members are refused").isFalse();
    }

    @Test
    void everyRouteOfTheRouter_isInTheDocument_withItsAccess_andNothingElse() {
        List<Route> routes = Routes.build(herald.server.herald()).routes();
        Set<String> inRouter = new LinkedHashSet<>();
        routes.forEach(r -> inRouter.add(key(r)));
        Set<String> inDocument = contract.operations();

        Set<String> undocumented = new TreeSet<>(inRouter);
        undocumented.removeAll(inDocument);
        Set<String> unrouted = new TreeSet<>(inDocument);
        unrouted.removeAll(inRouter);
        assertThat(undocumented).as("routes missing from openapi/herald.json").isEmpty();
        assertThat(unrouted).as("operations of openapi/herald.json that no route serves").isEmpty();

        List<String> wrongAccess = new ArrayList<>();
        for (Route r : routes) {
            JsonNode op = contract.doc.get("paths").get(r.pattern()).get(r.method().toLowerCase(Locale.ROOT));
            String access = r.access().name().toLowerCase(Locale.ROOT).replace('_', '-');
            if (!op.get("x-herald-access").asString().equals(access)) {
                wrongAccess.add(key(r) + ": the router says " + access + ", the document " + op.get("x-herald-access"));
            }
            boolean publicInDocument = op.has("security") && op.get("security").isEmpty();
            if (publicInDocument != (r.access() == Router.Access.PUBLIC)) {
                wrongAccess.add(key(r) + ": security [] must mark exactly the public routes");
            }
        }
        assertThat(wrongAccess).isEmpty();
    }

    @Test
    void document_isServedWithoutAToken_asTheSameBytes_withAnETagThatRevalidates() {
        ApiClient anonymous = new ApiClient("http://127.0.0.1:" + herald.server.port(), null).checkedAgainstOpenApi();
        ApiClient.Answer first = anonymous.get(OpenApiDocument.PATH);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.header("content-type")).startsWith("application/json");
        assertThat(first.raw()).isEqualTo(contract.text);
        String etag = first.header("etag");
        assertThat(etag).matches("\"[0-9a-f]{32}\"");
        assertThat(first.header("cache-control")).isEqualTo("no-cache");

        ApiClient.Answer again = anonymous.send("GET", OpenApiDocument.PATH, null, Map.of("If-None-Match", "\"other\", " + etag));
        assertThat(again.status()).isEqualTo(304);
        assertThat(again.raw()).isEmpty();
        assertThat(again.header("etag")).isEqualTo(etag);
        assertThat(anonymous.send("GET", OpenApiDocument.PATH, null, Map.of("If-None-Match", "W/" + etag)).status()).isEqualTo(304);
        assertThat(anonymous.send("GET", OpenApiDocument.PATH, null, Map.of("If-None-Match", "\"stale\"")).status()).isEqualTo(200);
        assertThat(anonymous.post(OpenApiDocument.PATH, "{}").status()).isEqualTo(405);
    }

    @Test
    void aResponseTheDocumentDoesNotDescribe_failsTheCheck_namingRouteStatusAndError() {
        // The check itself must be able to fail: an application without its id, an undocumented status.
        Function<String, String> json = headers(Map.of("content-type", "application/json"));
        Function<String, String> problem = headers(Map.of("content-type", "application/problem+json"));
        Function<String, String> retryLater = headers(Map.of("content-type", "application/problem+json", "retry-after", "2"));
        String app = "{\"uid\": null, \"name\": \"n\", \"throttleRate\": null, \"rateLimit\": null, \"metadata\": {},"
                + " \"createdAt\": \"2026-01-01T00:00:00Z\", \"updatedAt\": \"2026-01-01T00:00:00Z\"}";
        assertThat(contract.violation("GET", "/api/v1/app/app_1", 200, json, app))
                .contains("GET /api/v1/app/app_1 (/api/v1/app/{app_id}) -> 200").contains("id");
        assertThat(contract.violation("GET", "/api/v1/app/app_1", 202, json, app)).contains("status not documented");
        assertThat(contract.violation("DELETE", "/api/v1/app/app_1", 204, json, "{}")).contains("a body where the document describes none");
        assertThat(contract.violation("GET", "/api/v1/app/app_1", 404, problem,
                "{\"type\": \"urn:herald:problem:not_found\", \"title\": \"Not found\", \"status\": 404, \"code\": \"not_found\", \"detail\": \"x\"}"))
                .isNull();
        assertThat(contract.violation("POST", "/api/v1/app", 422, problem,
                "{\"type\": \"t\", \"title\": \"Invalid input\", \"status\": 422, \"code\": \"validation\", \"detail\": \"x\"}"))
                .as("a 422 without errors[]").contains("errors");
        String unavailable = "{\"type\": \"t\", \"title\": \"t\", \"status\": 503, \"code\": \"store_unavailable\", \"detail\": \"x\","
                + " \"reason\": \"disk_full\"}";
        assertThat(contract.violation("POST", "/api/v1/app/a/msg", 503, retryLater, unavailable)).isNull();
        assertThat(contract.violation("POST", "/api/v1/app/a/msg", 503, problem, unavailable)).contains("no Retry-After header");
        assertThat(contract.violation("POST", "/api/v1/app/a/msg", 503, retryLater, unavailable.replace("store_unavailable", "internal")))
                .contains("/code");
    }

    private static Function<String, String> headers(Map<String, String> lowerCase) {
        return name -> lowerCase.get(name.toLowerCase(Locale.ROOT));
    }

    /**
     * One valid request to every route (a new route without a step here fails the test), every
     * answer checked against the document, some refusals too; then every route must have answered
     * a success.
     */
    @Test
    void everyRoute_onAValidRequest_answersWhatTheDocumentDescribes() {
        String base = "http://127.0.0.1:" + herald.server.port();
        Walk w = new Walk(new ApiClient(base, TestHerald.TOKEN).checkedAgainstOpenApi());
        ApiClient anonymous = new ApiClient(base, null).checkedAgainstOpenApi();
        for (String method : List.of("GET", "HEAD")) {
            w.ok(anonymous, method, "/api/v1/health", null);
            w.ok(anonymous, method, "/api/v1/health/ping", null);
            w.ok(anonymous, method, "/api/v1/health/ready", null);
        }
        w.ok(anonymous, "GET", OpenApiDocument.PATH, null);
        w.ok("GET", "/metrics", null);

        String type = "invoice.paid";
        w.ok("POST", "/api/v1/event-type", "{\"name\": \"" + type + "\", \"description\": \"Paid\", \"groupName\": \"billing\","
                + " \"featureFlags\": [\"beta\"], \"schemas\": {\"1\": {\"type\": \"object\", \"properties\": {\"n\": {\"type\": \"integer\"}}}},"
                + " \"example\": {\"n\": 1}, \"enforceSchema\": true}");
        w.ok("GET", "/api/v1/event-type?with_content=true&include_archived=true", null);
        w.ok("GET", "/api/v1/event-type", null);
        w.ok("GET", "/api/v1/event-type/" + type, null);
        w.ok("PUT", "/api/v1/event-type/" + type, "{\"description\": \"Paid, really\", \"schemas\": {\"1\": {\"type\": \"object\","
                + " \"properties\": {\"n\": {\"type\": \"integer\"}}}}}");
        w.ok("PATCH", "/api/v1/event-type/" + type, "{\"deprecated\": true, \"featureFlag\": \"beta\"}");
        w.ok("POST", "/api/v1/event-type", "{\"name\": \"doomed\", \"description\": \"d\"}");

        w.ok("POST", "/api/v1/app", "{\"name\": \"Walk\", \"uid\": \"walk\", \"throttleRate\": 100, \"metadata\": {\"k\": \"v\"}}");
        w.ok("POST", "/api/v1/app?get_if_exists=true", "{\"name\": \"Walk\", \"uid\": \"walk\"}");
        w.ok("GET", "/api/v1/app", null);
        w.ok("GET", "/api/v1/app/walk", null);
        w.ok("PUT", "/api/v1/app/walk", "{\"name\": \"Walk\", \"uid\": \"walk\"}");
        w.ok("PATCH", "/api/v1/app/walk", "{\"rateLimit\": 50}");
        w.ok("PUT", "/api/v1/app/doomed", "{\"name\": \"Doomed\"}");

        String ep = "/api/v1/app/walk/endpoint/ep-walk";
        w.ok("POST", "/api/v1/app/walk/endpoint", "{\"url\": \"" + receiver.url("/walk") + "\", \"uid\": \"ep-walk\", \"description\": \"d\","
                + " \"eventTypes\": [\"" + type + "\"], \"metadata\": {\"team\": \"a\"}, \"headers\": {\"x-team\": \"a\"},"
                + " \"format\": {\"type\": \"envelope\", \"tenantMember\": \"workspace\"}, \"filter\": \"data.n >= 0\","
                + " \"signature\": {\"type\": \"hmac-sha256-hex\", \"header\": \"X-Sig\"}, \"retry\": {\"schedule\": [5, 60]},"
                + " \"timeoutMs\": 5000, \"maxInFlight\": 2, \"circuitBreaker\": {\"failures\": 5}}");
        w.ok("GET", "/api/v1/app/walk/endpoint", null);
        w.ok("GET", ep, null);
        w.ok("PUT", ep, "{\"url\": \"" + receiver.url("/walk") + "\", \"eventTypes\": [\"" + type + "\"]}");
        w.ok("PATCH", ep, "{\"ordering\": \"fifo\", \"retry\": {\"retryCount\": 2}, \"signature\": \"standard\", \"format\": \"json\"}");
        w.ok("PUT", "/api/v1/app/walk/endpoint/ep-doomed", "{\"url\": \"" + receiver.url("/doomed") + "\", \"channels\": [\"c:1\"]}");
        w.ok("GET", ep + "/secret", null);
        w.ok("POST", ep + "/secret/rotate", "{\"gracePeriodSeconds\": 60}");
        w.ok("GET", ep + "/headers", null);
        w.ok("PUT", ep + "/headers", "{\"headers\": {\"x-team\": \"a\", \"x-key\": \"secret\"}, \"sensitive\": [\"x-key\"]}");
        w.ok("PATCH", ep + "/headers", "{\"headers\": {\"x-extra\": \"1\"}, \"deleteHeaders\": [\"x-team\"]}");

        JsonNode msg = w.ok("POST", "/api/v1/app/walk/msg", "{\"eventType\": \"" + type + "\", \"eventId\": \"evt-1\","
                + " \"payload\": {\"n\": 2}, \"tags\": [\"t1\"], \"channels\": [\"c:1\"], \"payloadRetentionPeriod\": 30}");
        String msgId = msg.get("id").asString();
        String attemptId = herald.awaitAttempts("walk", msgId, 1).get(0).get("id").asString();
        w.ok("POST", ep + "/send-example", "{\"eventType\": \"" + type + "\"}");
        w.ok("GET", "/api/v1/app/walk/msg?with_content=false&event_types=" + type, null);
        w.ok("GET", "/api/v1/app/walk/msg/" + msgId, null);
        w.ok("GET", "/api/v1/app/walk/msg/" + msgId + "/endpoint", null);
        w.ok("GET", "/api/v1/app/walk/attempt/endpoint/ep-walk", null);
        w.ok("GET", "/api/v1/app/walk/attempt/msg/" + msgId + "?endpoint_id=ep-walk", null);
        w.ok("GET", "/api/v1/app/walk/msg/" + msgId + "/attempt/" + attemptId, null);
        w.ok("POST", "/api/v1/app/walk/msg/" + msgId + "/endpoint/ep-walk/resend", null);
        w.ok("GET", ep + "/stats", null);
        w.ok("GET", ep + "/msg?status=0", null);
        w.ok("GET", ep + "/msg", null);

        JsonNode task = w.ok("POST", ep + "/recover", "{\"since\": \"2020-01-01T00:00:00Z\"}");
        herald.runTasks();
        w.ok("POST", ep + "/replay-missing", "{\"since\": \"2020-01-01T00:00:00Z\", \"until\": \"2100-01-01T00:00:00Z\"}");
        herald.runTasks();
        w.ok("GET", "/api/v1/background-task?status=finished", null);
        w.ok("GET", "/api/v1/background-task/" + task.get("id").asString(), null);
        w.ok("DELETE", "/api/v1/app/walk/msg/" + msgId + "/attempt/" + attemptId + "/content", null);
        w.ok("DELETE", "/api/v1/app/walk/msg/" + msgId + "/content", null);
        w.ok("GET", "/api/v1/app/walk/msg/" + msgId, null);

        String ops = "/api/v1/operational-webhook/endpoint";
        w.ok("POST", ops, "{\"url\": \"" + receiver.url("/ops") + "\", \"filterTypes\": [\"endpoint.disabled\"], \"format\": \"slack\"}");
        w.ok("PUT", ops + "/ops-walk", "{\"url\": \"" + receiver.url("/ops") + "\", \"throttleRate\": 5}");
        w.ok("GET", ops, null);
        w.ok("GET", ops + "/ops-walk", null);
        w.ok("GET", ops + "/ops-walk/secret", null);
        w.ok("POST", ops + "/ops-walk/secret/rotate", "{}");
        w.ok("GET", ops + "/ops-walk/headers", null);
        w.ok("PUT", ops + "/ops-walk/headers", "{\"headers\": {\"x-ops\": \"1\"}}");
        w.ok("DELETE", ops + "/ops-walk", null);

        JsonNode token = w.ok("POST", "/api/v1/token", "{\"role\": \"app\", \"appId\": \"walk\", \"readOnly\": true, \"expiry\": 3600,"
                + " \"description\": \"walked\"}");
        w.ok("GET", "/api/v1/token?app_id=walk", null);
        w.ok("GET", "/api/v1/token/" + token.get("id").asString(), null);
        w.ok("DELETE", "/api/v1/token/" + token.get("id").asString(), null);
        w.ok("GET", "/api/v1/audit?method=post", null);

        String appToken = w.ok("POST", "/api/v1/auth/app-portal-access/walk", "{\"expiry\": 3600}").get("token").asString();
        ApiClient ofApp = new ApiClient(base, appToken).checkedAgainstOpenApi();
        w.refused(ofApp, "DELETE", "/api/v1/app/walk", null, 403);
        w.refused(ofApp, "GET", "/api/v1/app", null, 404);
        w.ok(ofApp, "POST", "/api/v1/auth/logout", null);
        w.refused(ofApp, "GET", "/api/v1/app/walk", null, 401);
        w.ok("POST", "/api/v1/auth/app/walk/expire-all", "{\"expiry\": 0}");

        // Refusals are documented too: validation, conflicts, unknown ids and paths, no token.
        w.refused(w.admin, "POST", "/api/v1/app/walk/endpoint", "{\"url\": \"not a url\", \"timeoutMs\": 5}", 422);
        w.refused(w.admin, "POST", "/api/v1/app/walk/msg", "{\"eventType\": \"" + type + "\", \"eventId\": \"evt-1\", \"payload\": {}}", 409);
        w.refused(w.admin, "POST", "/api/v1/app/walk/msg", "{\"eventType\": \"" + type + "\", \"payload\": {\"n\": \"two\"}}", 422);
        w.refused(w.admin, "GET", "/api/v1/app/nobody", null, 404);
        w.refused(w.admin, "GET", "/api/v1/no-such-route", null, 404);
        w.refused(w.admin, "POST", "/api/v1/app", "{not json", 400);
        w.refused(anonymous, "GET", "/api/v1/app", null, 401);

        w.ok("DELETE", "/api/v1/app/walk/endpoint/ep-doomed", null);
        w.ok("DELETE", "/api/v1/event-type/doomed?expunge=true", null);
        w.ok("DELETE", "/api/v1/app/doomed", null);

        Set<String> notWalked = new TreeSet<>();
        Routes.build(herald.server.herald()).routes().forEach(r -> notWalked.add(key(r)));
        notWalked.removeAll(w.succeeded);
        assertThat(notWalked).as("routes this walk never called with success: give each a step").isEmpty();
    }

    /** Requests that must succeed (or be refused as said), each answer checked by the client against the document. */
    private final class Walk {
        final ApiClient admin;
        final Set<String> succeeded = new TreeSet<>();

        Walk(ApiClient admin) {
            this.admin = admin;
        }

        JsonNode ok(String method, String path, String body) {
            return ok(admin, method, path, body);
        }

        JsonNode ok(ApiClient client, String method, String path, String body) {
            ApiClient.Answer a = client.send(method, path, body);
            assertThat(a.status()).as(method + " " + path + ": " + a.raw()).isBetween(200, 299);
            assertThat(contract.requestViolation(method, path, body)).as("a request Herald accepted").isNull();
            succeeded.add(method + " " + contract.template(path.contains("?") ? path.substring(0, path.indexOf('?')) : path));
            return a.body();
        }

        void refused(ApiClient client, String method, String path, String body, int status) {
            ApiClient.Answer a = client.send(method, path, body);
            assertThat(a.status()).as(method + " " + path + ": " + a.raw()).isEqualTo(status);
            assertThat(a.header("content-type")).startsWith("application/problem+json");
            assertThat(Json.read(a.raw()).get("status").asInt()).isEqualTo(status);
        }
    }
}
