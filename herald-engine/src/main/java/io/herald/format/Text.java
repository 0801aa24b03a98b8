package io.herald.format;

import java.time.Instant;
import java.time.format.DateTimeFormatter;

/** Small text helpers shared by the formats. Lengths are in UTF-16 units, never fewer than code points. */
final class Text {
    static final String ELLIPSIS = "\u2026";

    private Text() {}

    static String iso(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant);
    }

    /**
     * {@code s} if it fits in {@code max} characters, else its start and an ellipsis, {@code max}
     * characters in all. Never splits a surrogate pair.
     */
    static String truncate(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        int end = max - ELLIPSIS.length();
        if (end > 0 && Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, Math.max(end, 0)) + ELLIPSIS;
    }

    /** Each ISO control character (C0, DEL, C1) replaced by a space. */
    static String controlsToSpaces(String s) {
        if (s.chars().noneMatch(Character::isISOControl)) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(Character.isISOControl(c) ? ' ' : c);
        }
        return out.toString();
    }
}
