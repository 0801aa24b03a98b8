package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.format.Event;
import io.herald.format.Format;
import io.herald.format.Rendered;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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
            int templates = 0;
            for (JsonNode block : blocks) {
                if (block.has("url")) {
                    JsonNode ep = herald.post("/api/v1/app/docs/endpoint", block.toString(), 201);
                    JsonNode headers = herald.get("/api/v1/app/docs/endpoint/" + ep.get("id").asString() + "/headers").get("headers");
                    for (String member : block.propertyNames()) {
                        JsonNode shown = member.equals("headers") ? headers : ep.get(member);
                        assertThat(shown).as("%s of %s", member, block.get("url")).isNotNull();
                        assertThat(shown.isNull()).as("%s of %s was dropped", member, block.get("url")).isFalse();
                    }
                    templates += rendersValidJson(block.get("format")) ? 1 : 0;
                    endpoints++;
                } else {
                    herald.post("/api/v1/event-type", block.toString(), 201);
                }
            }
            assertThat(endpoints).isGreaterThanOrEqualTo(8);
            assertThat(templates).as("Splunk, Jira, PagerDuty").isEqualTo(3);
        }
    }

    /** A JSON template of the docs renders valid JSON for a finding with hostile text. */
    private static boolean rendersValidJson(JsonNode spec) {
        if (spec == null || !spec.isObject() || !"template".equals(spec.get("type").asString())) {
            return false;
        }
        String payload = """
                {"title": "SQLi \\"quoted\\" in /login", "severity": "critical", "description": "line one\\nline two",
                 "url": "https://scanner.example.com/f/1", "host": "api.example.com"}""";
        Rendered r = Format.parse("format", spec).render(new Event("msg_1", "finding.created", Instant.parse("2026-01-01T00:00:00Z"),
                null, null, payload, new Event.App("app_1", "docs", "Docs")));
        assertThat(r.contentType()).startsWith("application/json");
        assertThat(JsonMapper.shared().readTree(new String(r.body(), StandardCharsets.UTF_8)).isObject()).isTrue();
        return true;
    }
}
