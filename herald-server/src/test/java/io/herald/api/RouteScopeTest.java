package io.herald.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.api.Router.Access;
import io.herald.api.Router.Route;
import io.herald.e2e.TestHerald;
import io.herald.testing.LoopbackReceiver;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Walks Herald's whole route table (so a route added later is covered without touching this
 * test) with a token of application A against real resources of application B and of A. Run
 * against each database by a subclass.
 */
abstract class RouteScopeTest {
    private static final Pattern PARAM = Pattern.compile("\\{([^}]+)}");
    private static final String EVENT_TYPE = "thing.happened";

    @TempDir
    Path dir;
    TestHerald herald;
    LoopbackReceiver receiver;
    List<Route> routes;
    Tenant a;
    Tenant b;
    ApiClient admin;
    ApiClient tokenOfA;
    /** An operational webhook endpoint: the {endpoint_id} of the operational routes. */
    String operationalEndpoint;
    /** A token's id: the {token_id} of the token routes (only an admin may revoke it, and no walk does). */
    String tokenId;

    abstract TestHerald start(Path dir);

    /** An application with one of each resource, and the ids that fill a route's path for it. */
    record Tenant(String uid, Map<String, String> ids) {
        String id() {
            return ids.get("app_id");
        }
    }

    @BeforeEach
    void setUp() {
        herald = start(dir);
        receiver = new LoopbackReceiver();
        routes = Routes.build(herald.server.herald()).routes();
        admin = herald.api.checkedAgainstOpenApi();
        herald.post("/api/v1/event-type", "{\"name\": \"" + EVENT_TYPE + "\", \"description\": \"d\", \"example\": {\"n\": 0}}", 201);
        a = tenant("tenant-a");
        b = tenant("tenant-b");
        String token = herald.post("/api/v1/auth/app-portal-access/tenant-a", "{}", 200).get("token").asString();
        tokenOfA = client(token);
        operationalEndpoint = herald.post("/api/v1/operational-webhook/endpoint", "{\"url\": \"" + receiver.url("/ops") + "\"}", 201)
                .get("id").asString();
        tokenId = herald.post("/api/v1/token", "{\"role\": \"viewer\", \"description\": \"walked\"}", 201).get("id").asString();
        herald.runTasks(); // the tenants' recover tasks end, so that the walks may start others
    }

    /** The ids a route's path takes beyond the tenant's: an operational endpoint's, a token's. */
    private Map<String, String> global(Route r) {
        if (r.pattern().startsWith("/api/v1/operational-webhook/")) {
            return Map.of("endpoint_id", operationalEndpoint);
        }
        return r.pattern().startsWith(AccessRoutes.TOKENS + "/") ? Map.of("token_id", tokenId) : Map.of();
    }

    @AfterEach
    void tearDown() {
        receiver.close();
        herald.close();
    }

    private Tenant tenant(String uid) {
        String app = herald.post("/api/v1/app", "{\"name\": \"" + uid + "\", \"uid\": \"" + uid + "\"}", 201).get("id").asString();
        String ep = herald.post("/api/v1/app/" + app + "/endpoint", "{\"url\": \"" + receiver.url("/" + uid) + "\"}", 201)
                .get("id").asString();
        String msg = herald.post("/api/v1/app/" + app + "/msg",
                "{\"eventType\": \"" + EVENT_TYPE + "\", \"payload\": {\"n\": 1}}", 201).get("id").asString();
        String attempt = herald.awaitAttempts(app, msg, 1).get(0).get("id").asString();
        String task = herald.post("/api/v1/app/" + app + "/endpoint/" + ep + "/recover", "{\"since\": \"2020-01-01T00:00:00Z\"}", 202)
                .get("id").asString();
        return new Tenant(uid, Map.of("app_id", app, "endpoint_id", ep, "msg_id", msg, "attempt_id", attempt, "name", EVENT_TYPE,
                "task_id", task));
    }

    /** One request of the walk and what it answered. */
    private record Call(Route route, String path, int status, String raw) {
        @Override
        public String toString() {
            return route.method() + " " + path + " (" + route.pattern() + ") -> " + status + " " + raw;
        }
    }

