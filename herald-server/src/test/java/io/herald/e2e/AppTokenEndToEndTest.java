package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.api.ApiClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Application tokens from app-portal-access: what they may do, expiry, logout, and the portal
 * page their link points at. Run against each database by a subclass.
 */
abstract class AppTokenEndToEndTest {
    @TempDir
    Path dir;
    TestHerald herald;
    String base;
    String appId;

    abstract TestHerald start(Path dir, Map<String, String> env);

    @BeforeEach
    void setUp() {
        herald = start(dir, Map.of());
        herald.api.checkedAgainstOpenApi(); // every answer must be as the OpenAPI document describes it
        base = "http://127.0.0.1:" + herald.server.port();
        appId = herald.post("/api/v1/app", "{\"name\": \"Acme\", \"uid\": \"acme\"}", 201).get("id").asString();
        herald.post("/api/v1/app/acme/endpoint", "{\"url\": \"http://127.0.0.1:9/hook\", \"uid\": \"siem\"}", 201);
    }

    @AfterEach
    void tearDown() {
        herald.close();
    }

    private JsonNode access(String app, String body) {
        return herald.post("/api/v1/auth/app-portal-access/" + app, body, 200);
    }

    private ApiClient client(String token) {
        return new ApiClient(base, token).checkedAgainstOpenApi();
    }

    private ApiClient tokenFor(String app, String body) {
        return client(access(app, body).get("token").asString());
    }

    private int tokenRows() {
        return herald.server.herald().store().read(h -> h.createQuery("SELECT COUNT(*) FROM api_token").mapTo(Integer.class).one());
    }

    private static void assertProblem(ApiClient.Answer a, int status, String field) {
        assertThat(a.status()).as(a.raw()).isEqualTo(status);
        assertThat(a.body().get("status").asInt()).as(a.raw()).isEqualTo(status);
        if (field != null) {
            assertThat(a.body().get("errors").get(0).get("field").asString()).as(a.raw()).isEqualTo(field);
        }
    }

    @Test
    void appPortalAccess_answersANewHeraldToken_andASingleUseLinkToThePortal() {
        JsonNode out = access("acme", "{}");

        assertThat(out.get("token").asString()).startsWith("hrld_").isNotEqualTo(access("acme", "{}").get("token").asString());
        assertThat(out.get("url").asString()).startsWith(base + "/portal/enter?code=")
                .doesNotContain(out.get("token").asString()).doesNotContain(appId);
        assertThat(client(out.get("token").asString()).get("/api/v1/app/acme/endpoint").status()).isEqualTo(200);
    }

