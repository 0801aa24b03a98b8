package io.herald.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.HeraldException;
import io.herald.Json;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.MissingNode;

/** Spec parsing common to every format, and the two formats that have no options. */
class FormatSpecTest {

    @Test
    void parse_nullOrMissingOrJsonNull_isJsonDefault() {
        assertThat(Format.parse("format", null)).isSameAs(Format.JSON);
        assertThat(Format.parse("format", MissingNode.getInstance())).isSameAs(Format.JSON);
        assertThat(Format.parse("format", Json.read("null"))).isSameAs(Format.JSON);
    }

    static Stream<String> typesWithoutRequiredMembers() {
        return Specs.TYPES.stream().filter(t -> !t.equals("template"));
    }

    @ParameterizedTest
    @MethodSource("typesWithoutRequiredMembers")
    void parse_stringShorthand_equalsObjectWithType(String type) {
        Format shorthand = Format.parse("format", Json.read("\"" + type + "\""));
        Format object = Format.parse("format", Json.read("{\"type\":\"" + type + "\"}"));

        assertThat(shorthand).isEqualTo(object);
        assertThat(shorthand.type()).isEqualTo(type);
        assertThat(shorthand.spec().get("type").stringValue()).isEqualTo(type);
    }

    @Test
    void parse_unknownShorthand_namesTheFieldAndTheChoices() {
        assertThatThrownBy(() -> Format.parse("format", Json.read("\"xml\"")))
                .isInstanceOfSatisfying(HeraldException.InvalidInput.class, e -> {
                    assertThat(e.field()).isEqualTo("format");
                    assertThat(e.reason()).isEqualTo("unknown format \"xml\"; expected one of "
                            + "json, envelope, slack, teams, cef, syslog, template");
                });
    }

    static Stream<Arguments> badSpecs() {
        return Stream.of(
                Arguments.of("42", "format", "must be a format name"),
                Arguments.of("[\"json\"]", "format", "must be a format name"),
                Arguments.of("{}", "format.type", "is required"),
                Arguments.of("{\"type\":null}", "format.type", "is required"),
                Arguments.of("{\"type\":\"JSON\"}", "format.type", "must be one of"),
                Arguments.of("{\"type\":7}", "format.type", "must be one of"),
                Arguments.of("{\"type\":\"json\",\"vendor\":\"x\"}", "format.vendor",
                        "is not a member of the \"json\" format; its members are type"),
                Arguments.of("{\"type\":\"envelope\",\"data\":true}", "format.data",
                        "is not a member of the \"envelope\" format; its members are type, tenantMember"),
                Arguments.of("{\"type\":\"envelope\",\"tenantMember\":7}", "format.tenantMember", "must be a string"),
                Arguments.of("{\"type\":\"envelope\",\"tenantMember\":\"\"}", "format.tenantMember", "must be 1 to 64 letters"),
                Arguments.of("{\"type\":\"envelope\",\"tenantMember\":\"workspace id\"}", "format.tenantMember", "must be 1 to 64"),
                Arguments.of("{\"type\":\"envelope\",\"tenantMember\":\"9lives\"}", "format.tenantMember", "starting with a letter"),
                Arguments.of("{\"type\":\"envelope\",\"tenantMember\":\"t\\\"x\"}", "format.tenantMember", "must be 1 to 64"),
                Arguments.of("{\"type\":\"envelope\",\"tenantMember\":\"" + "w".repeat(65) + "\"}", "format.tenantMember",
                        "must be 1 to 64"),
                Arguments.of("{\"type\":\"envelope\",\"tenantMember\":\"data\"}", "format.tenantMember",
                        "must not be one of the envelope's own members id, type, timestamp, data, was \"data\""),
                Arguments.of("{\"type\":\"envelope\",\"tenantMember\":\"id\"}", "format.tenantMember", "own members"),
                Arguments.of("{\"type\":\"envelope\",\"tenantMember\":\"type\"}", "format.tenantMember", "own members"),
                Arguments.of("{\"type\":\"envelope\",\"tenantMember\":\"timestamp\"}", "format.tenantMember", "own members"));
    }

    @ParameterizedTest
    @MethodSource("badSpecs")
    void parse_badSpec_namesTheMemberAndWhy(String spec, String field, String reason) {
        SpecChecks.assertInvalid(spec, field, reason);
    }

    @Test
    void parse_fieldPrefix_isUsedInEveryError() {
        assertThatThrownBy(() -> Format.parse("endpoints[2].format", Json.read("{\"type\":\"json\",\"x\":1}")))
                .isInstanceOfSatisfying(HeraldException.InvalidInput.class,
                        e -> assertThat(e.field()).isEqualTo("endpoints[2].format.x"));
    }

    @Test
    void spec_jsonIsJustTheType_envelopeFillsInItsTenantMember() {
        SpecChecks.assertNormalized("\"json\"", "{\"type\":\"json\"}");
        SpecChecks.assertNormalized("{\"type\":\"json\",\"ignored\":null}", "{\"type\":\"json\"}");
        SpecChecks.assertNormalized("\"envelope\"", "{\"type\":\"envelope\",\"tenantMember\":\"tenant\"}");
        SpecChecks.assertNormalized("{\"type\":\"envelope\",\"tenantMember\":null}",
                "{\"type\":\"envelope\",\"tenantMember\":\"tenant\"}");
        SpecChecks.assertNormalized("{\"type\":\"envelope\",\"tenantMember\":\"workspace_id\"}",
                "{\"type\":\"envelope\",\"tenantMember\":\"workspace_id\"}");
        assertThat(Format.JSON.spec()).isEqualTo(Json.read("{\"type\":\"json\"}"));
    }

