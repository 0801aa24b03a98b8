package io.herald.format;

import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One ArcSight Common Event Format line, without a syslog prefix and without a trailing newline:
 * {@code CEF:0|Vendor|Product|Version|<event type>|<name>|<severity>|<extension>}.
 *
 * <p>Header: vendor, product and version come from the spec (defaults {@code Herald},
 * {@code Herald}, {@code 1}); the signature id is the event type; the name is the payload's title
 * (see {@link Payload}) or else the event type, cut to 512 characters; the severity is 0–10 as
 * {@link Severity} maps the member named by {@code severityField} (default {@code severity}).
 *
 * <p>Extension, in this order, each key present only when there is a value:
 * <ul>
 *   <li>{@code rt}: the event timestamp, milliseconds since the epoch
 *   <li>{@code externalId}: Herald's message id
 *   <li>{@code cat}: the event type
 *   <li>{@code msg}: the payload's description
 *   <li>{@code request}: the payload's link (left out when longer than 1023 characters)
 *   <li>{@code dhost}: the payload's {@code host} or {@code hostname} string
 *   <li>{@code cs1Label=eventId cs1=}: the publisher's event id
 *   <li>{@code cs2Label=channels cs2=}: the channels, comma-separated
 *   <li>{@code cs3Label=payload cs3=}: the whole payload as compact JSON, never cut (receivers
 *       that hold custom strings to the dictionary's 4000 characters may cut it)
 * </ul>
 * Keys are fixed dictionary names, so they need no escaping. {@code msg}, {@code cat} and
 * {@code dhost} are cut to the dictionary's 1023 characters.
 *
 * <p>Escaping follows the CEF specification: in header fields {@code \} and {@code |} are escaped
 * with a backslash; in extension values {@code \} and {@code =} are, and newlines are written as
 * {@code \n} and {@code \r}. CEF allows line breaks only in extension values, so a line break in a
 * header field (a payload title, say) becomes a space; so do other control characters anywhere.
 */
record CefFormat(String vendor, String product, String version, String severityField, String titleField,
                 String linkField) implements Format {
    static final String DEFAULT_VENDOR = "Herald";
    static final String DEFAULT_PRODUCT = "Herald";
    static final String DEFAULT_VERSION = "1";
    static final int NAME_MAX = 512;
    static final int SIGNATURE_ID_MAX = 1023;
    static final int STRING_MAX = 1023;

    static CefFormat parse(SpecReader spec) {
        return new CefFormat(
                spec.label("vendor", DEFAULT_VENDOR, 63),
                spec.label("product", DEFAULT_PRODUCT, 63),
                spec.label("version", DEFAULT_VERSION, 31),
                spec.severityField(),
                spec.titleField(), spec.linkField());
    }

    @Override
    public Rendered render(Event event) {
        Payload payload = Payload.parse(event.payload());
        Payload.Summary summary = payload.summary(titleField, linkField, STRING_MAX);
        Optional<Payload.Member> title = summary.title();
        Optional<String> host = payload.member("host").or(() -> payload.member("hostname"))
                .filter(JsonNode::isString).map(JsonNode::stringValue).filter(h -> !h.isBlank());

        StringBuilder line = new StringBuilder("CEF:0|");
        line.append(header(vendor)).append('|')
                .append(header(product)).append('|')
                .append(header(version)).append('|')
                .append(header(Text.truncate(event.type(), SIGNATURE_ID_MAX))).append('|')
                .append(header(Text.truncate(title.map(Payload.Member::text).orElse(event.type()), NAME_MAX)))
                .append('|')
                .append(Severity.of(payload, severityField).cef()).append('|');

        Extension ext = new Extension(line);
        epochMillis(event).ifPresent(ms -> ext.add("rt", Long.toString(ms)));
        ext.add("externalId", event.id());
        ext.add("cat", Text.truncate(event.type(), STRING_MAX));
        summary.description().ifPresent(d -> ext.add("msg", Text.truncate(d.text(), STRING_MAX)));
        summary.link().ifPresent(l -> ext.add("request", l.text()));
        host.ifPresent(h -> ext.add("dhost", Text.truncate(h, STRING_MAX)));
        if (event.eventId() != null) {
            ext.add("cs1Label", "eventId").add("cs1", event.eventId());
        }
        event.channelList().ifPresent(c -> ext.add("cs2Label", "channels").add("cs2", c));
        ext.add("cs3Label", "payload").add("cs3", payload.compact());
        return Rendered.utf8(line.toString(), "text/plain; charset=utf-8");
    }

    private static Optional<Long> epochMillis(Event event) {
        try {
            return Optional.of(event.timestamp().toEpochMilli());
        } catch (ArithmeticException e) {
            return Optional.empty(); // an instant beyond what milliseconds in a long can hold
        }
    }

    /** A header field: {@code \} and {@code |} escaped, control characters made spaces. */
    static String header(String value) {
        return Text.controlsToSpaces(value).replace("\\", "\\\\").replace("|", "\\|");
    }

    /** An extension value: {@code \}, {@code =} and line breaks escaped, other controls made spaces. */
    static String extensionValue(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '=' -> out.append("\\=");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(Character.isISOControl(c) ? ' ' : c);
            }
        }
        return out.toString();
    }

    /** Appends {@code key=value} pairs separated by single spaces. */
    private static final class Extension {
        private final StringBuilder line;
        private boolean first = true;

        Extension(StringBuilder line) {
            this.line = line;
        }

        Extension add(String key, String value) {
            if (!first) {
                line.append(' ');
            }
            first = false;
            line.append(key).append('=').append(extensionValue(value));
            return this;
        }
    }

    @Override
    public JsonNode spec() {
        ObjectNode spec = Specs.node(type())
                .put("vendor", vendor).put("product", product).put("version", version)
                .put("severityField", severityField);
        return Specs.withFieldChoices(spec, titleField, linkField);
    }

    @Override
    public String type() {
        return "cef";
    }
}
