package io.herald.web;

import static io.herald.web.ConsoleHttpTest.csrfOf;
import static io.herald.web.ConsoleHttpTest.post;
import static io.herald.web.ConsoleHttpTest.signIn;
import static io.herald.web.PortalHttpTest.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.herald.e2e.TestHerald;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The console's event-type catalog (and operational webhooks) over plain HTTP: forms that write
 * what the API then shows, refusals next to their field, viewers without forms, CSRF, escaping.
 */
class CatalogPagesHttpTest {
    @TempDir
    static Path dir;
    static TestHerald herald;
    static String base;
    static String cookie;
    static String csrf;

    @BeforeAll
    static void start() {
        herald = TestHerald.sqlite(dir, Map.of());
        base = "http://127.0.0.1:" + herald.server.port();
        cookie = signIn(base);
        csrf = csrfOf(page("/console/event-types"));
    }

    @AfterAll
    static void stop() {
        if (herald != null) {
            herald.close();
        }
    }

    private static String page(String path) {
        HttpResponse<String> r = get(base, path, cookie);
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        return r.body();
    }

    private static HttpResponse<String> form(String path, Map<String, String> fields) {
        Map<String, String> all = new java.util.LinkedHashMap<>(fields);
        all.put("csrf", csrf);
        return post(base, path, cookie, all);
    }

    @Test
    void anEventType_isCreatedEditedArchivedAndUnarchived_throughTheForms_asTheApiSeesIt() {
        assertThat(page("/console/apps")).contains("href=\"/console/event-types\"");
        HttpResponse<String> made = form("/console/event-types/new", Map.of("name", "order.shipped", "description", "An order left",
                "schemas", "{\"1\": {\"type\": \"object\", \"required\": [\"id\"]}}", "example", "{\"id\": \"o_1\"}"));
        assertThat(made.statusCode()).isEqualTo(303);
        assertThat(made.headers().firstValue("Location")).hasValue("/console/event-type/order.shipped");
        JsonNode t = herald.get("/api/v1/event-type/order.shipped");
        assertThat(t.get("description").asString()).isEqualTo("An order left");
        assertThat(t.get("example").get("id").asString()).isEqualTo("o_1");
        assertThat(t.get("schemas").get("1").get("required").get(0).asString()).isEqualTo("id");
        assertThat(page("/console/event-types")).contains("order.shipped").contains("An order left");
        assertThat(page("/console/event-type/order.shipped")).contains("\"required\"").contains("o_1");

        assertThat(form("/console/event-type/order.shipped", Map.of("description", "An order left the warehouse",
                "schemas", "{\"1\": {\"type\": \"object\", \"required\": [\"id\"]}}", "example", "{\"id\": \"o_2\"}")).statusCode()).isEqualTo(303);
        t = herald.get("/api/v1/event-type/order.shipped");
        assertThat(t.get("description").asString()).isEqualTo("An order left the warehouse");
        assertThat(t.get("example").get("id").asString()).isEqualTo("o_2");

        assertThat(form("/console/event-type/order.shipped/archive", Map.of()).statusCode()).isEqualTo(303);
        assertThat(herald.get("/api/v1/event-type/order.shipped").get("archived").asBoolean()).isTrue();
        assertThat(page("/console/event-types")).doesNotContain("order.shipped");
        assertThat(page("/console/event-types?archived=1")).contains("order.shipped").contains("archived");
        assertThat(form("/console/event-type/order.shipped/unarchive", Map.of()).statusCode()).isEqualTo(303);
        assertThat(herald.get("/api/v1/event-type/order.shipped").get("archived").asBoolean()).isFalse();
        assertThat(auditedRoutes("/console/event-type")).contains("/console/event-types/new", "/console/event-type/{name}",
                "/console/event-type/{name}/archive", "/console/event-type/{name}/unarchive");
    }

    private static java.util.List<String> auditedRoutes(String prefix) {
        return herald.get("/api/v1/audit?limit=250").get("data").valueStream().map(e -> e.get("route").asString())
                .filter(r -> r.startsWith(prefix)).toList();
    }

