package io.herald.format;

import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.stream.Stream;
import static org.assertj.core.api.Assertions.assertThat;

import com.fluenda.parcefone.event.CommonEvent;
import com.fluenda.parcefone.parser.CEFParser;
import io.herald.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/**
 * CEF lines read back by ParCEFone, a parser nobody here wrote. ParCEFone splits fields but does not
 * unescape them, so {@link #unescapeHeader} and {@link #unescapeExtension} apply the CEF
 * specification's rules to what it returns.
 */
class CefFormatTest {
    private static final Format CEF = Format.parse("format", Json.read("\"cef\""));

    @Test
    void render_findingCreated_parsesWithParCefOne() throws Exception {
        String line = CEF.render(Events.FINDING_CREATED).text();

        CommonEvent parsed = new CEFParser().parse(line);

        assertThat(parsed).as(line).isNotNull();
        Map<String, Object> header = parsed.getHeader();
        assertThat(header).containsEntry("version", 0)
                .containsEntry("deviceVendor", "Herald").containsEntry("deviceProduct", "Herald")
                .containsEntry("deviceVersion", "1").containsEntry("deviceEventClassId", "finding.created")
                .containsEntry("name", "SQL injection in /login").containsEntry("severity", "10");
        Map<String, Object> ext = parsed.getExtension(true);
        assertThat(ext.get("rt")).isEqualTo(Date.from(Instant.parse("2026-03-14T09:27:01.002Z")));
        assertThat(ext).containsEntry("externalId", "msg_2bVk7C3pQm9sXw4LzR8tYh1nE0f")
                .containsEntry("cat", "finding.created")
                .containsEntry("dhost", "api.example.com")
                .containsEntry("cs2Label", "channels").containsEntry("cs2", "security")
                .containsEntry("cs3Label", "payload")
                .doesNotContainKey("cs1");
        assertThat(unescapeExtension((String) ext.get("msg"))).isEqualTo(
                "The \"username\" parameter is concatenated into a SQL query; a value like ' OR 1=1 -- logs in as admin <script>.");
        assertThat(unescapeExtension((String) ext.get("request")))
                .isEqualTo("https://scanner.example.com/findings/fnd_19?tab=evidence&lang=en");
        assertThat(Json.read(unescapeExtension((String) ext.get("cs3")))).isEqualTo(Json.read(Events.FINDING_CREATED.payload()));
    }

    @Test
    void render_hostileValues_roundTripThroughParCefOne() throws Exception {
        Format cef = Format.parse("format", Json.read(
                "{\"type\":\"cef\",\"vendor\":\"Ac|me \\\\ Corp\",\"product\":\"Scan=ner|Pro\",\"version\":\"2|\\\\4\"}"));
        ObjectNode payload = Json.MAPPER.createObjectNode();
        String title = "Pipe | back\\slash = equals\nnew line\r\nand \u00e9\u6f22 \uD83D\uDD25 end";
        String description = "multi\nline\r\nmessage = with \\ and | and \\n literally\\";
        payload.put("title", title);
        payload.put("description", description);
        payload.put("severity", 7.5);
        payload.put("host", "h=o\\st");
        payload.put("url", "https://example.com/a?b=c&d==e%7C");
        payload.put("note", "key=value cs1=spoofed \\=");
        Event event = new Event("msg|1=\\", "order|placed\\=x", Instant.parse("2026-03-14T09:26:53Z"),
                "ev=1\\|2\nx", Set.of("a:b", "c.d"), Json.write(payload), Events.APP);

        String line = cef.render(event).text();
        CommonEvent parsed = new CEFParser().parse(line);

        assertThat(line).doesNotContain("\n", "\r");
        assertThat(parsed).as(line).isNotNull();
        Map<String, Object> header = parsed.getHeader();
        assertThat(unescapeHeader((String) header.get("deviceVendor"))).isEqualTo("Ac|me \\ Corp");
        assertThat(unescapeHeader((String) header.get("deviceProduct"))).isEqualTo("Scan=ner|Pro");
        assertThat(unescapeHeader((String) header.get("deviceVersion"))).isEqualTo("2|\\4");
        assertThat(unescapeHeader((String) header.get("deviceEventClassId"))).isEqualTo("order|placed\\=x");
        // CEF allows line breaks only in extension values: in the header they become spaces.
        assertThat(unescapeHeader((String) header.get("name"))).isEqualTo(title.replace('\n', ' ').replace('\r', ' '));
        assertThat(header.get("severity")).isEqualTo("8");

        Map<String, Object> ext = parsed.getExtension(true);
        assertThat(unescapeExtension((String) ext.get("externalId"))).isEqualTo("msg|1=\\");
        assertThat(unescapeExtension((String) ext.get("cat"))).isEqualTo("order|placed\\=x");
        assertThat(unescapeExtension((String) ext.get("msg"))).isEqualTo(description);
        assertThat(unescapeExtension((String) ext.get("dhost"))).isEqualTo("h=o\\st");
        assertThat(unescapeExtension((String) ext.get("request"))).isEqualTo("https://example.com/a?b=c&d==e%7C");
        assertThat(unescapeExtension((String) ext.get("cs1"))).isEqualTo("ev=1\\|2\nx");
        assertThat(unescapeExtension((String) ext.get("cs2"))).isEqualTo("a:b,c.d");
        assertThat(Json.read(unescapeExtension((String) ext.get("cs3")))).isEqualTo(Json.read(event.payload()));
        // The payload's "cs1=spoofed" stayed inside cs3 instead of becoming a key of its own.
        assertThat(strictExtension(line).keySet()).containsExactly(
                "rt", "externalId", "cat", "msg", "request", "dhost", "cs1Label", "cs1", "cs2Label", "cs2", "cs3Label", "cs3");
    }

