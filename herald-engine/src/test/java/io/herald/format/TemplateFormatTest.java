package io.herald.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.HeraldException;
import io.herald.Json;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class TemplateFormatTest {
    private static final String HOSTILE = "quote \" backslash \\ newline \n cr \r tab \t nul \u0000 bell \u0007 "
            + "close }} open {{type}} triple {{{data}}} ls \u2028 ps \u2029 \u00e9\u6f22\uD83D\uDD25 </script>";

    @Test
    void render_hostileStrings_stayValidJsonAndComeBackEqual() {
        Format format = template("{\"title\":\"{{data.title}}\",\"tags\":\"{{data.tags}}\",\"all\":\"{{data}}\","
                + "\"raw\":{{{data}}},\"type\":\"{{type}}\",\"id\":\"{{id}}\"}");
        ObjectNode payload = Json.MAPPER.createObjectNode().put("title", HOSTILE);
        payload.putArray("tags").add(HOSTILE).add(1);
        Event event = new Event("msg\"\\", "t\n{{id}}", Instant.parse("2026-03-14T09:26:53Z"), null, null,
                Json.write(payload), Events.APP);

        Rendered rendered = format.render(event);
        JsonNode out = Json.read(rendered.text());

        assertThat(out.get("title").stringValue()).isEqualTo(HOSTILE); // no "{{type}}" expanded from data
        assertThat(Json.read(out.get("tags").stringValue())).isEqualTo(payload.get("tags"));
        assertThat(Json.read(out.get("all").stringValue())).isEqualTo(payload);
        assertThat(out.get("raw")).isEqualTo(payload);
        assertThat(out.get("type").stringValue()).isEqualTo("t\n{{id}}");
        assertThat(out.get("id").stringValue()).isEqualTo("msg\"\\");
        assertThat(rendered.contentType()).isEqualTo("application/json");
        // {{ }} escapes line and paragraph separators too; {{{ }}} writes JSON, where they are valid.
        String escapedOnly = rendered.text().replace(Json.write(out.get("raw")), "");
        assertThat(escapedOnly).doesNotContain("\u2028", "\u2029", "\n", "\u0000");
    }

    @Test
    void jsonEscape_everyControlCharacter_isEscaped() {
        String all = IntStream.range(0, 0x20).mapToObj(c -> String.valueOf((char) c)).reduce("", String::concat);

        String escaped = TemplateFormat.jsonEscape(all + "\"\\\u2028\u2029\u007f");

        assertThat(escaped).matches("[\\x20-\\x7f]*");
        assertThat(Json.read("\"" + escaped + "\"").stringValue()).isEqualTo(all + "\"\\\u2028\u2029\u007f");
        assertThat(TemplateFormat.jsonEscape("plain \u00e9")).isEqualTo("plain \u00e9");
    }

    @Test
    void render_missingAndNullValues_renderEmptyAndNeverThrow() {
        Format format = template("[\"{{data.nope}}\",\"{{data.a.b.c}}\",\"{{eventId}}\",\"{{data.n}}\","
                + "\"{{#data.nope}}x{{/data.nope}}\",\"{{^data.nope}}none{{/data.nope}}\",\"{{data.list.9}}\","
                + "\"{{data.title.length}}\",\"{{data.title.class}}\",\"{{data.title.bytes}}\",\"{{-first}}\"]");

        JsonNode out = Json.read(format.render(Events.of("t", "{\"n\":null,\"list\":[1],\"title\":\"abc\"}")).text());

        assertThat(out).extracting(JsonNode::stringValue)
                .containsExactly("", "", "", "", "", "none", "", "", "", "", "false");
    }

    @Test
    void render_scalarsArraysAndSections_followJson() {
        Format format = template("{\"n\":{{data.n}},\"big\":{{data.big}},\"ok\":{{data.ok}},\"s\":\"{{data.s}}\","
                + "\"first\":\"{{data.tags.0}}\",\"tags\":[{{#data.tags}}\"{{.}}\"{{^-last}},{{/-last}}{{/data.tags}}],"
                + "\"channels\":\"{{#channels}}{{.}};{{/channels}}\",\"at\":\"{{timestamp}}\",\"empty\":"
                + "\"{{#data.e}}shown{{/data.e}}\",\"zero\":\"{{#data.z}}shown{{/data.z}}\"}");
        Event event = new Event("m", "t", Instant.parse("2026-03-14T09:26:53.5Z"), "e", Set.of("b", "a"),
                "{\"n\":9.80,\"big\":123456789012345678901234567890,\"ok\":true,\"s\":\"x\",\"tags\":[\"p\",\"q\"],"
                + "\"e\":\"\",\"z\":0}", Events.APP);

        JsonNode out = Json.read(format.render(event).text());

        assertThat(out.get("n").decimalValue()).isEqualByComparingTo("9.80");
        assertThat(out.get("big").bigIntegerValue()).isEqualTo(new java.math.BigInteger("123456789012345678901234567890"));
        assertThat(out.get("ok").booleanValue()).isTrue();
        assertThat(out.get("first").stringValue()).isEqualTo("p");
        assertThat(out.get("tags")).isEqualTo(Json.read("[\"p\",\"q\"]"));
        assertThat(out.get("channels").stringValue()).isEqualTo("a;b;");
        assertThat(out.get("at").stringValue()).isEqualTo("2026-03-14T09:26:53.500Z");
        assertThat(out.get("empty").stringValue()).isEmpty(); // an empty string is false
        assertThat(out.get("zero").stringValue()).isEqualTo("shown"); // zero is not
    }

    @Test
    void render_appFields_giveTheApplicationEscapedAndTenantFallsBackToTheId() {
        Format format = template("{\"workspace_id\":\"{{app.uid}}\",\"tenant\":\"{{tenant}}\",\"appId\":\"{{app.id}}\","
                + "\"name\":\"{{app.name}}\",\"hasUid\":\"{{#app.uid}}yes{{/app.uid}}{{^app.uid}}no{{/app.uid}}\"}");
        Event.App hostile = new Event.App("app_2bVk", "ws_xyz789", HOSTILE);
        Event withUid = new Event("m", "t", Instant.parse("2026-03-14T09:26:53Z"), null, null, "{}", hostile);
        Event withoutUid = new Event("m", "t", Instant.parse("2026-03-14T09:26:53Z"), null, null, "{}", Events.APP_WITHOUT_UID);

        JsonNode a = Json.read(format.render(withUid).text());
        JsonNode b = Json.read(format.render(withoutUid).text());

        assertThat(a.get("workspace_id").stringValue()).isEqualTo("ws_xyz789");
        assertThat(a.get("tenant").stringValue()).isEqualTo("ws_xyz789");
        assertThat(a.get("appId").stringValue()).isEqualTo("app_2bVk");
        assertThat(a.get("name").stringValue()).isEqualTo(HOSTILE);
        assertThat(a.get("hasUid").stringValue()).isEqualTo("yes");
        assertThat(b.get("workspace_id").stringValue()).isEmpty();
        assertThat(b.get("tenant").stringValue()).isEqualTo(Events.APP_WITHOUT_UID.id());
        assertThat(b.get("name").stringValue()).isEqualTo("Globex");
        assertThat(b.get("hasUid").stringValue()).isEqualTo("no");
    }

    @Test
    void render_customDelimitersAndContentType_areHonoured() {
        Format format = Format.parse("format", Json.MAPPER.createObjectNode().put("type", "template")
                .put("template", "{{=<% %>=}}{{literal}} <% type %> <%& data.title %>")
                .put("contentType", "text/plain; charset=utf-8"));

        Rendered rendered = format.render(Events.of("scan.finished", "{\"title\":\"a \\\"b\\\"\"}"));

        assertThat(rendered.text()).isEqualTo("{{literal}} scan.finished a \"b\"");
        assertThat(rendered.contentType()).isEqualTo("text/plain; charset=utf-8");
    }

    @Test
    void render_manyThreadsAtOnce_allGetTheSameBody() {
        Format format = template("{\"t\":\"{{data.title}}\",\"n\":{{data.n}}}");
        List<Event> events = IntStream.range(0, 2000)
                .mapToObj(i -> Events.of("t", "{\"title\":\"e" + i + "\",\"n\":" + i + "}")).toList();

        List<String> bodies = events.parallelStream().map(e -> format.render(e).text()).toList();

        assertThat(bodies).containsExactlyElementsOf(
                IntStream.range(0, 2000).mapToObj(i -> "{\"t\":\"e" + i + "\",\"n\":" + i + "}").toList());
    }

    static Stream<Arguments> badTemplates() {
        return Stream.of(
                Arguments.of("{\n  \"a\": \"{{data.title\"\n}", "line 2, column 9: \"{{\" is never closed by \"}}\""),
                Arguments.of("{{#data.alerts}}\n  x", "line 1, column 1: section \"{{#data.alerts}}\" is never closed"),
                Arguments.of("ok\n  {{/x}}", "line 2, column 3: \"{{/x}}\" closes a section that was never opened"),
                Arguments.of("{{#a}}\n{{#b}}\n{{/a}}",
                        "line 3, column 1: \"{{/a}}\" does not close the open section \"{{#b}}\" from line 2, column 1"),
                Arguments.of("x {{> header}}", "line 1, column 3: partials such as \"{{> header}}\" are not supported"),
                Arguments.of("{{<parent}}{{/parent}}", "line 1, column 1: template inheritance"),
                Arguments.of("{\"d\":{{{data}},\"x\":1}",
                        "line 1, column 6: \"{{{data}}\" opens with \"{{{\" but does not close with \"}}}\""),
                Arguments.of("{\"d\":{{{data", "line 1, column 6: \"{{{\" is never closed by \"}}}\""),
                Arguments.of("a{{}}", "line 1, column 2: tag \"{{}}\" has no name"),
                Arguments.of("{{ }}", "line 1, column 1: tag \"{{ }}\" has no name"),
                Arguments.of("{{#}}{{/}}", "line 1, column 1: section tag \"{{#}}\" has no name"),
                Arguments.of("{{=<% =}}", "line 1, column 1: a set-delimiter tag needs two delimiters"),
                Arguments.of("{{=<%% %%>=}}", "line 1, column 1: a set-delimiter tag needs two delimiters"),
                Arguments.of("{{=<% %>=}}\n<%x", "line 2, column 1: \"<%\" is never closed by \"%>\""),
                Arguments.of("\u00e9\u6f22\uD83D\uDD25{{x", "line 1, column 4: \"{{\" is never closed"));
    }

    @ParameterizedTest
    @MethodSource("badTemplates")
    void parse_badTemplate_isRefusedWithLineAndColumn(String template, String message) {
        assertThatThrownBy(() -> template(template))
                .isInstanceOfSatisfying(HeraldException.InvalidInput.class, e -> {
                    assertThat(e.field()).isEqualTo("format.template");
                    assertThat(e.reason()).startsWith(message);
                });
    }

    @Test
    void parse_templateAtTheSizeLimit_isAcceptedAndOneByteMoreIsNot() {
        String limit = "\u00e9".repeat(TemplateFormat.TEMPLATE_MAX_BYTES / 2); // two bytes each in UTF-8

        assertThat(template(limit).render(Events.of("t", "{}")).body()).hasSize(TemplateFormat.TEMPLATE_MAX_BYTES);
        assertThatThrownBy(() -> template(limit + "x"))
                .isInstanceOfSatisfying(HeraldException.InvalidInput.class,
                        e -> assertThat(e.reason()).isEqualTo("must be at most 65536 bytes (UTF-8), was 65537"));
    }

    @Test
    void parse_validMediaTypes_areAccepted() {
        for (String type : List.of("application/json", "text/plain; charset=utf-8", "application/vnd.acme+json;v=2",
                "text/csv; header=present; charset=\"utf-8\"")) {
            Format format = Format.parse("format", Json.MAPPER.createObjectNode().put("type", "template")
                    .put("template", "x").put("contentType", type));
            assertThat(format.render(Events.of("t", "{}")).contentType()).isEqualTo(type);
        }
    }

    private static Format template(String template) {
        return Format.parse("format", Json.MAPPER.createObjectNode().put("type", "template").put("template", template));
    }

    @Test
    void parse_spec_requiresATemplateAndFillsInTheContentType() {
        SpecChecks.assertInvalid("\"template\"", "format.template", "is required for the \"template\" format");
        SpecChecks.assertInvalid("{\"type\":\"template\"}", "format.template", "is required");
        SpecChecks.assertInvalid("{\"type\":\"template\",\"template\":{}}", "format.template", "must be a string");
        SpecChecks.assertInvalid("{\"type\":\"template\",\"template\":\"x\",\"contentType\":\"json\"}",
                "format.contentType", "must be a media type");
        SpecChecks.assertInvalid("{\"type\":\"template\",\"template\":\"x\",\"contentType\":\"text/plain\\r\\nX-Evil: 1\"}",
                "format.contentType", "must be a media type");
        SpecChecks.assertNormalized("{\"type\":\"template\",\"template\":\"{\\\"t\\\":\\\"{{type}}\\\"}\"}",
                "{\"type\":\"template\",\"template\":\"{\\\"t\\\":\\\"{{type}}\\\"}\",\"contentType\":\"application/json\"}");
        SpecChecks.assertNormalized(
                "{\"type\":\"template\",\"template\":\"{{type}}\",\"contentType\":\" text/plain; charset=utf-8 \"}",
                "{\"type\":\"template\",\"template\":\"{{type}}\",\"contentType\":\"text/plain; charset=utf-8\"}");
    }

    @Test
    void stored_templateSpec_isCompiledOnceAndCached() {
        String spec = "{\"type\":\"template\",\"template\":\"{{id}} cached\",\"contentType\":\"text/plain\"}";

        assertThat(Format.stored(spec)).isSameAs(Format.stored(spec));
        assertThat(Format.stored(spec).render(Events.of("t", "{}")).text()).isEqualTo("msg_2bVk9 cached");
    }

    /** A payload of {@code n} list items, as the probe's: three nested sections over it multiply. */
    private static Event listOf(int n) {
        ObjectNode payload = Json.MAPPER.createObjectNode();
        var a = payload.putArray("a");
        IntStream.range(0, n).forEach(a::add);
        return Events.of("t", Json.write(payload));
    }

    @Test
    void render_nestedSectionsWritingTooMuch_stopAtTheOutputCapWithAReason() {
        // 200^3 = 8 million copies of a 12- to 14-character body: about 100 MB uncapped.
        Format format = template("{{#data.a}}{{#data.a}}{{#data.a}}{{.}}-0123456789{{/data.a}}{{/data.a}}{{/data.a}}");

        long started = System.nanoTime();
        assertThatThrownBy(() -> format.render(listOf(200)))
                .isInstanceOf(io.herald.BudgetExceeded.class)
                .hasMessage("the template's output would exceed " + TemplateFormat.RENDERED_MAX_CHARS + " characters and was stopped");
        // 33 s before the cap; about 50 ms here when the machine is idle.
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).isLessThan(java.time.Duration.ofSeconds(5));
    }

    @Test
    void render_nestedSectionsWritingNothing_stopAtTheStepCap() {
        Format format = template("{{#data.a}}{{#data.a}}{{#data.a}}{{/data.a}}{{/data.a}}{{/data.a}}");

        assertThatThrownBy(() -> format.render(listOf(200)))
                .isInstanceOf(io.herald.BudgetExceeded.class)
                .hasMessage("the template took more than " + TemplateFormat.RENDER_MAX_STEPS
                        + " steps (section iterations and variables) and was stopped");
    }

    @Test
    void render_thousandsOfVariablesInOneSection_countAsSteps() {
        // 200 iterations, each writing 5,000 missing (empty) variables: a million lookups, no output.
        Format format = template("{{#data.a}}" + "{{nothing}}".repeat(5_000) + "{{/data.a}}");

        assertThatThrownBy(() -> format.render(listOf(200)))
                .isInstanceOf(io.herald.BudgetExceeded.class).hasMessageStartingWith("the template took more than");
        assertThat(format.render(listOf(10)).text()).isEmpty();
    }

    @Test
    void render_withinTheBudget_rendersAsBefore_andAnInterruptStopsIt() {
        Format format = template("{{#data.a}}{{#data.a}}.{{/data.a}}{{/data.a}}");
        assertThat(format.render(listOf(100)).text()).hasSize(10_000);

        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> format.render(listOf(100))).isInstanceOf(io.herald.BudgetExceeded.class)
                    .hasMessageContaining("ran out of time");
        } finally {
            Thread.interrupted();
        }
    }
}
