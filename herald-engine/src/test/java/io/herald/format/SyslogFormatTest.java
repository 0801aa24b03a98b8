package io.herald.format;

import org.junit.jupiter.params.provider.Arguments;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.palindromicity.syslog.SyslogParser;
import com.github.palindromicity.syslog.SyslogParserBuilder;
import com.github.palindromicity.syslog.StructuredDataPolicy;
import io.herald.Json;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.node.ObjectNode;

/**
 * Every rendered line is read twice: by simple-syslog-5424, a parser nobody here wrote, and by
 * {@link Rfc5424}, a strict reading of the RFC's grammar. simple-syslog-5424 returns PARAM-VALUEs
 * still escaped, so {@link #unescape} applies the RFC's three escapes to them.
 */
class SyslogFormatTest {
    private static final SyslogParser PARSER =
            new SyslogParserBuilder().withStructuredDataPolicy(StructuredDataPolicy.MAP_OF_MAPS).build();
    private static final Format SYSLOG = Format.parse("format", Json.read("\"syslog\""));

    @ParameterizedTest
    @MethodSource("io.herald.format.Events#realistic")
    void render_realisticEvent_parsesWithBothParsersAndRoundTrips(Event event) {
        String line = SYSLOG.render(event).text();

        Map<String, Object> parsed = PARSER.parseLine(line);
        Rfc5424.Message strict = Rfc5424.parse(line);

        assertThat(parsed.get("syslog.header.version")).isEqualTo("1");
        assertThat(parsed.get("syslog.header.appName")).isEqualTo("herald");
        assertThat(parsed).doesNotContainKey("syslog.header.hostName"); // the NILVALUE
        assertThat(parsed.get("syslog.header.msgId")).isEqualTo(event.type());
        Map<String, String> sd = sd(parsed);
        assertThat(sd).containsEntry("id", event.id()).containsEntry("type", event.type());
        assertThat(strict.structuredData().get("herald@32473")).isEqualTo(sd);
        assertThat(Json.read((String) parsed.get("syslog.message"))).isEqualTo(Json.read(event.payload()));
        assertThat(strict.msg()).isEqualTo(parsed.get("syslog.message"));
    }

    @Test
    void render_svixEventObject_keepsTheWholePayloadAsTheMessage_andReadsSeverityFromItsData() {
        String payload = "{\"data\":{\"severity\":\"critical\",\"appId\":\"app_1\"},\"type\":\"endpoint.disabled\"}";
        Event event = new Event("msg_1", "endpoint.disabled", java.time.Instant.parse("2026-03-14T09:26:53Z"), null, null, payload,
                new Event.App("app_1", null, "Acme"));
        String line = SYSLOG.render(event).text();

        assertThat(line).startsWith("<10>1 ").endsWith("] " + payload);
    }

    @Test
    void render_findingCreated_writesTheExpectedHeader() {
        String line = SYSLOG.render(Events.FINDING_CREATED).text();

        Map<String, Object> parsed = PARSER.parseLine(line);

        // facility 1 (user), "critical" is syslog severity 2: PRI 8 + 2.
        assertThat(parsed.get("syslog.header.pri")).isEqualTo("10");
        assertThat(parsed.get("syslog.header.facility")).isEqualTo("1");
        assertThat(parsed.get("syslog.header.severity")).isEqualTo("2");
        // .002345678 is cut to the RFC's six fractional digits.
        assertThat(parsed.get("syslog.header.timestamp")).isEqualTo("2026-03-14T09:27:01.002345Z");
        assertThat(sd(parsed)).containsOnlyKeys("id", "type", "channels").containsEntry("channels", "security");
    }

    @Test
    void render_configuredSpec_usesFacilityHostnameAppNameAndEnterpriseId() {
        Format syslog = Format.parse("format", Json.read("{\"type\":\"syslog\",\"facility\":23,\"hostname\":"
                + "\"herald-1.example.com\",\"appName\":\"acme-relay\",\"enterpriseId\":\"32473.1.7\","
                + "\"severityField\":\"cvss\"}"));

        String line = syslog.render(Events.FINDING_CREATED).text();
        Rfc5424.Message strict = Rfc5424.parse(line);

        assertThat(strict.pri()).isEqualTo(23 * 8 + 2); // cvss 9.8: critical
        assertThat(strict.hostname()).isEqualTo("herald-1.example.com");
        assertThat(strict.appName()).isEqualTo("acme-relay");
        assertThat(strict.procId()).isEqualTo("-");
        assertThat(strict.structuredData()).containsOnlyKeys("herald@32473.1.7");
        assertThat(PARSER.parseLine(line).get("syslog.header.hostName")).isEqualTo("herald-1.example.com");
    }