    @Test
    void render_headerFieldEndingInBackslash_isEscapedPerSpec() {
        // ParCEFone splits on '|' not preceded by '\', so it misreads an escaped backslash right
        // before a separator ("\\|"). The line is still correct CEF; a strict reading shows it.
        Format cef = Format.parse("format", Json.read("{\"type\":\"cef\",\"vendor\":\"Acme\\\\\"}"));

        String line = cef.render(Events.of("t\\", "{\"title\":\"ends in \\\\\"}")).text();

        assertThat(line).startsWith("CEF:0|Acme\\\\|Herald|1|t\\\\|ends in \\\\|3|");
        assertThat(strictHeader(line)).containsExactly("CEF:0", "Acme\\", "Herald", "1", "t\\", "ends in \\", "3");
    }

    @Test
    void render_everyExtensionKey_isAPlainDictionaryKey() {
        for (Event event : List.of(Events.SCAN_FINISHED, Events.FINDING_CREATED, Events.CAMPAIGN_EXPIRED)) {
            assertThat(strictExtension(CEF.render(event).text()).keySet())
                    .allSatisfy(k -> assertThat(k).matches("[A-Za-z][A-Za-z0-9]*"));
        }
    }

    @Test
    void render_oversizedValues_areCutToTheDictionaryLengths() throws Exception {
        ObjectNode payload = Json.MAPPER.createObjectNode()
                .put("title", "t".repeat(600)).put("description", "d".repeat(2000)).put("host", "h".repeat(2000))
                .put("url", "https://example.com/" + "u".repeat(1100));

        String line = CEF.render(Events.of("big", Json.write(payload))).text();
        Map<String, Object> ext = new CEFParser().parse(line).getExtension(true);

        assertThat(strictHeader(line).get(5)).hasSize(512).endsWith("\u2026");
        assertThat((String) ext.get("msg")).hasSize(1023);
        assertThat((String) ext.get("dhost")).hasSize(1023);
        assertThat(ext).doesNotContainKey("request"); // a cut URL would point somewhere else
        assertThat(Json.read(unescapeExtension((String) ext.get("cs3")))).isEqualTo(payload);
    }

    @Test
    void render_severity_mapsThePayloadMemberNamedBySeverityField() {
        Format cef = Format.parse("format", Json.read("{\"type\":\"cef\",\"severityField\":\"cvss\"}"));

        assertThat(strictHeader(cef.render(Events.FINDING_CREATED).text()).get(6)).isEqualTo("10"); // cvss 9.8
        assertThat(strictHeader(CEF.render(Events.SCAN_FINISHED).text()).get(6)).isEqualTo("8"); // "high"
        assertThat(strictHeader(CEF.render(Events.CAMPAIGN_EXPIRED).text()).get(6)).isEqualTo("3"); // none
    }

    @Test
    void render_timestampBeyondMillisecondRange_leavesOutRt() {
        Event event = new Event("m", "t", Instant.MAX, null, null, "{}", Events.APP);

        String line = CEF.render(event).text();

        assertThat(strictExtension(line)).doesNotContainKey("rt").containsKey("externalId");
    }

