package io.herald.api;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Strict decoding of what a request carries as text: UTF-8 that is not valid is refused, never
 * turned into U+FFFD, a percent escape that is not one is refused, and U+0000 is refused everywhere
 * Herald stores text (PostgreSQL cannot hold it in a text column; SQLite refuses it too, for one
 * behaviour on both stores). Each refusal is a 400 naming where it was.
 */
public final class Text {
    private Text() {}

    /** {@code bytes} as UTF-8; a 400 naming {@code field} when they are not valid UTF-8. */
    public static String utf8(String field, byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw ApiError.badRequest(field, "is not valid UTF-8");
        }
    }

    /** A percent-encoded URL part; {@code plusIsSpace} for query strings. */
    static String decode(String field, String encoded, boolean plusIsSpace) {
        if (encoded.indexOf('%') < 0 && (!plusIsSpace || encoded.indexOf('+') < 0)) {
            return noNul(field, encoded);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(encoded.length());
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == '%') {
                int hi = i + 2 < encoded.length() ? Character.digit(encoded.charAt(i + 1), 16) : -1;
                int lo = hi >= 0 ? Character.digit(encoded.charAt(i + 2), 16) : -1;
                if (lo < 0) {
                    throw ApiError.badRequest(field, "has a '%' that is not followed by two hexadecimal digits");
                }
                out.write(hi * 16 + lo);
                i += 2;
            } else if (c == '+' && plusIsSpace) {
                out.write(' ');
            } else {
                // Characters Jetty let through unencoded: written as UTF-8, a surrogate pair at once.
                int cp = encoded.codePointAt(i);
                out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(cp) - 1;
            }
        }
        return noNul(field, utf8(field, out.toByteArray()));
    }

    /** The query string's parameters, in order, values decoded; a bad escape is a 400 naming its parameter. */
    public static Map<String, List<String>> query(String raw) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String rawName = eq < 0 ? pair : pair.substring(0, eq);
            String name = decode("query", rawName, true);
            String value = eq < 0 ? "" : decode(name, pair.substring(eq + 1), true);
            out.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return out;
    }

    static String noNul(String field, String value) {
        if (value != null && value.indexOf('\0') >= 0) {
            throw ApiError.badRequest(field, "must not contain the character U+0000");
        }
        return value;
    }

    /**
     * Refuses U+0000 in the member names and strings of a request body, naming the first place
     * (e.g. {@code metadata.team}). {@code documents} are members whose content is kept as JSON
     * text (a payload, a schema, an example), where it is written escaped and is harmless.
     */
    static void noNul(JsonNode body, List<String> documents) {
        for (Map.Entry<String, JsonNode> e : body.properties()) {
            if (!documents.contains(e.getKey())) {
                noNul(e.getKey(), e.getKey(), e.getValue());
            }
        }
    }

    private static void noNul(String path, String name, JsonNode node) {
        noNul(path, name);
        if (node.isString()) {
            noNul(path, node.asString());
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                noNul(path + "." + e.getKey(), e.getKey(), e.getValue());
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                noNul(path + "[" + i + "]", "", node.get(i));
            }
        }
    }
}