    @Test
    void render_hostileValues_parseAndRoundTripTheStructuredData() {
        String type = "order \"quoted\" ] back\\slash \u00e9 ".repeat(40);
        String id = "msg\"]\\";
        String eventId = "ev]\\\"\\]";
        Set<String> channels = Set.of("x]\"\\", "\u00fcber");
        ObjectNode payload = Json.MAPPER.createObjectNode()
                .put("title", "line\nbreak \"] \\ \u2028 \u00e9\u6f22 \uD83D\uDD25")
                .put("severity", "HIGH ");
        Event event = new Event(id, type, Instant.parse("2026-03-14T09:26:53.123456789Z"), eventId, channels,
                Json.write(payload), Events.APP);

        String line = SYSLOG.render(event).text();
        Map<String, Object> parsed = PARSER.parseLine(line);
        Rfc5424.Message strict = Rfc5424.parse(line);

        assertThat(line).doesNotContain("\n", "\r");
        Map<String, String> expected = Map.of("id", id, "type", type, "eventId", eventId, "channels", "x]\"\\,\u00fcber");
        assertThat(sd(parsed)).isEqualTo(expected);
        assertThat(strict.structuredData().get("herald@32473")).isEqualTo(expected);
        assertThat(strict.msgId()).hasSize(32).isEqualTo("order_\"quoted\"_]_back\\slash___or");
        assertThat(parsed.get("syslog.header.severity")).isEqualTo("3");
        assertThat(strict.msg()).matches("[\\x20-\\x7e]*"); // ASCII: valid MSG-ANY without a BOM
        assertThat(Json.read(strict.msg())).isEqualTo(Json.read(event.payload()));
        assertThat(Json.read((String) parsed.get("syslog.message"))).isEqualTo(Json.read(event.payload()));
    }

    @Test
    void render_textBeyondLatin1InStructuredData_isWrittenAsUtf8AndRoundTrips() {
        // PARAM-VALUE is any UTF-8 string. simple-syslog-5424's lexer stops at U+00FF, so only the
        // strict reader can check these.
        String type = "\u6f22\u5b57 \uD83D\uDD25 \u2028 \u0416";
        Event event = new Event("m", type, Instant.parse("2026-03-14T09:26:53Z"), null, Set.of("\u00e9t\u00e9"), "{}", Events.APP);

        Rfc5424.Message strict = Rfc5424.parse(SYSLOG.render(event).text());

        assertThat(strict.structuredData().get("herald@32473"))
                .isEqualTo(Map.of("id", "m", "type", type, "channels", "\u00e9t\u00e9"));
        assertThat(strict.msgId()).isEqualTo("________"); // one per code point
    }

    @Test
    void render_controlCharactersInStructuredData_becomeSpacesOnOneLine() {
        Event event = new Event("m\n1", "t\r\nx", Instant.parse("2026-03-14T09:26:53Z"), "e\u0000v", null, "{}", Events.APP);

        String line = SYSLOG.render(event).text();

        assertThat(line).doesNotContain("\n", "\r", "\u0000");
        assertThat(Rfc5424.parse(line).structuredData().get("herald@32473"))
                .isEqualTo(Map.of("id", "m 1", "type", "t  x", "eventId", "e v"));
        assertThat(sd(PARSER.parseLine(line))).isEqualTo(Map.of("id", "m 1", "type", "t  x", "eventId", "e v"));
    }

    @Test
    void render_timestampsAtTheEdges_stayWithinRfc3339() {
        assertThat(Rfc5424.parse(SYSLOG.render(at("0000-01-01T00:00:00Z")).text()).timestamp())
                .isEqualTo("0000-01-01T00:00:00Z");
        assertThat(Rfc5424.parse(SYSLOG.render(at("9999-12-31T23:59:59.999999999Z")).text()).timestamp())
                .isEqualTo("9999-12-31T23:59:59.999999Z");
        assertThat(Rfc5424.parse(SYSLOG.render(new Event("m", "t", Instant.MAX, null, null, "{}", Events.APP)).text()).timestamp())
                .isEqualTo("-");
        assertThat(Rfc5424.parse(SYSLOG.render(at("-0001-12-31T23:59:59Z")).text()).timestamp()).isEqualTo("-");
    }

    @Test
    void render_emptyOrUnprintableType_givesANilOrPrintableMsgId() {
        assertThat(Rfc5424.parse(SYSLOG.render(Events.of("", "{}")).text()).msgId()).isEqualTo("-");
        assertThat(Rfc5424.parse(SYSLOG.render(Events.of("a b\tc", "{}")).text()).msgId()).isEqualTo("a_b_c");
    }

