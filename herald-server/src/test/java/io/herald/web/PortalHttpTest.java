package io.herald.web;

import static io.herald.web.ConsoleHttpTest.csrfOf;
import static io.herald.web.ConsoleHttpTest.post;
import static io.herald.web.ConsoleHttpTest.send;
import static io.herald.web.ConsoleHttpTest.signIn;
import static org.assertj.core.api.Assertions.assertThat;

import io.herald.Json;
import io.herald.e2e.TestHerald;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The application pages over plain HTTP, no browser: CSRF on their forms, the portal's
 * frame-ancestors, what viewers may do, and escaping of what tenants typed into endpoints.
 */
class PortalHttpTest {
    @TempDir
    static Path dir;
    static TestHerald herald;
    static String base;
    static String appId;

    @BeforeAll
    static void start() {
        herald = TestHerald.sqlite(dir.resolve("a"), Map.of());
        base = "http://127.0.0.1:" + herald.server.port();
        appId = herald.post("/api/v1/app", "{\"name\": \"Tenant\", \"uid\": \"tenant\"}", 201).get("id").asString();
    }

    @AfterAll
    static void stop() {
        herald.close();
    }

    static HttpResponse<String> get(String base, String path, String cookie) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return send(b);
    }

    /** Follows a new portal link for {@code app} (with {@code body} for app-portal-access); returns the Cookie header to send. */
    static String enterPortal(TestHerald h, String base, String app, String body) {
        String url = h.post("/api/v1/auth/app-portal-access/" + app, body, 200).get("url").asString();
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(url)));
        assertThat(r.statusCode()).isEqualTo(303);
        String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    private static int endpointCount() {
        return herald.get("/api/v1/app/" + appId + "/endpoint?limit=250").get("data").size();
    }

    @Test
    void portalForms_withoutTheRightCsrfToken_orFromAnotherSite_areRefused_andWriteNothing() {
        String cookie = enterPortal(herald, base, appId, "{}");
        String newForm = "/portal/app/" + appId + "/endpoints/new";
        String csrf = csrfOf(get(base, newForm, cookie).body());
        Map<String, String> form = Map.of("url", "https://a.example/hook");
        int before = endpointCount();

        assertThat(post(base, newForm, cookie, form).statusCode()).as("no token").isEqualTo(403);
        assertThat(post(base, newForm, cookie, Map.of("url", "https://a.example/hook", "csrf", csrf + "x")).statusCode())
                .as("wrong token").isEqualTo(403);
        assertThat(post(base, newForm, cookie, Map.of("url", "https://a.example/hook", "csrf", csrf), "Sec-Fetch-Site", "cross-site")
                .statusCode()).as("cross-site").isEqualTo(403);
        assertThat(post(base, newForm, null, Map.of("url", "https://a.example/hook", "csrf", csrf)).statusCode())
                .as("no session").isEqualTo(403);
        assertThat(post(base, "/console/app/" + appId + "/endpoints/new", cookie, Map.of("url", "https://a.example/hook", "csrf", csrf))
                .statusCode()).as("a portal cookie is no console session").isEqualTo(403);
        assertThat(endpointCount()).isEqualTo(before);

        HttpResponse<String> made = post(base, newForm, cookie, Map.of("url", "https://a.example/hook", "csrf", csrf));
        assertThat(made.statusCode()).isEqualTo(303);
        assertThat(endpointCount()).isEqualTo(before + 1);
        String ep = made.headers().firstValue("Location").orElseThrow().replaceAll(".*/endpoint/", "");
        for (String action : List.of("/pause", "/resume", "/secret/rotate", "/delete", "")) {
            assertThat(post(base, "/portal/app/" + appId + "/endpoint/" + ep + action, cookie, Map.of("url", "https://b.example/"))
                    .statusCode()).as(action).isEqualTo(403);
        }
        assertThat(herald.get("/api/v1/app/" + appId + "/endpoint/" + ep).get("url").asString()).isEqualTo("https://a.example/hook");
        var audited = herald.get("/api/v1/audit?limit=250").get("data");
        assertThat(audited.valueStream().filter(e -> e.get("route").asString().startsWith("/portal/")).toList())
                .as("one audit row for the change, under its portal route").hasSize(1)
                .allSatisfy(e -> assertThat(e.get("route").asString()).isEqualTo("/portal/app/{app_id}/endpoints/new"));
    }

    @Test
    void anEndpointFormThatCannotBeRead_isA400Page_andWritesNothing() {
        String cookie = enterPortal(herald, base, appId, "{}");
        String newForm = "/portal/app/" + appId + "/endpoints/new";
        String csrf = csrfOf(get(base, newForm, cookie).body());
        int before = endpointCount();
        for (String body : List.of("url=%ZZ&csrf=", "url=https%3A%2F%2Fa.example%2F%00&csrf=", "description=%FF%FE&url=https%3A%2F%2Fa.example&csrf=",
                "url=https%3A%2F%2Fa.example&headers=no-colon&csrf=", "url=https%3A%2F%2Fa.example&format=%7Bbad&csrf=",
                "url=https%3A%2F%2Fa.example&timeoutMs=soon&csrf=", "url=javascript%3Aalert(1)&csrf=")) {
            HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + newForm))
                    .header("Content-Type", "application/x-www-form-urlencoded").header("Cookie", cookie)
                    .POST(HttpRequest.BodyPublishers.ofString(body + csrf)));
            assertThat(r.statusCode()).as(body).isBetween(400, 422);
            assertThat(r.headers().firstValue("Content-Type")).as(body).contains("text/html; charset=utf-8");
        }
        assertThat(endpointCount()).isEqualTo(before);
    }

    @Test
    void aFilterRefused_isShownNextToItsField_andWritesNothing() {
        String cookie = enterPortal(herald, base, appId, "{}");
        String newForm = "/portal/app/" + appId + "/endpoints/new";
        String csrf = csrfOf(get(base, newForm, cookie).body());
        int before = endpointCount();
        HttpResponse<String> r = post(base, newForm, cookie, Map.of("url", "https://a.example/f", "filter", "data.x >", "csrf", csrf));
        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(r.body()).contains("id=\"filter\"", "aria-invalid=\"true\" aria-describedby=\"filter-error\"", "id=\"filter-error\"")
                .contains("value=\"data.x >\"");
        assertThat(endpointCount()).isEqualTo(before);
    }

    @Test
    void theConsole_showsTheSamePages_butAViewer_getsNoFormsAndNoSecret() {
        String ep = herald.post("/api/v1/app/" + appId + "/endpoint", "{\"url\": \"https://v.example/\"}", 201).get("id").asString();
        String admin = signIn(base);
        assertThat(get(base, "/console/app/tenant/endpoint/" + ep, admin).body()).as("an admin may name it by uid")
                .contains("Reveal secret", "name=\"url\"");
        assertThat(get(base, "/console/app/" + appId + "/endpoint/" + ep + "/secret", admin).body()).contains("whsec_");

        String viewerToken = herald.post("/api/v1/token", "{\"role\": \"viewer\"}", 201).get("token").asString();
        String viewer = signIn(base, viewerToken);
        HttpResponse<String> page = get(base, "/console/app/" + appId + "/endpoint/" + ep, viewer);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("https://v.example/").doesNotContain("Reveal secret", "name=\"url\"", "Pause");
        assertThat(get(base, "/console/app/" + appId + "/endpoints", viewer).body()).doesNotContain("New endpoint");
        HttpResponse<String> secret = get(base, "/console/app/" + appId + "/endpoint/" + ep + "/secret", viewer);
        assertThat(secret.statusCode()).isEqualTo(403);
        assertThat(secret.body()).doesNotContain("whsec_");
        String csrf = csrfOf(page.body());
        assertThat(post(base, "/console/app/" + appId + "/endpoint/" + ep + "/pause", viewer, Map.of("csrf", csrf)).statusCode())
                .isEqualTo(403);
        assertThat(herald.get("/api/v1/app/" + appId + "/endpoint/" + ep).get("disabled").asBoolean()).isFalse();

        String readOnly = enterPortal(herald, base, appId, "{\"readOnly\": true}");
        assertThat(get(base, "/portal/app/" + appId + "/endpoint/" + ep, readOnly).body()).doesNotContain("Reveal secret", "name=\"url\"");
        assertThat(get(base, "/portal/app/" + appId + "/endpoint/" + ep + "/secret", readOnly).statusCode()).isEqualTo(403);
    }

    @Test
    void anotherApplicationsIds_areNotFound_inThePortal() {
        String other = herald.post("/api/v1/app", "{\"name\": \"Other\"}", 201).get("id").asString();
        String otherEp = herald.post("/api/v1/app/" + other + "/endpoint", "{\"url\": \"https://o.example/\"}", 201).get("id").asString();
        String cookie = enterPortal(herald, base, appId, "{}");
        for (String path : List.of("/portal/app/" + other + "/endpoints", "/portal/app/" + other + "/endpoint/" + otherEp,
                "/portal/app/" + other + "/endpoint/" + otherEp + "/secret", "/portal/app/" + appId + "/endpoint/" + otherEp)) {
            HttpResponse<String> r = get(base, path, cookie);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(r.body()).as(path).doesNotContain("o.example", "whsec_");
        }
    }

    @Test
    void whatTenantsTypedIntoEndpoints_isEscaped() {
        String hostile = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>`";
        String app = herald.post("/api/v1/app", "{\"name\":" + Json.write(hostile) + "}", 201).get("id").asString();
        herald.post("/api/v1/event-type", "{\"name\": \"hostile.type\", \"description\": " + Json.write(hostile) + "}", 201);
        String ep = herald.post("/api/v1/app/" + app + "/endpoint", "{\"url\": " + Json.write("https://h.example/a'b?c=1&d=2")
                + ", \"description\": " + Json.write(hostile) + ", \"filterTypes\": [\"hostile.type\"]}", 201).get("id").asString();
        String cookie = enterPortal(herald, base, app, "{}");
        for (String path : List.of("/portal/app/" + app + "/endpoints", "/portal/app/" + app + "/endpoint/" + ep,
                "/portal/app/" + app + "/endpoint/" + ep + "/delete")) {
            String body = get(base, path, cookie).body();
            assertThat(body).as(path).doesNotContain("<script>alert", "<img src=x", "\"'>", "&d=2").contains("c=1&amp;d=2");
        }
        assertThat(get(base, "/portal/app/" + app + "/endpoint/" + ep, cookie).body())
                .as("the description in the catalog and the application's name").contains("&lt;script&gt;alert(1)");
        assertThat(get(base, "/portal/app/" + app + "/endpoints", cookie).body()).contains("&lt;img src=x");
    }

    @Test
    void thePortal_mayBeFramedOnlyByThePagesTheSettingNames() {
        String cookie = enterPortal(herald, base, appId, "{}");
        HttpResponse<String> unset = get(base, "/portal/app/" + appId + "/endpoints", cookie);
        assertThat(unset.headers().firstValue("Content-Security-Policy").orElseThrow()).endsWith("frame-ancestors 'none'");
        assertThat(unset.headers().firstValue("X-Frame-Options")).contains("DENY");

        try (TestHerald framed = TestHerald.sqlite(dir.resolve("b"), Map.of("HERALD_TRUSTED_PROXIES", "127.0.0.1/32",
                "HERALD_PORTAL_FRAME_ANCESTORS", "https://app.example.com  https://*.example.org"))) {
            String b = "http://127.0.0.1:" + framed.server.port();
            String app = framed.post("/api/v1/app", "{\"name\": \"Framed\"}", 201).get("id").asString();
            String c = enterPortal(framed, b, app, "{}");
            HttpResponse<String> page = get(b, "/portal/app/" + app + "/endpoints", c);
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
                    .endsWith("frame-ancestors https://app.example.com https://*.example.org").contains("script-src 'self'");
            assertThat(page.headers().firstValue("X-Frame-Options")).as("it would forbid what the setting allows").isEmpty();
            HttpResponse<String> console = get(b, "/console/sign-in", null);
            assertThat(console.headers().firstValue("Content-Security-Policy").orElseThrow()).endsWith("frame-ancestors 'none'");
            assertThat(console.headers().firstValue("X-Frame-Options")).contains("DENY");

            String link = framed.post("/api/v1/auth/app-portal-access/" + app, "{}", 200).get("url").asString();
            HttpResponse<String> behindProxy = send(HttpRequest.newBuilder(URI.create(link)).header("X-Forwarded-Proto", "https"));
            // Framed by another site's page, the cookie must be SameSite=None (and Partitioned) to be sent at all.
            assertThat(behindProxy.headers().firstValue("Set-Cookie").orElseThrow())
                    .startsWith("__Secure-herald-portal=").contains("Secure", "HttpOnly", "SameSite=None", "Partitioned",
                            "Path=/portal");
            // The console's cookie stays Strict whatever the portal allows.
            HttpResponse<String> signIn = send(HttpRequest.newBuilder(URI.create(b + "/console/sign-in"))
                    .header("X-Forwarded-Proto", "https").header("Origin", "https://127.0.0.1:" + framed.server.port())
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("token=" + TestHerald.TOKEN)));
            assertThat(signIn.headers().allValues("Set-Cookie")).isNotEmpty()
                    .allSatisfy(set -> assertThat(set).contains("SameSite=Strict").doesNotContain("Partitioned"));
        }
        // Without the setting, a portal cookie over HTTPS is Strict.
        String link = herald.post("/api/v1/auth/app-portal-access/" + appId, "{}", 200).get("url").asString();
        HttpResponse<String> strict = send(HttpRequest.newBuilder(URI.create(link)).header("X-Forwarded-Proto", "https"));
        assertThat(strict.headers().firstValue("Set-Cookie").orElseThrow()).contains("SameSite=Strict").doesNotContain("Partitioned");
    }
}
