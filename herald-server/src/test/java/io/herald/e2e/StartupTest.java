package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.Json;
import io.herald.api.ApiClient;
import io.herald.testing.LoopbackReceiver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import tools.jackson.databind.JsonNode;

/** {@code herald serve} as an operator meets it: a real process, its output, its data directory. */
// A separate process, mostly waited for: runs beside the other test classes (junit-platform.properties).
@Execution(ExecutionMode.CONCURRENT)
class StartupTest {
    private static final Pattern PRINTED = Pattern.compile("Admin token \\(shown once, store it now\\): (hrld_\\S+)");

    @TempDir
    Path dir;

    @Test
    void firstStart_withoutAdminToken_printsOneOnce_andStoresOnlyItsHash() throws IOException {
        Path data = dir.resolve("data");
        Path log = dir.resolve("herald.log");
        String token;
        try (HeraldProcess first = HeraldProcess.start(data, log, Map.of("HERALD_ADMIN_TOKEN", ""))) {
            Matcher m = PRINTED.matcher(first.log());
            assertThat(m.find()).as(first.log()).isTrue();
            token = m.group(1);
            assertThat(new ApiClient("http://127.0.0.1:" + first.port, token).get("/api/v1/app").status()).isEqualTo(200);
        }
        byte[] db = Files.readAllBytes(data.resolve("herald.db"));
        assertThat(new String(db, StandardCharsets.ISO_8859_1)).doesNotContain(token);

        try (HeraldProcess second = HeraldProcess.start(data, log, Map.of("HERALD_ADMIN_TOKEN", ""))) {
            assertThat(PRINTED.matcher(second.log()).results().count()).as("printed on the first start only").isEqualTo(1);
            assertThat(new ApiClient("http://127.0.0.1:" + second.port, token).get("/api/v1/app").status()).isEqualTo(200);
        }
    }

    @Test
    void adminTokenFromEnv_changed_revokesThePreviousValue() {
        Path data = dir.resolve("data");
        Path log = dir.resolve("herald.log");
        String a = "first-admin-token-0123456789";
        String b = "second-admin-token-0123456789";
        try (HeraldProcess p = HeraldProcess.start(data, log, Map.of("HERALD_ADMIN_TOKEN", a))) {
            assertThat(new ApiClient("http://127.0.0.1:" + p.port, a).get("/api/v1/app").status()).isEqualTo(200);
            assertThat(p.log()).doesNotContain("Admin token (shown once");
        }
        try (HeraldProcess p = HeraldProcess.start(data, log, Map.of("HERALD_ADMIN_TOKEN", b))) {
            assertThat(new ApiClient("http://127.0.0.1:" + p.port, b).get("/api/v1/app").status()).isEqualTo(200);
            assertThat(new ApiClient("http://127.0.0.1:" + p.port, a).get("/api/v1/app").status()).isEqualTo(401);
        }
    }

    @Test
    void serve_badSetting_exitsNonZeroNamingIt() throws Exception {
        ProcessBuilder pb = HeraldProcess.serve().redirectErrorStream(true);
        pb.environment().put("HERALD_DATA_DIR", dir.toString());
        pb.environment().put("HERALD_ALLOWED_TARGETS", "10.0.0.0/99");
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(out).contains("HERALD_ALLOWED_TARGETS");
    }

    @Test
    void serve_wrongSecretKey_exitsNamingTheKey_withoutAStackTrace() throws Exception {
        Path data = dir.resolve("data");
        try (HeraldProcess first = HeraldProcess.start(data, dir.resolve("herald.log"), Map.of())) {
            assertThat(first.log()).contains("Herald created a new secret key in " + data.resolve("herald.key").toAbsolutePath())
                    .contains("BACK IT UP");
            assertThat(first.api.post("/api/v1/app", "{\"name\": \"A\", \"uid\": \"a\"}").status()).isEqualTo(201);
            assertThat(first.api.post("/api/v1/app/a/endpoint", "{\"url\": \"http://127.0.0.1:9/hook\"}").status()).isEqualTo(201);
        }
        ProcessBuilder pb = HeraldProcess.serve().redirectErrorStream(true);
        pb.environment().put("HERALD_DATA_DIR", data.toString());
        pb.environment().put("HERALD_ADMIN_TOKEN", TestHerald.TOKEN);
        pb.environment().put("HERALD_SECRET_KEY", "other:" + java.util.Base64.getEncoder().encodeToString(new byte[32]));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isEqualTo(2);
        assertThat(out).containsPattern("herald: cannot open the stored secrets: endpoint:ep_\\w+:secret is encrypted with key 'k\\d{8}-[0-9a-f]{4}', "
                + "which is not among the keys of HERALD_SECRET_KEY \\(other\\)").doesNotContain("\tat ");
    }

    @Test
    void jsonLogs_everyLineIsAnObject_andADeliveryLineCarriesItsIds() throws Exception {
        Path log = dir.resolve("herald.log");
        String msgId;
        try (LoopbackReceiver receiver = new LoopbackReceiver().fallback(LoopbackReceiver.Reply.status(500));
             HeraldProcess p = HeraldProcess.start(dir.resolve("data"), log,
                     Map.of("HERALD_LOG_FORMAT", "json", "HERALD_RETRY_DELAYS", "none"))) {
            assertThat(p.api.post("/api/v1/app", "{\"name\": \"A\", \"uid\": \"a\"}").status()).isEqualTo(201);
            String ep = p.api.post("/api/v1/app/a/endpoint", "{\"url\": \"" + receiver.url("/hook") + "\"}").text("id");
            msgId = p.api.post("/api/v1/app/a/msg", "{\"eventType\": \"a.b\", \"payload\": {}}").text("id");
            receiver.await(r -> true, 1, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!p.log().contains("failed for good") && System.nanoTime() < deadline) {
                HeraldProcess.sleep(50);
            }
            JsonNode line = Files.readAllLines(log).stream().filter(l -> l.contains("failed for good")).findFirst()
                    .map(Json::read).orElseThrow(() -> new AssertionError("no delivery line:\n" + p.log()));
            assertThat(line.path("level").asString()).isEqualTo("INFO");
            Map<String, String> kv = new HashMap<>();
            line.path("kvpList").forEach(pair -> pair.properties().forEach(e -> kv.put(e.getKey(), e.getValue().asString())));
            assertThat(kv).containsEntry("message_id", msgId).containsEntry("endpoint_id", ep)
                    .containsEntry("outcome", "exhausted").containsKeys("delivery_id", "app_id");
            assertThat(line.path("formattedMessage").asString()).contains(msgId);
        }
        // Every line, start-up and shutdown included, is one JSON object.
        for (String l : Files.readAllLines(log)) {
            assertThat(l).as("a JSON object per line").startsWith("{").endsWith("}");
            assertThat(Json.read(l).isObject()).as(l).isTrue();
        }
    }

    @Test
    void serve_unknownLogFormat_exitsNamingIt() throws Exception {
        ProcessBuilder pb = HeraldProcess.serve().redirectErrorStream(true);
        pb.environment().put("HERALD_DATA_DIR", dir.toString());
        pb.environment().put("HERALD_LOG_FORMAT", "xml");
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(out).contains("HERALD_LOG_FORMAT must be text or json, got 'xml'");
    }
}