    @Test
    void portalLink_opensAPortalSessionOnce_andSendsTheBrowserOnWithoutTheCode() throws Exception {
        JsonNode out = access("acme", "{}");
        HttpClient http = HttpClient.newHttpClient(); // follows no redirects

        HttpResponse<String> enter = http.send(HttpRequest.newBuilder(URI.create(out.get("url").asString())).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(enter.statusCode()).isEqualTo(303);
        assertThat(enter.headers().firstValue("Location")).contains("/portal/app/" + appId + "/endpoints");
        assertThat(enter.headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(enter.headers().firstValue("Referrer-Policy")).contains("no-referrer");
        String cookie = enter.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).startsWith("herald-portal=").contains("Path=/portal").contains("HttpOnly").containsIgnoringCase("SameSite=Strict")
                .doesNotContain("Secure");
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(base + "/portal/app/" + appId + "/endpoints"))
                .header("Cookie", cookie.substring(0, cookie.indexOf(';'))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("Endpoints of Acme").doesNotContain(out.get("token").asString());

        HttpResponse<String> again = http.send(HttpRequest.newBuilder(URI.create(out.get("url").asString())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(again.statusCode()).as("a link works once").isEqualTo(404);
        assertThat(again.body()).contains("ask for a new one");
        assertThat(again.headers().firstValue("Set-Cookie")).isEmpty();
    }

    @Test
    void appPortalAccess_withApplication_createsTheMissingApplicationWithThePathAsUid_andIgnoresItOnceItExists() {
        ApiClient scoped = tokenFor("new-tenant", "{\"application\": {\"name\": \"New tenant\", \"metadata\": {\"plan\": \"pro\"}}}");

        JsonNode app = herald.get("/api/v1/app/new-tenant");
        assertThat(app.get("name").asString()).isEqualTo("New tenant");
        assertThat(app.get("uid").asString()).isEqualTo("new-tenant");
        assertThat(app.get("metadata").get("plan").asString()).isEqualTo("pro");
        assertThat(scoped.get("/api/v1/app/new-tenant/endpoint").status()).isEqualTo(200);

        access("new-tenant", "{\"application\": {\"name\": \"Another name\", \"uid\": \"new-tenant\"}}");
        access(app.get("id").asString(), "{\"application\": {\"name\": \"Another name\", \"uid\": \"elsewhere\"}}");
        assertThat(herald.get("/api/v1/app/new-tenant").get("name").asString()).isEqualTo("New tenant");
        assertThat(herald.get("/api/v1/app").get("data")).hasSize(2);
    }

    @Test
    void appPortalAccess_forAMissingApplicationWithoutApplication_is404_andWritesNothing() {
        int before = tokenRows();
        assertProblem(herald.api.post("/api/v1/auth/app-portal-access/nobody", "{}"), 404, null);
        assertThat(tokenRows()).isEqualTo(before);
    }

    @Test
    void appPortalAccess_badBody_is422NamingTheField_andWritesNothing() {
        String[][] cases = {
                {"{\"expiry\": 3599}", "expiry"},
                {"{\"expiry\": 604801}", "expiry"},
                {"{\"expiry\": 1e400}", "expiry"},
                {"{\"expiry\": 99999999999999999999999}", "expiry"},
                {"{\"expiry\": \"7d\"}", "expiry"},
                {"{\"readOnly\": \"yes\"}", "readOnly"},
                {"{\"capabilities\": [\"ViewBase\"]}", "capabilities"},
                {"{\"capabilities\": []}", "capabilities"},
                {"{\"featureFlags\": [\"beta\"]}", "featureFlags"},
                {"{\"featureFlags\": \"beta\"}", "featureFlags"},
                {"{\"sessionId\": \"s-1\"}", "sessionId"},
                {"{\"application\": \"fresh\"}", "application"},
                {"{\"application\": {}}", "application.name"},
                {"{\"application\": {\"name\": \"F\", \"uid\": \"x\"}}", "application.uid"},
                {"{\"application\": {\"name\": 7}}", "application.name"},
                {"{\"application\": {\"name\": \"F\", \"metadata\": 1}}", "application.metadata"},
                {"{\"application\": {\"name\": \"F\"}, \"expiry\": 1}", "expiry"},
        };
        int before = tokenRows();
        for (String[] c : cases) {
            assertProblem(herald.api.post("/api/v1/auth/app-portal-access/fresh", c[0]), 422, c[1]);
        }
        assertThat(tokenRows()).isEqualTo(before);
        assertThat(herald.api.get("/api/v1/app/fresh").status()).isEqualTo(404);
    }

    @Test
    void appPortalAccess_unsupportedFields_sayHeraldDoesNotSupportThem() {
        for (String body : new String[] {"{\"capabilities\": [\"ViewBase\"]}", "{\"featureFlags\": [\"beta\"]}", "{\"sessionId\": \"s\"}"}) {
            assertThat(herald.api.post("/api/v1/auth/app-portal-access/acme", body).body().get("detail").asString())
                    .as(body).contains("Herald does not support");
        }
        // What the SDKs send when nothing is asked for is accepted.
        access("acme", "{\"featureFlags\": [], \"capabilities\": null, \"sessionId\": null, \"readOnly\": null, \"expiry\": null}");
    }

    @Test
    void appPortalAccess_calledWithAnApplicationToken_isNotFound() {
        ApiClient scoped = tokenFor("acme", "{}");

        assertProblem(scoped.post("/api/v1/auth/app-portal-access/acme", "{}"), 404, null);
        assertProblem(scoped.post("/api/v1/auth/app-portal-access/acme", "{\"application\": {\"name\": \"x\"}}"), 404, null);
    }

    @Test
    void readOnlyToken_readsItsApplication_butEveryWriteIsForbidden() {
        ApiClient reader = tokenFor("acme", "{\"readOnly\": true}");
        String ep = "/api/v1/app/acme/endpoint/siem";

        assertThat(reader.get("/api/v1/app/acme/endpoint").status()).isEqualTo(200);
        assertThat(reader.get(ep).status()).isEqualTo(200);
        assertThat(reader.get("/api/v1/app/acme/msg").status()).isEqualTo(200);
        assertThat(reader.send("HEAD", "/api/v1/health", null).status()).isEqualTo(204);
        assertProblem(reader.post("/api/v1/app/acme/endpoint", "{\"url\": \"http://127.0.0.1:9/other\"}"), 403, null);
        assertProblem(reader.put(ep, "{\"url\": \"http://127.0.0.1:9/changed\"}"), 403, null);
        assertProblem(reader.patch(ep, "{\"description\": \"changed\"}"), 403, null);
        assertProblem(reader.delete(ep), 403, null);
        assertProblem(reader.post("/api/v1/app/acme/msg", "{\"eventType\": \"a.b\", \"payload\": {}}"), 403, null);
        assertProblem(reader.post(ep + "/secret/rotate", "{}"), 403, null);
        // Credentials are not for readers: a signing secret, header values such as an Authorization.
        assertProblem(reader.get(ep + "/secret"), 403, null);
        assertProblem(reader.get(ep + "/headers"), 403, null);
        assertThat(tokenFor("acme", "{}").get(ep + "/secret").status()).as("a full token sees them").isEqualTo(200);

        JsonNode endpoints = herald.get("/api/v1/app/acme/endpoint").get("data");
        assertThat(endpoints).hasSize(1);
        assertThat(endpoints.get(0).get("url").asString()).isEqualTo("http://127.0.0.1:9/hook");
        assertThat(herald.get("/api/v1/app/acme/msg").get("data")).isEmpty();
        // Another application stays out of sight for a reader too.
        herald.post("/api/v1/app", "{\"name\": \"Other\", \"uid\": \"other\"}", 201);
        assertProblem(reader.get("/api/v1/app/other/endpoint"), 404, null);
        assertProblem(reader.post("/api/v1/app/other/endpoint", "{}"), 404, null);
    }

    @Test
    void appToken_pastItsExpiry_is401_evenThoughItWasJustUsed() {
        ApiClient scoped = tokenFor("acme", "{\"expiry\": 3600}");
        assertThat(scoped.get("/api/v1/app/acme/endpoint").status()).isEqualTo(200);

        herald.advance(Duration.ofSeconds(3599));
        assertThat(scoped.get("/api/v1/app/acme/endpoint").status()).isEqualTo(200);
        herald.advance(Duration.ofSeconds(1));

        assertProblem(scoped.get("/api/v1/app/acme/endpoint"), 401, null);
    }

    @Test
    void appToken_withoutExpiry_lastsSevenDays() {
        ApiClient scoped = tokenFor("acme", "{}");

        herald.advance(Duration.ofDays(7).minusSeconds(1));
        assertThat(scoped.get("/api/v1/app/acme/endpoint").status()).isEqualTo(200);
        herald.advance(Duration.ofSeconds(1));

        assertProblem(scoped.get("/api/v1/app/acme/endpoint"), 401, null);
    }

    @Test
    void logout_revokesTheCallingTokenAtOnce_andNoOther() {
        ApiClient first = tokenFor("acme", "{}");
        ApiClient second = tokenFor("acme", "{\"readOnly\": true}");
        assertThat(first.get("/api/v1/app/acme/endpoint").status()).isEqualTo(200);

        assertThat(first.post("/api/v1/auth/logout", null).status()).isEqualTo(204);

        assertProblem(first.get("/api/v1/app/acme/endpoint"), 401, null);
        assertProblem(first.post("/api/v1/auth/logout", null), 401, null);
        assertThat(second.get("/api/v1/app/acme/endpoint").status()).isEqualTo(200);
        assertThat(second.post("/api/v1/auth/logout", null).status()).as("a read-only token may end itself").isEqualTo(204);
        assertProblem(second.get("/api/v1/app/acme/endpoint"), 401, null);
    }

    @Test
    void logout_withTheAdminToken_isForbidden_andTheTokenKeepsWorking() {
        assertProblem(herald.api.post("/api/v1/auth/logout", null), 403, null);
        assertThat(herald.api.get("/api/v1/app").status()).isEqualTo(200);
    }

    @Test
    void appToken_ofADeletedApplication_findsNothing_evenWhenTheUidIsTakenAgain() {
        ApiClient scoped = tokenFor("acme", "{}");
        assertThat(scoped.get("/api/v1/app/acme/endpoint").status()).isEqualTo(200);
        assertThat(herald.api.delete("/api/v1/app/acme").status()).isEqualTo(204);
        herald.post("/api/v1/app", "{\"name\": \"Acme again\", \"uid\": \"acme\"}", 201);
        herald.post("/api/v1/app/acme/endpoint", "{\"url\": \"http://127.0.0.1:9/new\"}", 201);

        // This node still remembers the token, but it names the deleted application, not the new one.
        assertProblem(scoped.get("/api/v1/app/acme/endpoint"), 404, null);
        herald.advance(Duration.ofSeconds(6)); // past the time a node remembers a token: it was deleted with its application
        assertProblem(scoped.get("/api/v1/app/acme/endpoint"), 401, null);
    }

    @Test
    void appPortalAccess_withAnIdempotencyKey_runsAgain_soNoIssuedTokenIsKeptAnywhere() {
        String key = "auto_" + UUID.randomUUID();
        String body = "{\"application\": {\"name\": \"New tenant\"}}";

        ApiClient.Answer first = herald.api.postIdempotent("/api/v1/auth/app-portal-access/new-tenant", body, key);
        ApiClient.Answer second = herald.api.postIdempotent("/api/v1/auth/app-portal-access/new-tenant", body, key);

        assertThat(first.status()).isEqualTo(200);
        assertThat(second.status()).isEqualTo(200);
        assertThat(second.header("idempotent-replayed")).isNull();
        String one = first.text("token");
        String two = second.text("token");
        assertThat(one).isNotEqualTo(two);
        assertThat(client(one).get("/api/v1/app/new-tenant/endpoint").status()).isEqualTo(200);
        assertThat(client(two).get("/api/v1/app/new-tenant/endpoint").status()).isEqualTo(200);
        assertThat(herald.get("/api/v1/app").get("data")).hasSize(2);
        List<String> kept = herald.server.herald().store().read(h -> h.createQuery(
                "SELECT COALESCE(body, '') FROM idempotency_key").mapTo(String.class).list());
        assertThat(kept).noneMatch(b -> b.contains(one) || b.contains(two));
    }

    @Test
    void idempotencyKeys_ofAnApplicationToken_areItsOwn() {
        ApiClient scoped = tokenFor("acme", "{}");
        String key = "auto_" + UUID.randomUUID();
        String msg = "{\"eventType\": \"a.b\", \"payload\": {\"n\": 1}}";

        ApiClient.Answer first = scoped.postIdempotent("/api/v1/app/acme/msg", msg, key);
        ApiClient.Answer again = scoped.postIdempotent("/api/v1/app/acme/msg", msg, key);
        ApiClient.Answer byAdmin = herald.api.postIdempotent("/api/v1/app/acme/msg", msg, key);

        assertThat(first.status()).isEqualTo(201);
        assertThat(again.header("idempotent-replayed")).isEqualTo("true");
        assertThat(again.text("id")).isEqualTo(first.text("id"));
        assertThat(byAdmin.status()).isEqualTo(201);
        assertThat(byAdmin.text("id")).isNotEqualTo(first.text("id"));
    }

    @Test
    void health_pingAndHead_answerWithoutAToken() {
        ApiClient anonymous = client(null);
        assertThat(anonymous.get("/api/v1/health/ping").status()).isEqualTo(204);
        assertThat(anonymous.send("HEAD", "/api/v1/health/ping", null).status()).isEqualTo(204);
        assertThat(anonymous.send("HEAD", "/api/v1/health", null).status()).isEqualTo(204);
        assertThat(anonymous.get("/api/v1/health").status()).isEqualTo(204);
        assertProblem(anonymous.post("/api/v1/health/ping", null), 405, null);
    }

    @Test
    void expireAll_cutsEveryTokenOfTheApplication_atOnceOrAfterItsExpiry_andNoOtherApplications() {
        herald.post("/api/v1/app", "{\"name\": \"Other\", \"uid\": \"other\"}", 201);
        ApiClient first = tokenFor("acme", "{}");
        ApiClient second = tokenFor("acme", "{\"readOnly\": true}");
        ApiClient others = tokenFor("other", "{}");

        assertThat(herald.api.post("/api/v1/auth/app/acme/expire-all", "{\"expiry\": 60}").status()).isEqualTo(204);
        assertThat(first.get("/api/v1/app/acme/endpoint").status()).as("still within the minute").isEqualTo(200);
        herald.advance(Duration.ofSeconds(60));
        assertThat(first.get("/api/v1/app/acme/endpoint").status()).isEqualTo(401);
        assertThat(second.get("/api/v1/app/acme/endpoint").status()).isEqualTo(401);
        assertThat(others.get("/api/v1/app/other/endpoint").status()).isEqualTo(200);

        ApiClient third = tokenFor("acme", "{}");
        assertThat(herald.api.post("/api/v1/auth/app/acme/expire-all", "{}").status()).as("no expiry: at once").isEqualTo(204);
        assertThat(third.get("/api/v1/app/acme/endpoint").status()).isEqualTo(401);
        assertThat(others.get("/api/v1/app/other/endpoint").status()).isEqualTo(200);
    }

    @Test
    void expireAll_withSessionsOrABadExpiry_is422_andFromAnApplicationToken_is404() {
        ApiClient token = tokenFor("acme", "{}");
        assertProblem(herald.api.post("/api/v1/auth/app/acme/expire-all", "{\"sessionIds\": [\"s1\"]}"), 422, "sessionIds");
        assertProblem(herald.api.post("/api/v1/auth/app/acme/expire-all", "{\"expiry\": -1}"), 422, "expiry");
        assertProblem(herald.api.post("/api/v1/auth/app/nobody/expire-all", "{}"), 404, null);
        assertProblem(token.post("/api/v1/auth/app/acme/expire-all", "{}"), 404, null);
        assertThat(token.get("/api/v1/app/acme/endpoint").status()).as("nothing expired").isEqualTo(200);
    }

    @Test
    void backgroundTasks_anApplicationTokenSeesItsOwn_andAnotherApplicationsAreMissingToIt() {
        herald.post("/api/v1/app", "{\"name\": \"Other\", \"uid\": \"other\"}", 201);
        herald.post("/api/v1/app/other/endpoint", "{\"url\": \"http://127.0.0.1:9/hook\", \"uid\": \"siem\"}", 201);
        ApiClient acme = tokenFor("acme", "{\"readOnly\": false}");
        String since = "{\"since\": \"" + herald.clock.instant().minus(Duration.ofHours(1)) + "\"}";
        String own = TestHerald.expect(acme.post("/api/v1/app/acme/endpoint/siem/recover", since), 202).get("id").asString();
        String others = herald.post("/api/v1/app/other/endpoint/siem/recover", since, 202).get("id").asString();

        assertThat(TestHerald.expect(acme.get("/api/v1/background-task/" + own), 200).get("id").asString()).isEqualTo(own);
        assertThat(TestHerald.expect(acme.get("/api/v1/background-task"), 200).get("data"))
                .extracting(t -> t.get("id").asString()).containsExactly(own);
        ApiClient.Answer hidden = acme.get("/api/v1/background-task/" + others);
        ApiClient.Answer missing = acme.get("/api/v1/background-task/qtask_nothing");
        assertProblem(hidden, 404, null);
        assertThat(hidden.raw().replace(others, "X")).isEqualTo(missing.raw().replace("qtask_nothing", "X"));

        assertThat(herald.get("/api/v1/background-task").get("data")).extracting(t -> t.get("id").asString())
                .containsExactlyInAnyOrder(own, others);
        assertThat(herald.get("/api/v1/background-task/" + others).get("id").asString()).isEqualTo(others);
    }
}
