package io.herald.format;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each format renders three realistic events exactly as the files under
 * {@code src/test/resources/golden/format/<format>/} say. Run with {@code -Dherald.golden.update=true}
 * to rewrite the files after an intended change, then read the diff.
 *
 * <p>{@code envelope-workspace_id} is the envelope with the tenant under {@code workspace_id}, as
 * CloudThinker's receivers read it. Campaign-expired comes from an application without a uid.
 *
 * <p>Slack and Teams bodies are stored pretty-printed for review and compared as JSON trees (member
 * order included); every other body is compared byte for byte.
 */
class GoldenFormatTest {
    private static final Path DIR = Path.of("src/test/resources/golden/format");
    private static final boolean UPDATE = Boolean.getBoolean("herald.golden.update");

    private static final String TEMPLATE = """
            {"text":"{{type}}: {{data.title}}{{^data.title}}{{data.summary}}{{data.name}}{{/data.title}}",\
            "severity":"{{data.severity}}","message":"{{id}}","eventId":"{{eventId}}","at":"{{timestamp}}",\
            "channels":[{{#channels}}"{{.}}"{{^-last}},{{/-last}}{{/channels}}],"tenant":"{{tenant}}",\
            "app":{"id":"{{app.id}}","uid":"{{app.uid}}","name":"{{app.name}}"},"data":{{{data}}}}""";

    private static final Map<String, String> SPECS = Map.of(
            "json", "\"json\"",
            "envelope", "\"envelope\"",
            "envelope-workspace_id", "{\"type\":\"envelope\",\"tenantMember\":\"workspace_id\"}",
            "slack", "\"slack\"",
            "teams", "\"teams\"",
            "cef", "{\"type\":\"cef\",\"vendor\":\"Acme\",\"product\":\"Scanner\",\"version\":\"2.4\"}",
            "syslog", "{\"type\":\"syslog\",\"hostname\":\"herald-1.example.com\",\"facility\":13}",
            "template", Json.write(Json.MAPPER.createObjectNode().put("type", "template").put("template", TEMPLATE)));

    private static final Map<String, Event> EVENTS = Map.of(
            "scan-finished", Events.SCAN_FINISHED,
            "finding-created", Events.FINDING_CREATED,
            "campaign-expired", Events.CAMPAIGN_EXPIRED);

    private static final Map<String, String> CONTENT_TYPES = Map.of(
            "json", "application/json", "envelope", "application/json", "envelope-workspace_id", "application/json",
            "slack", "application/json",
            "teams", "application/json", "cef", "text/plain; charset=utf-8", "syslog", "text/plain; charset=utf-8",
            "template", "application/json");

    static Stream<Arguments> cases() {
        return SPECS.keySet().stream().sorted()
                .flatMap(f -> EVENTS.keySet().stream().sorted().map(e -> Arguments.of(f, e)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void render_realisticEvent_matchesGoldenFile(String format, String event) throws IOException {
        Rendered rendered = Format.parse("format", Json.read(SPECS.get(format))).render(EVENTS.get(event));
        boolean pretty = format.equals("slack") || format.equals("teams");
        Path file = DIR.resolve(format).resolve(event + (format.equals("cef") || format.equals("syslog") ? ".txt" : ".json"));
        String actual = pretty ? Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(Json.read(rendered.text()))
                : rendered.text();

        if (UPDATE) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, actual, StandardCharsets.UTF_8);
        }
        String expected = Files.readString(file, StandardCharsets.UTF_8);

        assertThat(rendered.contentType()).isEqualTo(CONTENT_TYPES.get(format));
        if (pretty) {
            // Tree equality ignores member order; the canonical re-serialization does not.
            assertThat(Json.write(Json.read(rendered.text()))).isEqualTo(Json.write(Json.read(expected)));
            assertThat(rendered.text()).isEqualTo(Json.write(Json.read(rendered.text()))); // sent compact
        } else {
            assertThat(actual).isEqualTo(expected);
        }
    }
}