    @Test
    void strictReader_messageOutsideTheGrammar_isRefused() {
        // The strict reader must be able to say no, or the tests above prove nothing.
        String ok = "<14>1 2026-03-14T09:26:53Z - herald - t [herald@32473 id=\"m\"] {}";
        assertThat(Rfc5424.parse(ok).msg()).isEqualTo("{}");
        assertThatThrownBy(() -> Rfc5424.parse(ok.replace("53Z", "53.1234567Z"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rfc5424.parse(ok.replace(" t ", " " + "t".repeat(33) + " ")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rfc5424.parse(ok.replace("id=\"m\"", "id=\"m\"\"")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rfc5424.parse(ok.replace("id=\"m\"", "id=\"m]\"")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Rfc5424.parse(ok.replace("<14>", "<192>"))).isInstanceOf(IllegalArgumentException.class);
    }

    private static Event at(String instant) {
        return new Event("m", "t", Instant.parse(instant), null, null, "{}", Events.APP);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> sd(Map<String, Object> parsed) {
        Map<String, Map<String, String>> all = (Map<String, Map<String, String>>) parsed.get("syslog.structuredData");
        assertThat(all).containsOnlyKeys("herald@32473");
        Map<String, String> out = new java.util.LinkedHashMap<>();
        all.get("herald@32473").forEach((k, v) -> out.put(k, unescape(v)));
        return out;
    }

    /** RFC 5424 section 6.3.3: only {@code \"}, {@code \\} and {@code \]} are escapes. */
    static String unescape(String value) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length() && "\"\\]".indexOf(value.charAt(i + 1)) >= 0) {
                c = value.charAt(++i);
            }
            out.append(c);
        }
        return out.toString();
    }

    static Stream<Arguments> badSpecs() {
        return Stream.of(
                Arguments.of("{\"type\":\"syslog\",\"facility\":24}", "format.facility",
                        "must be an integer from 0 to 23, was 24"),
                Arguments.of("{\"type\":\"syslog\",\"facility\":-1}", "format.facility", "integer from 0 to 23"),
                Arguments.of("{\"type\":\"syslog\",\"facility\":1.5}", "format.facility", "integer from 0 to 23"),
                Arguments.of("{\"type\":\"syslog\",\"facility\":\"local0\"}", "format.facility", "integer"),
                Arguments.of("{\"type\":\"syslog\",\"appName\":\"my app\"}", "format.appName",
                        "must be 1 to 48 printable US-ASCII characters, no spaces"),
                Arguments.of("{\"type\":\"syslog\",\"appName\":\"" + "a".repeat(49) + "\"}", "format.appName", "1 to 48"),
                Arguments.of("{\"type\":\"syslog\",\"appName\":\"\"}", "format.appName", "1 to 48"),
                Arguments.of("{\"type\":\"syslog\",\"hostname\":\"h\u00f6st\"}", "format.hostname", "printable US-ASCII"),
                Arguments.of("{\"type\":\"syslog\",\"hostname\":\"" + "h".repeat(256) + "\"}", "format.hostname", "1 to 255"),
                Arguments.of("{\"type\":\"syslog\",\"enterpriseId\":\"acme\"}", "format.enterpriseId",
                        "must be an IANA private enterprise number"),
                Arguments.of("{\"type\":\"syslog\",\"enterpriseId\":\"1..2\"}", "format.enterpriseId", "enterprise number"),
                Arguments.of("{\"type\":\"syslog\",\"enterpriseId\":-5}", "format.enterpriseId", "enterprise number"),
                Arguments.of("{\"type\":\"syslog\",\"enterpriseId\":1.5}", "format.enterpriseId", "enterprise number"),
                Arguments.of("{\"type\":\"syslog\",\"enterpriseId\":\"" + "1".repeat(26) + "\"}", "format.enterpriseId",
                        "at most 25 characters"),
                Arguments.of("{\"type\":\"syslog\",\"procId\":\"1\"}", "format.procId", "is not a member"));
    }

    @ParameterizedTest
    @MethodSource("badSpecs")
    void parse_badSpec_namesTheMemberAndWhy(String spec, String field, String reason) {
        SpecChecks.assertInvalid(spec, field, reason);
    }

    @Test
    void parse_spec_fillsInDefaults() {
        SpecChecks.assertNormalized("\"syslog\"", "{\"type\":\"syslog\",\"facility\":1,\"hostname\":\"-\","
                + "\"appName\":\"herald\",\"enterpriseId\":\"32473\",\"severityField\":\"severity\"}");
        SpecChecks.assertNormalized("{\"type\":\"syslog\",\"facility\":13,\"enterpriseId\":99999}",
                "{\"type\":\"syslog\",\"facility\":13,\"hostname\":\"-\",\"appName\":\"herald\","
                + "\"enterpriseId\":\"99999\",\"severityField\":\"severity\"}");
    }
}