    private static boolean namesApplication(Route r) {
        return r.access() == Access.APPLICATION || r.access() == Access.APPLICATION_ADMIN;
    }

    /**
     * The route's path with the tenant's ids; the application by its uid when {@code byUid}. A
     * parameter of an application's route that the tenant has no id for fails the test: give
     * {@link #tenant} one, or the walk would prove nothing for that route.
     */
    private static String path(Route r, Tenant t, boolean byUid, Map<String, String> override) {
        Matcher m = PARAM.matcher(r.pattern());
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String value = override.containsKey(name) ? override.get(name)
                    : name.equals("app_id") && byUid ? t.uid() : t.ids().get(name);
            if (value == null) {
                if (namesApplication(r)) {
                    throw new AssertionError(r.method() + " " + r.pattern() + ": the walk has no real id for {" + name
                            + "}; add one to RouteScopeTest.tenant");
                }
                value = "unknown-" + name;
            }
            m.appendReplacement(out, Matcher.quoteReplacement(URLEncoder.encode(value, StandardCharsets.UTF_8)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static boolean hasOnlyKnownParams(Route r, Tenant t) {
        Matcher m = PARAM.matcher(r.pattern());
        while (m.find()) {
            if (!t.ids().containsKey(m.group(1))) {
                return false;
            }
        }
        return true;
    }

    private static Call call(ApiClient client, Route r, String path) {
        boolean bodied = !r.method().equals("GET") && !r.method().equals("HEAD") && !r.method().equals("DELETE");
        ApiClient.Answer answer = client.send(r.method(), path, bodied ? "{}" : null);
        return new Call(r, path, answer.status(), answer.raw());
    }

    /** Reads before writes, and deletes last, the deepest first, so that no call removes what a later one needs. */
    private static List<Route> inSafeOrder(List<Route> rs) {
        return rs.stream().sorted(Comparator
                .comparing((Route r) -> r.method().equals("DELETE") ? 2 : r.method().equals("GET") || r.method().equals("HEAD") ? 0 : 1)
                .thenComparing(r -> r.method().equals("DELETE") ? -r.pattern().split("/").length : 0)).toList();
    }

    private static void assertAll(List<Call> calls, Predicate<Call> ok, String what) {
        List<Call> wrong = calls.stream().filter(ok.negate()).toList();
        assertThat(wrong).as(what + ":\n" + String.join("\n", wrong.stream().map(Call::toString).toList())).isEmpty();
    }

    private static boolean isNotFound(Call c) {
        return c.status() == 404 && c.raw().contains("\"code\":\"not_found\"");
    }

    @Test
    void everyRoute_withAnotherApplicationsIds_isNotFoundForAnApplicationToken_butFoundByTheAdmin() {
        List<Route> scoped = routes.stream().filter(RouteScopeTest::namesApplication).toList();
        List<Route> global = routes.stream().filter(r -> r.access() == Access.ADMIN || r.access() == Access.ADMIN_ONLY).toList();
        assertThat(scoped).as("routes that name an application").hasSizeGreaterThan(15);
        assertThat(global).as("global routes").hasSizeGreaterThan(5)
                .anySatisfy(r -> assertThat(r.pattern()).isEqualTo("/api/v1/app"))
                .anySatisfy(r -> assertThat(r.pattern()).isEqualTo("/api/v1/auth/app-portal-access/{app_id}"));

        List<Call> byA = new ArrayList<>();
        for (Route r : scoped) {
            byA.add(call(tokenOfA, r, path(r, b, false, Map.of())));
            byA.add(call(tokenOfA, r, path(r, b, true, Map.of())));
        }
        for (Route r : global) {
            byA.add(call(tokenOfA, r, path(r, b, false, global(r))));
            byA.add(call(tokenOfA, r, path(r, a, false, global(r))));
        }
        assertAll(byA, RouteScopeTest::isNotFound, "an application token must get 404 here");
        assertAll(byA.stream().filter(c -> global.contains(c.route())).toList(),
                c -> c.raw().contains("no such path: " + c.path()), "a global route must look like an unknown path to it");

        // The same requests by the admin find B's resources: the 404s above come from the scope, not from bad ids.
        List<Call> byAdmin = new ArrayList<>();
        for (Route r : inSafeOrder(routes.stream().filter(r -> namesApplication(r) || global.contains(r))
                .filter(r -> hasOnlyKnownParams(r, b)).toList())) {
            byAdmin.add(call(admin, r, path(r, b, false, global(r))));
        }
        assertAll(byAdmin, c -> c.status() != 404 && c.status() < 500, "the admin must find B's resources");
        assertThat(byAdmin).anySatisfy(c -> assertThat(c.route().pattern()).isEqualTo("/api/v1/app/{app_id}/endpoint/{endpoint_id}"));

        // B is gone now (its DELETE came last): what A was told is word for word what anybody is told now.
        assertThat(admin.get("/api/v1/app/" + b.id()).status()).isEqualTo(404);
        for (Call told : byA.stream().filter(c -> namesApplication(c.route())).toList()) {
            Call now = call(admin, told.route(), told.path());
            if (now.status() == 404) {
                assertThat(told.raw()).as(told.toString()).isEqualTo(now.raw());
            }
        }
    }

    /** A body each route accepts, so that it reaches its lookups instead of failing validation first. */
    private String validBody(Route r) {
        String p = r.pattern();
        if (p.endsWith("/recover") || p.endsWith("/replay-missing")) {
            return "{\"since\": \"2020-01-01T00:00:00Z\"}";
        }
        if (p.endsWith("/send-example")) {
            return "{\"eventType\": \"" + EVENT_TYPE + "\"}";
        }
        if (p.endsWith("/headers")) {
            return "{\"headers\": {\"x-scope\": \"1\"}}";
        }
        if (p.endsWith("/endpoint/{endpoint_id}") || p.endsWith("/endpoint")) {
            return "{\"url\": \"" + receiver.url("/scope") + "\"}";
        }
        if (p.endsWith("/msg")) {
            return "{\"eventType\": \"" + EVENT_TYPE + "\", \"payload\": {\"n\": 3}}";
        }
        return "{}";
    }

    @Test
    void everyApplicationRoute_withItsOwnApplicationButAnotherApplicationsResources_findsNothing() {
        List<Call> calls = new ArrayList<>();
        // The upsert goes last: the endpoint it creates in A (uid = B's id) would be found by the others.
        for (Route r : routes.stream().filter(RouteScopeTest::namesApplication)
                .sorted(Comparator.comparing((Route r) -> r.method().equals("PUT") && r.pattern().endsWith("/endpoint/{endpoint_id}"))).toList()) {
            if (PARAM.matcher(r.pattern()).results().count() > 1) {
                String path = path(r, b, false, Map.of("app_id", a.id()));
                boolean bodied = !r.method().equals("GET") && !r.method().equals("HEAD") && !r.method().equals("DELETE");
                ApiClient.Answer answer = tokenOfA.send(r.method(), path, bodied ? validBody(r) : null);
                calls.add(new Call(r, path, answer.status(), answer.raw()));
            }
        }
        assertThat(calls).hasSizeGreaterThan(10);
        // Svix's PUT creates what it does not find: in A, with B's id as a mere uid; B's endpoint is untouched.
        Predicate<Call> upsert = c -> c.route().method().equals("PUT") && c.route().pattern().endsWith("/endpoint/{endpoint_id}");
        assertAll(calls.stream().filter(upsert).toList(), c -> c.status() == 201 && !c.raw().contains("\"id\":\"" + b.ids().get("endpoint_id") + "\""),
                "a PUT of B's endpoint id through A creates A's own endpoint");
        assertAll(calls.stream().filter(upsert.negate()).toList(), RouteScopeTest::isNotFound,
                "another application's resource must not be reachable through one's own application");
        assertAll(calls.stream().filter(upsert.negate()).toList(), c -> !c.raw().contains(b.id()), "nothing of B may show");
        assertThat(admin.get("/api/v1/app/" + b.id() + "/endpoint/" + b.ids().get("endpoint_id")).raw())
                .doesNotContain(receiver.url("/scope"));
    }

    @Test
    void everyApplicationRoute_ofItsOwnApplication_isOpenToItsToken_exceptChangingTheApplicationItself() {
        List<Call> calls = new ArrayList<>();
        for (Route r : inSafeOrder(routes.stream().filter(RouteScopeTest::namesApplication).toList())) {
            calls.add(call(tokenOfA, r, path(r, a, false, Map.of())));
        }
        assertAll(calls.stream().filter(c -> c.route().access() == Access.APPLICATION).toList(),
                c -> c.status() != 404 && c.status() != 403 && c.status() != 401 && c.status() < 500,
                "an application token must reach its own application's routes");
        assertAll(calls.stream().filter(c -> c.route().access() == Access.APPLICATION_ADMIN).toList(),
                c -> c.status() == 403, "an application token must not change or delete its application");
        assertThat(admin.get("/api/v1/app/" + a.id()).status()).isEqualTo(200);
    }

    @Test
    void ownApplication_everydayCalls_workWithItsToken_andSeeOnlyItsOwnResources() {
        assertThat(ids(TestHerald.expect(tokenOfA.get("/api/v1/app/tenant-a/endpoint"), 200)))
                .containsExactly(a.ids().get("endpoint_id"));

        TestHerald.expect(tokenOfA.post("/api/v1/app/" + a.id() + "/endpoint", "{\"url\": \"" + receiver.url("/a2") + "\"}"), 201);
        String msg = TestHerald.expect(tokenOfA.post("/api/v1/app/tenant-a/msg",
                "{\"eventType\": \"" + EVENT_TYPE + "\", \"payload\": {\"n\": 2}}"), 201).get("id").asString();
        receiver.await("/a2", 1, java.time.Duration.ofSeconds(10));
        herald.awaitAttempts(a.id(), msg, 2);
        assertThat(ids(TestHerald.expect(tokenOfA.get("/api/v1/app/tenant-a/attempt/msg/" + msg), 200))).hasSize(2);
        assertThat(ids(TestHerald.expect(tokenOfA.get("/api/v1/app/tenant-a/msg"), 200)))
                .containsExactlyInAnyOrder(a.ids().get("msg_id"), msg);
        assertThat(TestHerald.expect(tokenOfA.get("/api/v1/app/tenant-a"), 200).get("id").asString()).isEqualTo(a.id());
    }

    private static List<String> ids(JsonNode page) {
        List<String> out = new ArrayList<>();
        page.get("data").forEach(n -> out.add(n.get("id").asString()));
        return out;
    }

    @Test
    void publicRoutes_answerWithoutAToken() {
        ApiClient anonymous = client(null);
        List<Route> open = routes.stream().filter(r -> r.access() == Access.PUBLIC).toList();
        assertThat(open).extracting(r -> r.method() + " " + r.pattern()).contains(
                "GET /api/v1/health", "HEAD /api/v1/health", "GET /api/v1/health/ping", "HEAD /api/v1/health/ping",
                "GET " + OpenApiDocument.PATH, "GET /api/v1/health/ready", "HEAD /api/v1/health/ready");
        for (Route r : open) {
            assertThat(anonymous.send(r.method(), r.pattern(), null).status()).as(r.method() + " " + r.pattern()).isEqualTo(publicAnswer(r));
        }
        assertThat(anonymous.post("/api/v1/auth/logout", null).status()).isEqualTo(401);
        assertThat(anonymous.get("/api/v1/app/" + a.id() + "/endpoint").status()).isEqualTo(401);
        assertThat(anonymous.get("/api/v1/background-task").status()).isEqualTo(401);
        // Open to any token, each scoping what it answers to the caller (AppTokenEndToEndTest checks the tasks).
        assertThat(routes).filteredOn(r -> r.access() == Access.CALLER).extracting(r -> r.method() + " " + r.pattern())
                .containsExactlyInAnyOrder("POST /api/v1/auth/logout", "GET /api/v1/background-task",
                        "GET /api/v1/background-task/{task_id}");
    }

    /** A client whose every answer is checked against the OpenAPI document. */
    private ApiClient client(String token) {
        return new ApiClient("http://127.0.0.1:" + herald.server.port(), token).checkedAgainstOpenApi();
    }

    /** What a public route answers anyone: health has no body, the OpenAPI document has. */
    private static int publicAnswer(Route r) {
        // The document and readiness (its state) answer 200; liveness a constant 204.
        return r.pattern().equals(OpenApiDocument.PATH) || r.pattern().endsWith("/health/ready") ? 200 : 204;
    }

    private static boolean reads(Route r) {
        return r.method().equals("GET") || r.method().equals("HEAD");
    }

    private static boolean isLogout(Route r) {
        return r.pattern().equals("/api/v1/auth/logout");
    }

    /** One request and the status it had to answer; {@code told} is what it did answer. */
    private record Expected(String who, Call told, int status) {
        boolean holds() {
            return told.status() == status;
        }

        @Override
        public String toString() {
            return who + ": " + told + " (expected " + status + ")";
        }
    }

    /**
     * Walks the whole route table, with app A's ids and app B's, for each kind of caller, and
     * asserts the exact status of each request: a refusal's own (401, 403, 404), or where the
     * caller may act, exactly what the admin is answered for the same request (the same read, or
     * the same change on a twin of A with the same resources).
     */
    @Test
    void everyRoute_withEachKindOfToken_answersExactlyWhatItsRoleAllows() {
        ApiClient anonymous = client(null);
        ApiClient viewer = client(herald.post("/api/v1/token", "{\"role\": \"viewer\"}", 201).get("token").asString());
        ApiClient expired = client(herald.post("/api/v1/token", "{\"role\": \"admin\", \"expiry\": 60}", 201).get("token").asString());
        JsonNode revokedToken = herald.post("/api/v1/token", "{\"role\": \"admin\"}", 201);
        ApiClient revoked = client(revokedToken.get("token").asString());
        assertThat(revoked.get("/api/v1/app").status()).isEqualTo(200);
        assertThat(expired.get("/api/v1/app").status()).isEqualTo(200);
        TestHerald.expect(admin.delete("/api/v1/token/" + revokedToken.get("id").asString()), 204);
        herald.advance(java.time.Duration.ofSeconds(60));
        Tenant twin = tenant("tenant-a2");
        herald.runTasks();

        List<Expected> walked = new ArrayList<>();
        for (Route r : routes) {
            for (Tenant t : List.of(a, b)) {
                Map<String, String> ids = new java.util.HashMap<>(global(r));
                if (!ids.containsKey("task_id")) {
                    ids.put("task_id", t.ids().get("task_id"));
                }
                String path = path(r, t, false, ids);
                int refused = r.access() == Access.PUBLIC ? publicAnswer(r) : 401;
                walked.add(new Expected("no token", call(anonymous, r, path), refused));
                walked.add(new Expected("expired", call(expired, r, path), refused));
                walked.add(new Expected("revoked", call(revoked, r, path), refused));

                // A viewer reads what the admin reads, but no credential, token or audit row, and changes nothing.
                Call byViewer = call(viewer, r, path);
                int forViewer = r.access() == Access.PUBLIC ? publicAnswer(r)
                        : r.access() == Access.APPLICATION_CREDENTIALS || r.access() == Access.ADMIN_ONLY || !reads(r) ? 403
                        : call(admin, r, path).status();
                walked.add(new Expected("viewer", byViewer, forViewer));
                assertThat(byViewer.raw() == null ? "" : byViewer.raw()).as(byViewer.toString()).doesNotContain("whsec_");

                // A's token: B's resources and global routes do not exist; its own application it may
                // read and change (the changes are walked below), but not change the application record.
                if (isLogout(r)) {
                    continue; // it would revoke the token: below
                }
                boolean own = t == a;
                boolean asAdmin = switch (r.access()) {
                    case CALLER -> own || !r.pattern().contains("{task_id}"); // B's task is as missing as none
                    case APPLICATION, APPLICATION_CREDENTIALS -> own;
                    default -> false;
                };
                if (asAdmin && !reads(r)) {
                    continue; // a change: walked on A's twin below
                }
                int forA = asAdmin ? call(admin, r, path).status() : switch (r.access()) {
                    case PUBLIC -> publicAnswer(r);
                    case APPLICATION_ADMIN -> own ? 403 : 404;
                    default -> 404;
                };
                walked.add(new Expected("token of A", call(tokenOfA, r, path), forA));
            }
        }

        // Changes within A by A's token answer exactly what the same changes by the admin answer on A's twin.
        List<Route> changes = routes.stream().filter(r -> !reads(r) && (r.access() == Access.APPLICATION
                || r.access() == Access.APPLICATION_CREDENTIALS)).toList();
        assertThat(changes).hasSizeGreaterThan(10);
        for (Route r : inSafeOrder(changes)) {
            String body = r.method().equals("DELETE") ? null : validBody(r);
            String pathOfTwin = path(r, twin, false, Map.of());
            ApiClient.Answer byAdmin = admin.send(r.method(), pathOfTwin, body);
            assertThat(byAdmin.status()).as("admin: " + r.method() + " " + pathOfTwin + " " + byAdmin.raw())
                    .isNotIn(401, 403, 404).isLessThan(500);
            String path = path(r, a, false, Map.of());
            ApiClient.Answer byA = tokenOfA.send(r.method(), path, body);
            walked.add(new Expected("token of A", new Call(r, path, byA.status(), byA.raw()), byAdmin.status()));
        }

        List<Expected> wrong = walked.stream().filter(e -> !e.holds()).toList();
        assertThat(wrong).as("wrong statuses:\n" + String.join("\n", wrong.stream().map(Expected::toString).toList())).isEmpty();
        assertThat(walked.stream().map(e -> e.told().route()).distinct().count()).as("every route was walked").isEqualTo(routes.size());

        // Logout: a viewer and an admin may not; an application token revokes itself.
        Route logout = routes.stream().filter(RouteScopeTest::isLogout).findFirst().orElseThrow();
        assertThat(call(viewer, logout, logout.pattern()).status()).isEqualTo(403);
        assertThat(call(admin, logout, logout.pattern()).status()).isEqualTo(403);
        assertThat(call(tokenOfA, logout, logout.pattern()).status()).isEqualTo(204);
        assertThat(tokenOfA.get("/api/v1/app/" + a.id()).status()).isEqualTo(401);
    }

    @Test
    void withoutAValidToken_unknownPathsAndMethodsUnderApi_are401_soTheRouteTableCannotBeRead() {
        ApiClient anonymous = client(null);
        ApiClient wrongToken = client("hrld_not-a-token-of-this-server");
        for (ApiClient c : List.of(anonymous, wrongToken)) {
            assertThat(c.get("/api/v1/no-such-route").status()).isEqualTo(401);
            assertThat(c.send("PUT", "/api/v1/app", "{}").status()).as("a known path with a wrong method").isEqualTo(401);
            assertThat(c.send("DELETE", "/api/v1/app/" + a.id() + "/msg", null).status()).isEqualTo(401);
            assertThat(c.get("/api/v1/app/" + a.id() + "/nothing-here").status()).isEqualTo(401);
            // The health routes are public, so their paths may say which methods they take.
            assertThat(c.post("/api/v1/health", "{}").status()).isEqualTo(405);
        }
        ApiClient viewer = client(herald.post("/api/v1/token", "{\"role\": \"viewer\"}", 201).get("token").asString());
        assertThat(viewer.send("PUT", "/api/v1/app", "{}").status()).isEqualTo(405);
        assertThat(viewer.get("/api/v1/no-such-route").status()).isEqualTo(404);
        assertThat(admin.send("PUT", "/api/v1/app", "{}").status()).isEqualTo(405);
    }

    @Test
    void everyChangingRoute_isAudited_butThePublish() {
        assertThat(routes).filteredOn(r -> !reads(r)).filteredOn(r -> !AuditTrail.audits(r))
                .extracting(r -> r.method() + " " + r.pattern()).containsExactlyInAnyOrderElementsOf(AuditTrail.UNAUDITED);
        assertThat(routes).filteredOn(RouteScopeTest::reads).noneMatch(AuditTrail::audits);
    }
}
