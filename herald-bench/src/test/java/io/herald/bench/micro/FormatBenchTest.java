package io.herald.bench.micro;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.Json;
import io.herald.format.Rendered;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjdk.jmh.annotations.Param;
import tools.jackson.databind.JsonNode;

class FormatBenchTest {
    private static final String TITLE = "Heap buffer overflow in libwebp (CVE-2023-4863)";
    private static final String JSON = "application/json";
    private static final String TEXT = "text/plain; charset=utf-8";

    private static Rendered render(String format) {
        FormatBench bench = new FormatBench();
        bench.format = format;
        bench.setUp();
        return bench.render();
    }

    private static String text(Rendered r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void params_everyFormatHasASpec() throws NoSuchFieldException {
        String[] formats = FormatBench.class.getField("format").getAnnotation(Param.class).value();

        assertThat(formats).containsExactlyInAnyOrderElementsOf(FormatBench.SPECS.keySet());
    }

    @ParameterizedTest
    @ValueSource(strings = {"json", "envelope", "slack", "teams", "cef", "syslog", "template"})
    void render_eachFormat_nonEmptyWithItsContentType(String format) {
        Rendered r = render(format);

        assertThat(r.body()).isNotEmpty();
        assertThat(r.contentType()).isEqualTo(format.equals("cef") || format.equals("syslog") ? TEXT : JSON);
    }

    @Test
    void render_json_isThePayloadAsPublished() {
        assertThat(text(render("json"))).isEqualTo(SecurityEvents.CRITICAL);
    }

    @Test
    void render_envelope_wrapsThePayload() {
        JsonNode body = Json.read(text(render("envelope")));

        assertThat(body.get("id").asString()).isEqualTo(SecurityEvents.CRITICAL_EVENT.id());
        assertThat(body.get("type").asString()).isEqualTo("scan.finding");
        assertThat(body.get("data")).isEqualTo(Json.read(SecurityEvents.CRITICAL));
    }

    @ParameterizedTest
    @ValueSource(strings = {"slack", "teams"})
    void render_chat_validJsonShowingTheTitle(String format) {
        String body = text(render(format));

        assertThat(Json.read(body).isObject()).isTrue();
        assertThat(body).contains(TITLE);
    }

    @Test
    void render_cef_headerFromSpecAndPayload() {
        // Severity 9.6 rounds half up to 10.
        assertThat(text(render("cef")))
                .startsWith("CEF:0|Acme|Image Scanner|2.4.1|scan.finding|" + TITLE + "|10|")
                .contains("externalId=" + SecurityEvents.CRITICAL_EVENT.id())
                .doesNotContain("\n");
    }

    @Test
    void render_syslog_priorityFromFacilityAndSeverity() {
        // Facility 10 (authpriv) * 8 + severity 2 (critical, CVSS 9 and above).
        assertThat(text(render("syslog")))
                .startsWith("<82>1 2026-03-14T09:26:53.589")
                .contains(" herald-1.example.net herald - scan.finding [herald@32473 id=\"" + SecurityEvents.CRITICAL_EVENT.id() + "\"")
                .doesNotContain("\n");
    }

    @Test
    void render_template_validJsonWithPayloadValues() {
        JsonNode body = Json.read(text(render("template")));

        assertThat(body.get("summary").asString()).isEqualTo(TITLE);
        assertThat(body.get("severity").doubleValue()).isEqualTo(9.6);
        assertThat(body.get("dedupKey").asString()).isEqualTo("fnd_8Kq3Zt1Lw");
        assertThat(StreamSupport.stream(body.get("packages").spliterator(), false).map(JsonNode::asString).toList())
                .isEqualTo(List.of("libwebp7 1.2.4-0.1", "chromium 116.0.5845.180", "libtiff6 4.5.0-6"));
    }
}
