package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Every endpoint and event type shown in docs/integrations.md is accepted by the API as written. */
class IntegrationsDocTest {
    private static final Pattern JSON_BLOCK = Pattern.compile("```json\\n(.*?)```", Pattern.DOTALL);

    @Test
    void docsExamples_areAcceptedByTheApi(@TempDir Path dir) throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "integrations.md"));
        List<JsonNode> blocks = new ArrayList<>();
        Matcher m = JSON_BLOCK.matcher(doc);
        while (m.find()) {
            blocks.add(JsonMapper.shared().readTree(m.group(1)));
        }
        assertThat(blocks).hasSizeGreaterThanOrEqualTo(9);
        try (TestHerald herald = TestHerald.sqlite(dir, Map.of())) {
            herald.post("/api/v1/app", "{\"name\": \"Docs\", \"uid\": \"docs\"}", 201);
            int endpoints = 0;
            for (JsonNode block : blocks) {
                if (block.has("url")) {
                    JsonNode ep = herald.post("/api/v1/app/docs/endpoint", block.toString(), 201);
                    assertThat(ep.get("url").asString()).isEqualTo(block.get("url").asString());
                    endpoints++;
                } else {
                    herald.post("/api/v1/event-type", block.toString(), 201);
                }
            }
            assertThat(endpoints).isGreaterThanOrEqualTo(8);
        }
    }
}
