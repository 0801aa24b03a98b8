package io.herald.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.e2e.TestHerald;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console over plain HTTP, no browser: routing beside the API, the session cookie, CSRF
 * refusals that write nothing, page headers, escaping of what tenants typed, and the templates'
 * freedom from inline code (which the CSP would refuse).
 */
class ConsoleHttpTest {
    @TempDir
    static Path dir;
    static TestHerald herald;
    static String base;
    static final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");

    @BeforeAll
    static void start() {
        herald = TestHerald.sqlite(dir.resolve("a"), Map.of());
        base = "http://127.0.0.1:" + herald.server.port();
    }

    @AfterAll
    static void stop() {
        herald.close();
    }

    static HttpResponse<String> send(HttpRequest.Builder b) {
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    static HttpResponse<String> get(String path, String cookie) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return send(b);
    }

    static HttpResponse<String> post(String base, String path, String cookie, Map<String, String> form, String... headers) {
        StringBuilder body = new StringBuilder();
        form.forEach((k, v) -> body.append(body.isEmpty() ? "" : "&").append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b);
    }

    /** Signs in with the admin token; returns the Cookie header to send. */
    static String signIn(String base) {
        return signIn(base, TestHerald.TOKEN);
    }

    static String signIn(String base, String token) {
        HttpResponse<String> r = post(base, "/console/sign-in", null, Map.of("token", token));
        assertThat(r.statusCode()).isEqualTo(303);
        String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    static String csrfOf(String page) {
        Matcher m = CSRF.matcher(page);
        assertThat(m.find()).as("the page has a CSRF field").isTrue();
        return m.group(1);
    }

    private static int applicationCount() {
        return herald.get("/api/v1/app?limit=250").get("data").size();
    }

    @Test
    void root_redirectsToTheConsole_andTheApiAnswersAsBefore() {
        assertThat(get("/", null).statusCode()).isEqualTo(303);
        assertThat(get("/", null).headers().firstValue("Location")).contains("/console/");
        assertThat(get("/console", null).headers().firstValue("Location")).contains("/console/");
        assertThat(get("/console/apps", null).headers().firstValue("Location")).as("signed out").contains("/console/sign-in");
        assertThat(get("/api/v1/health", null).statusCode()).isEqualTo(204);
        assertThat(get("/api/v1/app", null).statusCode()).as("the API's own 401").isEqualTo(401);
        assertThat(get("/elsewhere", null).headers().firstValue("Content-Type")).contains("application/problem+json");
    }

    @Test
    void pages_carryAStrictCsp_andNoCaching() {
        HttpResponse<String> r = get("/console/sign-in", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Security-Policy")).contains(PageHeaders.CONSOLE_CSP);
        assertThat(r.headers().firstValue("Content-Security-Policy").orElseThrow())
                .contains("script-src 'self'", "style-src 'self'", "frame-ancestors 'none'").doesNotContain("unsafe");
        assertThat(r.headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(r.headers().firstValue("X-Frame-Options")).contains("DENY");
        assertThat(r.headers().firstValue("Referrer-Policy")).contains("no-referrer");
        assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
    }

    @Test
    void assets_areServedFingerprinted_andImmutable() {
        String page = get("/console/sign-in", null).body();
        Matcher css = Pattern.compile("href=\"(/assets/herald-[0-9a-f]{10}\\.css)\"").matcher(page);
        Matcher js = Pattern.compile("src=\"(/assets/htmx-[0-9.]+\\.min\\.js)\"").matcher(page);
        assertThat(css.find()).isTrue();
        assertThat(js.find()).isTrue();
        for (String path : List.of(css.group(1), js.group(1))) {
            HttpResponse<String> r = get(path, null);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Cache-Control")).contains("public, max-age=31536000, immutable");
            assertThat(r.body()).isNotEmpty();
        }
        assertThat(get("/assets/herald.css", null).statusCode()).isEqualTo(404);
    }

    @Test
    void theSessionCookie_isHttpOnlyAndStrict_andSecureOnlyBehindATrustedHttpsProxy() {
        HttpResponse<String> plain = post(base, "/console/sign-in", null, Map.of("token", TestHerald.TOKEN),
                "X-Forwarded-Proto", "https");
        String cookie = plain.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).startsWith("herald-console=").contains("HttpOnly", "SameSite=Strict", "Path=/console")
                .as("an untrusted peer's X-Forwarded-Proto is not believed").doesNotContain("Secure");

        try (TestHerald behindProxy = TestHerald.sqlite(dir.resolve("b"), Map.of("HERALD_TRUSTED_PROXIES", "127.0.0.1/32"))) {
            String proxied = "http://127.0.0.1:" + behindProxy.server.port();
            HttpResponse<String> r = post(proxied, "/console/sign-in", null, Map.of("token", TestHerald.TOKEN),
                    "X-Forwarded-Proto", "https");
            assertThat(r.headers().firstValue("Set-Cookie").orElseThrow())
                    .startsWith("__Host-herald-console=").contains("HttpOnly", "SameSite=Strict", "Secure", "Path=/");
        }
    }

    @Test
    void aBadToken_isRefused_withNoCookie() {
        HttpResponse<String> r = post(base, "/console/sign-in", null, Map.of("token", "not-a-token"));
        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(r.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(r.body()).contains("This token is not valid");
    }

    @Test
    void aFormWithoutTheRightCsrfToken_orFromAnotherSite_isRefused_andWritesNothing() {
        String cookie = signIn(base);
        String csrf = csrfOf(get("/console/apps/new", cookie).body());
        int before = applicationCount();

        assertThat(post(base, "/console/apps/new", cookie, Map.of("name", "forged")).statusCode()).as("no token").isEqualTo(403);
        assertThat(post(base, "/console/apps/new", cookie, Map.of("name", "forged", "csrf", csrf + "x")).statusCode())
                .as("wrong token").isEqualTo(403);
        assertThat(post(base, "/console/apps/new", cookie, Map.of("name", "forged", "csrf", csrf), "Sec-Fetch-Site", "cross-site")
                .statusCode()).as("cross-site").isEqualTo(403);
        assertThat(post(base, "/console/apps/new", cookie, Map.of("name", "forged", "csrf", csrf), "Origin", "https://evil.example")
                .statusCode()).as("another origin").isEqualTo(403);
        HttpResponse<String> refused = post(base, "/console/apps/new", null, Map.of("name", "forged", "csrf", csrf));
        assertThat(refused.statusCode()).as("no session").isEqualTo(403);
        assertThat(refused.headers().firstValue("Content-Security-Policy")).as("a 403 page is a page too").isPresent();
        assertThat(post(base, "/console/sign-in", null, Map.of("token", TestHerald.TOKEN), "Sec-Fetch-Site", "cross-site")
                .statusCode()).as("sign-in from another site").isEqualTo(403);
        assertThat(applicationCount()).isEqualTo(before);

        HttpResponse<String> ok = post(base, "/console/apps/new", cookie, Map.of("name", "made here", "csrf", csrf),
                "Origin", base, "Sec-Fetch-Site", "same-origin");
        assertThat(ok.statusCode()).isEqualTo(303);
        assertThat(applicationCount()).isEqualTo(before + 1);
        var audited = herald.get("/api/v1/audit?limit=250").get("data");
        assertThat(audited.valueStream().filter(e -> e.get("route").asString().equals("/console/apps/new")).toList())
                .as("one audit row for the change, none for the refusals").hasSize(1)
                .allSatisfy(e -> assertThat(e.get("fields").toString()).contains("name").doesNotContain("csrf"));
    }

    @Test
    void aViewer_readsButCannotCreate_andAnApplicationToken_isSentToItsPortal() {
        String viewer = herald.post("/api/v1/token", "{\"role\": \"viewer\"}", 201).get("token").asString();
        String cookie = signIn(base, viewer);
        HttpResponse<String> list = get("/console/apps", cookie);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).doesNotContain("New application");
        int before = applicationCount();
        String csrf = csrfOf(list.body());
        assertThat(post(base, "/console/apps/new", cookie, Map.of("name", "by a viewer", "csrf", csrf)).statusCode()).isEqualTo(403);
        assertThat(applicationCount()).isEqualTo(before);

        String app = herald.post("/api/v1/app", "{\"name\": \"portal only\"}", 201).get("id").asString();
        String appToken = herald.post("/api/v1/auth/app-portal-access/" + app, "{}", 200).get("token").asString();
        HttpResponse<String> refused = post(base, "/console/sign-in", null, Map.of("token", appToken));
        assertThat(refused.statusCode()).isEqualTo(422);
        assertThat(refused.body()).contains("portal");
        assertThat(refused.headers().firstValue("Set-Cookie")).isEmpty();
    }

    @Test
    void aFormThatCannotBeRead_isA4xxPage_andWritesNothing() throws IOException {
        String cookie = signIn(base);
        String csrf = csrfOf(get("/console/apps/new", cookie).body());
        int before = applicationCount();
        for (String body : List.of("name=%ZZ&csrf=" + csrf, "name=a%00b&csrf=" + csrf, "name=%FF%FE&csrf=" + csrf)) {
            HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/console/apps/new"))
                    .header("Content-Type", "application/x-www-form-urlencoded").header("Cookie", cookie)
                    .POST(HttpRequest.BodyPublishers.ofString(body)));
            assertThat(r.statusCode()).as(body).isEqualTo(400);
            assertThat(r.headers().firstValue("Content-Type")).contains("text/html; charset=utf-8");
        }
        // Too large by its declared length: refused before a byte of it is read, so none is sent
        // (the server closes the connection; a client still sending would miss the answer).
        try (Socket socket = new Socket("127.0.0.1", herald.server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /console/apps/new HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                    + "Cookie: " + cookie + "\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    + "Content-Length: " + (WebHandler.MAX_FORM_BYTES + 1) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 413").contains("text/html; charset=utf-8");
        }
        assertThat(applicationCount()).isEqualTo(before);
    }

    @Test
    void signOut_endsTheSession() {
        String cookie = signIn(base);
        String csrf = csrfOf(get("/console/apps", cookie).body());
        assertThat(post(base, "/console/sign-out", cookie, Map.of()).statusCode()).as("no CSRF token").isEqualTo(403);
        HttpResponse<String> out = post(base, "/console/sign-out", cookie, Map.of("csrf", csrf));
        assertThat(out.statusCode()).isEqualTo(303);
        assertThat(out.headers().firstValue("Set-Cookie").orElseThrow()).contains("Expires=Thu, 01 Jan 1970");
        assertThat(get("/console/apps", cookie).headers().firstValue("Location")).contains("/console/sign-in");
    }

    @Test
    void whatTenantsTyped_isEscapedOnEveryPage() {
        String hostile = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>`";
        String id = herald.post("/api/v1/app", "{\"name\":" + io.herald.Json.write(hostile) + "}", 201).get("id").asText();
        String cookie = signIn(base);
        for (String path : List.of("/console/apps", "/console/apps?q=" + URLEncoder.encode(hostile, StandardCharsets.UTF_8),
                "/console/app/" + id)) {
            String page = get(path, cookie).body();
            assertThat(page).as(path).contains("&lt;script&gt;alert(1)&lt;/script&gt;")
                    .doesNotContain("<script>alert", "<img src=x", "\"'><img");
        }
    }

    @Test
    void templates_haveNoInlineStyleOrScript() throws IOException {
        Path root = Path.of("src/main/jte");
        Pattern inline = Pattern.compile("(?i)<style|\\sstyle\\s*=|<script(?![^>]*\\ssrc=)[^>]*>|\\son[a-z]+\\s*=|javascript:|hx-on");
        try (Stream<Path> files = Files.walk(root)) {
            List<Path> templates = files.filter(p -> p.toString().endsWith(".jte")).toList();
            assertThat(templates).isNotEmpty();
            for (Path t : templates) {
                assertThat(inline.matcher(Files.readString(t)).find()).as(t + " has inline style or script").isFalse();
            }
        }
    }
}
