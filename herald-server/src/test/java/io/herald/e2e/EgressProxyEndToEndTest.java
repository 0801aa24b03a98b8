package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.testing.LoopbackConnectProxy;
import io.herald.testing.LoopbackReceiver;
import io.herald.testing.LoopbackReceiver.Reply;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** HERALD_PROXY_URL: deliveries leave through the operator's CONNECT proxy; the SSRF guard still rules. */
class EgressProxyEndToEndTest {
    @TempDir
    Path dir;

    @Test
    void publish_isDeliveredThroughTheProxy_andTheGuardStillRefusesInternalTargets() {
        try (LoopbackReceiver receiver = new LoopbackReceiver().fallback(Reply.status(200));
             LoopbackConnectProxy proxy = new LoopbackConnectProxy();
             TestHerald herald = TestHerald.sqlite(dir, Map.of("HERALD_PROXY_URL", "http://127.0.0.1:" + proxy.port()))) {
            herald.post("/api/v1/app", "{\"name\": \"A\", \"uid\": \"a\"}", 201);
            // 10.0.0.0/8 is not among HERALD_ALLOWED_TARGETS (127.0.0.1/32 in tests): a proxy changes nothing.
            JsonNode refused = herald.post("/api/v1/app/a/endpoint", "{\"url\": \"http://10.1.2.3:8080/internal\"}", 422);
            assertThat(refused.path("detail").asString()).contains("non-public range 10.0.0.0/8");
            herald.post("/api/v1/app/a/endpoint", "{\"url\": \"" + receiver.url("/hook") + "\"}", 201);
            String msg = herald.post("/api/v1/app/a/msg", "{\"eventType\": \"a.b\", \"payload\": {\"n\": 1}}", 201)
                    .path("id").asString();

            JsonNode attempt = herald.awaitAttempts("a", msg, 1).get(0);
            assertThat(attempt.path("responseStatusCode").asInt()).isEqualTo(200);
            assertThat(receiver.received("/hook")).hasSize(1);
            assertThat(proxy.asks()).extracting(LoopbackConnectProxy.Ask::target)
                    .containsExactly("127.0.0.1:" + receiver.port());
        }
    }
}