    @Test
    void stored_envelopeSpecWrittenBeforeTheTenantMember_stillParsesWithTheDefault() {
        assertThat(Format.stored("{\"type\":\"envelope\"}")).isEqualTo(Format.parse("format", Json.read("\"envelope\"")));
    }

    @Test
    void stored_null_isJsonDefault() {
        assertThat(Format.stored(null)).isSameAs(Format.JSON);
    }

    @Test
    void stored_unparseableText_failsLoudly() {
        assertThatThrownBy(() -> Format.stored("{\"type\":\"json\",\"vendor\":\"x\"}"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("format.vendor");
        assertThatThrownBy(() -> Format.stored("{not json")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void json_render_isThePayloadBytesExactly() {
        Rendered r = Format.JSON.render(Events.SCAN_FINISHED);

        assertThat(r.body()).isEqualTo(Events.SCAN_FINISHED.payload().getBytes(StandardCharsets.UTF_8));
        assertThat(r.contentType()).isEqualTo("application/json");
    }

    @Test
    void envelope_render_insertsThePayloadVerbatim() {
        Format envelope = Format.parse("format", Json.read("\"envelope\""));
        String payload = "{ \"b\" : 1.10 ,\"a\":[1e2, \"\u00e9\"] }";

        Rendered r = envelope.render(Events.of("order.paid", payload));

        assertThat(r.text()).isEqualTo("{\"id\":\"msg_2bVk9\",\"type\":\"order.paid\",\"timestamp\":\"2026-03-14T09:26:53Z\","
                + "\"tenant\":\"acme-eu\",\"data\":" + payload + "}");
        assertThat(r.contentType()).isEqualTo("application/json");
        assertThat(Json.read(r.text()).get("data")).isEqualTo(Json.read(payload));
    }

    @Test
    void envelope_customTenantMember_carriesTheAppUidWhereTheSeedsPutTheirWorkspace() {
        Format envelope = Format.parse("format", Json.read("{\"type\":\"envelope\",\"tenantMember\":\"workspace_id\"}"));

        String body = envelope.render(Events.of("recommendation.created", "{\"id\":\"rec_def456\"}")).text();

        assertThat(body).isEqualTo("{\"id\":\"msg_2bVk9\",\"type\":\"recommendation.created\","
                + "\"timestamp\":\"2026-03-14T09:26:53Z\",\"workspace_id\":\"acme-eu\",\"data\":{\"id\":\"rec_def456\"}}");
        assertThat(Json.read(body).propertyNames()).containsExactly("id", "type", "timestamp", "workspace_id", "data");
    }

    @Test
    void envelope_appWithoutUid_carriesTheAppId() {
        Format envelope = Format.parse("format", Json.read("\"envelope\""));
        Event event = new Event("m", "t", java.time.Instant.EPOCH, null, null, "{}", Events.APP_WITHOUT_UID);

        assertThat(Json.read(envelope.render(event).text()).get("tenant").stringValue())
                .isEqualTo(Events.APP_WITHOUT_UID.id());
    }

    @Test
    void envelope_hostileIdTypeAndUid_stayValidJson() {
        Format envelope = Format.parse("format", Json.read("\"envelope\""));
        Event event = new Event("m\"1\\", "t\n\u2028", java.time.Instant.parse("2026-03-14T09:26:53.123456789Z"), null, null,
                "{}", new Event.App("app_1", "u\"\\\n", "n"));

        JsonNode parsed = Json.read(envelope.render(event).text());

        assertThat(parsed.get("id").stringValue()).isEqualTo("m\"1\\");
        assertThat(parsed.get("type").stringValue()).isEqualTo("t\n\u2028");
        assertThat(parsed.get("timestamp").stringValue()).isEqualTo("2026-03-14T09:26:53.123456789Z");
        assertThat(parsed.get("tenant").stringValue()).isEqualTo("u\"\\\n");
    }

    @Test
    void event_channels_areCopiedAndSorted() {
        java.util.Set<String> channels = new java.util.HashSet<>(java.util.List.of("b", "c", "a"));
        Event event = new Event("m", "t", java.time.Instant.EPOCH, null, channels, "{}", Events.APP);
        channels.add("d");

        assertThat(event.channels()).containsExactly("a", "b", "c");
    }

    @Test
    void rendered_equality_comparesTheBodyBytes() {
        Rendered a = new Rendered("{}".getBytes(StandardCharsets.UTF_8), "application/json");

        assertThat(a).isEqualTo(new Rendered("{}".getBytes(StandardCharsets.UTF_8), "application/json"))
                .hasSameHashCodeAs(new Rendered("{}".getBytes(StandardCharsets.UTF_8), "application/json"))
                .isNotEqualTo(new Rendered("[]".getBytes(StandardCharsets.UTF_8), "application/json"));
    }
}