    @Test
    void theCatalog_isPaged() {
        for (int i = 0; i <= WebHandler.PAGE_SIZE; i++) {
            herald.post("/api/v1/event-type", "{\"name\":\"zz.page.%02d\",\"description\":\"d\"}".formatted(i), 201);
        }
        String first = page("/console/event-types");
        java.util.regex.Matcher next = java.util.regex.Pattern.compile("href=\"(/console/event-types\\?iterator=[^\"]+)\" rel=\"next\"").matcher(first);
        assertThat(next.find()).as("a Next link").isTrue();
        assertThat(first).doesNotContain("zz.page.50");
        assertThat(page(next.group(1).replace("&amp;", "&"))).contains("zz.page.50").contains("rel=\"prev\"");
    }

    @Test
    void aBadSchemaOrExample_showsItsErrorNextToTheField_andWritesNothing() {
        HttpResponse<String> r = form("/console/event-types/new", Map.of("name", "bad.schema", "description", "kept text",
                "schemas", "{\"1\": {\"type\": 12}}", "example", ""));
        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(r.body()).contains("id=\"schemas-error\"").contains("aria-describedby=\"schemas-error\"").contains("kept text");
        HttpResponse<String> notJson = form("/console/event-types/new", Map.of("name", "bad.example", "description", "",
                "schemas", "", "example", "{not json"));
        assertThat(notJson.statusCode()).isEqualTo(422);
        assertThat(notJson.body()).contains("id=\"example-error\"").contains("example is not valid JSON");
        assertThat(herald.api.get("/api/v1/event-type/bad.schema").status()).isEqualTo(404);
        assertThat(herald.api.get("/api/v1/event-type/bad.example").status()).isEqualTo(404);
    }

    @Test
    void aViewer_seesNoForms_andIsRefusedAPost() {
        herald.post("/api/v1/event-type", "{\"name\":\"viewer.sees\",\"description\":\"Seen\",\"example\":{\"a\":1}}", 201);
        String viewer = herald.post("/api/v1/token", "{\"role\": \"viewer\"}", 201).get("token").asString();
        String vc = signIn(base, viewer);
        String list = get(base, "/console/event-types", vc).body();
        assertThat(list).contains("viewer.sees").doesNotContain("New event type");
        String one = get(base, "/console/event-type/viewer.sees", vc).body();
        assertThat(one).contains("Seen").doesNotContain("<textarea").doesNotContain("/archive");
        assertThat(post(base, "/console/event-types/new", vc, Map.of("name", "by.viewer", "csrf", csrfOf(list))).statusCode()).isEqualTo(403);
        assertThat(post(base, "/console/event-type/viewer.sees/archive", vc, Map.of("csrf", csrfOf(list))).statusCode()).isEqualTo(403);
        assertThat(herald.api.get("/api/v1/event-type/by.viewer").status()).isEqualTo(404);
        assertThat(herald.get("/api/v1/event-type/viewer.sees").get("archived").asBoolean()).isFalse();
    }

    @Test
    void withoutTheCsrfToken_nothingIsWritten() {
        herald.post("/api/v1/event-type", "{\"name\":\"csrf.kept\",\"description\":\"Kept\"}", 201);
        assertThat(post(base, "/console/event-types/new", cookie, Map.of("name", "forged.type")).statusCode()).isEqualTo(403);
        assertThat(post(base, "/console/event-type/csrf.kept/archive", cookie, Map.of()).statusCode()).isEqualTo(403);
        assertThat(post(base, "/console/event-type/csrf.kept", cookie, Map.of("description", "changed", "csrf", "wrong")).statusCode())
                .isEqualTo(403);
        assertThat(herald.api.get("/api/v1/event-type/forged.type").status()).isEqualTo(404);
        JsonNode t = herald.get("/api/v1/event-type/csrf.kept");
        assertThat(t.get("archived").asBoolean()).isFalse();
        assertThat(t.get("description").asString()).isEqualTo("Kept");
    }

    @Test
    void hostileDescriptionsAndExamples_areEscaped() {
        herald.post("/api/v1/event-type", "{\"name\":\"hostile.type\",\"description\":\"<script>alert(1)</script>\","
                + "\"example\":{\"x\":\"<img src=x onerror=alert(2)>\"}}", 201);
        for (String p : new String[] {"/console/event-types", "/console/event-type/hostile.type"}) {
            String body = page(p);
            assertThat(body).as(p).doesNotContain("<script>alert").doesNotContain("<img src=x").contains("&lt;script");
        }
    }

