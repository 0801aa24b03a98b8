package io.herald.format;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader for one RFC 5424 message, written from the RFC's ABNF (section 6) for these
 * tests: it refuses what the grammar refuses, including what lenient parsers let through (a 7-digit
 * fraction, a 33-character MSGID, an unescaped quote).
 */
final class Rfc5424 {
    record Message(int pri, String timestamp, String hostname, String appName, String procId, String msgId,
                   Map<String, Map<String, String>> structuredData, String msg) {}

    private static final String PRINTUSASCII = "[\\x21-\\x7e]";
    private static final Pattern HEADER = Pattern.compile(
            "<(\\d{1,3})>([1-9]\\d{0,2}) "
            + "(-|\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,6})?(?:Z|[+-]\\d{2}:\\d{2})) "
            + "(-|" + PRINTUSASCII + "{1,255}) "
            + "(-|" + PRINTUSASCII + "{1,48}) "
            + "(-|" + PRINTUSASCII + "{1,128}) "
            + "(-|" + PRINTUSASCII + "{1,32}) ");
    /** SD-NAME: printable US-ASCII except '=', SP, ']' and '"'. */
    private static final Pattern SD_NAME = Pattern.compile("[\\x21\\x23-\\x3c\\x3e-\\x5c\\x5e-\\x7e]{1,32}");

    private Rfc5424() {}

    static Message parse(String line) {
        Matcher h = HEADER.matcher(line);
        if (!h.lookingAt()) {
            throw new IllegalArgumentException("header does not match RFC 5424: " + line);
        }
        int pri = Integer.parseInt(h.group(1));
        if (pri > 191 || (h.group(1).length() > 1 && h.group(1).startsWith("0"))) {
            throw new IllegalArgumentException("PRIVAL out of range: " + h.group(1));
        }
        int pos = h.end();
        Map<String, Map<String, String>> sd = new LinkedHashMap<>();
        if (line.startsWith("-", pos)) {
            pos++;
        } else {
            if (!line.startsWith("[", pos)) {
                throw new IllegalArgumentException("STRUCTURED-DATA must be '-' or start with '[' at " + pos);
            }
            while (line.startsWith("[", pos)) {
                pos = element(line, pos + 1, sd);
            }
        }
        String msg = null;
        if (pos < line.length()) {
            if (line.charAt(pos) != ' ') {
                throw new IllegalArgumentException("expected SP before MSG at " + pos);
            }
            msg = line.substring(pos + 1);
        }
        return new Message(pri, h.group(3), h.group(4), h.group(5), h.group(6), h.group(7), sd, msg);
    }

    private static int element(String line, int pos, Map<String, Map<String, String>> sd) {
        int idEnd = nameEnd(line, pos);
        String id = line.substring(pos, idEnd);
        Map<String, String> params = new LinkedHashMap<>();
        if (sd.put(id, params) != null) {
            throw new IllegalArgumentException("SD-ID repeated: " + id);
        }
        pos = idEnd;
        while (line.charAt(pos) == ' ') {
            int nameEnd = nameEnd(line, pos + 1);
            String name = line.substring(pos + 1, nameEnd);
            if (!line.startsWith("=\"", nameEnd)) {
                throw new IllegalArgumentException("expected =\" after PARAM-NAME " + name);
            }
            StringBuilder value = new StringBuilder();
            int i = nameEnd + 2;
            for (; ; i++) {
                char c = line.charAt(i);
                if (c == '\\' && "\"\\]".indexOf(line.charAt(i + 1)) >= 0) {
                    value.append(line.charAt(++i));
                } else if (c == '"') {
                    break;
                } else if (c == ']') {
                    throw new IllegalArgumentException("unescaped ']' in PARAM-VALUE at " + i);
                } else {
                    value.append(c);
                }
            }
            params.put(name, value.toString());
            pos = i + 1;
        }
        if (line.charAt(pos) != ']') {
            throw new IllegalArgumentException("expected ']' at " + pos);
        }
        return pos + 1;
    }

    private static int nameEnd(String line, int pos) {
        Matcher m = SD_NAME.matcher(line).region(pos, line.length());
        if (!m.lookingAt()) {
            throw new IllegalArgumentException("expected SD-NAME at " + pos);
        }
        return m.end();
    }
}
