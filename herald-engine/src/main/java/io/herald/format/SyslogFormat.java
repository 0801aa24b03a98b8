package io.herald.format;

import io.herald.Json;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.regex.Pattern;
import tools.jackson.core.json.JsonWriteFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.node.ObjectNode;

/**
 * One RFC 5424 syslog message, without transport framing or trailing newline:
 * {@code <PRI>1 TIMESTAMP HOSTNAME APP-NAME - MSGID [herald@<enterpriseId> id="…" type="…"
 * eventId="…" channels="a,b"] MSG}.
 *
 * <ul>
 *   <li>PRI: {@code facility * 8 + severity}. The facility comes from the spec (0–23, default 1,
 *       user-level); the severity is {@link Severity}'s syslog mapping of the member named by
 *       {@code severityField} (default {@code severity}).
 *   <li>TIMESTAMP: the event time in UTC, cut to microseconds (the RFC allows six fractional
 *       digits), or {@code -} for a year outside 0000–9999, which RFC 3339 cannot write.
 *   <li>HOSTNAME, APP-NAME: from the spec, defaults {@code -} (none) and {@code herald}. PROCID is
 *       always {@code -}.
 *   <li>MSGID: the event type with each character outside printable US-ASCII replaced by
 *       {@code _}, cut to the RFC's 32 characters.
 *   <li>STRUCTURED-DATA: one element, SD-ID {@code herald@<enterpriseId>} (default 32473, the
 *       enterprise number RFC 5612 reserves for documentation: set your own). Parameters {@code id}
 *       (message id), {@code type} (the full event type), {@code eventId} and {@code channels}
 *       (comma-separated) when present. {@code "}, {@code \} and {@code ]} are escaped with a
 *       backslash as the RFC requires; control characters (line breaks included) become spaces so
 *       the message stays on one line. Herald's own identifiers never contain any.
 *   <li>MSG: the payload as compact JSON with every non-ASCII character written as a JSON
 *       {@code \}{@code uXXXX} escape. Pure ASCII is valid MSG-ANY, so no byte-order mark is needed,
 *       and any JSON reader sees the same value.
 * </ul>
 * The message is not cut to the 2048 octets receivers must accept: a larger payload gives a larger
 * message, and a receiver may truncate it.
 */
record SyslogFormat(int facility, String hostname, String appName, String enterpriseId, String severityField)
        implements Format {
    static final int DEFAULT_FACILITY = 1;
    static final String DEFAULT_HOSTNAME = "-";
    static final String DEFAULT_APP_NAME = "herald";
    static final String DEFAULT_ENTERPRISE_ID = "32473";
    static final String SD_NAME = "herald";
    static final int MSGID_MAX = 32;
    /** An SD-NAME is at most 32 characters; "herald@" takes 7 of them. */
    static final int ENTERPRISE_ID_MAX = 32 - SD_NAME.length() - 1;

    /** RFC 3339 writes four-digit years only. */
    private static final Instant FIRST_WRITABLE = Instant.parse("0000-01-01T00:00:00Z");
    private static final Instant PAST_WRITABLE = Instant.parse("+10000-01-01T00:00:00Z");
    private static final Pattern PRINTUSASCII = Pattern.compile("[\\x21-\\x7e]+");
    private static final Pattern ENTERPRISE_ID = Pattern.compile("[0-9]+(\\.[0-9]+)*");
    private static final ObjectWriter ASCII_JSON = Json.MAPPER.writer().with(JsonWriteFeature.ESCAPE_NON_ASCII);

    static SyslogFormat parse(SpecReader spec) {
        int facility = spec.integer("facility", DEFAULT_FACILITY, 0, 23);
        String hostname = printable(spec, "hostname", DEFAULT_HOSTNAME, 255);
        String appName = printable(spec, "appName", DEFAULT_APP_NAME, 48);
        JsonNode pen = spec.get("enterpriseId");
        String enterpriseId = pen == null ? DEFAULT_ENTERPRISE_ID
                : pen.isIntegralNumber() || pen.isString() ? pen.asString() : null;
        if (enterpriseId == null || !ENTERPRISE_ID.matcher(enterpriseId).matches()
                || enterpriseId.length() > ENTERPRISE_ID_MAX) {
            throw spec.invalid("enterpriseId", "must be an IANA private enterprise number such as 32473 or "
                    + "\"32473.1\", at most " + ENTERPRISE_ID_MAX + " characters");
        }
        String severityField = spec.severityField();
        return new SyslogFormat(facility, hostname, appName, enterpriseId, severityField);
    }

    private static String printable(SpecReader spec, String member, String defaultValue, int max) {
        String v = spec.optionalString(member).orElse(defaultValue);
        if (v.length() > max || !PRINTUSASCII.matcher(v).matches()) {
            throw spec.invalid(member, "must be 1 to " + max + " printable US-ASCII characters, no spaces");
        }
        return v;
    }

    @Override
    public Rendered render(Event event) {
        Payload payload = Payload.parse(event.payload());
        int pri = facility * 8 + Severity.of(payload, severityField).syslog();
        StringBuilder line = new StringBuilder();
        line.append('<').append(pri).append(">1 ")
                .append(timestamp(event.timestamp())).append(' ')
                .append(hostname).append(' ')
                .append(appName).append(" - ")
                .append(msgId(event.type())).append(' ');
        line.append('[').append(SD_NAME).append('@').append(enterpriseId);
        param(line, "id", event.id());
        param(line, "type", event.type());
        if (event.eventId() != null) {
            param(line, "eventId", event.eventId());
        }
        event.channelList().ifPresent(c -> param(line, "channels", c));
        line.append("] ").append(ASCII_JSON.writeValueAsString(payload.root()));
        return Rendered.utf8(line.toString(), "text/plain; charset=utf-8");
    }

    static String timestamp(Instant instant) {
        if (instant.isBefore(FIRST_WRITABLE) || !instant.isBefore(PAST_WRITABLE)) {
            return "-";
        }
        return Text.iso(instant.truncatedTo(ChronoUnit.MICROS));
    }

    static String msgId(String type) {
        StringBuilder out = new StringBuilder();
        type.codePoints().limit(MSGID_MAX).forEach(c -> out.append(c >= 0x21 && c <= 0x7e ? (char) c : '_'));
        return out.isEmpty() ? "-" : out.toString();
    }

    private static void param(StringBuilder line, String name, String value) {
        line.append(' ').append(name).append("=\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\' || c == ']') {
                line.append('\\');
            }
            line.append(Character.isISOControl(c) ? ' ' : c);
        }
        line.append('"');
    }

    @Override
    public JsonNode spec() {
        ObjectNode spec = Specs.node(type());
        spec.put("facility", facility).put("hostname", hostname).put("appName", appName)
                .put("enterpriseId", enterpriseId).put("severityField", severityField);
        return spec;
    }

    @Override
    public String type() {
        return "syslog";
    }
}
