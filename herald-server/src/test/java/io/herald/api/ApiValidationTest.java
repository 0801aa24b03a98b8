package io.herald.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.server.HeraldServer;
import io.herald.server.ServerConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input gets a 4xx problem naming the field, never a 500 and never a partial write. */
class ApiValidationTest {
    static final String TOKEN = "test-admin-token-0123456789";
    @TempDir
    Path dir;
    HeraldServer server;
    ApiClient api;

    @BeforeEach
    void start() {
        ServerConfig config = ServerConfig.fromEnv(Map.of("HERALD_PORT", "0", "HERALD_DATA_DIR", dir.toString(),
                "HERALD_ADMIN_TOKEN", TOKEN));
        server = HeraldServer.start(config, Clock.systemUTC());
        api = new ApiClient("http://127.0.0.1:" + server.port(), TOKEN).checkedAgainstOpenApi();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static void assertProblem(ApiClient.Answer a, int status, String field) {
        assertThat(a.status()).as(a.raw()).isEqualTo(status);
        assertThat(a.body().get("status").asInt()).isEqualTo(status);
        if (field != null) {
            assertThat(a.body().get("errors").get(0).get("field").asString()).isEqualTo(field);
        }
    }

    @Test
    void request_withoutToken_is401() {
        ApiClient anonymous = new ApiClient("http://127.0.0.1:" + server.port(), null);
        assertProblem(anonymous.get("/api/v1/app"), 401, null);
        ApiClient wrong = new ApiClient("http://127.0.0.1:" + server.port(), "not-the-token");
        assertProblem(wrong.get("/api/v1/app"), 401, null);
        assertThat(anonymous.get("/api/v1/health").status()).isEqualTo(204);
    }

    @Test
    void body_malformedJson_is400NamingBody() {
        assertProblem(api.post("/api/v1/app", "{\"name\":"), 400, "body");
        assertProblem(api.post("/api/v1/app", "[1,2]"), 400, "body");
        assertProblem(api.post("/api/v1/app", ""), 400, "body");
    }

    @Test
    void fields_ofWrongTypeOrFormat_are422NamingTheField() {
        assertProblem(api.post("/api/v1/app", "{\"name\": 5}"), 422, "name");
        assertProblem(api.post("/api/v1/app", "{}"), 422, "name");
        assertProblem(api.post("/api/v1/app", "{\"name\": \"a\", \"uid\": \"has space\"}"), 422, "uid");
        assertProblem(api.post("/api/v1/app", "{\"name\": \"a\", \"metadata\": {\"k\": 1}}"), 422, "metadata.k");
        assertProblem(api.post("/api/v1/app", "{\"name\": \"a\", \"rateLimit\": \"x\"}"), 422, "rateLimit");
        assertThat(api.post("/api/v1/app", "{\"name\": \"a\", \"uid\": \"a\"}").status()).isEqualTo(201);

        assertProblem(api.post("/api/v1/app/a/endpoint", "{\"url\": \"ftp://x.example\"}"), 422, "url");
        assertProblem(api.post("/api/v1/app/a/endpoint", "{\"url\": \"http://x.example\"}"), 422, "url");
        assertProblem(api.post("/api/v1/app/a/endpoint", "{\"url\": \"https://x.example\", \"filterTypes\": [\"ok\", 3]}"), 422, "filterTypes[1]");
        assertProblem(api.post("/api/v1/app/a/endpoint", "{\"url\": \"https://x.example\", \"filterTypes\": []}"), 422, "eventTypes");
        assertProblem(api.post("/api/v1/app/a/endpoint", "{\"url\": \"https://x.example\", \"channels\": [\"bad channel\"]}"), 422, "channels[0]");
        assertProblem(api.post("/api/v1/app/a/endpoint", "{\"url\": \"https://x.example\", \"secret\": \"short\"}"), 422, "secret");
        assertProblem(api.post("/api/v1/app/a/endpoint", "{\"url\": \"https://x.example\", \"maxInFlight\": 0}"), 422, "maxInFlight");
        assertProblem(api.post("/api/v1/app/a/endpoint", "{\"url\": \"https://x.example\", \"maxInFlight\": 65}"), 422, "maxInFlight");
        assertProblem(api.post("/api/v1/app/a/endpoint", "{\"url\": \"https://x.example\", \"maxInFlight\": \"4\"}"), 422, "maxInFlight");
        assertProblem(api.post("/api/v1/app/a/endpoint", "{\"url\": \"https://x.example\", \"throttleRate\": 0}"), 422, "throttleRate");
        assertProblem(api.post("/api/v1/app/a/endpoint", "{\"url\": \"https://x.example\", \"headers\": {\"Host\": \"evil\"}}"), 422, "headers.Host");
        assertProblem(api.post("/api/v1/app/a/endpoint", "{\"url\": \"https://x.example\", \"headers\": {\"X-A\": \"a\\r\\nX-B: b\"}}"), 422, "headers.X-A");

        assertProblem(api.post("/api/v1/app/a/msg", "{\"eventType\": \"scan.finished\"}"), 422, "payload");
        assertProblem(api.post("/api/v1/app/a/msg", "{\"eventType\": \"scan.finished\", \"payload\": [1]}"), 422, "payload");
        assertProblem(api.post("/api/v1/app/a/msg", "{\"payload\": {}}"), 422, "eventType");
        assertProblem(api.post("/api/v1/app/a/msg", "{\"eventType\": \"a b\", \"payload\": {}}"), 422, "eventType");
        assertProblem(api.get("/api/v1/app?limit=0"), 422, "limit");
        assertProblem(api.get("/api/v1/app?limit=x"), 422, "limit");
        assertProblem(api.get("/api/v1/app/a/msg?before=yesterday"), 422, "before");

        // Nothing was written by any refused request.
        assertThat(api.get("/api/v1/app/a/endpoint").body().get("data").size()).isZero();
        assertThat(api.get("/api/v1/app/a/msg").body().get("data").size()).isZero();
        assertThat(api.get("/api/v1/app").body().get("data").size()).isEqualTo(1);
    }

    @Test
    void duplicates_areConflicts() {
        assertThat(api.post("/api/v1/app", "{\"name\": \"a\", \"uid\": \"a\"}").status()).isEqualTo(201);
        assertProblem(api.post("/api/v1/app", "{\"name\": \"b\", \"uid\": \"a\"}"), 409, "uid");
        // get_if_exists returns the existing one instead.
        var again = api.post("/api/v1/app?get_if_exists=true", "{\"name\": \"b\", \"uid\": \"a\"}");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.text("name")).isEqualTo("a");

        String msg = "{\"eventType\": \"scan.finished\", \"eventId\": \"evt-1\", \"payload\": {\"n\": 1}}";
        assertThat(api.post("/api/v1/app/a/msg", msg).status()).isEqualTo(201);
        assertProblem(api.post("/api/v1/app/a/msg", msg), 409, "eventId");
        assertThat(api.get("/api/v1/app/a/msg").body().get("data").size()).isEqualTo(1);
        // The same eventId in another app is fine.
        api.post("/api/v1/app", "{\"name\": \"b\", \"uid\": \"b\"}");
        assertThat(api.post("/api/v1/app/b/msg", msg).status()).isEqualTo(201);
    }

