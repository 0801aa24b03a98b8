package io.herald.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.herald.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** No payload that is a JSON object makes any format throw. */
class RobustnessTest {
    private static final List<String> SPECS = List.of("\"json\"", "\"envelope\"", "\"slack\"", "\"teams\"", "\"cef\"",
            "\"syslog\"", "{\"type\":\"template\",\"template\":\"{\\\"d\\\":\\\"{{data}}\\\",\\\"t\\\":\\\"{{data.title}}\\\","
                    + "\\\"r\\\":{{{data}}}}{{#data.list}}{{.}}{{/data.list}}\"}",
            "{\"type\":\"cef\",\"titleField\":\"x\",\"linkField\":\"y\",\"severityField\":\"z\"}");

    static Stream<Arguments> cases() {
        List<String> payloads = new ArrayList<>(List.of(
                "{}", "{\"a\":null}", "{\"\":\"\"}", "{\"title\":\"\"}", "{\"title\":\"   \"}", "{\"title\":null}",
                "{\"n\":1e400,\"m\":-0.0,\"big\":123456789012345678901234567890123}",
                "{\"severity\":{\"x\":1}}", "{\"severity\":[1]}", "{\"severity\":-5}", "{\"severity\":1e999}",
                "{\"severity\":\"" + "9".repeat(5000) + "\"}",
                "{\"url\":\"http://\"}", "{\"url\":\"https://[::1]:99999/x\"}", "{\"url\":\"https://exa mple.com\"}",
                "{\"x\":\"https://a.example\",\"y\":7,\"z\":\"hi\"}",
                "{\"title\":\"\\ud800\"}", "{\"list\":[null,{},[]]}",
                "{\"s\":\"" + "\u00e9".repeat(200_000) + "\"}",
                "{\"d\":" + "[".repeat(400) + "]".repeat(400) + "}"));
        StringBuilder many = new StringBuilder("{");
        for (int i = 0; i < 2000; i++) {
            many.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":").append(i);
        }
        payloads.add(many.append('}').toString());
        return SPECS.stream().flatMap(s -> payloads.stream().map(p -> Arguments.of(s, p)));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void render_oddButValidJsonObject_neverThrows(String spec, String payload) {
        Format format = Format.parse("format", Json.read(spec));
        Event event = new Event("m", "t.x", Instant.parse("2026-03-14T09:26:53Z"), "e", Set.of("c"), payload, Events.APP);

        assertThatCode(() -> assertThat(format.render(event).body()).isNotEmpty()).doesNotThrowAnyException();
    }
}
