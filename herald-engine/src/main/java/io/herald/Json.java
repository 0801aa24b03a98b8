package io.herald;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.json.JsonMapper;

/** The one JSON mapper of the engine, configured once. */
public final class Json {
    public static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    /** For what callers send: a member given twice in one object is an error, not "the last wins". */
    private static final ObjectReader STRICT = MAPPER.reader().with(StreamReadFeature.STRICT_DUPLICATE_DETECTION);

    private Json() {}

    /**
     * Parses JSON a caller sent, refusing duplicate members: {@code {"severity":"x","severity":3}}
     * would otherwise pass a schema check on one value while the receiver reads the other.
     *
     * @throws JacksonException for malformed JSON or a duplicate member; see {@link #duplicatePath}
     */
    public static JsonNode readStrict(String text) {
        return STRICT.readTree(text);
    }

    /**
     * The dotted path (e.g. {@code payload.severity}, {@code tags[1]}) of the member that
     * {@link #readStrict} found twice, or null when {@code e} is about something else.
     */
    public static String duplicatePath(JacksonException e) {
        if (!(e instanceof StreamReadException sre) || e.getOriginalMessage() == null
                || !e.getOriginalMessage().startsWith("Duplicate Object property")) {
            return null;
        }
        if (!(sre.processor() instanceof JsonParser p)) {
            return null;
        }
        String message = e.getOriginalMessage();
        int open = message.indexOf('"');
        int close = message.lastIndexOf('"');
        String name = open >= 0 && close > open ? message.substring(open + 1, close) : "?";
        // The parser stopped inside the object holding the duplicate; its ancestors give the path.
        List<String> segments = new ArrayList<>();
        for (TokenStreamContext c = p.streamReadContext().getParent(); c != null && !c.inRoot(); c = c.getParent()) {
            segments.add(c.inArray() ? "[" + c.getCurrentIndex() + "]" : c.currentName());
        }
        Collections.reverse(segments);
        segments.add(name);
        StringBuilder path = new StringBuilder();
        for (String segment : segments) {
            if (!path.isEmpty() && !segment.startsWith("[")) {
                path.append('.');
            }
            path.append(segment);
        }
        return path.toString();
    }

    public static String write(Object value) {
        return MAPPER.writeValueAsString(value);
    }

    /**
     * A map of strings as a JSON object, as {@link #write} makes it (same escapes, no spaces), without
     * Jackson's per-call set-up: attempts' header columns, written for every attempt.
     */
    public static String writeStrings(Map<String, String> map) {
        StringBuilder out = new StringBuilder(32 + map.size() * 48);
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, String> e : map.entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            quoted(out, e.getKey());
            out.append(':');
            if (e.getValue() == null) {
                out.append("null");
            } else {
                quoted(out, e.getValue());
            }
        }
        return out.append('}').toString();
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private static void quoted(StringBuilder out, String s) {
        out.append('"');
        // Runs that need no escape (all of a usual header) are copied whole, not char by char.
        int run = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') {
                continue;
            }
            out.append(s, run, i);
            run = i + 1;
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        out.append(s, run, s.length()).append('"');
    }

    public static JsonNode read(String text) {
        return MAPPER.readTree(text);
    }

    public static <T> T read(String text, Class<T> type) {
        try {
            return MAPPER.readValue(text, type);
        } catch (JacksonException e) {
            throw new IllegalStateException("stored JSON does not parse as " + type.getSimpleName(), e);
        }
    }
}