    @Test
    void unknownThings_are404_andWrongMethods_405() {
        assertProblem(api.get("/api/v1/app/nope"), 404, null);
        assertProblem(api.get("/api/v1/app/nope/endpoint"), 404, null);
        assertProblem(api.get("/api/v1/nothing-here"), 404, null);
        assertProblem(api.send("PUT", "/api/v1/app", "{}"), 405, null);
    }

    @Test
    void crud_roundTrips_withUidsAndPatchAndPaging() {
        for (int i = 0; i < 5; i++) {
            assertThat(api.post("/api/v1/app", "{\"name\": \"app" + i + "\", \"uid\": \"u" + i + "\"}").status()).isEqualTo(201);
        }
        var page1 = api.get("/api/v1/app?limit=2");
        assertThat(page1.body().get("data").size()).isEqualTo(2);
        assertThat(page1.body().get("done").asBoolean()).isFalse();
        var page2 = api.get("/api/v1/app?limit=2&iterator=" + page1.text("iterator"));
        var page3 = api.get("/api/v1/app?limit=2&iterator=" + page2.text("iterator"));
        assertThat(page3.body().get("data").size()).isEqualTo(1);
        assertThat(page3.body().get("done").asBoolean()).isTrue();
        var back = api.get("/api/v1/app?limit=2&iterator=" + page2.text("prevIterator"));
        assertThat(back.body().get("data")).isEqualTo(page1.body().get("data"));

        var patched = api.patch("/api/v1/app/u1", "{\"metadata\": {\"tier\": \"gold\"}}");
        assertThat(patched.status()).isEqualTo(200);
        assertThat(patched.text("name")).isEqualTo("app1");
        assertThat(patched.body().get("metadata").get("tier").asString()).isEqualTo("gold");
        var put = api.put("/api/v1/app/u1", "{\"name\": \"renamed\"}");
        assertThat(put.text("name")).isEqualTo("renamed");
        // PUT replaces, but addressed by its uid and sent without one, the application keeps it: the
        // same upsert sent twice must not clear it (SvixParityTest: by id, the uid is cleared).
        assertThat(put.text("uid")).isEqualTo("u1");
        assertThat(api.delete("/api/v1/app/u2").status()).isEqualTo(204);
        assertProblem(api.get("/api/v1/app/u2"), 404, null);

        assertThat(api.post("/api/v1/event-type", "{\"name\": \"scan.finished\", \"description\": \"done\"}").status()).isEqualTo(201);
        assertThat(api.patch("/api/v1/event-type/scan.finished", "{\"description\": \"finished\"}").text("description")).isEqualTo("finished");
        assertThat(api.delete("/api/v1/event-type/scan.finished").status()).isEqualTo(204);
        assertThat(api.get("/api/v1/event-type").body().get("data").size()).isZero();
        assertThat(api.get("/api/v1/event-type?include_archived=true").body().get("data").get(0).get("archived").asBoolean()).isTrue();

        var ep = api.post("/api/v1/app/u3/endpoint", "{\"url\": \"https://hooks.example.com/x\", \"uid\": \"main\", \"channels\": [\"campaign-42\"]}");
        assertThat(ep.status()).isEqualTo(201);
        assertThat(api.get("/api/v1/app/u3/endpoint/main").text("id")).isEqualTo(ep.text("id"));
        assertThat(api.get("/api/v1/app/u3/endpoint/main/secret").text("key")).startsWith("whsec_");
        assertThat(api.patch("/api/v1/app/u3/endpoint/main", "{\"disabled\": true}").body().get("disabled").asBoolean()).isTrue();
        assertThat(api.put("/api/v1/app/u3/endpoint/main/headers", "{\"headers\": {\"Authorization\": \"Bearer x\"}}").status()).isEqualTo(204);
        assertThat(api.get("/api/v1/app/u3/endpoint/main/headers").body().get("headers").get("Authorization").asString())
                .as("a sensitive header: masked").isEqualTo("********");
        assertThat(api.patch("/api/v1/app/u3/endpoint/main/headers", "{\"headers\": {\"Authorization\": null, \"X-Team\": \"sec\"}}").status()).isEqualTo(204);
        assertThat(api.get("/api/v1/app/u3/endpoint/main/headers").body().get("headers").propertyNames()).containsExactly("X-Team");
    }

    @Test
    void payload_overOneMebibyteOfUtf8_is422NamingPayload_evenWhenFewerCharacters() {
        assertThat(api.post("/api/v1/app", "{\"name\": \"A\", \"uid\": \"a\"}").status()).isEqualTo(201);
        // 530,000 two-byte characters: under the limit counted in characters, over it in bytes.
        String big = "\u00e9".repeat(530_000);
        assertProblem(api.post("/api/v1/app/a/msg", "{\"eventType\": \"x\", \"payload\": {\"t\": \"" + big + "\"}}"),
                422, "payload");
        assertThat(api.get("/api/v1/app/a/msg").body().get("data").size()).isZero();
        String fits = "\u00e9".repeat(500_000);
        assertThat(api.post("/api/v1/app/a/msg", "{\"eventType\": \"x\", \"payload\": {\"t\": \"" + fits + "\"}}").status())
                .isEqualTo(201);
    }
}