    /** Header escapes per the CEF spec: {@code \|} and {@code \\}. */
    static String unescapeHeader(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && (s.charAt(i + 1) == '|' || s.charAt(i + 1) == '\\')) {
                c = s.charAt(++i);
            }
            out.append(c);
        }
        return out.toString();
    }

    /** Extension escapes per the CEF spec: {@code \=}, {@code \\}, {@code \n}, {@code \r}. */
    static String unescapeExtension(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char next = s.charAt(i + 1);
                if (next == '=' || next == '\\' || next == 'n' || next == 'r') {
                    out.append(next == 'n' ? '\n' : next == 'r' ? '\r' : next);
                    i++;
                    continue;
                }
            }
            out.append(c);
        }
        return out.toString();
    }

    /** The seven header fields, split on separators that are not escaped, still escaped. */
    static List<String> strictHeader(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        for (int i = 0; i < line.length() && fields.size() < 7; i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                field.append(line.charAt(++i));
            } else if (c == '|') {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        return fields;
    }

    /** Extension keys in order and their values, still escaped: a value ends before " key=". */
    static Map<String, String> strictExtension(String line) {
        int start = 0;
        for (int separators = 0; separators < 7; start++) {
            char c = line.charAt(start);
            if (c == '\\') {
                start++;
            } else if (c == '|') {
                separators++;
            }
        }
        String ext = line.substring(start);
        Map<String, String> out = new LinkedHashMap<>();
        java.util.regex.Matcher key = java.util.regex.Pattern.compile("(?:^| )([A-Za-z0-9_]+)=").matcher(ext);
        List<int[]> keys = new ArrayList<>();
        for (int from = 0; from < ext.length() && key.find(from); from = key.end()) {
            // An '=' preceded by an odd number of backslashes is escaped, not a separator.
            int eq = key.end() - 1;
            int slashes = 0;
            while (eq - 1 - slashes >= 0 && ext.charAt(eq - 1 - slashes) == '\\') {
                slashes++;
            }
            if (slashes % 2 == 0) {
                keys.add(new int[] {key.start(1), key.end()});
            }
        }
        for (int i = 0; i < keys.size(); i++) {
            int valueEnd = i + 1 < keys.size() ? keys.get(i + 1)[0] - 1 : ext.length();
            out.put(ext.substring(keys.get(i)[0], keys.get(i)[1] - 1), ext.substring(keys.get(i)[1], valueEnd));
        }
        return out;
    }

    static Stream<Arguments> badSpecs() {
        return Stream.of(
                Arguments.of("{\"type\":\"cef\",\"vendor\":\"\"}", "format.vendor", "must be 1 to 63 characters long"),
                Arguments.of("{\"type\":\"cef\",\"vendor\":\"" + "v".repeat(64) + "\"}", "format.vendor", "1 to 63"),
                Arguments.of("{\"type\":\"cef\",\"product\":\"a\\nb\"}", "format.product", "control characters"),
                Arguments.of("{\"type\":\"cef\",\"version\":\"" + "1".repeat(32) + "\"}", "format.version", "1 to 31"),
                Arguments.of("{\"type\":\"cef\",\"version\":2}", "format.version", "must be a string"),
                Arguments.of("{\"type\":\"cef\",\"severityField\":\"\"}", "format.severityField", "1 to 256"),
                Arguments.of("{\"type\":\"cef\",\"facility\":1}", "format.facility",
                        "its members are type, vendor, product, version, severityField, titleField, linkField"));
    }

    @ParameterizedTest
    @MethodSource("badSpecs")
    void parse_badSpec_namesTheMemberAndWhy(String spec, String field, String reason) {
        SpecChecks.assertInvalid(spec, field, reason);
    }

    @Test
    void parse_spec_fillsInDefaults() {
        SpecChecks.assertNormalized("\"cef\"", "{\"type\":\"cef\",\"vendor\":\"Herald\",\"product\":\"Herald\","
                + "\"version\":\"1\",\"severityField\":\"severity\"}");
        SpecChecks.assertNormalized("{\"type\":\"cef\",\"vendor\":\"Acme\",\"severityField\":\"level\",\"titleField\":\"rule\"}",
                "{\"type\":\"cef\",\"vendor\":\"Acme\",\"product\":\"Herald\",\"version\":\"1\","
                + "\"severityField\":\"level\",\"titleField\":\"rule\"}");
    }

    @Test
    void spec_mutatedByCaller_doesNotChangeTheFormat() {
        ((ObjectNode) CEF.spec()).put("vendor", "Mallory");

        assertThat(CEF.spec().get("vendor").stringValue()).isEqualTo("Herald");
    }
}