    private static final String OPS = "/api/v1/operational-webhook/endpoint";

    @Test
    void anOperationalWebhook_isCreatedEditedRotatedAndDeleted_throughTheForms_asTheApiSeesIt() {
        assertThat(page("/console/apps")).contains("href=\"/console/operational/endpoints\"");
        String form = page("/console/operational/endpoints/new");
        assertThat(form).contains("endpoint.disabled").doesNotContain("name=\"channels\"");
        HttpResponse<String> refused = form("/console/operational/endpoints/new", Map.of("url", "https://ops.example.com/hook",
                "filterTypes", "invoice.paid"));
        assertThat(refused.statusCode()).isEqualTo(422);
        assertThat(refused.body()).contains("id=\"filterTypes-error\"");
        assertThat(herald.get(OPS).get("data")).isEmpty();

        HttpResponse<String> made = form("/console/operational/endpoints/new", Map.of("url", "https://ops.example.com/hook",
                "description", "Pager <b>duty</b>", "filterTypes", "endpoint.disabled", "headers", "X-Team: ops"));
        assertThat(made.statusCode()).isEqualTo(303);
        JsonNode ep = herald.get(OPS).get("data").get(0);
        String id = ep.get("id").asString();
        assertThat(made.headers().firstValue("Location")).hasValue("/console/operational/endpoint/" + id);
        assertThat(ep.get("url").asString()).isEqualTo("https://ops.example.com/hook");
        assertThat(ep.get("filterTypes").get(0).asString()).isEqualTo("endpoint.disabled");
        assertThat(page("/console/operational/endpoints")).contains("ops.example.com").contains("Pager &lt;b&gt;duty")
                .doesNotContain("/messages");

        assertThat(form("/console/operational/endpoint/" + id, Map.of("url", "https://ops.example.com/v2",
                "filterTypes", "message.attempt.exhausted")).statusCode()).isEqualTo(303);
        ep = herald.get(OPS + "/" + id);
        assertThat(ep.get("url").asString()).isEqualTo("https://ops.example.com/v2");
        assertThat(ep.get("filterTypes").get(0).asString()).isEqualTo("message.attempt.exhausted");
        assertThat(herald.get(OPS + "/" + id + "/headers").get("headers").get("X-Team").asString()).as("empty headers keep them").isEqualTo("ops");

        String before = herald.get(OPS + "/" + id + "/secret").get("key").asString();
        assertThat(get(base, "/console/operational/endpoint/" + id + "/secret", cookie).body()).contains(before);
        assertThat(form("/console/operational/endpoint/" + id + "/secret/rotate", Map.of()).statusCode()).isEqualTo(303);
        assertThat(herald.get(OPS + "/" + id + "/secret").get("key").asString()).isNotEqualTo(before);

        String viewer = herald.post("/api/v1/token", "{\"role\": \"viewer\"}", 201).get("token").asString();
        String vc = signIn(base, viewer);
        String seen = get(base, "/console/operational/endpoint/" + id, vc).body();
        assertThat(seen).contains("ops.example.com/v2").doesNotContain("Rotate secret").doesNotContain("<input id=\"url\"");
        assertThat(get(base, "/console/operational/endpoint/" + id + "/secret", vc).statusCode()).isEqualTo(403);
        assertThat(post(base, "/console/operational/endpoint/" + id + "/delete", vc, Map.of("csrf", csrfOf(seen))).statusCode()).isEqualTo(403);
        assertThat(post(base, "/console/operational/endpoint/" + id + "/delete", cookie, Map.of()).statusCode()).as("no CSRF").isEqualTo(403);
        assertThat(herald.api.get(OPS + "/" + id).status()).isEqualTo(200);

        assertThat(page("/console/operational/endpoint/" + id + "/delete")).contains("Delete");
        assertThat(form("/console/operational/endpoint/" + id + "/delete", Map.of()).statusCode()).isEqualTo(303);
        assertThat(herald.api.get(OPS + "/" + id).status()).isEqualTo(404);
        assertThat(auditedRoutes("/console/operational/")).containsExactlyInAnyOrder("/console/operational/endpoints/new",
                "/console/operational/endpoint/{endpoint_id}", "/console/operational/endpoint/{endpoint_id}/secret/rotate",
                "/console/operational/endpoint/{endpoint_id}/delete");
    }
}
